"""A command meeting's record (services/tasks.py): every decision checked before anything
is written, one instruction per decision, one audit entry."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from access import Scope
from ops import db, migrations
from ops import tasks as T
from services import audit
from services import tasks as S

CITY = Scope("ankang_leader", "leader", "610900000000")
ZIYANG, HANBIN = "610924000000", "610902000000"


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def _deadline(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def test_a_meeting_and_its_decisions(store):
    decisions = [("核实紫阳县预警户", ZIYANG, _deadline(7)), ("汉滨区排查", HANBIN, _deadline(14))]
    meeting, created = S.record_meeting(
        store,
        CITY,
        "周调度会",
        dt.date.today().isoformat(),
        "张三",
        decisions,
        lambda c: True,
        "10.0.0.9",
    )
    found = {x["id"]: x for x in T.list_tasks(store, CITY)}
    assert [
        (found[i]["assignee_region"], found[i]["type"], found[i]["meeting_id"]) for i in created
    ] == [(ZIYANG, "meeting_decision", meeting), (HANBIN, "meeting_decision", meeting)]
    [entry] = audit.recent(store, action="meeting_create")
    assert (entry["actor"], entry["target"], entry["ip"]) == (
        "ankang_leader",
        f"meeting:{meeting}",
        "10.0.0.9",
    )
    assert json.loads(entry["detail"]) == {"tasks": created}


def test_one_bad_decision_writes_nothing(store):
    decisions = [("核实紫阳县预警户", ZIYANG, _deadline(7)), ("过期", HANBIN, _deadline(-3))]
    with pytest.raises(T.TaskError):
        S.record_meeting(
            store, CITY, "周调度会", dt.date.today().isoformat(), "张三", decisions, lambda c: True
        )
    assert (
        T.list_tasks(store, CITY),
        T.list_meetings(store, CITY),
        audit.recent(store, action="meeting_create"),
    ) == ([], [], [])
