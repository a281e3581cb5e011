"""The dispatch view and the task list, called directly."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from access import AccessDenied, Scope
from domain import clock
from ops import tasks as T
from ops import users
from tests.web.test_overview import _props, _text, logged_in

ANKANG = "610900000000"


def _engine():
    from web import context

    return context.ops()


def _count(table: str) -> int:
    with _engine().connect() as conn:
        return conn.execute(sa.text(f"select count(*) from {table}")).scalar()


def test_dispatch_page(server, wh):
    from pages import dispatch

    with logged_in(server, "ankang_leader"):
        page = dispatch.layout(code=ANKANG)
    text = _text(page)
    assert "安康市 指挥调度" in text and "会议议程" in text and "事项看板" in text
    props = list(_props(json.loads(text)))
    features = [p for p in props if p.get("id") == "region-map-geojson"][0]["data"]["features"]
    counties = wh.execute("select count(*) from region where parent_code = ?", [ANKANG]).fetchone()[
        0
    ]
    assert len(features) == counties
    items = [p for p in props if p.get("id") == "dispatch-items"][0]["data"]
    assert items and all(i["assignee_region"].startswith("6109") for i in items)


def test_two_clicks_make_an_instruction(server):
    from pages import dispatch

    with logged_in(server, "ankang_leader"):
        page = dispatch.layout(code=ANKANG)
        items = [p for p in _props(json.loads(_text(page))) if p.get("id") == "dispatch-items"][0][
            "data"
        ]
        before = _count("tasks")
        # First click: the form opens with the agenda item's template.
        dispatch.ctx = _FakeCtx({"type": "agenda-assign", "index": 0})
        opened, title, content, assignee, deadline, type_, priority, extra, _ = dispatch.open_form(
            [1], None, items, {"code": ANKANG, "metric": None}
        )
        assert (
            opened is True
            and title == items[0]["title"]
            and assignee == items[0]["assignee_region"]
        )
        # Second click: issued.
        closed, _, body, alert = dispatch.submit(
            1, title, content, assignee, deadline, type_, priority, extra, {"code": ANKANG}
        )
        assert closed is False and "已向" in _text(alert)
    assert _count("tasks") == before + 1
    task = max(
        T.list_tasks(_engine(), Scope("ankang_leader", "leader", ANKANG)), key=lambda x: x["id"]
    )
    assert (task["title"], task["assignee_region"], task["state"]) == (title, assignee, "issued")


class _FakeCtx:
    """What Dash's callback context tells a callback about its trigger."""

    def __init__(self, triggered_id):
        self.triggered_id = triggered_id


@pytest.fixture(autouse=True)
def _restore_ctx():
    from dash import ctx

    from pages import dispatch, tasks

    yield
    dispatch.ctx = tasks.ctx = ctx


def test_bad_form_writes_nothing(server):
    from pages import dispatch

    with logged_in(server, "ankang_leader"):
        before = _count("tasks")
        _, alert, body, _ = dispatch.submit(
            1, "", "", "610700000000", "2020-01-01", "other", "normal", {}, {"code": ANKANG}
        )
    text = _text(alert)
    assert "标题不能为空" in text and "不在您的辖区内" in text and "期限不能早于今天" in text
    assert _count("tasks") == before


def test_dispatch_callbacks_refuse_other_regions(server):
    from pages import dispatch

    with logged_in(server, "ziyang_manager"):
        assert "无权访问" in _text(dispatch.layout(code=ANKANG))
        with pytest.raises(AccessDenied):
            dispatch.submit(
                1,
                "x",
                "",
                "610924000000",
                "2099-01-01",
                "other",
                "normal",
                {},
                {"code": "610902000000"},
            )
        with pytest.raises(AccessDenied):
            dispatch.save_meeting(
                1, "会", "2026-11-01", "", ["x"], ["610924000000"], ["2099-01-01"], {"code": ANKANG}
            )


