"""Change requests on the field pages (web/changes.py): a village cadre's request sent
from the queue twice and stored once, a refusal as JSON naming the field, the card's
links, and the township's list and review; the pages are never kept by a cache."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import login
from tests.web.test_field_routes import phone, token

VILLAGE = "610924100200"  # 新桃村, in ziyang_cadre's township
REPORTER = ("xintao_cadre", "xintao-cadre-2026")


@pytest.fixture(scope="module")
def home(wh, server) -> dict:
    hid, no = wh.execute(
        "select household_id, household_no from household where village_code = ? "
        "and is_registered and members >= 2 order by 1 limit 1",
        [VILLAGE],
    ).fetchone()
    pid, name = wh.execute(
        "select person_id, name from person where household_id = ? and left_date is null "
        "and relation <> '01' order by 1 limit 1",
        [hid],
    ).fetchone()
    from ops import users
    from web import context

    if users.get(context.ops(), REPORTER[0]) is None:
        users.create(context.ops(), *REPORTER, "cadre", VILLAGE, 5, None, "新桃村干部")
    return {"id": hid, "no": no, "member": pid, "name": name}


def reporter(server):
    c = server.test_client()
    assert login(c, *REPORTER).status_code == 302
    return c


def send(client, data, csrf=None):
    return client.post(
        "/m/api/changes",
        data=data,
        headers={"X-CSRF-Token": csrf if csrf is not None else token(client)},
        content_type="multipart/form-data",
    )


def test_a_request_sent_twice_is_stored_once_and_reviewed_by_the_township(server, home):
    cadre = reporter(server)
    key = uuid.uuid4().hex
    body = {"key": key, "household": home["id"], "kind": "conditions", "housing_grade": "D"}
    body |= {"sanitary_toilet": "", "road_access": "", "phone": "13900000000"}  # other kinds'
    first = send(cadre, body)
    assert first.status_code == 201, first.get_json()
    again = send(cadre, body)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    change_id = first.get_json()["id"]
    assert again.get_json()["id"] == change_id

    page = cadre.get(f"/m/changes/{change_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert 'data-state="submitted"' in text and 'data-action="withdraw"' in text
    assert 'data-action="approve"' not in text  # a village does not review
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    refused = cadre.post(
        f"/m/changes/{change_id}", data={"csrf_token": csrf, "version": "1", "action": "approve"}
    )
    assert refused.status_code == 403

    town = phone(server, "ziyang_cadre")
    assert re.search(
        r'id="m-changes-link">变更申请（待审核 [1-9]\d*）', town.get("/m/").get_data(as_text=True)
    )
    listing = town.get("/m/changes").get_data(as_text=True)
    assert f'href="/m/changes/{change_id}"' in listing
    waiting = listing.split('id="chg-waiting-list"')[1].split("</ul>")[0]
    assert f"#{change_id}" in waiting and "D级" in waiting
    text = town.get(f"/m/changes/{change_id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    no_reason = town.post(
        f"/m/changes/{change_id}", data={"csrf_token": csrf, "version": "1", "action": "reject"}
    )
    assert no_reason.status_code == 400 and "退回时请写明原因" in no_reason.get_data(as_text=True)
    done = town.post(
        f"/m/changes/{change_id}", data={"csrf_token": csrf, "version": "1", "action": "approve"}
    )
    assert done.status_code == 302
    assert 'data-state="approved"' in town.get(f"/m/changes/{change_id}").get_data(as_text=True)


def test_refusals_are_json_and_store_nothing(server, home):
    cadre = reporter(server)
    bad = send(
        cadre, {"key": uuid.uuid4().hex, "household": home["id"], "kind": "phone"} | {"phone": "12"}
    )
    assert bad.status_code == 400
    assert bad.get_json()["fields"] == {"phone": "填写的值无效"}
    member = send(
        cadre,
        {"key": uuid.uuid4().hex, "household": home["id"], "kind": "member_left"}
        | {"member": "999999999", "left_date": "2026-10-01", "left_reason": "1"},
    )
    assert member.status_code == 404
    no_csrf = send(cadre, {"key": uuid.uuid4().hex, "household": home["id"]}, csrf="x")
    assert no_csrf.status_code == 400
    anonymous = server.test_client()
    assert anonymous.post("/m/api/changes").status_code == 401
    assert anonymous.get("/m/changes").status_code == 302


def test_the_card_links_each_member_to_the_form(server, home):
    cadre = reporter(server)
    card = cadre.get(f"/m/household/{home['id']}").get_data(as_text=True)
    assert f"/m/change?household={home['id']}" in card
    assert f"member={home['member']}&amp;member_label=" in card
    form = cadre.get("/m/change")
    text = form.get_data(as_text=True)
    assert form.status_code == 200 and 'data-url="/m/api/changes"' in text
    assert "no-store" not in form.headers.get("Cache-Control", "")  # kept for offline use
    for kind in ("phone", "conditions", "member", "member_left", "member_new", "income"):
        assert f'<fieldset data-kind="{kind}">' in text
    worker = cadre.get("/m/sw.js").get_data(as_text=True)
    assert '"/m/change"' in worker and '"/m/changes"' in worker


def test_a_role_without_field_work_cannot_report(server, home):
    leader = server.test_client()
    assert login(leader, "province_leader").status_code == 302
    assert leader.get("/m/change").status_code == 403
    r = leader.post("/m/api/changes", data={"key": uuid.uuid4().hex})
    assert r.status_code == 403
