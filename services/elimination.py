"""The risk elimination standard run on a case (风险消除预审): the evidence from the
warehouse (the household's labour, income, guarantees and the registry's measures) and
from the store (the platform's measures carried out), checked by domain/elimination.py.

The page shows the pre-check before a proposal; the proposal runs it again with the
income the village assessed, and a failing condition refuses it unless the county has
recorded an override on the case (services/cases.py ``override``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Connection, Engine

from access import Scope
from domain import elimination as E
from ops import cases as store
from queries import api
from queries.runner import Warehouse


def identified_on(case: dict) -> dt.date | None:
    """The county's decision to include: the identification the six months run from."""
    return case.get("county_decision_date")


def _done(measures: list[dict], since: dt.date | None) -> list[dict]:
    return [
        m for m in measures if m["done_on"] is not None and (since is None or m["done_on"] >= since)
    ]


def evidence(
    engine: Engine | Connection,
    wh: Warehouse,
    scope: Scope,
    case: dict,
    on: dt.date,
    method: int | None = None,
    income: float | None = None,
    stable_since: dt.date | None = None,
) -> tuple[E.Evidence, dict]:
    """The standard's evidence for ``case`` on ``on`` (with the proposal's values when
    given) and the plan: the categories its measures cover, planned or carried out."""
    since = identified_on(case)
    row = api.elimination_evidence(wh, scope, case["household_id"], on.year, since or on) or {}
    plan = store.measures(engine, [case["id"]])
    done = _done(plan, since)
    ev = E.Evidence(
        on=on,
        identified_on=since,
        line=row.get("line"),
        income=income,
        stable_since=stable_since,
        registry_income=row.get("registry_income"),
        registry_year=row.get("registry_year"),
        registry_line=row.get("registry_line"),
        gaps=tuple(row.get("gaps") or ()),
        measures=int(row.get("measures") or 0) + len(done),
        no_labour=bool(row.get("no_labour")),
        method=method,
    )
    categories = sorted({m["category"] for m in plan} | set(row.get("categories") or ()))
    return ev, {"measures": plan, "categories": categories}


def plan_view(engine: Engine, wh: Warehouse, scope: Scope, case: dict, today: dt.date) -> dict:
    """The case's assistance plan as the page shows it: its measures, the risk types no
    measure answers, and the standard's conditions as of today (the income as the
    registry has it until a proposal assesses it)."""
    ev, plan = evidence(engine, wh, scope, case, today, method=E.THROUGH_ASSISTANCE)
    conditions = E.check(ev)
    risks = [int(r) for r in case["risks"].split(",") if r]
    return {
        **plan,
        "unmatched": E.unmatched(risks, plan["categories"]),
        "conditions": conditions,
    }


def precheck(
    engine: Engine | Connection, wh: Warehouse, scope: Scope, case: dict, step
) -> list[E.Condition]:
    """The standard on a proposal (``step``: domain/cases.py StepInput)."""
    ev, _ = evidence(engine, wh, scope, case, step.on, step.method, step.income, step.stable_since)
    return E.check(ev)
