"""Warnings (预警线索) into verification instructions: the warehouse holds the warnings,
the store what people decided (ops/warnings.py); this is the one-click workflow that
spans both, with its audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from access import PREFIX_LENGTH, Scope, level_of, prefix_of, raise_for, raise_for_region
from etl.refdata import region_levels
from i18n import t
from ops import users
from ops import warnings as W
from queries import api
from queries.runner import Warehouse
from services import audit


class WarningNotFound(LookupError):
    """No such warning within the scope (or the key cannot be one)."""


@dataclass(frozen=True)
class Queue:
    """What the alert queue shows of a unit: the undecided warnings, the decisions on
    the warnings the user sees (and those of the unit), and the rule names."""

    warnings: object  # the queue's DataFrame (queries/api.py warning_queue)
    decisions: dict[str, dict]
    in_unit: dict[str, dict]
    names: dict[str, str]
    subject: object  # a department's subject, None for other accounts


def assignee(own: str, village: str) -> str:
    """The unit directly below the user's that holds the village (or the village)."""
    level = level_of(own)
    if level >= 5:
        return own
    return village[: PREFIX_LENGTH[level + 1]].ljust(12, "0")


def own_rules(wh: Warehouse, scope: Scope, names: dict[str, str]) -> tuple[dict, object]:
    """The rules whose warnings the user sees (a department: those over its own data,
    queries/subject.py), of ``names``, and the department's subject (None for others)."""
    subject = api.subject(wh, scope)
    if subject is not None:
        names = {k: v for k, v in names.items() if k in subject.rules}
    return names, subject


def own_decisions(decisions: dict, names: dict[str, str], subject) -> dict:
    """Decisions on the warnings the user sees: a department's, of its own rules only."""
    if subject is None:
        return decisions
    return {k: d for k, d in decisions.items() if k.split(":")[0] in names}


def queue(
    ops: Engine, wh: Warehouse, scope: Scope, code: str, rule: str, names: dict[str, str]
) -> Queue:
    """The queue of a unit (through the gate), the decisions, and the rules shown."""
    names, subject = own_rules(wh, scope, names)
    rule = rule if rule in names else ""
    decisions = own_decisions(W.decided(ops, scope), names, subject)
    df = api.warning_queue(wh, scope, code, rule, list(decisions))
    in_unit = {k: d for k, d in decisions.items() if d["village_code"].startswith(prefix_of(code))}
    return Queue(df, decisions, in_unit, names, subject)


def decided_people(
    ops: Engine, wh: Warehouse, scope: Scope, in_unit: dict[str, dict]
) -> tuple[dict[int, str], dict[str, str]]:
    """The numbers of the decided households and the names of who decided them."""
    numbers = api.household_numbers(wh, scope, [d["household_id"] for d in in_unit.values()])
    people = users.display_names(ops, {d["decided_by"] for d in in_unit.values()})
    return numbers, people


def to_instruction(
    ops: Engine,
    wh: Warehouse,
    scope: Scope,
    code: str,
    key: str,
    lang: str | None = None,
    ip: str = "",
) -> dict:
    """One click: the warning ``key`` becomes a verification instruction to the unit
    below that holds the household, and the decision is recorded (ops/warnings.py).

    The unit ``code`` and the key come from the browser: both go through the gate
    before anything is written, and the warning is read again from the warehouse.
    Raises AccessDenied / RegionNotFound, WarningNotFound, or ops.tasks.TaskError.
    Returns the new instruction."""
    raise_for(scope, "warnings.decide")
    raise_for_region(scope, code)
    warning = api.warning_by_key(wh, scope, key)
    if warning is None:
        raise WarningNotFound(key)
    place = f"{warning['township_name']}{warning['village_name']}"
    head, no = warning["head_name"], warning["household_no"]
    task = W.to_instruction(
        ops,
        scope,
        warning,
        assignee(scope.region_code, warning["village_code"]),
        t("tpl.warning.title", lang, place=place, head=head),
        t("tpl.warning.content", lang, place=place, head=head, no=no),
        lambda c: c in region_levels(),
    )
    audit.record(
        ops,
        scope.username,
        "warning_to_task",
        target=f"task:{task['id']}",
        detail={"warning": key},
        ip=ip,
    )
    return task
