"""Cross-check cases worked from the page (/crosschecks): the checks a user sees, the
cases sent to their townships as instructions (ops/doubts.py) and a case's outcome, each
with its audit entry. The unit, the check and the case come from the browser: they are
read again through the scope here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from access import Scope, raise_for_region
from etl.refdata import region_levels
from ops import doubts as D
from queries import api
from queries.runner import Warehouse
from services import audit


@dataclass(frozen=True)
class Sent:
    check: str  # the check the cases were of ('' for every check)
    households: int
    tasks: list[dict]


def own_checks(wh: Warehouse, scope: Scope, lang: str) -> tuple[dict[str, str], object]:
    """The checks whose cases the user sees (a department: those over its own feeds,
    queries/subject.py) by name, and the department's subject (None for others)."""
    names = api.check_names(wh, lang)
    subject = api.subject(wh, scope)
    if subject is not None:
        names = {k: v for k, v in names.items() if k in subject.checks}
    return names, subject


def decided(
    ops: Engine, scope: Scope, names: dict[str, str] | None = None, subject=None
) -> dict[str, dict]:
    """The cases with a state in the store; a department's: of its own checks only."""
    found = D.decided(ops, scope)
    if subject is not None:
        found = {k: d for k, d in found.items() if d["check_id"] in (names or {})}
    return found


def send(ops: Engine, wh: Warehouse, scope: Scope, code, check, ip: str = "") -> Sent:
    """Every undecided case of the unit ``code`` (and ``check``; an unknown one means
    every check) to its township for verification, as instructions, with the audit
    entry ``doubts_send``. Raises the gate's refusals or ops.tasks.TaskError."""
    raise_for_region(scope, code)
    names, subject = own_checks(wh, scope, "zh")
    check = check if check in names else ""
    cases = api.undecided_doubts(
        wh, scope, code, check, list(decided(ops, scope, names, subject)), D.MAX_BULK + 1
    ).to_dict("records")
    made = D.send(ops, scope, cases, names, lambda c: c in region_levels())
    audit.record(
        ops,
        scope.username,
        "doubts_send",
        target=code,
        detail={"check": check, "cases": len(cases), "tasks": [m["id"] for m in made]},
        ip=ip,
    )
    return Sent(check, len({int(c["household_id"]) for c in cases}), made)


def close(ops: Engine, wh: Warehouse, scope: Scope, key, outcome, note: str, ip: str = "") -> bool:
    """The verification's outcome for the case ``key``, with the audit entry
    ``doubt_close``; False if there is no such case within the scope. Raises
    ops.tasks.TaskError for an outcome the case cannot take."""
    case = api.doubt_by_key(wh, scope, key)
    if case is None:
        return False
    D.close(ops, scope, case, outcome, note)
    audit.record(
        ops,
        scope.username,
        "doubt_close",
        target=case["doubt_key"],
        detail={"outcome": outcome},
        ip=ip,
    )
    return True
