"""Security headers on every response; no-store on what carries the user's data; Dash's
callback endpoint answers a malformed request with a clear refusal, never a 500 page."""

from __future__ import annotations

import json

import pytest

STATIC = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_secured(response) -> None:
    for name, value in STATIC.items():
        assert response.headers[name] == value, (name, response.request.path)
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    # Scripts: this origin and hashes of Dash's own inline scripts, nothing unsafe.
    assert csp["script-src"][0] == "'self'"
    assert all(v.startswith("'sha256-") for v in csp["script-src"][1:])
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]


@pytest.fixture
def manager(as_user):
    return as_user("ziyang_manager")


def test_every_kind_of_response_has_the_headers(client, manager, as_user):
    anon_pages = [
        client.get("/login"),
        client.get("/healthz"),
        client.get("/"),
        client.get("/api/v1/openapi.json"),
        client.get("/assets/app.css"),
    ]
    pages = [
        manager.get("/"),
        manager.get("/_dash-layout"),
        manager.get("/households/610924000000"),
        manager.get("/api/v1/tasks"),
        manager.get("/no/such/page"),
    ]
    wall = as_user("province_wall")
    pages.append(wall.get("/wall"))
    for r in anon_pages + pages:
        assert_secured(r)
    assert anon_pages[2].status_code == 302  # a redirect to /login is covered too


def test_the_scripts_allowed_are_exactly_dashs_inline_scripts(app_module, manager):
    """Each hash names an inline script of the page Dash serves (the renderer's start,
    the inline clientside callbacks such as the wall's): no other inline script runs."""
    import base64
    import hashlib
    import re

    r = manager.get("/wall")
    # Outside comments (Dash's <!--[if IE]> warning never runs in a browser it serves).
    html = re.sub(r"<!--.*?-->", "", r.get_data(as_text=True), flags=re.S)
    inline = re.findall(
        r"<script(?: id=\"_dash-renderer\" type=\"application/javascript\")?>"
        r"(.*?)</script>",
        html,
        re.S,
    )
    assert inline, html[:500]
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    }
    assert set(csp_directives(r)["script-src"][1:]) == hashes
    assert any("wall-geojson" in s or "jz-wall-legends" in s for s in inline)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tasks",
        "/api/v1/openapi.json",
        "/_dash-layout",
        "/export/households.csv?unit=610924000000&preset=all",
    ],
)
def test_data_is_never_stored(manager, path):
    r = manager.get(path)
    assert r.status_code == 200, r.get_data(as_text=True)[:200]
    assert r.headers["Cache-Control"] == "no-store"


def test_attachments_are_never_stored_wherever_they_are(manager):
    """An import template is a download (attachment) under /imports/; the rule is the
    attachment, not only the path."""
    from flask import Response

    from web import headers

    with manager.application.test_request_context("/somewhere/else.csv"):
        plain = Response("x")
        attached = Response("x", headers={"Content-Disposition": 'attachment; filename="a"'})
        assert not headers.no_store(plain) and headers.no_store(attached)


def test_pages_and_assets_may_be_cached(client):
    r = client.get("/assets/app.css")
    assert r.headers.get("Cache-Control") != "no-store"
    assert client.get("/login").headers.get("Cache-Control") != "no-store"


# ------------------------------------------------------------------ Dash's dispatcher
GRID_OUTPUTS = (
    ("hh-grid", "getRowsResponse"),
    ("hh-count", "children"),
    ("hh-export-csv", "href"),
    ("hh-export-xlsx", "href"),
    ("hh-export-over", "data"),
)


def grid_call(client, request, state=None):
    body = {
        "output": "..hh-grid.getRowsResponse...hh-count.children...hh-export-csv.href"
        "...hh-export-xlsx.href...hh-export-over.data..",
        "outputs": [{"id": i, "property": p} for i, p in GRID_OUTPUTS],
        "inputs": [{"id": "hh-grid", "property": "getRowsRequest", "value": request}],
        "state": [
            {
                "id": "hh-state",
                "property": "data",
                "value": state if state is not None else {"code": "610924000000", "preset": "all"},
            }
        ],
        "changedPropIds": ["hh-grid.getRowsRequest"],
    }
    return client.post("/_dash-update-component", json=body)


def refusal(r) -> str:
    """The count line of a refused grid request (no rows)."""
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    resp = r.get_json()["response"]
    assert resp["hh-grid"]["getRowsResponse"] == {"rowData": [], "rowCount": 0}
    assert resp["hh-export-csv"]["href"] is None
    return resp["hh-count"]["children"]


