"""The standard a risk's elimination is checked against (风险消除标准, docs/cases.md
"Risk elimination"), and the matching of assistance measures to risk types. Pure: the
evidence comes from the warehouse and the store (services/cases.py).

Each condition of the standard is shown with its evidence; a failing one blocks the
proposal unless the county has recorded a reasoned override on the case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from domain.indicators import N_

STABLE_MONTHS = 6  # income at or above the line for at least this long
SINCE_MONTHS = 6  # from the identification to the proposal at least this long
THROUGH_ASSISTANCE = 1  # code "elimination": 帮扶消除

# The measure categories (code "measure_category") that answer each risk type (code
# "risk"); a risk type with none of its categories among the plan's measures is flagged.
# "Other" (13) is answered by any measure.
RISK_CATEGORIES: dict[int, tuple[int, ...]] = {
    1: (7, 10),  # illness: health, comprehensive safety net
    2: (7, 10, 4),  # disability: also a public-welfare job
    3: (8, 9),  # schooling: compulsory and other education
    4: (5, 11, 1, 15),  # disaster: housing, social assistance, industry, other
    5: (7, 10, 11),  # accident
    6: (1, 3),  # business failure: industry, micro-credit
    7: (2, 4),  # unstable work: employment, public-welfare job
    8: (10, 4),  # lack of labour: safety net, public-welfare job
    9: (5, 12),  # unsafe housing: housing, relocation follow-up
    10: (6,),  # unsafe water
    11: (8,),  # school dropout
    12: (7,),  # no basic medical insurance: health (insurance paid)
}


# The standard's conditions, in its order, with their labels.
LABELS = {
    "income": N_("elim.cond.income"),
    "guarantees": N_("elim.cond.guarantees"),
    "since": N_("elim.cond.since"),
    "measure": N_("elim.cond.measure"),
    "labour": N_("elim.cond.labour"),
}


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the month's last day where it is short)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in range(day.day, 27, -1):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


def unmatched(risks, categories) -> list[int]:
    """The risk types in ``risks`` that no measure of ``categories`` answers."""
    have = set(categories)
    if not have:
        return [int(r) for r in risks]
    return [int(r) for r in risks if r in RISK_CATEGORIES and not have & set(RISK_CATEGORIES[r])]


@dataclass(frozen=True)
class Evidence:
    """What the standard is checked on, for one household on one day."""

    on: dt.date  # the proposal's day
    identified_on: dt.date | None  # the county's decision to include
    line: float | None  # the monitoring line of the proposal's year
    income: float | None  # the assessed per-capita income the proposal gives
    stable_since: dt.date | None
    registry_income: float | None = None  # the latest year the registry holds
    registry_year: int | None = None
    registry_line: float | None = None
    gaps: tuple[str, ...] = ()  # guarantee items (code "gap") still unmet
    measures: int = 0  # measures carried out since the identification
    no_labour: bool = False  # nobody in the household can work
    method: int | None = None


@dataclass(frozen=True)
class Condition:
    name: str
    label: str
    ok: bool
    facts: dict = field(default_factory=dict)


def check(ev: Evidence) -> list[Condition]:
    """Each condition of the standard on ``ev``, in the standard's order."""
    stable = ev.stable_since is not None and add_months(ev.stable_since, STABLE_MONTHS) <= ev.on
    income_ok = ev.line is not None and ev.income is not None and ev.income >= ev.line
    since = ev.identified_on is not None and add_months(ev.identified_on, SINCE_MONTHS) <= ev.on
    needs_measure = ev.method == THROUGH_ASSISTANCE
    return [
        Condition(
            "income",
            LABELS["income"],
            income_ok and stable,
            {
                "income": ev.income,
                "line": ev.line,
                "stable_since": ev.stable_since,
                "registry_income": ev.registry_income,
                "registry_year": ev.registry_year,
                "registry_line": ev.registry_line,
            },
        ),
        Condition("guarantees", LABELS["guarantees"], not ev.gaps, {"gaps": ev.gaps}),
        Condition(
            "since",
            LABELS["since"],
            since,
            {"identified_on": ev.identified_on, "months": SINCE_MONTHS},
        ),
        Condition(
            "measure",
            LABELS["measure"],
            ev.measures >= 1 or not needs_measure,
            {"measures": ev.measures, "needed": needs_measure},
        ),
        Condition("labour", LABELS["labour"], not ev.no_labour, {"no_labour": ev.no_labour}),
    ]


def failing(conditions: list[Condition]) -> list[str]:
    return [c.name for c in conditions if not c.ok]
