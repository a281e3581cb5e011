"""The overview page: layout and callback called directly, as each kind of user."""

from __future__ import annotations

import contextlib
import json

import pytest
from flask_login import login_user

from ops import users
from tests.conftest import login


@contextlib.contextmanager
def logged_in(server, username: str, lang: str = "zh"):
    from flask import session

    from web import context

    with server.test_request_context("/"):
        session["lang"] = lang
        login_user(users.get(context.ops(), username))
        yield


def _text(component) -> str:
    """All text of a component tree (what a reader sees), as one string."""
    return json.dumps(
        component.to_plotly_json() if hasattr(component, "to_plotly_json") else component,
        default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json") else str(o),
        ensure_ascii=False,
    )


def _props(node):
    """Every component's props in a serialised tree, depth first."""
    if isinstance(node, dict):
        if "props" in node:
            yield node["props"]
            node = node["props"]
        for v in node.values():
            yield from _props(v)
    elif isinstance(node, list):
        for v in node:
            yield from _props(v)


def _kpis(tree) -> dict[str, str]:
    """data-kpi -> the exact number the card shows (the title of its number)."""
    shown = {}
    for props in _props(json.loads(_text(tree))):
        if "data-kpi" in props:
            numbers = [
                p.get("title")
                for p in _props(props)
                if "jz-kpi-number" in str(p.get("className", ""))
            ]
            shown[props["data-kpi"]] = numbers[0]
    return shown


def test_ziyang_manager_sees_ziyang(server, wh):
    from pages import overview

    with logged_in(server, "ziyang_manager"):
        page = overview.layout(year="2018")
    text = _text(page)
    assert "紫阳县 总览" in text
    row = wh.execute("""select hh_registered, pp_registered, pp_exited, pp_not_exited
                        from rollup_year where region_code = '610924000000' and year = 2018""").fetchone()
    kpis = _kpis(page)
    assert [
        kpis["hh_registered"],
        kpis["pp_registered"],
        kpis["pp_exited"],
        kpis["pp_not_exited"],
    ] == [f"{v:,}" for v in row]
    monitored = wh.execute("""select hh_monitored from rollup_month
                              where region_code = '610924000000' and month = '2018-12-01'""")
    assert monitored.fetchone() is None  # no monitoring before 2020
    assert kpis["hh_monitored"] == "—"


def test_children_table_lists_the_townships(server, wh):
    from pages import overview

    with logged_in(server, "ziyang_manager"):
        page = overview.layout()
    text = _text(page)
    towns = wh.execute("select name from region where parent_code = '610924000000'").fetchall()
    assert len(towns) == 17 and all(name in text for (name,) in towns)


@pytest.mark.parametrize(
    "username,region,expected",
    [
        ("ziyang_manager", "610700000000", "无权访问"),  # Hanzhong, above and beside
        ("ziyang_manager", "610902000000", "无权访问"),  # another county of Ankang
        ("ziyang_manager", "610000000000", "无权访问"),  # the province
        ("ziyang_cadre", "610924000000", "无权访问"),  # the cadre's county, above its township
        ("ziyang_manager", "6109240000", "未找到该地区"),  # malformed
        ("ziyang_manager", "610924999000", "未找到该地区"),  # well-formed, no such unit
        ("ziyang_manager", "<script>", "未找到该地区"),
    ],
)
def test_refusals(server, username, region, expected):
    from pages import overview

    with logged_in(server, username):
        text = _text(overview.layout(region=region))
    assert expected in text
    assert "建档立卡户数" not in text


def test_english(server):
    from pages import overview

    with logged_in(server, "hanzhong_manager", lang="en"):
        text = _text(overview.layout())
    assert "Registered households" in text and "汉中市: overview" in text


def test_callback_is_gated(server):
    from access import AccessDenied
    from pages import overview

    with logged_in(server, "ziyang_manager"):
        cards, *_ = overview.update("2019", "610924100000")
        assert "建档立卡户数" in _text(cards)
        with pytest.raises(AccessDenied):
            overview.update("2019", "610700000000")


def test_forged_callback_request_is_refused(server):
    client = server.test_client()
    login(client, "ziyang_manager")
    body = {
        "output": "..overview-cards.children...overview-poverty.figure...overview-monitoring."
        "figure...overview-children-box.children...overview-children-title.children..."
        "overview-poverty-png.href...overview-monitoring-png.href..",
        "outputs": [
            {"id": i, "property": p}
            for i, p in (
                ("overview-cards", "children"),
                ("overview-poverty", "figure"),
                ("overview-monitoring", "figure"),
                ("overview-children-box", "children"),
                ("overview-children-title", "children"),
                ("overview-poverty-png", "href"),
                ("overview-monitoring-png", "href"),
            )
        ],
        "inputs": [{"id": "overview-year", "property": "value", "value": "2019"}],
        "state": [{"id": "overview-region", "property": "data", "value": "610700000000"}],
        "changedPropIds": ["overview-year.value"],
    }
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 403
    assert "汉中" not in r.get_data(as_text=True)
    body["state"][0]["value"] = "610924000000"
    ok = client.post("/_dash-update-component", json=body)
    assert ok.status_code == 200
    assert "紫阳县" in json.dumps(ok.get_json(), ensure_ascii=False)
    # The charts' PNG links follow the year.
    links = ok.get_json()["response"]["overview-poverty-png"]["href"]
    assert links == "/export/chart/overview-poverty.png?region=610924000000&year=2019"
    body["inputs"][0]["value"] = "not-a-year"
    assert client.post("/_dash-update-component", json=body).status_code == 200


# ---------------------------------------------------------------- user administration
def test_admin_page_only_for_admins(server):
    from pages import admin_users

    with logged_in(server, "ziyang_manager"):
        assert "无权访问" in _text(admin_users.layout())
    with logged_in(server, "province_admin"):
        text = _text(admin_users.layout())
    assert "用户管理" in text and "ziyang_cadre" in text


def test_admin_creates_within_scope_only(server):
    from access import AccessDenied
    from pages import admin_users
    from web import context

    with logged_in(server, "province_admin"):
        alert, rows = admin_users.create(
            1, "new_cadre", "新干部", "long-enough-1", "cadre", "610924100001", ""
        )
        assert "已创建账户 new_cadre" in _text(alert)
        assert "new_cadre" in {r["username"] for r in rows}
        alert, _ = admin_users.create(1, "bad_one", "", "short", "manager", "610924000000", "")
        assert "密码至少需要 10 个字符。" in _text(alert)
    assert users.get(context.ops(), "new_cadre").region_code == "610924100001"
    with logged_in(server, "ziyang_manager"):
        with pytest.raises(AccessDenied):
            admin_users.create(1, "sneaky", "", "long-enough-1", "admin", "610000000000", "")
    assert users.get(context.ops(), "sneaky") is None
