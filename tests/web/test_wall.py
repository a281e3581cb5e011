"""The wall display: the same figures as the overview, the playlist (in the store), the
heartbeat, and the fence that keeps a wall account on the wall."""

from __future__ import annotations

import contextlib
import hashlib
import json

import dash
import pytest
import sqlalchemy as sa

from access import Scope
from ops import tasks as T
from ops import wall as P
from ops.schema import runtime_state
from tests.web.test_overview import _props, _text, logged_in

PROVINCE, ANKANG = "610000000000", "610900000000"


@contextlib.contextmanager
def swap_playlist(data=None):
    """The test app's stored playlist set to ``data`` (left as it is for None) for the
    block, then put back as it was, so the tests sharing the app do not see it."""
    from web import context

    ops = context.ops()
    before = P.stored(ops)
    if data is not None:
        P.put(ops, P.parse(data), "test")
    try:
        yield
    finally:
        restore_playlist(ops, before)


def restore_playlist(ops, before) -> None:
    """Put back the stored playlist ``before`` (none: the next read seeds it again)."""
    if before is None:
        with ops.begin() as conn:
            conn.execute(runtime_state.delete().where(runtime_state.c.key == P.KEY))
    else:
        P.put(ops, before, "test")


def _file_digest() -> str:
    from web import context

    return hashlib.sha256(context.get().settings.wall_config.read_bytes()).hexdigest()


def _stored_row():
    from web import context

    with context.ops().connect() as conn:
        return conn.execute(
            sa.select(runtime_state.c.value).where(runtime_state.c.key == P.KEY)
        ).scalar()


def _views(tree) -> list[dict]:
    return [p for p in _props(json.loads(_text(tree))) if "data-dwell" in p]


def _wall_numbers(view: dict) -> dict[str, str]:
    return {
        p["data-kpi"]: [q["data-counter"] for q in _props(p) if "data-counter" in q][0]
        for p in _props(view)
        if "data-kpi" in p
    }


def _overview_numbers(code: str) -> dict[str, str]:
    from pages import overview

    return {
        p["data-kpi"]: [
            q["children"] for q in _props(p) if "jz-kpi-number" in str(q.get("className", ""))
        ][0]
        for p in _props(json.loads(_text(overview.layout(region=code))))
        if "data-kpi" in p
    }


def _fill(index: int, tree) -> dict:
    """The panels of view ``index``, as the page draws them when the wall asks."""
    from pages import wall

    slots = [
        p["id"]
        for p in _props(json.loads(_text(tree)))
        if isinstance(p.get("id"), dict) and p["id"].get("type") == "wall-slot"
    ]
    out = wall.fill_slot({"index": index, "at": 1}, slots)
    filled = [o for o in out if o is not dash.no_update]
    assert len(filled) == 1
    return json.loads(_text(filled[0]))


@pytest.mark.parametrize("username", ["province_leader", "province_wall"])
def test_the_wall_shows_the_overview_figures(server, username):
    from pages import wall

    with logged_in(server, "province_leader"):  # the overview page, as a leader sees it
        province, ankang = _overview_numbers(PROVINCE), _overview_numbers(ANKANG)
    with logged_in(server, username):
        tree = wall.layout()
        views = _views(tree)
        # The playlist: province overview, risk, dispatch, then Ankang in focus; only the
        # first is drawn at once, the others when the wall asks for them.
        assert [(v["data-kind"], v["data-index"]) for v in views] == [
            ("overview", 0),
            ("risk", 1),
            ("dispatch", 2),
            ("overview", 3),
        ]
        assert [v["data-dwell"] for v in views] == [60, 40, 40, 40]
        assert [bool(v["children"]) for v in views] == [True, False, False, False]
        shown = _wall_numbers(views[0])
        assert len(shown) == 6 and shown == {k: province[k] for k in shown}
        assert _wall_numbers({"children": _fill(3, tree)}) == {k: ankang[k] for k in shown}
        assert "风险排名" in json.dumps(_fill(1, tree), ensure_ascii=False)
        assert "督办事项" in json.dumps(_fill(2, tree), ensure_ascii=False)
        # A redraw puts the view on screen first.
        redrawn = _views(html_div(wall.refresh({"stamp": "x", "index": 2})))
        assert [bool(v["children"]) for v in redrawn] == [False, False, True, False]
        text = _text(tree)
        assert "陕西省防返贫监测指挥中心" in text and "最新预警" in text
        assert "数据截至 2026年10月31日" in text


