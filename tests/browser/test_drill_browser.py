"""Drill from the province to a household by clicking the maps, then come back with the
browser's back button; a county user's attempts on another county are refused."""

from __future__ import annotations

import json

from tests.conftest import DEMO_PASSWORDS

TIMEOUT = 30_000


def _title(page) -> str:
    page.wait_for_selector("#region-title, #hh-title, #hhd-title, .jz-notice", timeout=TIMEOUT)
    for sel in ("#region-title", "#hh-title", "#hhd-title", ".jz-notice"):
        if page.locator(sel).count():
            return page.inner_text(sel)
    return ""


def _click_feature(page, index: int) -> None:
    """Click the index-th unit of the map (features are drawn in code order)."""
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive", timeout=TIMEOUT)
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(index).dispatch_event(
        "click"
    )


def _wait_title(page, expected: str) -> None:
    page.wait_for_function(
        "t => [...document.querySelectorAll('#region-title, #hh-title, #hhd-title')]"
        ".some(e => e.innerText === t)",
        arg=expected,
        timeout=TIMEOUT,
    )


def test_drill_down_and_back(watched, wh):
    page = watched.page
    watched.login("province_leader", DEMO_PASSWORDS["province_leader"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    page.goto(watched.base + "/region/610000000000")
    _wait_title(page, "陕西省")
    titles = ["陕西省"]
    code = "610000000000"
    for _ in range(4):  # city, county, township, village
        children = wh.execute(
            """
            select r.code, r.name, y.hh_registered from region as r
            join rollup_year as y on y.region_code = r.code and y.year = 2026
            where r.parent_code = ? order by r.code""",
            [code],
        ).fetchall()
        # Hanzhong, then the unit with the most households at each level.
        pick = (
            "610700000000"
            if code == "610000000000"
            else max(children, key=lambda c: (c[2], c[0]))[0]
        )
        index = [c for c, *_ in children].index(pick)
        code, name, _households = children[index]
        _click_feature(page, index)
        _wait_title(page, name)
        assert f"/region/{code}" in page.url
        titles.append(name)
        if _ == 1:
            watched.shot("region-county-1366")
    assert titles[1] == "汉中市"
    # The village: its household list, then one household.
    page.click("#region-households-link")
    _wait_title(page, f"{titles[-1]} 户列表")
    page.wait_for_selector("#hh-grid .ag-center-cols-container .ag-row", timeout=TIMEOUT)
    page.locator("#hh-grid .ag-pinned-left-cols-container a").first.click()
    page.wait_for_selector("#hhd-title", timeout=TIMEOUT)
    assert "/household/" in page.url
    watched.shot("household-1366")
    # Back up the way we came with the browser's back button.
    for expected in [f"{titles[-1]} 户列表"] + list(reversed(titles)):
        page.go_back()
        _wait_title(page, expected)
    assert watched.errors == []
    assert watched.external() == []


def test_url_restores_the_view_on_reload(watched):
    page = watched.page
    watched.login("hanzhong_manager", DEMO_PASSWORDS["hanzhong_manager"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    url = watched.base + "/region/610700000000?indicator=poverty_incidence&year=2016&month=2026-05"
    page.goto(url)
    _wait_title(page, "汉中市")
    legend = page.inner_text("#region-legend")
    assert "贫困发生率" in legend and "2016 年末" in legend
    page.reload()
    _wait_title(page, "汉中市")
    assert "2016 年末" in page.inner_text("#region-legend")
    assert watched.errors == []


def test_county_user_cannot_reach_another_county(watched):
    page = watched.page
    watched.login("ziyang_manager", DEMO_PASSWORDS["ziyang_manager"])
    page.wait_for_selector("[data-kpi]", timeout=TIMEOUT)
    for path in ("/region/610902000000", "/households/610902000000", "/region/610700000000"):
        page.goto(watched.base + path)
        page.wait_for_selector(".jz-notice", timeout=TIMEOUT)
        assert "无权访问" in page.inner_text(".jz-notice")
        assert page.locator(".leaflet-container").count() == 0
    # Forged callback requests from the logged-in browser are refused with 403.
    body = {
        "output": "hh-grid.getRowsResponse",
        "outputs": [],
        "inputs": [
            {"id": "hh-grid", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 100}}
        ],
        "state": [
            {
                "id": "hh-state",
                "property": "data",
                "value": {"code": "610902000000", "preset": "all"},
            }
        ],
        "changedPropIds": ["hh-grid.getRowsRequest"],
    }
    body["output"] = (
        "..hh-grid.getRowsResponse...hh-count.children...hh-export-csv.href"
        "...hh-export-xlsx.href...hh-export-over.data.."
    )
    body["outputs"] = [
        {"id": i, "property": p}
        for i, p in (
            ("hh-grid", "getRowsResponse"),
            ("hh-count", "children"),
            ("hh-export-csv", "href"),
            ("hh-export-xlsx", "href"),
            ("hh-export-over", "data"),
        )
    ]
    status = page.evaluate(
        """body => fetch('/_dash-update-component', {method: 'POST',
             headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
             .then(r => r.status)""",
        body,
    )
    assert status == 403
    export = page.evaluate(
        "u => fetch(u).then(r => r.status)", "/export/households.csv?unit=610902000000&preset=all"
    )
    assert export == 403
    assert json.dumps(watched.external()) == "[]"
