"""The field pages and their endpoints (web/field.py) as a phone uses them: the login,
the CSRF token the queue fetches before it sends, a visit sent twice and stored once, a
refusal as JSON naming each field, the scope, and the service worker's own headers."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from ops.schema import audit_log, visits
from tests.conftest import login

ZIYANG_TOWNSHIP = "610924100000"  # ziyang_cadre's township (城关镇)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 160, 60)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def homes(wh) -> dict:
    inside = wh.execute(
        "select h.household_id, h.head_name from household h where h.township_code = ? "
        "and h.is_registered order by 1 limit 1",
        [ZIYANG_TOWNSHIP],
    ).fetchone()
    outside = wh.execute(
        "select household_id, head_name from household where county_code <> '610924000000' "
        "and is_registered order by 1 limit 1"
    ).fetchone()
    return {"inside": inside, "outside": outside}


def phone(server, username="ziyang_cadre"):
    c = server.test_client()
    assert login(c, username).status_code == 302
    return c


def token(client) -> str:
    r = client.get("/m/api/token")
    assert r.status_code == 200 and r.headers["Cache-Control"].startswith("no-store")
    return r.get_json()["csrf"]


def send(client, data, csrf=None, photos=()):
    body = dict(data)
    if photos:
        body["photos"] = [(io.BytesIO(p), f"p{i}.png") for i, p in enumerate(photos)]
    return client.post(
        "/m/api/visits",
        data=body,
        headers={"X-CSRF-Token": csrf if csrf is not None else token(client)},
        content_type="multipart/form-data",
    )


def stored(key: str) -> int:
    from ops.schema import field_submissions
    from web import context

    with context.ops().connect() as conn:
        return conn.execute(
            sa.select(sa.func.count())
            .select_from(visits.join(field_submissions, field_submissions.c.ref_id == visits.c.id))
            .where(field_submissions.c.key == key)
        ).scalar_one()


def test_my_households_need_a_login_and_a_field_role(server, homes):
    anonymous = server.test_client()
    r = anonymous.get("/m/")
    assert r.status_code == 302 and "/login?next=/m/" in r.headers["Location"]
    assert anonymous.post("/m/api/visits").status_code == 401
    assert anonymous.post("/m/api/visits").get_json()["status"] == 401
    page = phone(server).get("/m/").get_data(as_text=True)
    assert homes["inside"][1] in page and homes["outside"][1] not in page
    assert 'data-sw="/m/sw.js"' in page
    r = phone(server, "province_leader").get("/m/")
    assert r.status_code == 403 and "掌上扶贫供县、乡、村干部使用" in r.get_data(as_text=True)
    # A unit outside the scope, as one that does not exist.
    r = phone(server).get("/m/?unit=610902000000")
    assert r.status_code == 404


def test_a_visit_sent_twice_is_stored_once(server, homes):
    client = phone(server)
    key = "web-visit-key-0000000001"
    data = {
        "key": key,
        "household": str(homes["inside"][0]),
        "visited_on": "",
        "kind": "1",
        "notes": "入户走访，了解务工收入",
    }
    from domain import clock

    data["visited_on"] = clock.day().isoformat()
    first = send(client, data, photos=[png()])
    assert first.status_code == 201, first.get_data(as_text=True)
    again = send(client, data, photos=[png()])
    assert again.status_code == 200
    assert again.get_json() == {**first.get_json(), "duplicate": True}
    assert stored(key) == 1
    card = client.get(f"/m/household/{homes['inside'][0]}").get_data(as_text=True)
    assert "入户走访，了解务工收入" in card
    photo = re.search(r'href="/m/photo/(\d+)"', card).group(1)
    r = client.get(f"/m/photo/{photo}")
    assert (r.status_code, r.mimetype, r.data) == (200, "image/png", png())
    # Another county's account reads neither the photo nor the card.
    other = phone(server, "hanzhong_manager")
    assert other.get(f"/m/photo/{photo}").status_code == 404


def test_refusals_are_json_and_store_nothing(server, homes):
    client = phone(server)
    base = {"key": "web-visit-key-0000000002", "household": str(homes["inside"][0])}
    r = send(client, {**base, "kind": "1", "notes": "x"}, csrf="forged")
    assert r.status_code == 400 and r.get_json()["error"]
    r = send(client, {**base, "visited_on": "2020-01-01", "kind": "7", "notes": ""})
    assert r.status_code == 400
    assert r.get_json() == {
        "error": "内容有误，未保存",
        "fields": {
            "visited_on": "走访日期须为今天或此前 60 天内",
            "kind": "请选择走访方式",
            "notes": "请填写走访情况",
        },
        "status": 400,
    }
    from domain import clock

    today = clock.day().isoformat()
    r = send(
        client, {**base, "visited_on": today, "kind": "1", "notes": "看"}, photos=[b"<script>"]
    )
    assert r.status_code == 400 and r.get_json()["fields"] == {
        "photos": "只接受 JPEG、PNG 或 WebP 照片"
    }
    outside = {**base, "household": str(homes["outside"][0]), "visited_on": today, "kind": "1"}
    r = send(client, {**outside, "notes": "看"})
    assert r.status_code == 404
    assert stored(base["key"]) == 0


def test_a_revealed_number_on_the_card_is_logged(server, homes):
    from web import context

    client = phone(server)
    hid = homes["inside"][0]
    masked = client.get(f"/m/household/{hid}").get_data(as_text=True)
    assert "tel:" not in masked and "****" in masked
    shown = client.get(f"/m/household/{hid}?reveal=1").get_data(as_text=True)
    assert re.search(r'href="tel:1\d{10}"', shown)
    with context.ops().connect() as conn:
        rows = conn.execute(
            sa.select(audit_log.c.action).where(audit_log.c.target == f"household:{hid}")
        ).all()
    assert ("reveal_id",) in rows


def test_the_service_worker_is_served_for_the_field_pages(server):
    r = phone(server).get("/m/sw.js")
    assert r.status_code == 200 and r.mimetype == "text/javascript"
    assert r.headers["Service-Worker-Allowed"] == "/m/"
    assert b"caches.open" in r.data
    # The full site's pages do not load the field scripts.
    page = phone(server).get("/")
    assert b"/assets/shell.js" in page.data and b"/assets/field/" not in page.data


def test_a_township_too_large_for_one_list_is_opened_village_by_village(server, monkeypatch):
    from services import field

    monkeypatch.setattr(field, "MAX_LIST", 2)
    page = phone(server).get("/m/").get_data(as_text=True)
    assert 'id="m-villages"' in page
    village = re.search(r'href="/m/\?unit=(\d{12})"', page).group(1)
    assert village.startswith("610924100")
    assert phone(server).get(f"/m/?unit={village}").status_code == 200


def test_pages_with_full_numbers_or_feedback_are_never_kept(server, homes):
    client = phone(server)
    hid = homes["inside"][0]
    assert "no-store" not in client.get(f"/m/household/{hid}").headers.get("Cache-Control", "")
    assert "no-store" in client.get(f"/m/household/{hid}?reveal=1").headers["Cache-Control"]
    assert "no-store" in client.get("/m/feedback").headers["Cache-Control"]
    assert "no-store" in client.get(f"/m/cards?household={hid}").headers["Cache-Control"]
    worker = client.get("/m/sw.js").get_data(as_text=True)
    assert '"/m/feedback"' in worker and "no-store" in worker and 'reveal") !== "1"' in worker


def test_a_linked_cadre_opens_on_their_own_households(server, wh):
    from access import Scope
    from ops import users
    from services import field
    from web import context

    cadre_id = wh.execute(
        "select p.cadre_id from pairing p join household h using (household_id) "
        "where p.end_date is null and h.township_code = ? group by 1 order by count(*) desc, 1 "
        "limit 1",
        [ZIYANG_TOWNSHIP],
    ).fetchone()[0]
    if users.get(context.ops(), "pair_web") is None:
        users.create(context.ops(), "pair_web", "long-enough-1", "cadre", ZIYANG_TOWNSHIP, 4)
    account = Scope("pair_web", "cadre", ZIYANG_TOWNSHIP)
    field.link_cadre(context.ops(), context.warehouse(), "cli", account, cadre_id)
    client = server.test_client()
    assert login(client, "pair_web", "long-enough-1").status_code == 302
    mine = client.get("/m/").get_data(as_text=True)
    assert "<b>我的结对户</b>" in mine and 'href="/m/?all=1"' in mine
    everyone = client.get("/m/?all=1").get_data(as_text=True)
    assert "<b>本单位全部户</b>" in everyone
    count = lambda page: page.count('class="m-item"')  # noqa: E731
    assert 0 < count(mine) < count(everyone)
