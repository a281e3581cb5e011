"""The operational store scoped like the warehouse: the scope filter, role permission
from the access table, what a department account sees of instructions, and the
households and assignee account an instruction may name (issue #17)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from access import PERMISSIONS, AccessDenied, Permission, Scope
from etl.refdata import region_levels
from ops import doubts as D
from ops import tasks as T
from ops import warnings as W
from ops.schema import task_links, tasks, users
from ops.scoped import SYSTEM, within

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
ANKANG = Scope("ankang_leader", "leader", "610900000000")
ZIYANG_MGR = Scope("ziyang_manager", "manager", "610924000000")
ZIYANG_CADRE = Scope("ziyang_cadre", "cadre", "610924100000")
ZIYANG_POLICE = Scope("ziyang_police", "department", "610924000000", "police")
ZIYANG_ADMIN = Scope("ziyang_admin", "admin", "610924000000")
PROVINCE_HEALTH = Scope("province_health", "department", "610000000000", "health")
ZIYANG = "610924000000"
CHENGGUAN = "610924100000"  # a township of Ziyang
HANBIN = "610902000000"


def exists(code: str) -> bool:
    return code in region_levels()


# Households 1..3 live in Ziyang's Chengguan township, 4 in Hanbin (a fake warehouse).
VILLAGE = {1: "610924100001", 2: "610924100002", 3: "610924100002", 4: "610902100001"}


def households_in(region: str, ids: list[int]) -> set[int]:
    prefix = Scope("-", "leader", region).prefix
    return {h for h in ids if VILLAGE.get(h, "").startswith(prefix)}


PLACES = T.Places(exists, households_in)


def account(engine, username, role, region, department=None, active=True):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            users.insert().values(
                username=username,
                password_hash="x",
                display_name=username,
                role=role,
                region_code=region,
                department=department,
                active=active,
                failed_logins=0,
                created_at=now,
                password_changed_at=now,
            )
        )


def new(engine, actor=ANKANG, places=PLACES, **over) -> dict:
    data = {
        "title": "核实紫阳县监测户",
        "assignee_region": ZIYANG,
        "deadline": "2026-11-20",
        **over,
    }
    return T.create(engine, actor, data, places, now=NOW)


def count_tasks(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(tasks)).scalar()


# ------------------------------------------------------------------ the scope filter
def test_within_denies_without_a_scope_and_an_empty_region_is_the_provinces():
    with pytest.raises(AccessDenied):
        within(tasks.c.assignee_region, None)
    engine = sa.create_engine("sqlite://")
    t = sa.Table("t", sa.MetaData(), sa.Column("r", sa.String))
    t.create(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"r": ""}, {"r": ZIYANG}, {"r": HANBIN}, {"r": "61%"}])

        def rows(scope):
            return sorted(r for (r,) in conn.execute(sa.select(t.c.r).where(within(t.c.r, scope))))

        assert rows(ZIYANG_MGR) == [ZIYANG]
        assert rows(Scope("p", "admin", "610000000000")) == ["", "61%", HANBIN, ZIYANG]
        assert rows(SYSTEM) == ["", "61%", HANBIN, ZIYANG]


# ------------------------------------------------------------------ the access table
def test_who_may_issue_is_the_access_tables(engine, monkeypatch):
    """Give cadres "tasks.issue" in the table, and a cadre issues: no list of roles in
    ops/tasks.py decides it any more."""
    with pytest.raises(T.TaskError) as exc:
        new(engine, actor=ZIYANG_CADRE, assignee_region=CHENGGUAN)
    assert (exc.value.status, exc.value.key) == (403, "task.err.cannot_issue")
    perm = PERMISSIONS["tasks.issue"]
    monkeypatch.setitem(
        PERMISSIONS, "tasks.issue", Permission({**perm.roles, "cadre": (1, 5)}, key=perm.key)
    )
    assert new(engine, actor=ZIYANG_CADRE, assignee_region=CHENGGUAN)["state"] == "issued"


def test_who_may_work_is_the_access_tables(engine, monkeypatch):
    task = new(engine)
    perm = PERMISSIONS["tasks.work"]
    monkeypatch.setitem(
        PERMISSIONS,
        "tasks.work",
        Permission({r: s for r, s in perm.roles.items() if r != "manager"}, subject=True),
    )
    assert "acknowledge" not in T.get(engine, ZIYANG_MGR, task["id"], NOW)["allowed_actions"]
    with pytest.raises(T.TaskError) as exc:
        T.act(engine, ZIYANG_MGR, task["id"], "acknowledge", task["version"], now=NOW)
    assert (exc.value.status, exc.value.key) == (403, "task.err.not_assignee")


def test_an_admin_sees_instructions_of_its_region_but_takes_no_action(engine):
    task = new(engine)
    seen = T.get(engine, ZIYANG_ADMIN, task["id"], NOW)
    assert seen["allowed_actions"] == ["comment"]


def test_a_wall_account_takes_no_action_not_even_a_comment(engine):
    """The wall's board counts instructions; one by one, a wall account has none (the
    table gives it no "tasks.view")."""
    task = new(engine)
    wall = Scope("province_wall", "wall", "610000000000")
    with pytest.raises(T.TaskError) as exc:
        T.comment(engine, wall, task["id"], "看到了", now=NOW)
    assert (exc.value.status, exc.value.key) == (404, "task.err.not_found")
    assert T.refusal(wall, task, "comment") == "task.err.read_only"
    assert T.board(engine, wall, NOW)["counts"]["open"] == 1


def test_meetings_only_by_those_who_issue(engine):
    with pytest.raises(T.TaskError) as exc:
        T.create_meeting(engine, ZIYANG_ADMIN, "会", "2026-11-02", "", now=NOW)
    assert (exc.value.status, exc.value.key) == (403, "task.err.cannot_issue")


# ------------------------------------------------------------------ department accounts
def test_a_department_account_sees_and_works_only_what_is_addressed_to_it(engine):
    account(engine, "ziyang_police", "department", ZIYANG, "police")
    to_unit = new(engine)
    to_police = new(engine, assignee_user="ziyang_police", title="核实车辆信息")
    assert [x["id"] for x in T.list_tasks(engine, ZIYANG_POLICE, NOW)] == [to_police["id"]]
    assert [x["id"] for x in T.list_tasks(engine, PROVINCE_HEALTH, NOW)] == []
    with pytest.raises(T.TaskError) as exc:
        T.get(engine, ZIYANG_POLICE, to_unit["id"], NOW)
    assert (exc.value.status, exc.value.key) == (404, "task.err.not_found")
    with pytest.raises(T.TaskError) as exc:
        T.act(engine, ZIYANG_POLICE, to_unit["id"], "acknowledge", 1, now=NOW)
    assert exc.value.status == 404
    done = T.act(engine, ZIYANG_POLICE, to_police["id"], "acknowledge", 1, now=NOW)
    assert done["state"] == "acknowledged"
    assert T.board(engine, ZIYANG_POLICE, NOW)["counts"]["open"] == 1
    assert T.stamp(engine, ZIYANG_POLICE).startswith("1:")


# ------------------------------------------------------------------ what a task may name
@pytest.mark.parametrize(
    "households,key",
    [
        ([4], "task.err.household_outside"),  # Hanbin's household, for Ziyang
        ([1, 4], "task.err.household_outside"),
        ([99], "task.err.household_outside"),  # no such household
    ],
)
def test_linked_households_must_lie_under_the_assignee_unit(engine, households, key):
    with pytest.raises(T.TaskError) as exc:
        new(engine, households=households)
    assert (exc.value.status, exc.value.fields) == (400, {"households": key})
    assert count_tasks(engine) == 0


def test_linked_households_of_a_township_are_not_of_another_unit(engine):
    with pytest.raises(T.TaskError) as exc:
        new(engine, assignee_region="610924101000", households=[1])  # another township
    assert exc.value.fields == {"households": "task.err.household_outside"}
    task = new(engine, assignee_region=CHENGGUAN, households=[1, 2, 3])
    with engine.connect() as conn:
        refs = sorted(
            r
            for (r,) in conn.execute(
                sa.select(task_links.c.ref).where(
                    task_links.c.task_id == task["id"], task_links.c.kind == "household"
                )
            )
        )
    assert refs == ["1", "2", "3"]


def test_households_cannot_be_named_where_they_cannot_be_checked(engine):
    """A bare region check (no warehouse) cannot tell where a household is: refused."""
    with pytest.raises(T.TaskError) as exc:
        new(engine, places=exists, households=[1])
    assert exc.value.fields == {"households": "task.err.household_outside"}
    assert new(engine, places=exists)["state"] == "issued"  # none named: fine


@pytest.mark.parametrize(
    "username,key",
    [
        ("nobody", "task.err.assignee_unknown"),
        ("ziyang_gone", "task.err.assignee_unknown"),  # disabled
        ("hanbin_manager", "task.err.assignee_outside"),  # another county
        ("chengguan_cadre", "task.err.assignee_outside"),  # below the unit: cannot see it
        ("ziyang_admin", "task.err.assignee_role"),  # admins do not work instructions
        ("ziyang_wall", "task.err.assignee_role"),
    ],
)
def test_the_assignee_account_must_be_able_to_work_it(engine, username, key):
    account(engine, "ziyang_gone", "manager", ZIYANG, active=False)
    account(engine, "hanbin_manager", "manager", HANBIN)
    account(engine, "chengguan_cadre", "cadre", CHENGGUAN)
    account(engine, "ziyang_admin", "admin", ZIYANG)
    account(engine, "ziyang_wall", "wall", ZIYANG)
    with pytest.raises(T.TaskError) as exc:
        new(engine, assignee_user=username)
    assert (exc.value.status, exc.value.fields) == (400, {"assignee_user": key})
    assert count_tasks(engine) == 0


def test_an_assignee_account_of_the_unit_gets_it(engine):
    account(engine, "ziyang_deputy", "manager", ZIYANG)
    task = new(engine, assignee_user="ziyang_deputy")
    assert task["assignee_user"] == "ziyang_deputy"
    # Addressed by name: another manager of the unit is not the assignee.
    assert "acknowledge" not in T.get(engine, ZIYANG_MGR, task["id"], NOW)["allowed_actions"]


# ------------------------------------------------------------------ warnings and doubts
WARNING = {"warning_key": "R01:1:2026-10-01", "household_id": 1, "village_code": "610924100001"}


def test_deciding_a_warning_is_the_tables_warnings_decide(engine):
    for call in (
        lambda s: W.to_instruction(engine, s, WARNING, ZIYANG, "核实", "", exists, now=NOW),
        lambda s: W.dismiss(engine, s, WARNING, "已核实", now=NOW),
    ):
        with pytest.raises(T.TaskError) as exc:
            call(ZIYANG_CADRE)
        assert (exc.value.status, exc.value.key) == (403, "task.err.cannot_issue")
    task = W.to_instruction(engine, ZIYANG_MGR, WARNING, CHENGGUAN, "核实", "", exists, now=NOW)
    assert task["state"] == "issued"


def test_a_warning_instruction_goes_to_a_unit_of_its_household(engine):
    with pytest.raises(T.TaskError) as exc:
        W.to_instruction(engine, ZIYANG_MGR, WARNING, "610924101000", "核实", "", exists, now=NOW)
    assert exc.value.fields == {"households": "task.err.household_outside"}


CASE = {
    "doubt_key": "C01:1",
    "check_id": "C01",
    "household_id": 1,
    "village_code": "610924100001",
    "household_no": "H1",
    "head_name": "张三",
}


def test_doubts_are_sent_and_closed_by_the_roles_the_table_names(engine):
    with pytest.raises(T.TaskError) as exc:
        D.send(engine, ZIYANG_CADRE, [CASE], {"C01": "车辆"}, exists, now=NOW)
    assert (exc.value.status, exc.value.key) == (403, "task.err.cannot_issue")
    with pytest.raises(T.TaskError) as exc:
        D.close(engine, ZIYANG_POLICE, CASE, "cleared", "已核实", now=NOW)
    assert (exc.value.status, exc.value.key) == (403, "doubt.err.cannot_close")
    made = D.send(engine, ZIYANG_MGR, [CASE], {"C01": "车辆"}, exists, now=NOW)
    assert [x["assignee_region"] for x in made] == ["610924100000"]
    D.close(engine, ZIYANG_CADRE, CASE, "cleared", "已核实", now=NOW)
    assert D.decided(engine, ZIYANG_CADRE)["C01:1"]["state"] == "cleared"
    assert D.decided(engine, Scope("h", "manager", HANBIN)) == {}
    assert D.history(engine, Scope("h", "manager", HANBIN), "C01:1") == []


def test_a_department_account_gets_no_digest_of_its_units_instructions(engine):
    new(engine)
    T.tick(engine, NOW)
    assert T.digest_for(engine, ZIYANG_MGR, dt.date(2026, 11, 2))["open"] == 1
    assert T.digest_for(engine, ZIYANG_POLICE, dt.date(2026, 11, 2)) is None
