"""Instructions: the state machine, permissions across roles and levels, the schedule
(with an injected clock), conflicts and bad input."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from access import Scope
from etl.refdata import region_levels
from ops import tasks as T
from ops.schema import digests, task_events

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
PROVINCE_LEADER = Scope("province_leader", "leader", "610000000000")
ANKANG = Scope("ankang_leader", "leader", "610900000000")
ZIYANG_MGR = Scope("ziyang_manager", "manager", "610924000000")
ZIYANG_CADRE = Scope("ziyang_cadre", "cadre", "610924100000")
ZIYANG_OTHER = Scope("ziyang_deputy", "manager", "610924000000")
HANBIN_MGR = Scope("hanbin_manager", "manager", "610902000000")
HANZHONG = Scope("hanzhong_manager", "manager", "610700000000")
HEALTH = Scope("province_health", "department", "610000000000", "health")


def exists(code: str) -> bool:
    return code in region_levels()


def new(engine, actor=ANKANG, now=NOW, **over) -> dict:
    data = {
        "title": "核实紫阳县监测户帮扶措施落实情况",
        "content": "请于期限内核实并反馈。",
        "type": "meeting_decision",
        "priority": "high",
        "source": "meeting",
        "assignee_region": "610924000000",
        "deadline": "2026-11-20",
        **over,
    }
    return T.create(engine, actor, data, exists, now=now)


def advance(engine, task, *steps, now=NOW):
    """Take actions in order, each by the right actor."""
    for action in steps:
        actor = ANKANG if T.ACTIONS[action][2] == "issuer" else ZIYANG_MGR
        task = T.act(engine, actor, task["id"], action, task["version"], now=now)
    return task


# The path to reach each state from a fresh draft.
PATHS = {
    "draft": [],
    "issued": ["issue"],
    "acknowledged": ["issue", "acknowledge"],
    "in_progress": ["issue", "acknowledge", "start"],
    "reported": ["issue", "acknowledge", "start", "report"],
    "closed": ["issue", "acknowledge", "start", "report", "pass"],
    "withdrawn": ["withdraw"],
}
LEGAL = {(s, a) for a, (sources, _, _) in T.ACTIONS.items() for s in sources}


@pytest.mark.parametrize("state,action", sorted(itertools.product(PATHS, T.ACTIONS)))
def test_every_transition(engine, state, action):
    task = advance(engine, new(engine, issue=False), *PATHS[state])
    assert task["state"] == state
    actor = ANKANG if T.ACTIONS[action][2] == "issuer" else ZIYANG_MGR
    if (state, action) in LEGAL:
        done = T.act(engine, actor, task["id"], action, task["version"], now=NOW)
        assert done["state"] == T.ACTIONS[action][1]
        assert done["version"] == task["version"] + 1
        last = done["events"][-1]
        assert (last["kind"], last["from_state"], last["to_state"], last["actor"]) == (
            "transition",
            state,
            T.ACTIONS[action][1],
            actor.username,
        )
    else:
        with pytest.raises(T.TaskError) as exc:
            T.act(engine, actor, task["id"], action, task["version"], now=NOW)
        assert (exc.value.status, exc.value.key) == (409, "task.err.illegal_transition")
        assert T.get(engine, actor, task["id"], NOW)["version"] == task["version"]


def test_return_sends_back_to_work_and_the_timeline_keeps_everything(engine):
    task = advance(engine, new(engine), "acknowledge", "start", "report", "return")
    assert task["state"] == "in_progress" and task["closed_at"] is None
    task = advance(engine, task, "report", "pass")
    assert task["state"] == "closed" and task["closed_at"] is not None
    kinds = [(e["kind"], e["to_state"]) for e in task["events"]]
    assert kinds == [
        ("create", "draft"),
        ("transition", "issued"),
        ("transition", "acknowledged"),
        ("transition", "in_progress"),
        ("transition", "reported"),
        ("transition", "in_progress"),
        ("transition", "reported"),
        ("transition", "closed"),
    ]
    assert [e["version"] for e in task["events"]] == [1, 1, 2, 3, 4, 5, 6, 7]


def test_events_are_append_only(engine):
    new(engine)
    for statement in ("update task_events set body = 'x'", "delete from task_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))


@pytest.mark.parametrize(
    "actor,action,key",
    [
        (ZIYANG_CADRE, "acknowledge", "task.err.not_found"),  # a township: the county is above it
        (ZIYANG_MGR, "acknowledge", None),  # the assignee unit
        (ZIYANG_OTHER, "acknowledge", None),  # another manager of the same unit
        (HANBIN_MGR, "acknowledge", "task.err.not_found"),  # another county: cannot see it
        (HANZHONG, "acknowledge", "task.err.not_found"),
        (ANKANG, "acknowledge", "task.err.not_assignee"),  # the issuer is not the assignee
        (PROVINCE_LEADER, "withdraw", None),  # a superior of the issuer
        (ZIYANG_MGR, "withdraw", "task.err.not_issuer"),
        # A department account sees only what is addressed to it by name (its subject).
        (HEALTH, "withdraw", "task.err.not_found"),
    ],
)
def test_permissions(engine, actor, action, key):
    task = new(engine)
    if key is None:
        assert T.act(engine, actor, task["id"], action, task["version"], now=NOW)["state"]
        return
    with pytest.raises(T.TaskError) as exc:
        T.act(engine, actor, task["id"], action, task["version"], now=NOW)
    assert exc.value.key == key
    assert exc.value.status == (404 if key == "task.err.not_found" else 403)


@pytest.mark.parametrize(
    "actor,region,field,key",
    [
        (ZIYANG_MGR, "610902000000", "assignee_region", "task.err.region_outside"),
        (ANKANG, "610700000000", "assignee_region", "task.err.region_outside"),
        (ANKANG, "610924999000", "assignee_region", "task.err.bad_region"),
        (ANKANG, "not-a-code", "assignee_region", "task.err.bad_region"),
    ],
)
def test_issue_only_within_the_scope(engine, actor, region, field, key):
    with pytest.raises(T.TaskError) as exc:
        new(engine, actor=actor, assignee_region=region)
    assert (exc.value.status, exc.value.fields) == (400, {field: key})


@pytest.mark.parametrize("actor", [ZIYANG_CADRE, HEALTH])
def test_only_leaders_and_managers_issue(engine, actor):
    with pytest.raises(T.TaskError) as exc:
        new(engine, actor=actor, assignee_region=actor.region_code)
    assert (exc.value.status, exc.value.key) == (403, "task.err.cannot_issue")


@pytest.mark.parametrize(
    "over,fields",
    [
        ({"title": ""}, {"title": "task.err.title_empty"}),
        ({"title": "   "}, {"title": "task.err.title_empty"}),
        ({"title": "x" * 201}, {"title": "task.err.title_long"}),
        ({"content": "x" * 10_001}, {"content": "task.err.text_long"}),
        ({"deadline": "2026-11-01"}, {"deadline": "task.err.deadline_past"}),
        ({"deadline": "2026-02-30"}, {"deadline": "task.err.bad_date"}),
        ({"type": "party"}, {"type": "task.err.bad_type"}),
        ({"priority": "whenever"}, {"priority": "task.err.bad_priority"}),
        ({"ack_deadline": "2026-11-01T00:00:00+00:00"}, {"ack_deadline": "task.err.deadline_past"}),
        ({"households": [1, "x"]}, {"households": "task.err.bad_households"}),
        ({"regions": ["610700000000"]}, {"regions": "task.err.region_outside"}),
        (
            {"title": "", "deadline": None},
            {"title": "task.err.title_empty", "deadline": "task.err.bad_date"},
        ),
    ],
)
def test_bad_input_writes_nothing(engine, over, fields):
    with pytest.raises(T.TaskError) as exc:
        new(engine, **over)
    assert (exc.value.status, exc.value.fields) == (400, fields)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from tasks")).scalar() == 0
        assert conn.execute(sa.text("select count(*) from task_events")).scalar() == 0


def test_a_stale_version_is_a_conflict_and_changes_nothing(engine):
    task = new(engine)
    first = T.act(engine, ZIYANG_MGR, task["id"], "acknowledge", task["version"], now=NOW)
    with pytest.raises(T.TaskError) as exc:
        T.act(engine, ZIYANG_OTHER, task["id"], "acknowledge", task["version"], now=NOW)
    assert exc.value.status == 409  # the second person learns it was already acknowledged
    with pytest.raises(T.TaskError) as exc:
        T.edit(engine, ANKANG, task["id"], task["version"], {"title": "改"}, exists, now=NOW)
    assert (exc.value.status, exc.value.key) == (409, "task.err.conflict")
    assert exc.value.current["state"] == "acknowledged"
    assert exc.value.current["version"] == first["version"]
    after = T.get(engine, ANKANG, task["id"], NOW)
    assert after["title"] == task["title"] and len(after["events"]) == 3


def test_edit(engine):
    task = new(engine)
    done = T.edit(
        engine,
        ANKANG,
        task["id"],
        task["version"],
        {"deadline": "2026-12-01", "priority": "urgent"},
        exists,
        now=NOW,
    )
    assert (str(done["deadline"]), done["priority"], done["version"]) == ("2026-12-01", "urgent", 2)
    assert done["events"][-1]["kind"] == "edit"
    with pytest.raises(T.TaskError) as exc:
        T.edit(engine, ANKANG, task["id"], 2, {"deadline": "2020-01-01"}, exists, now=NOW)
    assert exc.value.fields == {"deadline": "task.err.deadline_past"}
    with pytest.raises(T.TaskError) as exc:
        T.edit(engine, ANKANG, task["id"], 2, {"state": "closed"}, exists, now=NOW)
    assert exc.value.status == 400


def test_comments_and_urging(engine):
    task = new(engine)
    T.comment(engine, ZIYANG_OTHER, task["id"], "已安排入户。", now=NOW)
    T.urge(engine, ANKANG, task["id"], "请加快进度", now=NOW)
    with pytest.raises(T.TaskError) as exc:
        T.urge(engine, ZIYANG_MGR, task["id"], "", now=NOW)
    assert exc.value.key == "task.err.not_superior"
    with pytest.raises(T.TaskError) as exc:
        T.comment(engine, HANBIN_MGR, task["id"], "看看", now=NOW)
    assert exc.value.status == 404
    with pytest.raises(T.TaskError):
        T.comment(engine, ZIYANG_MGR, task["id"], "   ", now=NOW)
    after = T.get(engine, ANKANG, task["id"], NOW)
    assert [e["kind"] for e in after["events"][-2:]] == ["comment", "urge"]
    assert after["urge_count"] == 1 and after["version"] == task["version"]


def test_overdue_and_escalation_timing(engine):
    """Escalate at the acknowledgement deadline, not before; overdue after the deadline;
    each once, however often the schedule runs."""
    task = new(engine, deadline="2026-11-05", ack_deadline="2026-11-03T09:00:00+00:00")
    assert T.tick(engine, dt.datetime(2026, 11, 3, 8, 59, tzinfo=dt.UTC))["escalated"] == 0
    at = dt.datetime(2026, 11, 3, 9, 1, tzinfo=dt.UTC)
    assert T.tick(engine, at)["escalated"] == 1
    assert T.tick(engine, at)["escalated"] == 0
    got = T.get(engine, ANKANG, task["id"], at)
    assert got["escalated_to"] == "610900000000" and not got["overdue"]
    # The city sees it escalated; acknowledging stops nothing already recorded.
    assert [t["id"] for t in T.list_tasks(engine, ANKANG, at, escalated=True)] == [task["id"]]
    # Days are Beijing's (the deployment zone): 6 November begins at 16:00 UTC on the 5th.
    day_after = dt.datetime(2026, 11, 5, 16, 1, tzinfo=dt.UTC)
    assert (
        T.get(engine, ANKANG, task["id"], dt.datetime(2026, 11, 5, 15, 59, tzinfo=dt.UTC))[
            "overdue"
        ]
        is False
    )
    assert T.tick(engine, day_after)["overdue"] == 1
    assert T.tick(engine, day_after)["overdue"] == 0
    got = T.get(engine, ANKANG, task["id"], day_after)
    assert got["overdue"] and [e["kind"] for e in got["events"]][-2:] == ["escalate", "overdue"]


def test_acknowledged_in_time_is_not_escalated(engine):
    task = new(engine, ack_deadline="2026-11-03T09:00:00+00:00")
    T.act(engine, ZIYANG_MGR, task["id"], "acknowledge", 1, now=NOW)
    assert T.tick(engine, dt.datetime(2026, 11, 4, tzinfo=dt.UTC))["escalated"] == 0


def test_closed_in_time_is_never_overdue(engine):
    task = advance(
        engine, new(engine, deadline="2026-11-03"), "acknowledge", "start", "report", "pass"
    )
    later = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert T.tick(engine, later)["overdue"] == 0
    assert T.get(engine, ANKANG, task["id"], later)["overdue"] is False


def test_daily_digest_once_per_unit(engine):
    new(engine)
    new(engine, assignee_region="610924100000")
    assert T.tick(engine, NOW)["digests"] == 2
    assert T.tick(engine, NOW + dt.timedelta(hours=3))["digests"] == 0
    assert T.tick(engine, NOW + dt.timedelta(days=1))["digests"] == 2
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(digests)).scalar() == 4


def test_lists_are_scoped(engine):
    a = new(engine)
    b = new(engine, actor=HANZHONG, assignee_region="610724000000")
    assert [t["id"] for t in T.list_tasks(engine, PROVINCE_LEADER, NOW)] == [a["id"], b["id"]]
    assert [t["id"] for t in T.list_tasks(engine, ZIYANG_MGR, NOW)] == [a["id"]]
    assert [t["id"] for t in T.list_tasks(engine, HANBIN_MGR, NOW)] == []
    assert T.list_tasks(engine, PROVINCE_LEADER, NOW, issuer="hanzhong_manager")[0]["id"] == b["id"]
    mine = T.list_tasks(engine, ZIYANG_MGR, NOW)[0]
    assert mine["allowed_actions"] == ["acknowledge", "comment"]


def test_meeting_decisions_become_instructions(engine):
    meeting = T.create_meeting(
        engine, ANKANG, "安康市防返贫调度会", "2026-11-02", "市领导、各县区负责人", now=NOW
    )
    task = new(engine, meeting_id=meeting)
    assert task["meeting_id"] == meeting
    with pytest.raises(T.TaskError) as exc:
        new(engine, actor=HANZHONG, assignee_region="610724000000", meeting_id=meeting)
    assert exc.value.fields == {"meeting_id": "task.err.bad_meeting"}


def test_event_counts_match(engine):
    task = advance(engine, new(engine), "acknowledge", "start")
    with engine.connect() as conn:
        n = conn.execute(
            sa.select(sa.func.count())
            .select_from(task_events)
            .where(task_events.c.task_id == task["id"])
        ).scalar()
    assert n == len(task["events"]) == 4


def test_open_by_unit_counts_what_is_assigned_within_each_unit(engine):
    """Given instructions in Ankang's counties (one a draft, one closed, one withdrawn, one
    in a township of Ziyang, one overdue, one of Hanzhong), expect per county the open
    ones and the overdue ones, as the dispatch map shows them."""
    later = NOW + dt.timedelta(days=30)  # deadlines 2026-11-20 have passed by then
    new(engine)  # Ziyang county itself, issued
    new(engine, assignee_region="610924100000")  # a township of Ziyang
    new(engine, assignee_region="610902000000", deadline="2027-01-31")  # Hanbin, not late
    new(engine, issue=False)  # a draft: not open for anyone yet
    advance(engine, new(engine, issue=False), *PATHS["closed"])
    advance(engine, new(engine, issue=False), *PATHS["withdrawn"])
    new(engine, actor=HANZHONG, assignee_region="610702000000")  # another city's
    units = ["610902000000", "610924000000", "610925000000"]
    got = T.open_by_unit(engine, ANKANG, units, now=later)
    assert got == {
        "610902000000": {"open_tasks": 1, "overdue": 0, "overdue_rate": 0.0},
        "610924000000": {"open_tasks": 2, "overdue": 2, "overdue_rate": 1.0},
        "610925000000": {"open_tasks": 0, "overdue": 0, "overdue_rate": None},
    }
    # Before the deadline nothing is overdue; and the same figures as the task list.
    assert T.open_by_unit(engine, ANKANG, units, now=NOW)["610924000000"]["overdue"] == 0
    listed = [
        x
        for x in T.list_tasks(engine, ANKANG, now=later)
        if x["state"] in T.OPEN[1:] and x["assignee_region"].startswith("610924")
    ]
    assert len(listed) == 2 and sum(x["overdue"] for x in listed) == 2
    # A unit of no concern to the actor counts nothing of another region's.
    assert T.open_by_unit(engine, ANKANG, ["610702000000"], now=later) == {
        "610702000000": {"open_tasks": 0, "overdue": 0, "overdue_rate": None}
    }
    assert T.open_by_unit(engine, ANKANG, [], now=later) == {}
