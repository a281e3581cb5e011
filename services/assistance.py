"""The assistance plan of a monitored household (精准帮扶): measures by category, each
with its responsible department and person, amount, planned and actual days, recorded
on the household's case. Each change bumps the case's version and appends a case event,
so two people on one case conflict as for a step (409, nothing lost).

The risk types no measure answers are flagged (domain/elimination.py ``unmatched``);
the measures carried out count for the elimination standard and reach the warehouse on
its refresh (etl/cases.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from access import Scope
from domain import cases as C
from domain import clock
from domain.codes import CATEGORY_DEPARTMENT, CODES
from i18n import N_
from ops import cases as store
from services.cases import CaseError, check_version, gate, get

MAX_RESPONSIBLE = 100


def _day(value, errors: dict, name: str, case: dict, today: dt.date, needed: bool):
    if value in (None, "") and not needed:
        return None
    day = C.parse_date(value)
    if day is None:
        errors[name] = N_("case.err.date")
    elif name == "done_on" and day > today:
        errors[name] = N_("case.err.future")
    elif case.get("county_decision_date") and day < case["county_decision_date"]:
        errors[name] = N_("case.err.before_identified")
    return day


def parse_measure(case: dict, data, today: dt.date) -> dict:
    """A measure's values from a form or a request, validated (CaseError 400)."""
    if not isinstance(data, dict):
        raise CaseError(400, N_("case.err.invalid"))
    errors: dict[str, str] = {}
    category = C.code_of("measure_category", data.get("category"))
    if category is None:
        errors["category"] = N_("case.err.category")
    department = data.get("department") or CATEGORY_DEPARTMENT.get(category or 0)
    if not isinstance(department, str) or department not in CODES["department"]:
        errors["department"] = N_("case.err.department")
    responsible = data.get("responsible") or ""
    if not isinstance(responsible, str) or len(responsible) > MAX_RESPONSIBLE:
        errors["responsible"] = N_("case.err.note_long")
        responsible = ""
    amount = C.amount_of(data.get("amount") if data.get("amount") not in (None, "") else 0)
    if amount is None:
        errors["amount"] = N_("case.err.amount")
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > C.MAX_NOTE:
        errors["note"] = N_("case.err.note_long")
    planned = _day(data.get("planned_on"), errors, "planned_on", case, today, True)
    done = _day(data.get("done_on"), errors, "done_on", case, today, False)
    if errors:
        raise CaseError(400, N_("case.err.invalid"), errors)
    return {
        "category": category,
        "department": department,
        "responsible": responsible.strip(),
        "amount": amount,
        "planned_on": planned,
        "done_on": done,
        "note": note.strip(),
    }


def _open(conn, scope: Scope, case_id, version) -> dict:
    case = store.locked(conn, case_id, scope)
    gate(scope, "cases.assist", case["village_code"])
    check_version(version, case)
    if case["state"] not in C.MONITORED:
        raise CaseError(409, N_("case.err.not_monitored"))
    return case


def add_measure(
    engine: Engine, scope: Scope, case_id, version, data, now: dt.datetime | None = None
) -> dict:
    """Plan a measure (carried out already when ``done_on`` is given); the case."""
    now = now or clock.utcnow()
    with engine.begin() as conn:
        case = _open(conn, scope, case_id, version)
        values = parse_measure(case, data, clock.day(now))
        measure_id = store.add_measure(conn, scope, case, values, now)
        event = {
            "kind": "measure",
            "to_state": case["state"],
            "on_date": values["done_on"] or values["planned_on"],
            "body": values["note"],
            "data": {"measure": measure_id, **{k: values[k] for k in ("category", "amount")}},
        }
        store.update(conn, scope, case, version, {}, event, now)
    return get(engine, scope, case["id"], now)


def measure_done(engine: Engine, scope: Scope, case_id, version, measure_id, on, now=None) -> dict:
    """Record the day a planned measure was carried out; the case."""
    now = now or clock.utcnow()
    with engine.begin() as conn:
        case = _open(conn, scope, case_id, version)
        errors: dict = {}
        day = _day(on, errors, "done_on", case, clock.day(now), True)
        if errors:
            raise CaseError(400, N_("case.err.invalid"), errors)
        if not store.measure_done(conn, case, measure_id, day):
            raise CaseError(404, N_("case.err.measure"))
        event = {
            "kind": "measure_done",
            "to_state": case["state"],
            "on_date": day,
            "data": {"measure": int(measure_id)},
        }
        store.update(conn, scope, case, version, {}, event, now)
    return get(engine, scope, case["id"], now)


# ------------------------------------------------------------------ from the page
MEASURE_FIELDS = ("category", "department", "responsible", "amount", "planned_on", "done_on")
MEASURE_FIELDS += ("note",)


def add_from_page(engine: Engine, scope: Scope, current, fields: tuple) -> dict:
    """The page's measure form on the case shown (``current``: its id and version)."""
    current = current if isinstance(current, dict) else {}
    data = dict(zip(MEASURE_FIELDS, fields))
    return add_measure(engine, scope, current.get("id"), current.get("version"), data)


def done_from_page(engine: Engine, scope: Scope, current, measure_id, on) -> dict:
    current = current if isinstance(current, dict) else {}
    return measure_done(engine, scope, current.get("id"), current.get("version"), measure_id, on)