def html_div(children):
    from dash import html

    return html.Div(children)


def _list_html(tree, cls: str) -> str:
    return "".join(
        p["children"]
        for p in _props(tree)
        if p.get("className") == "jz-wall-list" and cls in p.get("children", "")
    )


def test_the_ranking_and_ticker_come_from_the_warehouse(server, wh):
    import re

    from pages import wall

    with logged_in(server, "province_leader"):
        tree = json.loads(_text(wall.layout()))
    first = _views(tree)[0]
    top = wh.execute("""
        select r.name, m.hh_unresolved_per_1000 from region r
        join indicator_month m on m.region_code = r.code and m.month = date '2026-10-01'
        where r.level = 3 and m.hh_unresolved > 0
        order by m.hh_unresolved_per_1000 desc, m.hh_unresolved desc, r.code limit 20""").fetchall()
    rows = re.findall(
        r'jz-wall-rank-name">([^<]+)<small>[^<]*</small></span>'
        r'<span class="jz-wall-rank-value">([^<]+)<',
        _list_html(first, "rank-row"),
    )
    # The province's 20 counties most at risk, in order, twice over (the list scrolls).
    assert rows == [(n, f"{v:.2f}") for n, v in top] * 2
    newest = wh.execute("select max(warned_on) from warning").fetchone()[0]
    ticker = _list_html(tree, "jz-wall-tick")
    assert f"<b>{newest.year}年{newest.month}月{newest.day}日</b>" in ticker
    # Never who: no household head's name on the wall.
    heads = {r[0] for r in wh.execute("select head_name from household limit 2000").fetchall()}
    assert not any(h in ticker for h in heads if len(h) >= 3)


def test_wall_lists_escape_what_they_show():
    from components import wall as view

    b = view.Board(
        counts={},
        items=[
            {
                "title": "<script>x</script>",
                "overdue": True,
                "days_left": -3,
                "assignee_region": "610924000000",
            }
        ],
        overdue_by_region={},
    )
    text = json.dumps(json.loads(_text(view.board_panel(b, lang="zh"))), ensure_ascii=False)
    assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text


def test_fill_slot_refuses_malformed_requests(server):
    from pages import wall

    slots = [{"type": "wall-slot", "index": 1}]
    with logged_in(server, "province_wall"):
        for want in (None, {}, {"index": "1"}, {"index": 7}, {"index": 0}, [1]):
            assert wall.fill_slot(want, slots) == [dash.no_update]
        assert wall.fill_slot({"index": 1}, None) == []


def test_a_manager_may_not_open_the_wall(server):
    from pages import wall

    with logged_in(server, "ziyang_manager"):
        assert "无权访问" in _text(wall.layout())
        with pytest.raises(Exception) as exc:
            wall.refresh("x")
        assert type(exc.value).__name__ == "RoleDenied"  # refused for the role


