"""Feedback on the web (web/feedback.py): the public form answers a wrong code exactly as a
right one and stores nothing for it, limits what it is sent, needs its CSRF token; the
cards carry the form's signed address and no ID or phone numbers; the township's list,
a ticket's actions, the cadre's intake and the hotline file; the wall counts the open
tickets."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ops.schema import feedback_tickets
from tests.conftest import login

ZIYANG_TOWNSHIP = "610924100000"


@pytest.fixture(scope="module")
def home(wh) -> dict:
    hid, no, village = wh.execute(
        "select household_id, household_no, village_code from household "
        "where township_code = ? and is_registered order by 1 limit 1",
        [ZIYANG_TOWNSHIP],
    ).fetchone()
    return {"id": hid, "no": no, "village": village}


def phone(server, username="ziyang_cadre"):
    c = server.test_client()
    assert login(c, username).status_code == 302
    return c


def count() -> int:
    from web import context

    with context.ops().connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(feedback_tickets)).scalar()


def form_token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def card_url(server, home) -> str:
    html = phone(server).get(f"/m/cards?household={home['id']}").get_data(as_text=True)
    assert home["no"] in html and "<svg" in html
    assert not re.search(r"\b\d{17}[\dX]\b", html)  # no ID number
    assert not re.search(r"\b1\d{10}\b", html)  # no phone number
    return re.search(r"(/f/[a-z2-7]{24})<", html).group(1)


def test_the_public_form_answers_the_same_to_a_wrong_code(server, home):
    url = card_url(server, home)
    right, wrong = server.test_client(), server.test_client()
    get_right = right.get(url).get_data(as_text=True)
    get_wrong = wrong.get("/f/" + "a" * 24).get_data(as_text=True)
    strip = lambda h: re.sub(r'value="[^"]+"|/f/[a-z2-7]{24}|/f/a{24}', "", h)  # noqa: E731
    assert strip(get_right) == strip(get_wrong) and home["no"] not in get_right
    before = count()
    fields = {"type": "2", "text": "希望安排公益岗位", "contact": ""}
    r = right.post(url, data={**fields, "csrf_token": form_token(right, url)})
    w = wrong.post("/f/" + "a" * 24, data={**fields, "csrf_token": form_token(wrong, url)})
    assert r.status_code == w.status_code == 200
    assert strip(r.get_data(as_text=True)) == strip(w.get_data(as_text=True))
    assert "感谢您的反馈" in r.get_data(as_text=True)
    assert count() == before + 1
    # Script text, or no CSRF token: the same answer, nothing stored.
    script = {**fields, "text": "<script>alert(1)</script>", "csrf_token": form_token(right, url)}
    assert right.post(url, data=script).status_code == 200
    assert right.post(url, data=fields).status_code == 200
    assert count() == before + 1


def test_the_public_form_is_rate_limited(server, home):
    from services import feedback

    url = card_url(server, home)
    client = server.test_client()
    token = form_token(client, url)
    statuses = [
        client.post(
            url,
            data={"type": "1", "text": f"咨询{i}", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "10.20.30.40"},
        ).status_code
        for i in range(feedback.PER_ADDRESS_HOUR + 1)
    ]
    assert statuses[-1] == 429 and "提交过于频繁" in client.post(
        url,
        data={"type": "1", "text": "x", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.20.30.40"},
    ).get_data(as_text=True)


def test_the_township_replies_and_the_wall_counts_what_is_open(server, home):
    from domain import feedback as D
    from pages import wall
    from services import feedback
    from web import context

    cadre = phone(server)
    r = cadre.post(
        f"/m/household/{home['id']}/feedback",
        data={
            "channel": "3",
            "type": "3",
            "text": "来电反映危房改造补助未到位",
            "csrf_token": form_token(cadre, f"/m/household/{home['id']}/feedback"),
        },
    )
    assert r.status_code == 302
    ticket_url = r.headers["Location"]
    page = cadre.get(ticket_url).get_data(as_text=True)
    assert "来电反映危房改造补助未到位" in page and 'data-state="received"' in page
    tid = int(ticket_url.rsplit("/", 1)[1])
    token = form_token(cadre, ticket_url)
    r = cadre.post(
        ticket_url, data={"csrf_token": token, "version": "1", "action": "reply", "note": ""}
    )
    assert r.status_code == 400 and "请填写答复或说明" in r.get_data(as_text=True)
    r = cadre.post(
        ticket_url,
        data={"csrf_token": token, "version": "1", "action": "reply", "note": "补助已于本周发放"},
    )
    assert r.status_code == 302
    assert 'data-state="replied"' in cadre.get(ticket_url).get_data(as_text=True)
    listing = cadre.get("/m/feedback").get_data(as_text=True)
    assert f'href="/m/feedback/{tid}"' in listing
    assert re.search(r'id="m-ticket-types">.*问题反映 \d+', listing)
    # Another county cannot read it.
    assert phone(server, "hanzhong_manager").get(ticket_url).status_code == 404
    # The wall of the province shows the open tickets' count, as the service counts them.
    from access import Scope

    scope = Scope("province_wall", "wall", "610000000000")
    waiting = Scope("ziyang_cadre", "cadre", ZIYANG_TOWNSHIP)
    feedback.intake(
        context.ops(), context.warehouse(), waiting, home["id"], 2, {"type": "4", "text": "建议"}
    )
    expected = feedback.counts(context.ops(), scope)["open"]
    assert expected >= 1 and D.OPEN
    with server.test_request_context():
        from flask_login import login_user

        from ops import users

        login_user(users.get(context.ops(), "province_wall"))
        _, panels = wall._draw(
            scope, {"kind": "dispatch", "region": "610000000000", "dwell": 30}, 0
        )
    shown = re.search(r"data-counter='(\d+)'\), Span\(children='反馈待复'", repr(panels))
    assert shown and int(shown.group(1)) == expected


def test_the_hotline_file_from_the_page(server, home):
    from services import feedback

    county = phone(server, "ziyang_manager")
    head = ",".join(feedback.HOTLINE_COLUMNS)
    body = f"{head}\nW-1,{home['no']},1,咨询医保,2026-01-05,\n".encode()
    token = form_token(county, "/m/feedback/import")
    import io

    r = county.post(
        "/m/feedback/import",
        data={"csrf_token": token, "file": (io.BytesIO(body), "hotline.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and "已导入 1 条" in r.get_data(as_text=True)
    r = county.post(
        "/m/feedback/import",
        data={"csrf_token": token, "file": (io.BytesIO(b"x,y\n"), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "表头" in r.get_data(as_text=True)


def test_the_household_page_shows_its_visits_and_tickets(server, home):
    from access import Scope
    from domain import clock
    from pages import household
    from services import feedback, field
    from tests.web.test_overview import _text, logged_in
    from web import context

    scope = Scope("ziyang_cadre", "cadre", ZIYANG_TOWNSHIP)
    field.record_visit(
        context.ops(),
        context.warehouse(),
        scope,
        "hhd-page-visit-key-0001",
        home["id"],
        {"visited_on": clock.day().isoformat(), "kind": "2", "notes": "电话回访：已领到产业补贴"},
    )
    tk = feedback.intake(
        context.ops(),
        context.warehouse(),
        scope,
        home["id"],
        2,
        {"type": "1", "text": "咨询子女教育资助政策"},
    )
    with logged_in(server, "ziyang_manager"):
        text = _text(household.layout(household_id=str(home["id"])))
    assert "电话回访：已领到产业补贴" in text and "hhd-visits" in text
    assert f"/m/feedback/{tk['id']}" in text and "咨询子女教育资助政策" in text
    # A department account sees neither list.
    with logged_in(server, "province_health"):
        text = _text(household.layout(household_id=str(home["id"])))
    assert "电话回访：已领到产业补贴" not in text and "咨询子女教育资助政策" not in text


def test_the_dispatch_agenda_lists_overdue_feedback(server, home):
    import datetime as dt
    import json

    from access import Scope
    from domain import clock
    from pages import dispatch
    from services import feedback
    from tests.web.test_overview import _props, _text, logged_in
    from web import context

    scope = Scope("ziyang_cadre", "cadre", ZIYANG_TOWNSHIP)
    old = clock.utcnow() - dt.timedelta(days=12)
    tk = feedback.intake(
        context.ops(),
        context.warehouse(),
        scope,
        home["id"],
        3,
        {"type": "3", "text": "反映安全饮水问题"},
        now=old,
    )
    with logged_in(server, "ziyang_manager"):
        page = dispatch.layout(code="610924000000")
    props = list(_props(json.loads(_text(page))))
    items = [p for p in props if p.get("id") == "dispatch-items"][0]["data"]
    mine = [i for i in items if i["source"] == "feedback" and i["source_ref"] == str(tk["id"])]
    assert len(mine) == 1
    assert (mine[0]["assignee_region"], mine[0]["households"], mine[0]["priority"]) == (
        ZIYANG_TOWNSHIP,
        [home["id"]],
        "high",
    )
    assert "群众反馈超期" in _text(page) and "已超期 7 天" in _text(page)


def test_the_dispatch_map_shows_overdue_feedback_by_unit(server, home):
    import datetime as dt

    from access import Scope
    from domain import clock
    from pages import dispatch
    from services import feedback
    from tests.web.test_overview import _text, logged_in
    from web import context

    scope = Scope("ziyang_cadre", "cadre", ZIYANG_TOWNSHIP)
    feedback.intake(
        context.ops(),
        context.warehouse(),
        scope,
        home["id"],
        2,
        {"type": "1", "text": "咨询"},
        now=clock.utcnow() - dt.timedelta(days=9),
    )
    county = Scope("ziyang_manager", "manager", "610924000000")
    counts = feedback.overdue_by_unit(context.ops(), county, [ZIYANG_TOWNSHIP, "610924101000"])
    tickets = feedback.tickets(context.ops(), county, unit=ZIYANG_TOWNSHIP)
    assert counts[ZIYANG_TOWNSHIP] == sum(k["overdue"] for k in tickets) >= 1
    assert (
        feedback.overdue_by_unit(
            context.ops(), Scope("h", "manager", "610700000000"), [ZIYANG_TOWNSHIP]
        )
        == {}
    )
    with logged_in(server, "ziyang_manager"):
        page = _text(dispatch.layout(code="610924000000", metric="overdue_feedback"))
    assert '"value": "overdue_feedback"' in page and "超期反馈" in page
