"""The closed loop in a real browser: a village cadre opens a case from an early warning
and records the village's steps, the township reviews, the county decides; the village
plans and records the assistance; its proposal to eliminate the risk is blocked by the
standard until the county overrides it, then runs through notice, township review and
the county's approval; each account sees only its own level's form; the refresh merges
it all into the warehouse and the monitoring page shows the new figures."""

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
        "where m.household_id is null and w.warned_on <= current_date - 32 "
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
    day = {n: (today - dt.timedelta(days=n)).isoformat() for n in range(31)}
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
        {"#case-step-date": day[30]},
        {"#case-step-date": day[29]},
        {"#case-step-date": day[29], "#case-step-note": "医保、民政数据比对无异常"},
        {"#case-step-date": day[28], "#case-step-notice-start": day[28]},
        {"#case-step-date": day[22], "#case-step-objections": "公示期间无异议"},
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
    _step(page, case["id"], {"#case-step-date": day[21]}, 6)
    ctx.close()

    ctx, page, errors3 = _login(browser, live_server, cy)
    page.goto(live_server + f"/cases?case={case['id']}")
    page.wait_for_selector("#case-step-save", timeout=TIMEOUT)
    page.fill("#case-step-date", day[20])
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


def _click_and_wait(page, button: str, case_id: int, version: int) -> None:
    page.click(button)
    page.wait_for_url(f"**/cases?case={case_id}&v={version}", timeout=TIMEOUT)
    page.wait_for_selector(f'#case-detail[data-version="{version}"]', timeout=TIMEOUT)