def test_focus_outside_the_scope_is_skipped(server, tmp_path):
    from pages import wall

    pl = P.parse(
        {
            "views": [
                {"kind": "overview", "dwell": 10},
                {"kind": "risk", "dwell": 10, "region": "610700000000"},
                {"kind": "dispatch", "dwell": 10, "region": ANKANG},
            ]
        }
    )
    leader = Scope("ankang_leader", "leader", ANKANG)
    assert wall.resolve(pl, leader) == [
        {"kind": "overview", "region": ANKANG, "dwell": 10},
        {"kind": "dispatch", "region": ANKANG, "dwell": 10},
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        (None, "mapping"),
        ({"views": []}, "at least one"),
        ({"views": [{"kind": "pie", "dwell": 10}]}, "view 1: kind"),
        ({"views": [{"kind": "risk", "dwell": 2}]}, "view 1: dwell"),
        ({"views": [{"kind": "risk", "dwell": True}]}, "view 1: dwell"),
        ({"views": [{"kind": "risk", "dwell": 10, "region": "6109"}]}, "view 1: region"),
        ({"views": [{"kind": "risk", "dwell": 10, "colour": "red"}]}, "unknown key"),
        ({"views": [{"kind": "risk", "dwell": 10}], "poll_seconds": 0}, "poll_seconds"),
        ({"views": [{"kind": "risk", "dwell": 10}], "refresh": 5}, "unknown setting"),
        ({"views": [{"kind": "risk", "dwell": 10}] * 13}, "at most 12"),
        ({"views": [{"kind": "risk", "dwell": 10}], "version": 2}, "version"),
    ],
)
def test_a_bad_playlist_is_refused_with_the_reason(data, message):
    with pytest.raises(P.PlaylistError, match=message):
        P.parse(data)


def test_the_shipped_playlist_is_valid():
    from config import ROOT

    pl = P.load_file(ROOT / "config" / "wall.yaml")
    assert [v.kind for v in pl.views] == ["overview", "risk", "dispatch", "overview"]


# ------------------------------------------------------------------ heartbeat
def test_the_heartbeat_stamp_follows_instructions_and_the_playlist(as_user):
    from web import context, wall

    c = as_user("province_wall")
    first = c.get("/wall/heartbeat")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    body = first.get_json()
    assert body["stale"] is False and body["as_of"] == "2026-10-31"
    assert c.get("/wall/heartbeat").get_json()["stamp"] == body["stamp"]
    # A new instruction in the province changes it.
    leader = Scope("province_leader", "leader", PROVINCE)
    T.create(
        context.ops(),
        leader,
        {"title": "心跳测试", "type": "other", "assignee_region": ANKANG, "deadline": "2099-01-01"},
        lambda code: True,
    )
    second = c.get("/wall/heartbeat").get_json()["stamp"]
    assert second != body["stamp"]
    # A changed playlist changes it too.
    with swap_playlist({"views": [{"kind": "risk", "dwell": 30}]}):
        assert c.get("/wall/heartbeat").get_json()["stamp"] != second
        assert [v.kind for v in wall.playlist().views] == ["risk"]


def test_the_heartbeat_reports_stale_data(as_user, monkeypatch):
    from web import context

    c = as_user("province_leader")
    real = context.get().warehouse.version
    monkeypatch.setattr(
        type(context.get().warehouse),
        "version",
        property(lambda self: {**real, "built_at": real["built_at"].replace(year=2020)}),
    )
    assert c.get("/wall/heartbeat").get_json()["stale"] is True


def test_the_heartbeat_is_for_the_wall_only(as_user, server):
    assert as_user("ziyang_manager").get("/wall/heartbeat").status_code == 403
    assert server.test_client().get("/wall/heartbeat").status_code == 401


# ------------------------------------------------------------------ the fence
WRITE_AND_OTHER_PATHS = [
    "/",
    "/dispatch",
    "/tasks",
    "/tasks/1",
    "/warnings",
    "/admin/users",
    "/admin/wall",
    "/monitoring/610000000000",
    "/households",
    "/region/610000000000",
    "/household/1",
    "/export/households.csv",
    "/api/v1/regions/610000000000",
    "/api/v1/tasks",
    "/nothing-here",
    "/briefings",
    "/export/chart/mon-trend.png",
    "/export/job/" + "0" * 32,
]


@pytest.mark.parametrize("path", WRITE_AND_OTHER_PATHS)
def test_a_wall_account_reaches_nothing_but_the_wall(as_user, path):
    c = as_user("province_wall")
    r = c.get(path)
    if path == "/":
        assert r.status_code == 302 and r.headers["Location"].endswith("/wall")
    else:
        assert r.status_code == 403, path
    assert c.post(path, json={}).status_code in (302, 403)


