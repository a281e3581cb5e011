"""Assistance and the elimination of a risk on a monitoring case (services/assistance.py,
services/elimination.py, domain/elimination.py): the plan flags a risk type no measure
answers; the standard is checked with its evidence on a proposal, which a failing
condition blocks unless the county overrides it with a reason (audited); then notice,
township review, county decision; and the refresh counts it."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlalchemy as sa

from access import Scope
from domain import elimination as E
from ops import cases as O
from ops import db, migrations
from ops.schema import audit_log
from queries.runner import Warehouse
from services import assistance as A
from services import cases as S
from services import elimination as EL
from tests.services.test_cases import INCLUDE, STEPS, people, refused

NOW = dt.datetime(2026, 7, 20, 2, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2027, 1, 25, 2, 0, tzinfo=dt.UTC)  # six months after the inclusion
PROPOSE = {
    "step": "elim_proposal",
    "date": "2027-01-20",
    "notice_start": "2027-01-20",
    "method": 1,
    "income": "9200",
    "stable_since": "2026-07-01",
}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ------------------------------------------------------------------ the standard, given/expect
def ev(**kw) -> E.Evidence:
    base = dict(
        on=d("2027-01-20"),
        identified_on=d("2026-07-15"),
        line=7900.0,
        income=9200.0,
        stable_since=d("2026-07-01"),
        measures=1,
        method=1,
    )
    return E.Evidence(**(base | kw))


def test_the_standard_given_expect():
    assert E.failing(E.check(ev())) == []
    assert E.failing(E.check(ev(income=7899.0))) == ["income"]
    assert E.failing(E.check(ev(stable_since=d("2026-07-21")))) == ["income"]  # 5 months
    assert E.failing(E.check(ev(stable_since=d("2026-07-20")))) == []  # 6 months to the day
    assert E.failing(E.check(ev(line=None))) == ["income"]  # no line published: cannot pass
    assert E.failing(E.check(ev(gaps=("water",)))) == ["guarantees"]
    assert E.failing(E.check(ev(identified_on=d("2026-07-21")))) == ["since"]
    assert E.failing(E.check(ev(identified_on=None))) == ["since"]
    assert E.failing(E.check(ev(measures=0))) == ["measure"]
    assert E.failing(E.check(ev(measures=0, method=2))) == []  # naturally: no measure needed
    assert E.failing(E.check(ev(no_labour=True))) == ["labour"]
    assert [c.name for c in E.check(ev())] == ["income", "guarantees", "since", "measure", "labour"]


def test_months_and_matching_given_expect():
    assert E.add_months(d("2026-08-31"), 6) == d("2027-02-28")
    assert E.add_months(d("2027-08-31"), 6) == d("2028-02-29")
    assert E.add_months(d("2026-07-15"), 6) == d("2027-01-15")
    assert E.add_months(d("2026-01-30"), 1) == d("2026-02-28")
    assert E.unmatched([1, 7], []) == [1, 7]
    assert E.unmatched([1, 7], [7]) == [7]  # health answers illness, not work
    assert E.unmatched([1, 7], [7, 4]) == []  # a public-welfare job answers unstable work
    assert E.unmatched([13, 10], [1]) == [10]  # "other" is answered by any measure


# ------------------------------------------------------------------ on a real case
@pytest.fixture(scope="module")
def home(warehouse_path) -> tuple[int, str]:
    """A household of the tiny warehouse without a monitoring record, with labour and no
    guarantee unmet in 2027, and no monitoring measure (so the platform's are the only)."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    row = con.execute("""
        select h.household_id, h.village_code from household h
        left join monitoring m using (household_id)
        where m.household_id is null and not h.no_labour
          and not exists (select 1 from condition_gap g where g.household_id = h.household_id
                          and 2027 between g.from_year and g.to_year)
          and not exists (select 1 from measure x where x.household_id = h.household_id
                          and x.for_monitoring)
        order by h.household_id desc limit 1""").fetchone()
    con.close()
    return row


@pytest.fixture(scope="module")
def warehouse(warehouse_path):
    return Warehouse(warehouse_path, cache_dir=None, reload_seconds=3600)


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def included(store, warehouse, who, hid) -> dict:
    case = S.open_case(store, warehouse, who["village"], hid, 2, warned_on="2026-07-01", now=NOW)
    for role, data in STEPS:
        case = S.record_step(store, who[role], case["id"], case["version"], data, NOW)
    return S.record_step(store, who["county"], case["id"], case["version"], INCLUDE, NOW)


def measure(store, who, case, now=LATER, **kw) -> dict:
    data = {"category": 7, "amount": "3000", "planned_on": "2026-07-20", "responsible": "王芳"}
    return A.add_measure(store, who["village"], case["id"], case["version"], data | kw, now)


def step(store, wh, scope, case, data, now=LATER) -> dict:
    return S.record_step(store, scope, case["id"], case["version"], data, now, wh=wh)


def test_the_plan_flags_a_risk_no_measure_answers(store, warehouse, home):
    who = people(home[1])
    case = included(store, warehouse, who, home[0])
    assert EL.plan_view(store, warehouse, who["village"], case, d("2026-07-20"))["unmatched"] == [
        1,
        7,
    ]
    case = measure(store, who, case, NOW)
    plan = EL.plan_view(store, warehouse, who["village"], case, d("2026-07-20"))
    assert (plan["unmatched"], plan["categories"]) == ([7], [7])
    assert [(m["category"], m["amount"], m["done_on"]) for m in plan["measures"]] == [
        (7, 3000.0, None)
    ]
    case = measure(store, who, case, NOW, category=2, department="hr", done_on="2026-07-20")
    plan = EL.plan_view(store, warehouse, who["village"], case, d("2026-07-20"))
    assert plan["unmatched"] == []
    assert [e["kind"] for e in case["events"][-2:]] == ["measure", "measure"]
    assert case["version"] == 10


def test_bad_measures_change_nothing(store, warehouse, home):
    who = people(home[1])
    case = included(store, warehouse, who, home[0])
    e = refused(400, "case.err.invalid", measure, store, who, case, category=99, amount="-1")
    assert set(e.fields) == {"category", "department", "amount"}
    e = refused(400, "case.err.invalid", measure, store, who, case, planned_on="2026-07-01")
    assert e.fields == {"planned_on": "case.err.before_identified"}
    e = refused(400, "case.err.invalid", measure, store, who, case, done_on="2027-02-01")
    assert e.fields == {"done_on": "case.err.future"}
    stale = {**case, "version": case["version"] - 1}
    refused(409, "case.err.conflict", measure, store, who, stale)
    wall = {"village": Scope("w", "wall", "610000000000")}
    refused(403, "error.role", measure, store, wall, case)
    other = {"village": Scope("o", "cadre", "610902000000")}
    refused(404, "case.err.not_found", measure, store, other, case)
    refused(
        404,
        "case.err.measure",
        A.measure_done,
        store,
        who["village"],
        case["id"],
        case["version"],
        12345,
        "2026-07-20",
        NOW,
    )
    assert O.measures(store, [case["id"]]) == []
    assert S.get(store, who["village"], case["id"], NOW)["version"] == case["version"]


def test_a_household_is_eliminated_through_assistance(store, warehouse, home):
    who = people(home[1])
    case = included(store, warehouse, who, home[0])
    case = measure(store, who, case, NOW)
    mid = O.measures(store, [case["id"]])[0]["id"]
    case = A.measure_done(
        store, who["village"], case["id"], case["version"], mid, "2026-08-01", LATER
    )
    plan = EL.plan_view(store, warehouse, who["village"], case, d("2027-01-20"))
    assert [c.name for c in plan["conditions"] if not c.ok] == ["income"]  # not yet assessed
    case = step(store, warehouse, who["village"], case, PROPOSE)
    assert (case["state"], case["next_step"]) == ("elim_notice", "elim_notice_end")
    assert case["events"][-1]["data"]["precheck"] == {
        "income": True,
        "guarantees": True,
        "since": True,
        "measure": True,
        "labour": True,
    }
    short = {"step": "elim_notice_end", "date": "2027-01-24"}
    refused(400, "case.err.invalid", step, store, warehouse, who["village"], case, short)
    case = step(store, warehouse, who["village"], case, short | {"date": "2027-01-25"})
    refused(
        403,
        "case.err.township_level",
        step,
        store,
        warehouse,
        who["village"],
        case,
        {"step": "elim_township_review", "date": "2027-01-25", "outcome": "pass"},
    )
    case = step(
        store,
        warehouse,
        who["township"],
        case,
        {"step": "elim_township_review", "date": "2027-01-25", "outcome": "pass"},
    )
    approve = {"step": "elim_county_decision", "date": "2027-01-25", "outcome": "approve"}
    refused(403, "case.err.county_level", step, store, warehouse, who["township"], case, approve)
    case = step(store, warehouse, who["county"], case, approve)
    row = {
        k: case[k]
        for k in (
            "state",
            "eliminate_date",
            "elim_method",
            "elim_income",
            "open_household",
            "next_step",
        )
    }
    assert row == {
        "state": "eliminated",
        "eliminate_date": d("2027-01-25"),
        "elim_method": 1,
        "elim_income": 9200.0,
        "open_household": None,  # the household may have a new case if it falls back
        "next_step": None,
    }
    assert [e["kind"] for e in case["events"]][-4:] == [
        "elim_proposal",
        "elim_notice_end",
        "elim_township_review",
        "elim_county_decision",
    ]


def test_a_failing_condition_blocks_until_the_county_overrides(store, warehouse, home):
    who = people(home[1])
    case = included(store, warehouse, who, home[0])
    early = PROPOSE | {
        "date": "2026-12-01",
        "notice_start": "2026-12-01",
        "stable_since": "2026-05-01",
    }
    e = refused(409, "case.err.precheck", step, store, warehouse, who["village"], case, early)
    assert e.params["failing"] == ["since", "measure"]  # 4½ months; no measure yet
    assert S.get(store, who["village"], case["id"], LATER)["version"] == case["version"]
    refused(
        403,
        "case.err.county_level",
        S.override,
        store,
        who["village"],
        case["id"],
        case["version"],
        "因病支出已由医保兜底",
        LATER,
    )
    e = refused(
        400,
        "case.err.invalid",
        S.override,
        store,
        who["county"],
        case["id"],
        case["version"],
        "  ",
        LATER,
    )
    assert e.fields == {"override": "case.err.reason_needed"}
    case = S.override(
        store, who["county"], case["id"], case["version"], "大病支出已由医保兜底,收入稳定", LATER
    )
    assert (case["override_note"], case["override_by"]) == (
        "大病支出已由医保兜底,收入稳定",
        "c_manager",
    )
    with store.connect() as conn:
        entry = conn.execute(
            sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target)
        ).all()[-1]
    assert tuple(entry) == ("c_manager", "case_override", f"case:{case['id']}")
    # The township may propose too; the override lets the failing proposal through.
    case = step(store, warehouse, who["township"], case, early)
    assert case["state"] == "elim_notice"
    assert case["events"][-1]["data"]["override"] == "大病支出已由医保兜底,收入稳定"
    assert case["events"][-1]["data"]["precheck"]["since"] is False
    # A county that rejects it sends the case back; the override is gone with it.
    case = step(
        store, warehouse, who["village"], case, {"step": "elim_notice_end", "date": "2026-12-07"}
    )
    case = step(
        store,
        warehouse,
        who["township"],
        case,
        {"step": "elim_township_review", "date": "2026-12-08", "outcome": "pass"},
    )
    reject = {"step": "elim_county_decision", "date": "2026-12-09", "outcome": "reject"}
    e = refused(400, "case.err.invalid", step, store, warehouse, who["county"], case, reject)
    assert e.fields == {"note": "case.err.reason_needed"}
    case = step(store, warehouse, who["county"], case, reject | {"note": "收入未稳定"})
    assert (case["state"], case["override_note"], case["elim_proposal_date"]) == (
        "included",
        "",
        None,
    )
    refused(
        409,
        "case.err.precheck",
        step,
        store,
        warehouse,
        who["village"],
        case,
        PROPOSE | {"date": "2026-12-10", "notice_start": "2026-12-10"},
    )


def test_no_override_once_proposed_and_no_elimination_before_inclusion(store, warehouse, home):
    who = people(home[1])
    case = S.open_case(
        store, warehouse, who["village"], home[0], 2, warned_on="2026-07-01", now=NOW
    )
    refused(409, "case.err.order", step, store, warehouse, who["village"], case, PROPOSE)
    refused(
        409,
        "case.err.order",
        S.override,
        store,
        who["county"],
        case["id"],
        case["version"],
        "理由",
        LATER,
    )
    refused(409, "case.err.not_monitored", measure, store, who, case)


def test_crafted_values_are_refused_not_a_500(store, warehouse, home):
    """Values a forged callback can send (review findings): an infinite number, a list
    for a code, a list for the step."""
    from domain import cases as D

    assert D.code_of("elimination", float("inf")) is None
    assert D.code_of("risk", 1e400) is None
    who = people(home[1])
    case = included(store, warehouse, who, home[0])
    e = refused(400, "case.err.invalid", measure, store, who, case, department=["agri"])
    assert e.fields == {"department": "case.err.department"}
    e = refused(400, "case.err.invalid", measure, store, who, case, category=float("inf"))
    assert set(e.fields) == {"category", "department"}
    bad = PROPOSE | {"method": 1e400, "income": float("nan")}
    e = refused(400, "case.err.invalid", step, store, warehouse, who["village"], case, bad)
    assert set(e.fields) == {"method", "income"}
    refused(400, "case.err.invalid", step, store, warehouse, who["village"], case, {"step": ["x"]})
