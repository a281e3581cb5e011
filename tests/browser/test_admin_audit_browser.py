"""The audit log viewer in a real browser (/admin/audit): a province administrator sees
the entries in the grid, filters them by action, and the CSV link follows the filters;
on a phone-wide screen the page fits the screen."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORDS


def _open(watched):
    page = watched.page
    watched.login("province_admin", DEMO_PASSWORDS["province_admin"])
    page.wait_for_selector("#shell-user", state="attached", timeout=30_000)
    page.goto(watched.base + "/admin/audit")
    page.wait_for_selector("#audit-grid .ag-row", timeout=30_000)
    return page


def test_the_log_filtered_by_action(watched):
    page = _open(watched)
    assert "审计日志" in page.inner_text("h2")
    assert "条记录" in page.inner_text("#audit-count")
    watched.shot("admin-audit")
    page.click("#audit-action")
    page.get_by_role("option", name="登录", exact=True).click()
    expect(page.locator("#audit-export")).to_have_attribute(
        "href", "/admin/audit.csv?action=login", timeout=10_000
    )
    page.wait_for_timeout(300)  # the grid's new rows
    actions = page.eval_on_selector_all(
        "#audit-grid .ag-row [col-id=action]", "cells => cells.map(c => c.innerText)"
    )
    assert actions and set(actions) == {"登录"}
    watched.shot("admin-audit-login")
    assert watched.errors == [] and watched.external() == []


def test_on_a_phone(browser, live_server):
    from tests.browser.conftest import Watched

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        watched = Watched(context.new_page(), live_server)
        page = _open(watched)
        over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert over <= 0, f"the page is {over}px wider than the screen"
        watched.shot("admin-audit-390")
        assert watched.errors == [] and watched.external() == []
    finally:
        context.close()