def _callback(c, output: str, inputs: list, outputs=None):
    body = {
        "output": output,
        "outputs": outputs or {"id": output.split(".")[0], "property": output.split(".")[1]},
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else [],
    }
    return c.post("/_dash-update-component", json=body)


def test_a_wall_account_fires_only_the_walls_callbacks(as_user):
    c = as_user("province_wall")
    assert c.get("/wall").status_code == 200
    assert c.get("/_dash-layout").status_code == 200
    # Writing callbacks of other pages: refused before they run.
    for output in (
        "warn-feedback.children",
        "dispatch-feedback.children",
        "task-feedback.children",
        "admin-feedback.children",
    ):
        assert (
            _callback(c, output, [{"id": "x", "property": "n_clicks", "value": 1}]).status_code
            == 403
        )
    # A multi-output callback that mixes a wall output with another page's.
    mixed = [
        {"id": "wall-canvas", "property": "children"},
        {"id": "warn-grid", "property": "rowData"},
    ]
    assert (
        _callback(
            c,
            "..wall-canvas.children...warn-grid.rowData..",
            [{"id": "wall-refresh", "property": "data", "value": "x"}],
            outputs=mixed,
        ).status_code
        == 403
    )
    # The pages router renders /wall only.
    pages = [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ]
    for path, status in (("/wall", 200), ("/dispatch", 403), ("/admin/users", 403)):
        r = _callback(
            c,
            ".._pages_content.children..._pages_store.data..",
            [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            outputs=pages,
        )
        assert r.status_code == status, path
    # The wall's own refresh runs and draws the canvas.
    r = _callback(
        c, "wall-canvas.children", [{"id": "wall-refresh", "property": "data", "value": "x"}]
    )
    assert r.status_code == 200 and "jz-wall-view" in r.get_data(as_text=True)


def test_a_wall_account_cannot_act_on_an_instruction(server):
    from web import context

    leader = Scope("province_leader", "leader", PROVINCE)
    task = T.create(
        context.ops(),
        leader,
        {
            "title": "大屏只读",
            "type": "other",
            "assignee_region": PROVINCE,
            "deadline": "2099-01-01",
        },
        lambda code: True,
    )
    wall_scope = Scope("province_wall", "wall", PROVINCE)
    # The wall counts instructions on its board; one by one it has none ("tasks.view").
    with pytest.raises(T.TaskError) as exc:
        T.get(context.ops(), wall_scope, task["id"])
    assert exc.value.status == 404
    assert T.allowed_actions(wall_scope, task) == []
    for action in ("acknowledge", "comment", "urge", "withdraw"):
        assert T.refusal(wall_scope, task, action) == "task.err.read_only"
    with pytest.raises(T.TaskError):
        T.comment(context.ops(), wall_scope, task["id"], "不能评论")
    with pytest.raises(T.TaskError):
        T.create(
            context.ops(),
            wall_scope,
            {"title": "x", "type": "other", "assignee_region": PROVINCE, "deadline": "2099-01-01"},
            lambda code: True,
        )


def test_the_board_counts_match_the_task_list(server):
    from web import context

    for scope in (
        Scope("province_leader", "leader", PROVINCE),
        Scope("ankang_leader", "leader", ANKANG),
    ):
        b = T.board(context.ops(), scope)
        found = T.list_tasks(context.ops(), scope)
        late = [x for x in found if x["overdue"]]
        assert b["counts"]["overdue"] == len(late)
        assert b["counts"]["open"] == sum(x["state"] in T.OPEN[1:] for x in found)
        assert sum(b["overdue_by_region"].values()) == len(late)
        assert all(x["overdue"] or x["escalated_to"] for x in b["items"])


def test_no_update_when_the_warehouse_is_missing(server, monkeypatch):
    from pages import wall
    from queries.runner import WarehouseUnavailable

    def gone(*_a, **_k):
        raise WarehouseUnavailable("gone")

    monkeypatch.setattr(wall, "canvas", gone)
    with logged_in(server, "province_wall"):
        assert wall.refresh({"stamp": "x", "index": 0}) is dash.no_update


# ------------------------------------------------------------------ the admin page
def test_a_province_admin_edits_the_playlist(server):
    """Saved in the store (the tracked file untouched), read back by every wall, logged;
    bad input refused with the reason and nothing changed."""
    from pages import admin_wall
    from services import audit
    from web import context, wall

    file_before = _file_digest()
    rows = [
        {"kind": "dispatch", "region": "", "dwell": 20},
        {"kind": "overview", "region": ANKANG, "dwell": 25.0},
    ]
    with swap_playlist(), logged_in(server, "province_admin"):
        assert "admin-wall-grid" in _text(admin_wall.layout())
        out = admin_wall.save(1, rows, 10, 24, 6, 8)
        assert "已保存，共 2 个视图" in _text(out)
        pl = wall.playlist()
        assert pl.views == (P.View("dispatch", 20), P.View("overview", 25, ANKANG))
        assert (pl.poll_seconds, pl.stale_after_hours, pl.reload_hours, pl.map_cycle_seconds) == (
            10,
            24,
            6,
            8,
        )
        [entry] = [
            e
            for e in audit.recent(context.ops(), action="wall_playlist", limit=5)
            if e["actor"] == "province_admin"
        ][:1]
        assert entry["outcome"] == "ok" and entry["target"] == P.KEY
        saved = _stored_row()
        # Bad input: refused with the reason, the store untouched.
        for bad_rows, settings in (
            ([{"kind": "pie", "dwell": 10}], (10, 24, 6, 8)),
            ([{"kind": "risk", "dwell": "abc"}], (10, 24, 6, 8)),
            ([], (10, 24, 6, 8)),
            (rows, (None, 24, 6, 8)),
            ([{"kind": "risk", "dwell": 10, "region": "x"}], (10, 24, 6, 8)),
        ):
            out = admin_wall.save(1, bad_rows, *settings)
            assert "未保存" in _text(out)
            assert _stored_row() == saved
        assert wall.playlist() == pl
    assert _file_digest() == file_before


@pytest.mark.parametrize("username", ["ziyang_manager", "province_leader", "province_wall"])
def test_only_a_province_admin_edits_the_playlist(server, username):
    from pages import admin_wall

    with logged_in(server, username):
        assert "无权访问" in _text(admin_wall.layout())
        with pytest.raises(Exception) as exc:
            admin_wall.save(1, [{"kind": "risk", "dwell": 10}], 10, 24, 6, 8)
        assert type(exc.value).__name__ == "RoleDenied"  # refused for the role


def test_dash_is_set_up_when_the_app_is_built(app_module):
    """Dash's first-request setup runs in create_app (before gunicorn forks), so a fresh
    worker's first burst of asset requests cannot race it (they got 500s)."""
    app = app_module.app
    assert app._got_first_request == {"pages": True, "setup_server": True}
    assert "dash" in app.registered_paths and "dash_leaflet" in app.registered_paths


def test_the_wall_map_colours_its_units_as_the_region_page_does(server):
    from components import maps
    from components import wall as view
    from components.region import fmt_value
    from domain.indicators import INDICATORS
    from queries import api
    from web import context

    scope = Scope("province_leader", "leader", PROVINCE)
    with logged_in(server, "province_leader"):
        w = api.wall_view(context.warehouse(), scope, PROVINCE)
        fc, legends = view._map_data(w, "zh")
        for k, key in enumerate(view.MAP_INDICATORS):
            ind = INDICATORS[key]
            page_fc, _, _ = maps.feature_collection(
                w.region.geometry,
                w.region.children,
                ind,
                lambda x, ind=ind: fmt_value(ind, x, lang="zh"),
                str,
                lang="zh",
            )
            assert [f["properties"]["colors"][k] for f in fc["features"]] == [
                f["properties"]["color"] for f in page_fc["features"]
            ]
        assert len(fc["features"]) == 10 and len(legends) == len(view.MAP_INDICATORS)


# ------------------------------------------------------------------ review findings
def test_the_router_cannot_be_tricked_by_the_order_of_its_inputs(as_user):
    """Dash passes the router its inputs by position: a request labelling /wall as the
    pathname but sending another page first is refused."""
    c = as_user("province_wall")
    pages = [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ]
    for inputs in (
        [
            {"id": "_pages_location", "property": "search", "value": "/household/1"},
            {"id": "_pages_location", "property": "pathname", "value": "/wall"},
        ],
        [
            {"id": "_pages_location", "property": "pathname", "value": "/tasks"},
            {"id": "_pages_location", "property": "search", "value": "/wall"},
        ],
        [{"id": "x", "property": "pathname", "value": "/wall"}],
        [],
        None,
    ):
        r = _callback(
            c,
            ".._pages_content.children..._pages_store.data..",
            inputs or [{"id": "a", "property": "b", "value": 1}],
            outputs=pages,
        )
        if inputs is None:
            r = c.post("/_dash-update-component", json={"outputs": pages})
        assert r.status_code == 403, inputs


@pytest.mark.parametrize(
    "page", ["overview", "households", "dispatch", "tasks", "warnings", "region"]
)
def test_every_other_page_refuses_a_wall_account_by_itself(server, page):
    """Not only the fence: the pages refuse the role themselves."""
    import importlib

    from access import AccessDenied

    module = importlib.import_module(f"pages.{page}")
    with logged_in(server, "province_wall"):
        try:
            out = module.layout()
        except AccessDenied:
            return
        assert "无权访问" in _text(out)


def test_admin_numbers_that_are_not_numbers(server):
    from pages import admin_wall
    from web import context

    context.get()  # the app is up
    with swap_playlist(), logged_in(server, "province_admin"):
        admin_wall.layout()  # seeds the store when nothing did yet
        before = _stored_row()
        for dwell in ("²", "--5", "9" * 5000, "1e3", float("nan"), [], {}):
            out = admin_wall.save(1, [{"kind": "risk", "dwell": dwell}], 10, 24, 6, 8)
            assert "未保存" in _text(out)
        assert _stored_row() == before


def test_playlist_oddities(tmp_path):
    with pytest.raises(P.PlaylistError, match="cannot be read"):
        P.load_file(tmp_path)  # a directory
    (tmp_path / "latin1.yaml").write_bytes("views: é".encode("latin-1"))
    with pytest.raises(P.PlaylistError, match="not UTF-8"):
        P.load_file(tmp_path / "latin1.yaml")
    with pytest.raises(P.PlaylistError) as exc:
        P.parse({"views": [{"kind": "risk", "dwell": 10**300}]})
    assert len(str(exc.value)) < 120
    with pytest.raises(P.PlaylistError, match="mapping"):
        P.parse(["views"])


def test_a_title_cannot_break_out_of_its_row():
    """A blank line in an instruction's title would end the HTML block and let the rest
    be read as Markdown (an image fetched from anywhere, links, headings)."""
    from components import wall as view

    b = view.Board(
        counts={},
        items=[
            {
                "title": "核实\n\n![x](http://example.org/beacon.png)\n\n# 标题",
                "overdue": True,
                "days_left": -2,
                "assignee_region": "610924000000",
            }
        ],
        overdue_by_region={},
    )
    markup = [
        p["children"]
        for p in _props(json.loads(_text(view.board_panel(b, lang="zh"))))
        if p.get("className") == "jz-wall-list"
    ][0]
    assert "\n" not in markup
    assert (
        '<span class="jz-wall-board-title">核实 ![x](http://example.org/beacon.png) # 标题'
        "</span>" in markup
    )