def deep_filter(depth: int) -> dict:
    model = {"filterType": "number", "type": "equals", "filter": 1}
    for _ in range(depth):
        model = {"filterType": "number", "operator": "AND", "conditions": [model]}
    return {"members": model}


@pytest.mark.parametrize(
    "request_,message",
    [
        (
            {"startRow": "0", "endRow": 100},
            "筛选条件无效：startRow 应为 0 到 10,000,000 之间的整数。",
        ),
        (
            {"startRow": 10**30, "endRow": 10**30 + 100},
            "筛选条件无效：startRow 应为 0 到 10,000,000 之间的整数。",
        ),
        (
            {"startRow": -5, "endRow": 100},
            "筛选条件无效：startRow 应为 0 到 10,000,000 之间的整数。",
        ),
        ({"startRow": True}, "筛选条件无效：startRow 应为 0 到 10,000,000 之间的整数。"),
        (
            {"startRow": 100, "endRow": 50},
            "筛选条件无效：endRow 应为 101 到 10,000,500 之间的整数。",
        ),
        ({"startRow": 0, "endRow": 1.5}, "筛选条件无效：endRow 应为 1 到 10,000,500 之间的整数。"),
        ("not an object", "筛选条件无效：列表请求格式无效。"),
        (
            {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "phone", "sort": "asc"}]},
            "筛选条件无效：不能按“phone”筛选或排序。",
        ),
        (
            {"startRow": 0, "endRow": 100, "sortModel": [{"colId": {"$gt": 1}, "sort": "asc"}]},
            "筛选条件无效：不能按“{'$gt': 1}”筛选或排序。",
        ),
        (
            {"startRow": 0, "endRow": 100, "sortModel": "members"},
            "筛选条件无效：排序条件格式无效（一次按一列升序或降序）。",
        ),
        (
            {
                "startRow": 0,
                "endRow": 100,
                "sortModel": [{"colId": "members", "sort": "asc"}] * 1000,
            },
            "筛选条件无效：排序条件格式无效（一次按一列升序或降序）。",
        ),
        (
            {"startRow": 0, "endRow": 100, "filterModel": deep_filter(2)},
            "筛选条件无效：“members”列的筛选条件格式无效。",
        ),
        (
            {"startRow": 0, "endRow": 100, "filterModel": deep_filter(200)},
            "筛选条件无效：“members”列的筛选条件格式无效。",
        ),
        (
            {
                "startRow": 0,
                "endRow": 100,
                "filterModel": {f"col{i}": {"type": "equals", "filter": i} for i in range(20_000)},
            },
            "筛选条件无效：筛选条件格式无效。",
        ),
        (
            {"startRow": 0, "endRow": 100, "filterModel": {"no_such": {"type": "equals"}}},
            "筛选条件无效：不能按“no_such”筛选或排序。",
        ),
        (
            {
                "startRow": 0,
                "endRow": 100,
                "filterModel": {
                    "members": {"filterType": "number", "type": "equals", "filter": 1e300}
                },
            },
            "筛选条件无效：“members”列的筛选值应为有限的数字。",
        ),
        (
            {
                "startRow": 0,
                "endRow": 100,
                "filterModel": {
                    "members": {"filterType": "number", "type": "equals", "filter": "Infinity"}
                },
            },
            "筛选条件无效：“members”列的筛选值应为有限的数字。",
        ),
        (
            {
                "startRow": 0,
                "endRow": 100,
                "filterModel": {
                    "members": {"filterType": "number", "type": "equals", "filter": {"a": 1}}
                },
            },
            "筛选条件无效：“members”列的筛选值无效。",
        ),
        (
            {
                "startRow": 0,
                "endRow": 100,
                "filterModel": {
                    "head_name": {"filterType": "text", "type": "contains", "filter": "x" * 65}
                },
            },
            "筛选条件无效：“head_name”列的筛选值无效。",
        ),
        (
            {
                "startRow": 0,
                "endRow": 100,
                "filterModel": {
                    "head_name": {"filterType": "text", "type": "contains", "filter": "a\x00b"}
                },
            },
            "筛选条件无效：“head_name”列的筛选值无效。",
        ),
        (
            {
                "startRow": 0,
                "endRow": 100,
                "filterModel": {
                    "head_name": {
                        "filterType": "text",
                        "type": "contains",
                        "filter": "x",
                        "sql": "1=1",
                    }
                },
            },
            "筛选条件无效：“head_name”列的筛选条件格式无效。",
        ),
    ],
)
def test_malformed_grid_requests_are_refused_on_the_page(manager, request_, message):
    assert refusal(grid_call(manager, request_)) == message


