"""Accessibility of the phone pages (the field pages and the households' public form):
axe-core's rules (WCAG 2.1 A and AA and its best practices: names, labels, contrast,
landmarks, headings, language, target sizes), which Lighthouse's accessibility score is
made of, find no violation on any of them at 390 × 844, and every form control there
is at least 44 px high."""

from __future__ import annotations

import re

import duckdb
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 30_000
RULES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    }
}


def test_the_phone_pages_have_no_accessibility_violation(browser, live_server, warehouse_path):
    con = duckdb.connect(str(warehouse_path), read_only=True)
    hid = con.execute(
        "select household_id from household where township_code = '610924100000' "
        "and is_registered order by 1 limit 1"
    ).fetchone()[0]
    pid = con.execute("select min(person_id) from person where household_id = ?", [hid]).fetchone()[
        0
    ]
    con.close()
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    ctx = browser.new_context(**phone, locale="zh-CN")
    page = ctx.new_page()
    page.goto(live_server + "/login?next=/m/")
    page.fill("input[name=username]", "ziyang_cadre")
    page.fill("input[name=password]", DEMO_PASSWORDS["ziyang_cadre"])
    page.click("button[type=submit]")
    page.wait_for_selector("#m-households", timeout=TIMEOUT)
    page.goto(live_server + f"/m/cards?household={hid}")
    card = re.search(r"/f/[a-z2-7]{24}", page.content()).group(0)
    axe = Axe()
    found = {}
    for path in (
        "/m/",
        f"/m/household/{hid}",
        f"/m/visit?household={hid}&label=x",
        f"/m/risk?household={hid}&label=x",
        "/m/outbox",
        "/m/overdue",
        "/m/feedback",
        f"/m/household/{hid}/feedback",
        "/m/feedback/import",
        f"/m/change?household={hid}&label=x",
        f"/m/change?household={hid}&label=x&member={pid}&member_label=x",
        "/m/changes",
        card,
    ):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT)
        result = axe.run(page, options=RULES)
        violations = [
            f"{v['id']} ({v['impact']}): {len(v['nodes'])} × {v['nodes'][0]['target']}"
            for v in result.response["violations"]
        ]
        # Every form control a finger taps is at least 44 px high.
        small = page.evaluate(
            """() => [...document.querySelectorAll('main input:not([type=hidden]):not([type=checkbox]),'
            + 'main select, main textarea, main button')].filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map(e => e.name || e.tagName)"""
        )
        violations += [f"tap target under 44 px: {name}" for name in small]
        if violations:
            found[path] = violations
    assert found == {}
    ctx.close()
