"""Where the monitoring cases show beyond /cases: the dispatch agenda lists the overdue
ones, ready to become an instruction to the unit whose step is late; the monitoring
page's lifecycle links each stage to the platform's cases of that unit in it; the
household page shows the household's cases with their timelines."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from access import Scope
from domain import clock
from tests.web.test_overview import _props, _text, logged_in

ANKANG = "610900000000"


@pytest.fixture(scope="module")
def late_case(server, wh):
    """An Ankang household without a record or a warning, its case opened 20 days ago
    (five days past the decision's 15) and left at the home check."""
    from services import cases as S
    from web import context

    hid, village = wh.execute(
        "select h.household_id, h.village_code from household h "
        "left join monitoring m using (household_id) "
        "where m.household_id is null and h.city_code = ? and h.household_id not in "
        "(select household_id from warning) order by 1 desc limit 1",
        [ANKANG],
    ).fetchone()
    scope = Scope("links_cadre", "cadre", village)
    warned = clock.day() - dt.timedelta(days=20)
    return S.open_case(context.ops(), context.warehouse(), scope, hid, 2, warned_on=warned)


def test_the_dispatch_agenda_lists_the_overdue_case(server, late_case):
    from pages import dispatch

    with logged_in(server, "ankang_leader"):
        page = dispatch.layout(code=ANKANG)
    props = list(_props(json.loads(_text(page))))
    items = [p for p in props if p.get("id") == "dispatch-items"][0]["data"]
    mine = [i for i in items if i["source"] == "case" and i["source_ref"] == str(late_case["id"])]
    assert len(mine) == 1
    assert (mine[0]["assignee_region"], mine[0]["households"], mine[0]["priority"]) == (
        late_case["village_code"],
        [late_case["household_id"]],
        "urgent",
    )
    assert "识别认定超期" in _text(page) and late_case["household_no"] in _text(page)


def test_the_lifecycle_links_its_stages_to_the_cases(server, late_case):
    from pages import cases, monitoring

    with logged_in(server, "province_leader"):
        page = monitoring.layout(code=ANKANG)
        listed = cases.layout(stage="warned", unit=ANKANG)
        elsewhere = cases.layout(stage="warned", unit="610700000000")
        eliminated = cases.layout(stage="eliminated", unit=ANKANG)
    hrefs = {p.get("href") for p in _props(json.loads(_text(page))) if p.get("href")}
    for stage in ("warned", "checked", "identified", "cleared", "eliminated"):
        assert f"/cases?stage={stage}&unit={ANKANG}" in hrefs
    assert f"/cases?stage=assisted&unit={ANKANG}" not in hrefs  # no state says "assisted"
    assert late_case["household_no"] in _text(listed)
    assert late_case["household_no"] not in _text(elsewhere)
    assert late_case["household_no"] not in _text(eliminated)
    with logged_in(server, "hanzhong_manager"):  # a unit outside the scope lists nothing
        outside = cases.layout(stage="warned", unit=ANKANG)
    assert late_case["household_no"] not in _text(outside)


def test_the_household_page_shows_its_cases(server, late_case):
    from pages import household

    with logged_in(server, "ankang_leader"):
        page = household.layout(household_id=str(late_case["household_id"]))
    text = _text(page)
    assert "平台办理记录" in text and f"/cases?case={late_case['id']}" in text
    props = list(_props(json.loads(text)))
    timeline = [p for p in props if p.get("id") == f"hhd-case-{late_case['id']}"]
    assert len(timeline) == 1 and len(timeline[0]["children"]) == 1  # opened, nothing since
    assert "发起识别" in _text(timeline[0]["children"])


def test_a_key_given_twice_in_the_url_is_no_500(server, late_case):
    from pages import cases

    with logged_in(server, "province_leader"):
        page = cases.layout(stage=["warned", "eliminated"], state=["opened", "x"], unit=[ANKANG])
    assert "case-grid" in _text(page)