def test_meeting_decisions_all_or_nothing(server):
    from pages import dispatch

    deadline = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    with logged_in(server, "ankang_leader"):
        tasks_before, meetings_before = _count("tasks"), _count("meetings")
        _, alert, _, _ = dispatch.save_meeting(
            1,
            "安康市防返贫调度会",
            dt.date.today().isoformat(),
            "市领导",
            ["落实紫阳县监测户帮扶", "核实汉滨区预警", "", ""],
            ["610924000000", "610700000000", None, None],
            [deadline, deadline, None, None],
            {"code": ANKANG},
        )
        assert "不在您的辖区内" in _text(alert)
        assert (_count("tasks"), _count("meetings")) == (tasks_before, meetings_before)
        closed, _, _, alert = dispatch.save_meeting(
            1,
            "安康市防返贫调度会",
            dt.date.today().isoformat(),
            "市领导",
            ["落实紫阳县监测户帮扶", "核实汉滨区预警", "", ""],
            ["610924000000", "610902000000", None, None],
            [deadline, deadline, None, None],
            {"code": ANKANG},
        )
        assert closed is False and "2 项决定已交办" in _text(alert)
    assert (_count("tasks"), _count("meetings")) == (tasks_before + 2, meetings_before + 1)
    made = [
        t
        for t in T.list_tasks(_engine(), Scope("ankang_leader", "leader", ANKANG))
        if t["meeting_id"]
    ]
    assert len(made) == 2 and {t["source"] for t in made} == {"meeting"}
    assert {t["assignee_region"] for t in made} == {"610924000000", "610902000000"}


def test_task_list_and_actions(server):
    from pages import tasks as page

    engine = _engine()
    users.create(
        engine, "hanbin_manager", "long-enough-1", "manager", "610902000000", 3
    ) if users.get(engine, "hanbin_manager") is None else None
    leader = Scope("ankang_leader", "leader", ANKANG)
    deadline = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    task = T.create(
        engine,
        leader,
        {"title": "核实汉滨区预警户", "assignee_region": "610902000000", "deadline": deadline},
        lambda c: True,
    )
    with logged_in(server, "hanbin_manager"):
        text = _text(page.layout())
        assert "核实汉滨区预警户" in text
        detail, stored = page.show([{"id": task["id"]}])
        assert stored == {"id": task["id"], "version": 1} and "签收" in _text(detail)
        done = page.run_action("acknowledge", stored, "")
        assert done["state"] == "acknowledged"
        refused = page.run_action("acknowledge", stored, "")  # the old version again
        assert isinstance(refused, T.TaskError) and refused.status == 409
        assert "当前状态为“已签收”，不能执行“签收”" in _text(page.view.refusal_alert(refused, "zh"))
        assert (
            page.run_action("comment", {"id": task["id"]}, "已签收，正在核实")["events"][-1]["kind"]
            == "comment"
        )
    with logged_in(server, "ziyang_manager"):
        refused = page.run_action("acknowledge", {"id": task["id"], "version": 2}, "")
        assert refused.status == 404
        rows, count = page.refresh("", "", False, "", "", 0)
        assert all(r["assignee"] != "汉滨区" for r in rows)


def test_the_daily_digest_shows_on_the_task_list(server):
    from pages import tasks as page

    engine = _engine()
    leader = Scope("ankang_leader", "leader", ANKANG)
    T.create(
        engine,
        leader,
        {
            "title": "摘要测试",
            "assignee_region": "610924000000",
            "deadline": (clock.day() + dt.timedelta(days=3)).isoformat(),
        },
        lambda c: True,
    )
    T.tick(engine)
    digest = T.digest_for(
        engine, Scope("ziyang_manager", "manager", "610924000000"), clock.day()
    )  # Beijing's day
    assert digest["open"] >= 1 and digest["due_week"] >= 1
    with logged_in(server, "ziyang_manager"):
        text = _text(page.layout())
    assert f"本单位在办 {digest['open']} 件" in text
