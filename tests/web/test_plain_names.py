"""Screens name things as people know them (issue #14, point 5): regions and departments
by name, people by their display name, households by their number, the data by its date
— never a 12-digit code, a username, a build string or a command line."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from access import AccessDenied, Scope
from etl.refdata import region_names
from ops import tasks as T
from ops import users
from tests.web.test_overview import _props, _text, logged_in

ANKANG = "610900000000"
CODE = re.compile(r"\b61\d{10}\b")


def _by_id(page, cid: str) -> dict:
    return [p for p in _props(json.loads(_text(page))) if p.get("id") == cid][0]


def _ops():
    from web import context

    return context.ops()


# ------------------------------------------------------------------ /admin/users
def test_the_user_list_names_regions_and_departments(server):
    from pages import admin_users

    with logged_in(server, "province_admin"):
        page = admin_users.layout()
    rows = {r["username"]: r for r in _by_id(page, "admin-users-grid")["rowData"]}
    assert rows["province_health"]["region"] == "陕西省"
    assert rows["province_health"]["department"] == "卫健部门"
    assert rows["province_police"]["department"] == "公安部门"
    assert rows["ziyang_cadre"]["region"] == "紫阳县 · 城关镇"
    assert not any(CODE.search(json.dumps(r, ensure_ascii=False)) for r in rows.values())
    assert not {"health", "police"} & {r["department"] for r in rows.values()}
    headers = [c["headerName"] for c in _by_id(page, "admin-users-grid")["columnDefs"]]
    assert "所属地区" in headers and "所属地区代码" not in headers
    assert "可管理辖区 陕西省 及下级单位的账户。" in _text(page)
    # The region of a new account is picked by name; the code is only the option's value.
    region = _by_id(page, "admin-region")
    assert {"value": "610924100000", "label": "紫阳县 · 城关镇"} in region["data"]
    assert region["searchable"] is True
    with logged_in(server, "province_admin", "en"):
        rows = {
            r["username"]: r for r in _by_id(admin_users.layout(), "admin-users-grid")["rowData"]
        }
    assert rows["province_health"]["department"] == "health"  # the English name
    assert rows["province_police"]["department"] == "public security"


def test_an_account_for_a_village_is_picked_by_name(server):
    from pages import admin_users

    township = "610924100000"
    with logged_in(server, "province_admin"):
        data, value = admin_users.villages(township)
        assert (
            value is None
            and data
            and all(o["value"].startswith("610924100") and o["value"] != township for o in data)
        )
        assert data[0]["label"].startswith("紫阳县 · 城关镇 · ")
        assert admin_users.villages("610900000000") == ([], None)  # a city: no villages
        village = data[0]["value"]
        admin_users.create(
            1, "village_cadre_x", "村干部甲", "long-enough-pw-1", "cadre", township, None, village
        )
        assert users.get(_ops(), "village_cadre_x").region_code == village
        # A village of another township is refused, not taken.
        alert, _ = admin_users.create(
            1, "village_cadre_y", "", "long-enough-pw-1", "cadre", "610924101000", None, village
        )
        assert users.get(_ops(), "village_cadre_y") is None
        assert "不在您的辖区内" in _text(alert)
    with logged_in(server, "ziyang_manager"):
        with pytest.raises(AccessDenied):
            admin_users.villages(township)  # admins only


# ------------------------------------------------------------------ /tasks
def test_the_region_filter_is_a_select_of_names_within_the_scope(server):
    from pages import tasks as page

    with logged_in(server, "ankang_leader"):
        region = _by_id(page.layout(), "tasks-region")
    assert region["searchable"] is True and region["label"] == "承办单位"
    values = [o["value"] for o in region["data"]]
    assert values[0] == ANKANG and all(v.startswith("6109") for v in values)
    assert {"value": "610924000000", "label": "紫阳县"} in region["data"]
    assert {"value": "610924100000", "label": "紫阳县 · 城关镇"} in region["data"]
    assert 100 < len(values) <= 200  # the city, its counties and townships, no villages
    assert not any(CODE.search(o["label"]) for o in region["data"])
    with logged_in(server, "province_leader"):
        labels = [o["label"] for o in _by_id(page.layout(), "tasks-region")["data"]]
    assert labels[0] == "陕西省" and "汉中市" in labels and len(labels) == 118


def test_the_region_filter_goes_through_the_scope_gate(server):
    from pages import tasks as page

    ziyang = Scope("ziyang_manager", "manager", "610924000000")
    assert page._filters(ziyang, "", "", False, "", "610924100000")["region"] == "610924100000"
    for sent in ("610700000000", "610924999000", "6109", None, ["610924100000"], 610924100000):
        assert page._filters(ziyang, "", "", False, "", sent)["region"] is None, sent
    engine = _ops()
    leader = Scope("ankang_leader", "leader", ANKANG)
    due = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    T.create(
        engine,
        leader,
        {"title": "汉中市不该看到的事项", "assignee_region": "610902000000", "deadline": due},
        lambda c: True,
    )
    with logged_in(server, "ziyang_manager"):
        # Another county's code from the browser filters nothing open: the user's own
        # inbox, not the other county's.
        rows, _ = page.refresh("", "", False, "", "610902000000", 0)
        assert all(r["title"] != "汉中市不该看到的事项" for r in rows)
        assert rows == page.refresh("", "", False, "", None, 0)[0]


def test_issuers_and_actors_are_shown_by_name(server):
    from pages import tasks as page

    engine = _ops()
    leader = Scope("ankang_leader", "leader", ANKANG)
    due = (dt.date.today() + dt.timedelta(days=6)).isoformat()
    task = T.create(
        engine,
        leader,
        {"title": "按姓名显示交办人", "assignee_region": "610924000000", "deadline": due},
        lambda c: True,
    )
    with logged_in(server, "ziyang_manager"):
        layout = page.layout()
        row = [r for r in _by_id(layout, "tasks-grid")["rowData"] if r["id"] == task["id"]][0]
        assert row["issuer"] == "安康市领导(演示)"
        issuers = _by_id(layout, "tasks-issuer")["data"]
        assert {"value": "ankang_leader", "label": "安康市领导(演示)"} in issuers
        page.run_action("acknowledge", {"id": task["id"], "version": task["version"]}, "")
        detail, _ = page.show([{"id": task["id"]}])
        text = _text(detail)
        assert "交办人：安康市领导(演示)" in text and "紫阳县管理员(演示)" in text
        assert "ankang_leader" not in text and "ziyang_manager" not in text
        # The issuer filter takes the username the select sends.
        rows, _ = page.refresh("", "", False, "ankang_leader", None, 0)
        assert task["id"] in {r["id"] for r in rows}
        assert {r["issuer"] for r in rows} == {"安康市领导(演示)"}
    from components import tasks as view

    assert view.person("system", view.Names(), "zh") == "系统"


def test_the_dispatch_due_list_names_issuers(server):
    from pages import dispatch

    engine = _ops()
    leader = Scope("ankang_leader", "leader", ANKANG)
    T.create(
        engine,
        leader,
        {
            "title": "本周到期按姓名",
            "assignee_region": "610924000000",
            "deadline": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
        },
        lambda c: True,
    )
    with logged_in(server, "ankang_leader"):
        rows = _by_id(dispatch.layout(code=ANKANG), "dispatch-due")["rowData"]
    assert rows and "ankang_leader" not in {r["issuer"] for r in rows}
    assert "安康市领导(演示)" in {r["issuer"] for r in rows}


# ------------------------------------------------------------------ /warnings
def test_the_decided_list_shows_the_household_number_and_a_name(server, wh):
    from pages import warnings

    with logged_in(server, "ankang_leader"):
        page = warnings.layout(unit=ANKANG)
        key = _by_id(page, "warn-grid")["rowData"][0]["warning_key"]
        _, _, decided, _ = warnings.to_instruction(
            {"value": {"key": key}}, {"code": ANKANG, "rule": ""}
        )
    household = int(key.split(":")[1])
    number = wh.execute(
        "select household_no from household where household_id = ?", [household]
    ).fetchone()[0]
    row = [r for r in decided if f"(/household/{household})" in r["household"]][0]
    assert row["household"] == f"[{number}](/household/{household})"
    assert row["by"] == "安康市领导(演示)"
    assert f"户 {household}" not in _text(decided)
    with logged_in(server, "ankang_leader"):
        shown = _by_id(warnings.layout(unit=ANKANG), "warn-decided")["rowData"]
    assert row in shown and not any(r["household"].startswith("[户 ") for r in shown)


# ------------------------------------------------------------------ the wall
def test_the_wall_header_says_when_not_which_build(server):
    from components import wall as view

    version = {
        "as_of": dt.date(2026, 10, 31),
        "version": "42-1-20261031+rules1-1796154488474298645",
        "built_at": dt.datetime(2026, 11, 1, 2, 30, tzinfo=dt.UTC),
    }
    with logged_in(server, "province_leader"):
        header = view.header("陕西省", [{"kind": "overview", "title": "总览"}], version, 0, "zh")
    stamp = _by_id(header, "wall-stamp")
    assert stamp["children"] == "数据截至 2026年10月31日 · 更新于 2026-11-01 10:30 北京时间"
    assert "版本" not in stamp["children"] and "1796154488474298645" not in stamp["children"]


def test_the_playlist_picks_regions_by_name(server):
    from pages import admin_wall

    with logged_in(server, "province_admin"):
        grid = _by_id(admin_wall.layout(), "admin-wall-grid")
    region = [c for c in grid["columnDefs"] if c["field"] == "region"][0]
    assert region["headerName"] == "地区"
    assert region["cellEditor"] == "agSelectCellEditor"
    values = region["cellEditorParams"]["values"]
    assert values[0] == "" and "610700000000" in values and len(values) == 119
    names = json.loads(re.match(r"\((\{.*\})\)", region["valueFormatter"]["function"]).group(1))
    assert names["610700000000"] == "汉中市" and names[""] == "大屏账号本级"


# ------------------------------------------------------------------ people in documents
def test_minutes_name_the_minute_taker(server, monkeypatch):
    from exports import briefing, render
    from web import context

    ankang = Scope("ankang_leader", "leader", ANKANG)
    mid = T.create_meeting(_ops(), ankang, "纪要记录人测试", "2026-10-12", "张三", "")
    bodies = []
    monkeypatch.setattr(
        render, "html_pdf", lambda settings, body, figs, footer: bodies.append(body) or b"%PDF"
    )
    with logged_in(server, "ankang_leader"):
        from web.auth import requester

        by = requester()
        briefing.minutes_pdf(_ops(), ankang, mid, context.get().settings, by)
    assert by == "安康市领导(演示)"
    assert "<td>记录人</td><td>安康市领导(演示)</td>" in bodies[0]
    assert "ankang_leader" not in bodies[0]


# ------------------------------------------------------------------ commands
def test_no_command_lines_or_file_paths_in_the_catalog():
    from i18n import CATALOG

    shown = re.compile(r"manage\.py|python |make run|docs/|\.md\b|--[a-z]+ ")
    offending = [(lang, k) for lang in CATALOG for k, v in CATALOG[lang].items() if shown.search(v)]
    assert offending == []


def test_the_briefings_page_prints_no_command(server):
    from pages import briefings

    with logged_in(server, "province_leader"):
        text = _text(briefings.layout())
    assert "manage.py" not in text and "docs/exchange.md" not in text
    assert "简报也可每月定时自动生成，请联系系统管理员设置。" in text


def test_demo_instructions_name_their_officers(tmp_path):
    import sqlalchemy as sa

    from components import tasks as view
    from etl.refdata import region_levels
    from ops import db, demo, migrations
    from ops.schema import task_events

    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    demo.ensure(engine, region_levels())
    demo.seed_instructions(engine, region_levels(), T.utcnow(), count=12)
    with engine.connect() as conn:
        actors = {r[0] for r in conn.execute(sa.select(task_events.c.actor).distinct())}
    assert not any(re.search(r"demo_|\d{6}", a) for a in actors), actors
    assert any(a.endswith("经办人(演示)") for a in actors)
    # Stores seeded before name the officer by a code: shown by the unit's name.
    names = view.Names(region_names())
    assert view.person("demo_610924000000", names, "zh") == "紫阳县经办人(演示)"


def test_the_import_ledger_names_the_importer(server):
    from pages import imports

    rows = [
        {
            "id": 1,
            "feed": "death",
            "file_name": "deaths.csv",
            "imported_at": dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC),
            "imported_by": "province_police",
            "rows_total": 2,
            "rows_accepted": 1,
            "rows_rejected": 0,
            "status": "loaded",
        }
    ]
    with logged_in(server, "province_admin"):
        text = _text(imports.batches_table(rows))
    assert "省公安厅数据员(演示)" in text and "province_police" not in text


@pytest.mark.parametrize(
    "kind,target,shown",
    [
        ("map", "/region/610924000000?indicator=x", "紫阳县 · 地区下钻"),
        ("page", "/dispatch/610924000000", "紫阳县 · 指挥调度"),
        ("page", "/?region=610900000000", "安康市 · 总览"),
        ("page", "/monitoring", "风险监测"),
        ("minutes", "meeting:7", "会议记录 #7"),
        ("briefing", "610924000000 2026-10", "紫阳县 · 2026-10"),
    ],
)
def test_the_export_list_names_what_each_job_exports(server, kind, target, shown):
    """The 内容 column showed the page's path ("/dispatch/610924000000") or "meeting:1"."""
    from pages import briefings

    with logged_in(server, "ziyang_manager"):
        assert briefings._target({"kind": kind, "target": target}) == shown
