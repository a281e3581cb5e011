"""The identification procedure in a real browser: a village cadre opens a case from an
early warning and records the village's steps, the township reviews, the county decides;
each account sees only its own level's form; the refresh merges the decision into the
warehouse's monitoring records."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb

from domain import clock
from ops import cases as O
from ops import users
from tests.browser.conftest import SHOTS

TIMEOUT = 30_000
PASSWORD = "long-enough-1"


def _warning(warehouse_path) -> tuple[str, str, int]:
    """A warning on a household that is not under monitoring: key, village, household."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    row = con.execute(
        "select w.rule_id || ':' || w.household_id || ':' || w.warned_on, w.village_code, "
        "w.household_id from warning w left join monitoring m using (household_id) "
        "where m.household_id is null and w.warned_on <= current_date - 12 "
        "order by w.warned_on desc, 1 limit 1"
    ).fetchone()
    con.close()
    return row


def _account(engine, name: str, role: str, region: str, level: int) -> str:
    if users.get(engine, name) is None:
        users.create(engine, name, PASSWORD, role, region, level)
    return name


def _login(browser, base: str, name: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#shell-nav, [data-kpi], .jz-page", timeout=TIMEOUT)
    return context, page, errors


def _step(page, case_id: int, fields: dict, version: int) -> None:
    """Fill the shown step's form and record it; wait for the next version's page."""
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click("#case-step-save")
    page.wait_for_url(f"**/cases?case={case_id}&v={version + 1}", timeout=TIMEOUT)
    page.wait_for_selector(f'#case-detail[data-version="{version + 1}"]', timeout=TIMEOUT)


def _pick(page, input_id: str, *labels: str) -> None:
    """Choose options of a Mantine Select or MultiSelect by their labels."""
    for label in labels:
        page.click(f"#{input_id}", force=True)
        if page.get_attribute(f"#{input_id}", "readonly") is None:  # searchable
            page.fill(f"#{input_id}", label)
        page.get_by_role("option", name=label, exact=True).click()
        page.keyboard.press("Escape")


def test_a_warning_becomes_a_monitored_household(browser, live_server, warehouse_path):
    from web import context

    engine = context.ops()
    key, village, household = _warning(warehouse_path)
    today = clock.day()
    day = {n: (today - dt.timedelta(days=n)).isoformat() for n in range(12)}
    v = _account(engine, f"v_{village}", "cadre", village, 5)
    tw = _account(engine, f"t_{village[:9]}", "cadre", village[:9] + "000", 4)
    cy = _account(engine, f"c_{village[:6]}", "manager", village[:6] + "000000", 3)

    ctx, page, errors = _login(browser, live_server, v)
    page.goto(live_server + f"/cases?warning={key}")
    page.wait_for_selector("#case-open-btn", timeout=TIMEOUT)
    page.wait_for_timeout(1500)  # nothing is opened or recorded until a click
    assert O.list_cases(engine, O.SYSTEM, household_id=household) == []
    page.click("#case-open-btn")
    page.wait_for_url("**/cases?case=*", timeout=TIMEOUT)
    case = O.list_cases(engine, O.SYSTEM, household_id=household)[-1]
    assert (case["channel"], case["source_ref"]) == (5, f"warning:{key}")
    page.wait_for_selector('#case-detail[data-version="1"] #case-step-save', timeout=TIMEOUT)
    steps = [
        {"#case-step-date": day[10]},
        {"#case-step-date": day[9]},
        {"#case-step-date": day[9], "#case-step-note": "医保、民政数据比对无异常"},
        {"#case-step-date": day[8], "#case-step-notice-start": day[8]},
        {"#case-step-date": day[2], "#case-step-objections": "公示期间无异议"},
    ]
    for i, fields in enumerate(steps):
        _step(page, case["id"], fields, 1 + i)
    assert page.locator("#case-step-save").is_hidden()  # the township's step is next
    page.set_viewport_size({"width": 390, "height": 844})
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "cases-village-390.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    ctx.close()

    ctx, page, errors2 = _login(browser, live_server, tw)
    page.goto(live_server + f"/cases?case={case['id']}")
    page.wait_for_selector("#case-step-save", timeout=TIMEOUT)
    _step(page, case["id"], {"#case-step-date": day[1]}, 6)
    ctx.close()

    ctx, page, errors3 = _login(browser, live_server, cy)
    page.goto(live_server + f"/cases?case={case['id']}")
    page.wait_for_selector("#case-step-save", timeout=TIMEOUT)
    page.fill("#case-step-date", day[0])
    _pick(page, "case-step-type", "边缘易致贫户")
    _pick(page, "case-step-risks", "因病", "因务工就业不稳")
    page.click("#case-step-save")
    page.wait_for_url(f"**/cases?case={case['id']}&v=8", timeout=TIMEOUT)
    page.wait_for_selector('#case-detail[data-version="8"]', timeout=TIMEOUT)
    assert "已纳入监测" in page.inner_text("#case-detail")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "cases-county-1366.png"), full_page=True)
    ctx.close()
    final = O.list_cases(engine, O.SYSTEM, household_id=household)[-1]
    assert (final["state"], final["monitor_type"], final["risks"]) == ("included", 2, "1,7")
    assert [e["actor"] for e in O.get(engine, _scope(village), case["id"])["events"]] == [
        v,
        v,
        v,
        v,
        v,
        v,
        tw,
        cy,
    ]
    assert errors == errors2 == errors3 == []


def _scope(village: str):
    from access import Scope

    return Scope("reader", "manager", village[:6] + "000000")


def test_the_refresh_shows_the_decision_on_the_monitoring_page(browser, live_server):
    """Run after the walk above: the refresh merges the store's cases (the household is
    now a monitored one) and the monitoring page still draws; the warehouse is put back
    afterwards, for the tests that follow."""
    from services import cases as S
    from web import context

    app = context.get()
    path = app.settings.warehouse
    backup = path.with_name(path.name + ".before-cases")
    shutil.copyfile(path, backup)
    try:
        included = O.list_cases(context.ops(), O.SYSTEM, states=("included",))
        assert included, "the walk above decided no case"
        merged, _ = S.refresh(context.ops(), app.settings)
        assert merged == len({c["household_no"] for c in O.for_warehouse(context.ops())})
        con = duckdb.connect(str(path), read_only=True)
        state = con.execute(
            "select state from monitoring where household_id = ?", [included[0]["household_id"]]
        ).fetchone()
        con.close()
        assert state == (2,)
        county = included[0]["village_code"][:6]
        ctx, page, errors = _login(browser, live_server, f"c_{county}")
        page.goto(live_server + f"/monitoring/{county}000000")
        page.wait_for_selector("#mon-lifecycle", timeout=TIMEOUT)
        ctx.close()
        assert errors == []
    finally:
        shutil.copyfile(backup, path)
        backup.unlink()
