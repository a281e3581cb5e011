"""Early-warning rules on crafted households: each fires at its threshold and not below;
the score and its explanation; malformed rules files."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from etl import rules
from etl.rules import RulesError

AS_OF = dt.date(2026, 10, 31)

SCHEMA = """
create table household (household_id bigint, village_code varchar, is_registered boolean,
    exit_year smallint, housing_grade varchar);
create table person (person_id bigint, household_id bigint, name varchar, id_number varchar,
    labour tinyint, left_date date);
create table income (household_id bigint, year smallint, wages integer,
    per_capita decimal(12, 2));
create table lines (year smallint, poverty_line integer, monitoring_line integer);
create table dept_medical (id_number varchar, month date, total_cost bigint,
    out_of_pocket bigint);
create table dept_education (id_number varchar, school_year smallint, stage tinyint,
    costs bigint, dropout boolean);
create table dept_disaster (id_number varchar, event_date date, disaster_type tinyint,
    loss bigint);
create table dept_death (id_number varchar, death_date date);
create table condition_gap (household_id bigint, item varchar, from_year smallint,
    to_year smallint);
insert into lines values (2025, null, 7600), (2026, null, 7900);
"""


def crafted(rows: dict[str, list[tuple]]) -> duckdb.DuckDBPyConnection:
    """A tiny warehouse: household h<i> has one member p<i> with ID id<i>."""
    con = duckdb.connect()
    con.execute(SCHEMA)
    for i in range(1, 9):
        registered, exit_year = (True, 2019) if i % 2 else (False, None)
        con.execute(
            "insert into household values (?, '610924100001', ?, ?, 'A')",
            [i, registered, exit_year],
        )
        con.execute("insert into person values (?, ?, ?, ?, 1, null)", [i, i, f"成员{i}", f"id{i}"])
    for table, values in rows.items():
        for v in values:
            con.execute(f"insert into {table} values ({', '.join('?' * len(v))})", list(v))
    return con


def fired(con, rule_id: str) -> dict[int, float]:
    counts = rules.evaluate(con, rules.load(), AS_OF)
    assert rule_id in counts
    return dict(
        con.execute(
            "select household_id, value from warning where rule_id = ?", [rule_id]
        ).fetchall()
    )


def test_medical_costs_thresholds_by_status():
    # h1 exited registered: threshold 5,000; h2 not registered: 20,000.
    con = crafted(
        {
            "dept_medical": [
                ("id1", dt.date(2026, 3, 1), 9000, 3000),
                ("id1", dt.date(2026, 6, 1), 9000, 2000),
                ("id3", dt.date(2026, 3, 1), 9000, 4999),  # exited, just below
                ("id2", dt.date(2026, 5, 1), 60000, 19999),  # not registered, just below
                ("id4", dt.date(2026, 5, 1), 60000, 20000),  # not registered, at the threshold
                ("id5", dt.date(2025, 9, 30), 90000, 30000),  # outside the 12-month lookback
                ("id6", dt.date(2026, 5, 1), 60000, 30000),  # costs after leaving the household
                ("id8", dt.date(2026, 5, 1), 60000, 30000),  # in the month of leaving: counts
            ]
        }
    )
    con.execute("update person set left_date = date '2025-12-01' where person_id = 6")
    con.execute("update person set left_date = date '2026-05-20' where person_id = 8")
    assert fired(con, "medical_costs") == {1: 5000.0, 4: 20000.0, 8: 30000.0}


def test_education_costs_and_dropout():
    con = crafted(
        {
            "dept_education": [
                ("id1", 2026, 5, 10000, False),
                ("id2", 2026, 5, 9999, False),
                ("id3", 2024, 5, 15000, False),  # a school year before the lookback
                ("id4", 2026, 3, 0, True),
                ("id5", 2025, 3, 0, False),
            ]
        }
    )
    assert fired(con, "education_costs") == {1: 10000.0}
    assert fired(con, "school_dropout") == {4: 1.0}


def test_disaster_losses_sum_over_the_lookback():
    con = crafted(
        {
            "dept_disaster": [
                ("id1", dt.date(2026, 7, 1), 1, 6000),
                ("id1", dt.date(2026, 8, 1), 1, 4000),
                ("id2", dt.date(2026, 7, 1), 1, 9999),
                ("id3", dt.date(2025, 6, 1), 1, 50000),  # too old
            ]
        }
    )
    assert fired(con, "disaster_losses") == {1: 10000.0}


def test_income_below_the_line():
    con = crafted({"income": [(1, 2026, 0, 7899.99), (2, 2026, 0, 7900.00), (3, 2025, 0, 100.0)]})
    assert fired(con, "income_below_line") == {1: 7899.99}


def test_migrant_work_lost():
    con = crafted(
        {
            "income": [
                (1, 2025, 20000, 9000),
                (1, 2026, 10000, 9000),  # halved: fires
                (2, 2025, 20000, 9000),
                (2, 2026, 10001, 9000),  # not quite half
                (3, 2025, 4999, 9000),
                (3, 2026, 0, 9000),  # too little to lose
            ]
        }
    )
    assert fired(con, "migrant_work_lost") == {1: 10000.0}


def test_main_worker_died():
    con = crafted({"dept_death": [("id1", dt.date(2026, 2, 1)), ("id2", dt.date(2024, 2, 1))]})
    con.execute("update person set labour = 5 where person_id = 3")
    con.execute("insert into dept_death values ('id3', date '2026-02-01')")
    # A death recorded as a leave on that day still fires; a former member's does not.
    con.execute("update person set left_date = date '2026-02-01' where person_id = 1")
    con.execute("update person set left_date = date '2025-06-01' where person_id = 4")
    con.execute("insert into dept_death values ('id4', date '2026-02-01')")
    assert fired(con, "main_worker_died") == {1: 1.0}


def test_housing_and_water():
    con = crafted(
        {
            "condition_gap": [
                (1, "water", 2025, 2026),
                (2, "water", 2020, 2025),
                (3, "housing", 2026, 2026),
            ]
        }
    )
    con.execute("update household set housing_grade = 'C' where household_id = 5")
    con.execute("update household set housing_grade = 'D' where household_id = 6")
    con.execute("update household set housing_grade = 'B' where household_id = 7")
    assert fired(con, "housing_unsafe") == {5: 1.0, 6: 1.0}
    assert fired(con, "water_unsafe") == {1: 1.0}


def test_score_and_its_explanation():
    con = crafted(
        {
            "dept_medical": [("id1", dt.date(2026, 3, 1), 9000, 8000)],
            "income": [(1, 2026, 0, 5000)],
            "condition_gap": [(1, "water", 2026, 2026)],
        }
    )
    rules.evaluate(con, rules.load(), AS_OF)
    score, n, factors = con.execute(
        "select score, rules_fired, factors from household_risk where household_id = 1"
    ).fetchone()
    weights = {"income_below_line": 0.5, "medical_costs": 0.45, "water_unsafe": 0.25}
    expected = round(100 * (1 - (1 - 0.5) * (1 - 0.45) * (1 - 0.25)), 1)
    assert (score, n) == (expected, 3) == (79.4, 3)
    assert [(f["rule"], f["weight"]) for f in json.loads(factors)] == list(weights.items())


@pytest.mark.parametrize(
    "edit,message",
    [
        (
            lambda s: s.replace("weight: 0.45", "weight: 1.5"),
            "line 34: weight must be more than 0 and at most 1",
        ),
        (
            lambda s: s.replace("kind: education_costs", "kind: astrology"),
            "line 39: unknown kind `astrology`",
        ),
        (
            lambda s: s.replace("params: {threshold: 10000}", "params: {limit: 10000}", 1),
            "line 40: kind education_costs needs the param `threshold`",
        ),
        (
            lambda s: s.replace("risk_type: 11", "risk_type: 99"),
            "line 50: risk_type 99 is not in the risk code table",
        ),
        (
            lambda s: s.replace("id: school_dropout", "id: medical_costs"),
            "line 45: rule id `medical_costs` is used twice",
        ),
        (
            lambda s: s.replace("    severity: 2\n    weight: 0.3\n", "    severity: 2\n", 1),
            "line 36: rule is missing `weight`",
        ),
        (
            lambda s: s.replace("params: {threshold: 10000}", "params: {threshold: ten}", 1),
            "line 40: threshold must be a number",
        ),
        (lambda s: s.replace("rules:\n", "rules: [\n", 1), "not valid YAML"),
        (lambda s: s.replace("version: 1\n", ""), "line 1: `version` is missing"),
    ],
)
def test_malformed_rules_are_refused_with_the_line(edit, message):
    text = edit(rules.RULES_FILE.read_text(encoding="utf-8"))
    with pytest.raises(RulesError) as exc:
        rules.parse(text, "rules.yaml")
    assert message in str(exc.value)
    assert str(exc.value).startswith("rules.yaml")
    assert "\n" not in str(exc.value)
