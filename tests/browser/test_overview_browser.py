"""The overview in a real browser: Chinese, the warehouse's figures, nothing external."""

from __future__ import annotations

from tests.conftest import DEMO_PASSWORDS


def test_ziyang_manager_overview(watched, wh):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("[data-kpi=hh_registered] .jz-kpi-number", timeout=30_000)
    page.wait_for_selector("#overview-children .ag-row", timeout=30_000)
    page.wait_for_load_state("networkidle")
    expected = wh.execute("""
        select y.hh_registered, y.pp_registered, m.hh_monitored
        from rollup_year as y join rollup_month as m
          on m.region_code = y.region_code and m.month = '2026-10-01'
        where y.region_code = '610924000000' and y.year = 2026""").fetchone()
    shown = [
        page.get_attribute(f"[data-kpi={k}] .jz-kpi-number", "title")
        for k in ("hh_registered", "pp_registered", "hh_monitored")
    ]
    assert shown == [f"{v:,}" for v in expected]
    assert page.inner_text("#overview-title") == "紫阳县 总览"
    assert "建档立卡户数" in page.inner_text("body")
    assert "紫阳县管理员(演示)" in page.inner_text("#shell-user")
    assert page.locator("#overview-children .ag-center-cols-container .ag-row").count() == 17
    watched.shot("overview-ziyang-1366")
    assert watched.errors == []
    assert watched.external() == []


def test_refusal_in_the_browser(watched):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("[data-kpi=hh_registered]", timeout=30_000)
    page.goto(watched.base + "/?region=610700000000")
    page.wait_for_selector(".jz-notice", timeout=30_000)
    assert "无权访问" in page.inner_text(".jz-notice")
    assert page.locator("[data-kpi]").count() == 0
    assert watched.errors == []
