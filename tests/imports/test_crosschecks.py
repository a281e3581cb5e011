"""Cross-checks on crafted records: each fires on its hit and not otherwise; doubtful
cases sent to the townships in bulk and closed with their outcome; imported rows reaching
the warehouse through the incremental refresh."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from access import Scope
from etl import crosschecks, rules
from ops import db, migrations
from ops import doubts as D
from ops import tasks as T
from tests.etl.test_rules import SCHEMA as RULES_SCHEMA

AS_OF = dt.date(2026, 10, 31)
# The rules' crafted warehouse, with what the cross-checks read besides.
SCHEMA = (
    RULES_SCHEMA
    + """
alter table household add column monitor_type tinyint;
create table dept_vehicle (id_number varchar, plate varchar, vehicle_type tinyint,
    registered_on date);
create table dept_business (id_number varchar, enterprise varchar, registered_on date,
    capital bigint);
create table dept_payroll (id_number varchar, employer varchar, start_date date,
    monthly_pay bigint);
create table dept_property (id_number varchar, city varchar, purchased_on date,
    area_m2 integer, price bigint);
create table dept_tax (id_number varchar, tax_year smallint, tax_paid bigint);
"""
)


def crafted(rows: dict[str, list[tuple]]):
    """Household h<i> (village 610924100001 for odd i, 610924200001 for even) has one
    member p<i> with ID id<i>; odd households are registered and exited in 2019."""
    con = duckdb.connect()
    con.execute(SCHEMA)
    for i in range(1, 9):
        registered, exit_year = (True, 2019) if i % 2 else (False, None)
        village = "610924100001" if i % 2 else "610924200001"
        con.execute(
            "insert into household values (?, ?, ?, ?, 'A', ?)",
            [i, village, registered, exit_year, None if i % 2 else 1],
        )
        con.execute(
            "insert into person values (?, ?, ?, ?, 1, null)", [i, i, f"成员{i}", f"id{i}"]
        )  # left_date null: a current member
    for table, values in rows.items():
        for v in values:
            con.execute(f"insert into {table} values ({', '.join('?' * len(v))})", list(v))
    rules.evaluate(con, rules.load(), AS_OF)
    crosschecks.evaluate(con, crosschecks.load(), AS_OF)
    return con


def hits(con, check: str) -> dict[int, tuple]:
    return {
        r[0]: r[1:]
        for r in con.execute(
            "select household_id, members, value, threshold from doubt where check_id = ? "
            "order by household_id",
            [check],
        ).fetchall()
    }


def test_each_check_fires_on_its_hit_only():
    d = dt.date
    con = crafted(
        {
            "dept_vehicle": [
                ("id1", "陕G1", 1, d(2025, 1, 1)),
                ("id2", "陕G2", 2, d(2025, 1, 1)),
                ("id3", "陕G3", 3, d(2025, 1, 1)),
                ("nobody", "陕G4", 1, d(2025, 1, 1)),
            ],
            "dept_business": [("id4", "某某合作社", d(2020, 5, 1), 100000)],
            "dept_payroll": [("id5", "某局", d(2018, 1, 1), 5000)],
            "dept_property": [("id6", "西安市", d(2023, 1, 1), 90, 900000)],
            "dept_death": [("id7", d(2026, 3, 1))],
            "dept_tax": [("id8", 2025, 12000), ("id1", 2025, 11990), ("id2", 2021, 50000)],
            "dept_medical": [("id3", d(2026, 5, 1), 30000, 6000)],
            "dept_education": [("id4", 2026, 4, 12000, False)],
            "dept_disaster": [("id5", d(2026, 7, 1), 1, 60000)],
        }
    )
    # Vehicles: cars (1) and machinery (3), not lorries (2); nobody outside the registry.
    assert hits(con, "private_vehicle") == {1: ("成员1", 1.0, 1.0), 3: ("成员3", 1.0, 1.0)}
    assert list(hits(con, "business_owner")) == [4]
    assert list(hits(con, "public_payroll")) == [5]
    assert list(hits(con, "commercial_housing")) == [6]
    assert list(hits(con, "deceased_member")) == [7]
    # Tax: 12,000 in a year of the last three; 11,990 is under; 2021 is too long ago.
    assert hits(con, "high_tax") == {8: ("成员8", 12000.0, 12000.0)}
    # Monitoring checks share the rules' evidence: an exited household's 6,000 yuan.
    assert hits(con, "medical_costs") == {3: (None, 6000.0, 5000.0)}
    assert list(hits(con, "education_costs")) == [4]
    assert list(hits(con, "disaster_losses")) == [5]
    keys = [r[0] for r in con.execute("select doubt_key from doubt order by 1").fetchall()]
    assert "private_vehicle:1" in keys and len(keys) == len(set(keys)) == 10


def test_records_of_a_member_who_left_do_not_count():
    """Issue #16: a member who left the household (died, married out) is no longer its
    member: their car or death record raises no case for it (current members only)."""
    con = crafted({})
    con.execute("update person set left_date = date '2026-03-01' where person_id in (1, 2)")
    con.execute("insert into dept_death values ('id1', date '2026-03-01')")
    con.execute("insert into dept_vehicle values ('id2', '陕G9', 1, date '2026-05-01')")
    con.execute("insert into dept_vehicle values ('id3', '陕G8', 1, date '2026-05-01')")
    crosschecks.evaluate(con, crosschecks.load(), AS_OF)
    assert list(hits(con, "deceased_member")) == []
    assert list(hits(con, "private_vehicle")) == [3]


def test_nothing_fires_without_records():
    con = crafted({})
    assert con.execute("select count(*) from doubt").fetchone()[0] == 0


def test_a_malformed_checks_file_is_refused(tmp_path):
    for text, message in (
        ("checks: [{id: x, feed: nope, kind: exists, zh: a, en: b}]", "unknown feed"),
        ("checks: [{id: x, feed: tax, kind: sometimes, zh: a, en: b}]", "unknown kind"),
        ("checks: [{id: x, feed: tax, kind: yearly_sum, zh: a, en: b}]", "needs column"),
        ("checks: [{id: x, feed: tax, kind: exists, column: nope, zh: a, en: b}]", "not a column"),
        ("checks: [{id: X-1, feed: tax, kind: exists, zh: a, en: b}]", "malformed"),
        ("checks: {}", "list 'checks'"),
    ):
        path = tmp_path / "c.yaml"
        path.write_text(text)
        with pytest.raises(crosschecks.ChecksError) as exc:
            crosschecks.load(path)
        assert message in str(exc.value)


# ------------------------------------------------------------------ cases, in bulk
ANKANG = Scope("ankang_leader", "leader", "610900000000")
ZIYANG = Scope("ziyang_manager", "manager", "610924000000")
NAMES = {"private_vehicle": "家庭成员名下有小汽车或工程机械", "public_payroll": "财政供养"}


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def _cases(n: int, township: str, check: str = "private_vehicle", start: int = 1):
    return [
        {
            "doubt_key": f"{check}:{i}",
            "check_id": check,
            "household_id": i,
            "village_code": township[:9] + "001",
            "members": f"成员{i}",
            "household_no": f"H{i:04d}",
            "head_name": f"户主{i}",
        }
        for i in range(start, start + n)
    ]


def test_cases_go_to_their_townships_in_bulk(store):
    now = dt.datetime(2026, 11, 2, 2, tzinfo=dt.UTC)
    cases = _cases(60, "610924100000") + _cases(3, "610924200000", "public_payroll", 100)
    made = D.send(store, ZIYANG, cases, NAMES, lambda c: True, now)
    # 60 households in one township: two instructions of at most 50; one for the other.
    assert [(m["assignee_region"], m["type"], m["state"]) for m in made] == [
        ("610924100000", "crosscheck_doubt", "issued"),
        ("610924100000", "crosscheck_doubt", "issued"),
        ("610924200000", "crosscheck_doubt", "issued"),
    ]
    assert made[0]["title"] == "比对疑点核查：家庭成员名下有小汽车或工程机械（50 户）"
    assert made[2]["title"] == "比对疑点核查：财政供养（3 户）"
    assert made[0]["deadline"] == dt.date(2026, 11, 17)
    assert "H0001 户主1：家庭成员名下有小汽车或工程机械（成员1）" in made[0]["content"]
    decided = D.decided(store, ZIYANG)
    assert len(decided) == 63 and {d["state"] for d in decided.values()} == {"sent"}
    assert decided["public_payroll:100"]["task_id"] == made[2]["id"]
    # Sent again (someone else was quicker): nothing more is written.
    with pytest.raises(T.TaskError) as exc:
        D.send(store, ZIYANG, cases[:2], NAMES, lambda c: True, now)
    assert exc.value.status == 409
    assert len(T.list_tasks(store, ZIYANG, now)) == 3


def test_bulk_refusals(store):
    cadre = Scope("ziyang_cadre", "cadre", "610924100000")
    for scope, cases, status in (
        (cadre, _cases(1, "610924100000"), 403),
        (ZIYANG, [], 400),
        (ZIYANG, _cases(1, "610902100000"), 404),
        (ZIYANG, _cases(D.MAX_BULK + 1, "610924100000"), 400),
    ):
        with pytest.raises(T.TaskError) as exc:
            D.send(store, scope, cases, NAMES, lambda c: True)
        assert exc.value.status == status
    assert D.decided(store, ZIYANG) == {}


def test_an_outcome_closes_the_case_and_the_history_stays(store):
    now = dt.datetime(2026, 11, 2, 2, tzinfo=dt.UTC)
    case = _cases(1, "610924100000")[0]
    D.send(store, ZIYANG, [case], NAMES, lambda c: True, now)
    for outcome, note, status in (("maybe", "x", 400), ("cleared", "  ", 400)):
        with pytest.raises(T.TaskError) as exc:
            D.close(store, ZIYANG, case, outcome, note, now)
        assert exc.value.status == status
    D.close(store, ZIYANG, case, "cleared", "车辆已于 2024 年转让，有过户记录", now)
    with pytest.raises(T.TaskError) as exc:
        D.close(store, ZIYANG, case, "confirmed", "again", now)
    assert exc.value.status == 409
    assert D.decided(store, ZIYANG)[case["doubt_key"]]["state"] == "cleared"
    assert [(e["state"], e["note"]) for e in D.history(store, ZIYANG, case["doubt_key"])] == [
        ("sent", ""),
        ("cleared", "车辆已于 2024 年转让，有过户记录"),
    ]
    # Outside the scope: no history, no closing.
    hanzhong = Scope("hanzhong_manager", "manager", "610700000000")
    assert D.history(store, hanzhong, case["doubt_key"]) == []
    other = _cases(1, "610924100000", start=9)[0]
    with pytest.raises(T.TaskError):
        D.close(store, hanzhong, other, "cleared", "x", now)
    # A case can be closed without having been sent (verified on the spot).
    D.close(store, ZIYANG, other, "confirmed", "已更正家庭人口", now)
    assert D.decided(store, ZIYANG)[other["doubt_key"]]["task_id"] is None


def test_who_may_close_and_a_household_with_several_cases(store):
    now = dt.datetime(2026, 11, 2, 2, tzinfo=dt.UTC)
    clerk = Scope("province_police", "department", "610000000000", "police")
    case = _cases(1, "610924100000")[0]
    with pytest.raises(T.TaskError) as exc:
        D.close(store, clerk, case, "cleared", "x", now)
    assert exc.value.status == 403
    D.close(store, Scope("ziyang_cadre", "cadre", "610924100000"), case, "cleared", "核实无车", now)
    # Two checks for the same households: one instruction, counted in households.
    cases = _cases(3, "610924200000", start=20) + _cases(
        3, "610924200000", "public_payroll", start=20
    )
    made = D.send(store, ZIYANG, cases, NAMES, lambda c: True, now)
    assert len(made) == 1 and made[0]["title"].endswith("（3 户）")
    assert made[0]["content"].count("\n") == 5


def test_households_are_counted_once_however_many_checks_they_fail(app_module, wh):
    """The page's cards and the map count households: a household failing two checks is
    one household (the query layer counts them, the page shows what it gets)."""
    from queries import api
    from web import context

    scope = Scope("ziyang_manager", "manager", "610924000000")
    cv = api.crosscheck_view(context.warehouse(), scope, "610924000000", "", [])
    distinct = wh.execute(
        "select count(distinct household_id) from doubt where starts_with(village_code, '610924')"
    ).fetchone()[0]
    cases = wh.execute(
        "select count(*) from doubt where starts_with(village_code, '610924')"
    ).fetchone()[0]
    assert distinct < cases  # the tiny warehouse has households failing two checks
    assert cv.totals == {"households": distinct, "open_households": distinct}
    assert int(cv.children["undecided"].sum()) == distinct
    assert int(cv.summary["cases"].sum()) == cases