def test_assistance_and_an_elimination_blocked_then_overridden(browser, live_server):
    """Run after the walk above, on its household: the village plans two measures (the
    flag for unstable work goes with the second), proposes too early and is refused by
    the standard; the county overrides with a reason; the proposal goes through notice,
    township review and the county's approval."""
    from web import context

    engine = context.ops()
    case = O.list_cases(engine, O.SYSTEM, states=("included",))[-1]
    village, cid = case["village_code"], case["id"]
    v, tw, cy = f"v_{village}", f"t_{village[:9]}", f"c_{village[:6]}"
    today = clock.day()
    day = {n: (today - dt.timedelta(days=n)).isoformat() for n in range(31)}

    ctx, page, errors = _login(browser, live_server, v)
    page.goto(live_server + f"/cases?case={cid}")
    page.wait_for_selector("#plan-panel #plan-unmatched", timeout=TIMEOUT)
    assert "因病、因务工就业不稳" in page.inner_text("#plan-unmatched")
    assert page.locator("#elim-override-save").count() == 0  # the county's, not the village's
    for n, (category, done) in enumerate((("健康帮扶", day[19]), ("就业帮扶", ""))):
        _pick(page, "plan-category", category)
        page.fill("#plan-responsible", "王芳")
        page.fill("#plan-amount", "3000")
        page.fill("#plan-planned", day[20])
        page.fill("#plan-done", done)
        _click_and_wait(page, "#plan-add", cid, 9 + n)
    assert "每个风险类型都有对应的帮扶措施" in page.inner_text("#plan-panel")
    page.fill("#plan-done-date", day[19])
    _click_and_wait(page, "#plan-done-save", cid, 11)
    assert "未实施" not in page.inner_text("#plan-measures")
    fails = page.locator("#elim-precheck .jz-cond-fail")
    assert fails.count() == 2  # income (assessed with the proposal) and the six months
    page.fill("#case-step-date", day[18])
    page.fill("#case-step-notice-start", day[18])
    page.fill("#case-step-income", "9200")
    page.fill("#case-step-stable", (today - dt.timedelta(days=400)).isoformat())
    page.click("#case-step-save")
    page.wait_for_selector("#case-refusal", timeout=TIMEOUT)
    assert "纳入监测满6个月" in page.inner_text("#case-refusal")
    assert O.list_cases(engine, O.SYSTEM, household_id=case["household_id"])[-1]["version"] == 11
    ctx.close()

    ctx, page, errors2 = _login(browser, live_server, cy)
    page.goto(live_server + f"/cases?case={cid}")
    page.wait_for_selector("#elim-override-save", timeout=TIMEOUT)
    assert page.locator("#case-step-save").is_hidden()  # the proposal is not the county's
    page.fill("#elim-override-reason", "因病支出已由医保兜底，收入来源稳定")
    _click_and_wait(page, "#elim-override-save", cid, 12)
    assert "因病支出已由医保兜底" in page.inner_text("#elim-override-note")
    ctx.close()

    ctx, page, errors3 = _login(browser, live_server, v)
    page.goto(live_server + f"/cases?case={cid}")
    page.wait_for_selector("#case-step-save", timeout=TIMEOUT)
    page.fill("#case-step-date", day[18])
    page.fill("#case-step-notice-start", day[18])
    page.fill("#case-step-income", "9200")
    page.fill("#case-step-stable", (today - dt.timedelta(days=400)).isoformat())
    _click_and_wait(page, "#case-step-save", cid, 13)
    _step(page, cid, {"#case-step-date": day[12], "#case-step-objections": "无异议"}, 13)
    ctx.close()

    ctx, page, errors4 = _login(browser, live_server, tw)
    page.goto(live_server + f"/cases?case={cid}")
    page.wait_for_selector("#case-step-save", timeout=TIMEOUT)
    _step(page, cid, {"#case-step-date": day[11]}, 14)
    ctx.close()

    ctx, page, errors5 = _login(browser, live_server, cy)
    page.goto(live_server + f"/cases?case={cid}")
    page.wait_for_selector("#case-step-save", timeout=TIMEOUT)
    _step(page, cid, {"#case-step-date": day[10]}, 15)
    assert "风险已消除" in page.inner_text("#case-detail")
    page.screenshot(path=str(SHOTS / "cases-eliminated-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "cases-eliminated-390.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    ctx.close()
    final = O.get(engine, _scope(village), cid)
    assert (final["state"], final["elim_method"], final["eliminate_date"]) == (
        "eliminated",
        1,
        today - dt.timedelta(days=10),
    )
    kinds = [(e["kind"], e["actor"]) for e in final["events"]][8:]
    assert kinds == [
        ("measure", v),
        ("measure", v),
        ("measure_done", v),
        ("override", cy),
        ("elim_proposal", v),
        ("elim_notice_end", v),
        ("elim_township_review", tw),
        ("elim_county_decision", cy),
    ]
    assert final["events"][12]["data"]["precheck"]["since"] is False
    assert errors == errors2 == errors3 == errors4 == errors5 == []


def _scope(village: str):
    from access import Scope

    return Scope("reader", "manager", village[:6] + "000000")


def _stages(page) -> dict[str, int]:
    cards = page.locator("#mon-lifecycle .jz-stage")
    return {
        cards.nth(i).get_attribute("data-stage"): int(
            cards.nth(i).locator(".jz-stage-count").inner_text().replace(",", "")
        )
        for i in range(cards.count())
    }


def test_the_refresh_shows_the_new_figures_on_the_monitoring_page(browser, live_server):
    """Run after the walks above: the refresh merges the store's cases (the household is
    now an eliminated one, its measures counted) and the county's monitoring page shows
    it in the lifecycle; the warehouse is put back afterwards, for the tests that follow."""
    from services import cases as S
    from web import context

    app = context.get()
    path = app.settings.warehouse
    backup = path.with_name(path.name + ".before-cases")
    shutil.copyfile(path, backup)
    try:
        done = O.list_cases(context.ops(), O.SYSTEM, states=("eliminated",))
        assert done, "the walks above eliminated no risk"
        county = done[0]["village_code"][:6]
        ctx, page, errors = _login(browser, live_server, f"c_{county}")
        page.goto(live_server + f"/monitoring/{county}000000")
        page.wait_for_selector("#mon-lifecycle", timeout=TIMEOUT)
        before = _stages(page)
        merged, _ = S.refresh(context.ops(), app.settings)
        assert merged == len({c["household_no"] for c in O.for_warehouse(context.ops())})
        con = duckdb.connect(str(path), read_only=True)
        state = con.execute(
            "select state, eliminate_method from monitoring where household_id = ?",
            [done[0]["household_id"]],
        ).fetchone()
        con.close()
        assert state == (3, 1)
        for _ in range(12):  # the app looks for a new warehouse every reload_seconds (15 s)
            page.goto(live_server + f"/monitoring/{county}000000")
            page.wait_for_selector("#mon-lifecycle", timeout=TIMEOUT)
            after = _stages(page)
            if after != before:
                break
            page.wait_for_timeout(2500)
        grew = {k: after[k] - before[k] for k in before if after[k] != before[k]}
        assert grew == {k: 1 for k in ("warned", "checked", "identified", "assisted", "eliminated")}
        page.screenshot(path=str(SHOTS / "monitoring-after-refresh.png"), full_page=True)
        ctx.close()
        assert errors == []
    finally:
        shutil.copyfile(backup, path)
        backup.unlink()
