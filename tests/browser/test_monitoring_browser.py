"""The risk heatmaps for the province and Ankang, and a warning turned into an instruction,
in a real browser."""

from __future__ import annotations

from access import Scope
from ops import tasks as T
from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 30_000
ANKANG = "610900000000"


def test_heatmaps_and_a_warning_to_an_instruction(watched):
    from web import context

    page = watched.page
    watched.login("ankang_leader", DEMO_PASSWORDS["ankang_leader"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)

    # Ankang's heatmaps: map, matrix, lifecycle; a click on a matrix cell lists households.
    page.goto(watched.base + f"/monitoring/{ANKANG}")
    page.wait_for_selector("#mon-title", timeout=TIMEOUT)
    assert page.inner_text("#mon-title") == "安康市 返贫致贫风险监测"
    page.wait_for_selector("#mon-matrix .heatmaplayer", timeout=TIMEOUT)
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive", timeout=TIMEOUT)
    assert "15 天内识别认定" in page.inner_text("#mon-timely")
    # Click the matrix's top-left cell: its households are listed, as many as it shows.
    cols, rows, shown = page.evaluate("""() => {
        const d = document.querySelector('#mon-matrix .js-plotly-plot').data[0];
        return [d.x.length, d.y.length, d.text[0][0]]; }""")
    box = page.locator("#mon-matrix .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / (2 * cols), box["y"] + box["height"] / (2 * rows))
    page.wait_for_selector("#mon-cell-count", timeout=TIMEOUT)
    assert page.inner_text("#mon-cell-count").endswith(f"风险未消除 {shown} 户")
    # AG Grid renders its rows after the count is shown: wait for them, then count exactly.
    page.wait_for_selector("#mon-cell-grid .ag-center-cols-container .ag-row", timeout=TIMEOUT)
    assert page.locator("#mon-cell-grid .ag-center-cols-container .ag-row").count() == int(
        shown.replace(",", "")
    )
    watched.shot("monitoring-ankang-1366")

    # The warning queue: the first (oldest) warning becomes an instruction in one click.
    engine = context.ops()
    leader = Scope("ankang_leader", "leader", ANKANG)
    before = {t["id"] for t in T.list_tasks(engine, leader)}
    page.click("#mon-warnings-link")
    page.wait_for_selector("#warn-grid .jz-grid-button", timeout=TIMEOUT)
    first = page.locator("#warn-grid .ag-center-cols-container .ag-row").first.inner_text()
    page.locator("#warn-grid .jz-grid-button").first.click()
    page.wait_for_selector("#warn-done", timeout=TIMEOUT)
    made = [t for t in T.list_tasks(engine, leader) if t["id"] not in before]
    assert len(made) == 1 and made[0]["type"] == "alert_verification"
    assert f"#{made[0]['id']}" in page.inner_text("#warn-done")
    assert page.locator("#warn-grid .ag-center-cols-container .ag-row").first.inner_text() != first
    watched.shot("warnings-ankang-1366")
    assert watched.errors == []
    assert watched.external() == []


def test_province_heatmaps(watched):
    page = watched.page
    watched.login("province_leader", DEMO_PASSWORDS["province_leader"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    page.goto(watched.base + "/monitoring/610000000000")
    page.wait_for_selector("#mon-matrix .heatmaplayer", timeout=TIMEOUT)
    assert page.inner_text("#mon-title") == "陕西省 返贫致贫风险监测"
    # Ten cities, then the province's outline drawn on top of them.
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 11
    # Drill into Ankang from the map, like the region page.
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(8).dispatch_event("click")
    page.wait_for_function(
        "() => document.querySelector('#mon-title') && "
        "document.querySelector('#mon-title').innerText.startsWith('安康市')",
        timeout=TIMEOUT,
    )
    assert "/monitoring/610900000000" in page.url
    watched.shot("monitoring-province-1366")
    assert watched.errors == []
