"""The data-quality page in a real browser: the map and the tables render, picking a
check changes the URL and the list, and the CSV downloads with masked ID numbers."""

from __future__ import annotations

import re

from tests.conftest import DEMO_PASSWORDS


def test_pick_a_check_and_download_its_rows(watched, wh):
    check, n = wh.execute("""select check_id, count(*) from quality_issue
                             where county_code = '610924000000'
                             group by 1 order by 2 desc, 1 limit 1""").fetchone()
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("#shell-user", timeout=30_000)
    page.goto(watched.base + "/quality/610924000000")
    page.wait_for_selector("#quality-title", timeout=30_000)
    page.wait_for_selector("#region-map-geojson path, .leaflet-interactive", timeout=30_000)
    assert page.inner_text("#quality-title") == "紫阳县 数据质量"
    page.click(f"#quality-checks tr[data-check={check}] a")
    page.wait_for_url(re.compile(rf"/quality/610924000000\?check={check}$"), timeout=30_000)
    page.wait_for_function(
        f"() => document.querySelector('#quality-rows-title')?.innerText.includes('共 {n:,} 条')",
        timeout=30_000,
    )
    page.wait_for_selector("#quality-issues .ag-row", state="attached", timeout=30_000)
    # The whole page in one tall viewport, so the grids below the fold are drawn too.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1366, "height": height})
    page.wait_for_timeout(1000)
    watched.shot("quality-ziyang-1366")
    page.set_viewport_size({"width": 1366, "height": 768})
    with page.expect_download() as info:
        page.click("#quality-csv")
    body = open(info.value.path(), "rb").read().decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("检查规则,严重程度,户编号") and len(lines) == n + 1
    assert not re.search(r"\d{17}[\dX]", body)
    assert watched.errors == [] and watched.external() == []