def test_a_lone_surrogate_in_a_filter_is_refused(manager):
    body = json.dumps(
        {
            "output": "..hh-grid.getRowsResponse...hh-count.children...hh-export-csv.href"
            "...hh-export-xlsx.href...hh-export-over.data..",
            "outputs": [{"id": i, "property": p} for i, p in GRID_OUTPUTS],
            "inputs": [
                {
                    "id": "hh-grid",
                    "property": "getRowsRequest",
                    "value": {
                        "startRow": 0,
                        "endRow": 100,
                        "filterModel": {
                            "head_name": {
                                "filterType": "text",
                                "type": "contains",
                                "filter": "LONE",
                            }
                        },
                    },
                }
            ],
            "state": [
                {
                    "id": "hh-state",
                    "property": "data",
                    "value": {"code": "610924000000", "preset": "all"},
                }
            ],
            "changedPropIds": ["hh-grid.getRowsRequest"],
        }
    ).replace("LONE", "\\ud800")
    r = manager.post("/_dash-update-component", data=body, content_type="application/json")
    assert refusal(r) == "筛选条件无效：“head_name”列的筛选值无效。"


def test_a_well_formed_request_still_lists(manager, wh):
    r = grid_call(
        manager,
        {
            "startRow": 0,
            "endRow": 100,
            "sortModel": [{"colId": "members", "sort": "desc"}],
            "filterModel": {
                "members": {
                    "filterType": "number",
                    "operator": "OR",
                    "conditions": [
                        {"filterType": "number", "type": "greaterThan", "filter": 2},
                        {"filterType": "number", "type": "blank"},
                    ],
                }
            },
        },
    )
    resp = r.get_json()["response"]
    rows = resp["hh-grid"]["getRowsResponse"]["rowData"]
    n = wh.execute(
        "select count(*) from household where county_code = '610924000000' and members > 2"
    ).fetchone()[0]
    assert resp["hh-grid"]["getRowsResponse"]["rowCount"] == n and len(rows) == min(n, 100)
    assert all(x["members"] > 2 for x in rows)
    assert resp["hh-export-csv"]["href"].startswith("/export/households.csv?unit=610924000000")


def test_a_malformed_state_is_refused(manager):
    assert (
        refusal(grid_call(manager, {"startRow": 0}, state=["x"]))
        == "筛选条件无效：列表请求格式无效。"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"output": "nobody.children"}',
        b"{}",
        ("[" * 50_000 + "]" * 50_000).encode(),
        json.dumps({"output": "hh-count.children", "inputs": "x", "state": 7}).encode(),
    ],
)
def test_a_malformed_dispatch_is_a_json_400(manager, body):
    r = manager.post("/_dash-update-component", data=body, content_type="application/json")
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    assert r.is_json and r.get_json()["status"] == 400
    assert "Traceback" not in r.get_data(as_text=True)


def test_a_failing_callback_is_a_json_500_without_details(manager, monkeypatch):
    from queries import households as hl

    def broken(*_a, **_k):
        raise RuntimeError("secret detail: /srv/warehouse.duckdb")

    monkeypatch.setattr(hl, "count", broken)
    r = grid_call(manager, {"startRow": 0, "endRow": 100})
    assert r.status_code == 500 and r.is_json
    assert r.get_json() == {"error": "服务器处理请求时出错，错误已记入日志。", "status": 500}


def test_pages_keep_flasks_behaviour(manager):
    """Outside the JSON paths nothing changes: an unknown page is still Dash's page."""
    r = manager.get("/no/such/page")
    assert r.status_code == 200 and r.mimetype == "text/html"


def test_the_wall_still_opens(as_user):
    """The command centre's screen opens /wall as a page of its own (not framed)."""
    wall = as_user("province_wall")
    r = wall.get("/wall")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert wall.get("/wall/heartbeat").status_code == 200


@pytest.mark.parametrize(
    "tile_url,source",
    [
        (None, []),
        ("", []),
        ("https://tiles.gov.example/{z}/{x}/{y}.png", ["https://tiles.gov.example"]),
        ("http://{s}.tiles.intranet:8080/{z}/{x}/{y}.png", ["http://*.tiles.intranet:8080"]),
        ("javascript:alert(1)", []),
        ("https://a b/{z}", []),
    ],
)
def test_configured_map_tiles_are_the_one_other_image_source(tile_url, source):
    """JZ_TILE_URL, when an operator sets it, is allowed as an image source (the map's
    tiles would be refused otherwise); nothing else is, and nothing without it."""
    from web.headers import content_security_policy, tile_source

    assert tile_source(tile_url) == source
    policy = content_security_policy([], tile_source(tile_url))
    assert f"img-src 'self' data:{''.join(' ' + s for s in source)};" in policy
