"""Decisions on early warnings: a verification instruction, or a dismissal after a check.

The warnings are in the warehouse; what people decided is here. A warning is keyed by
rule, household and the date of its evidence, so a decision survives re-evaluation.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from access import AccessDenied, Scope, prefix_of, raise_for
from domain import clock
from i18n import N_
from ops import tasks as T
from ops.schema import tasks, warning_decisions
from ops.scoped import within

OUTCOMES = ("instruction", "dismissed")
VERIFY_DAYS = 15  # docs/domain.md §3.4: 15 days at most from warning to decision


def decided(engine: Engine, scope: Scope) -> dict[str, dict]:
    """Decisions on the warnings of the scope, by warning key, with the task's state."""
    q = (
        sa.select(warning_decisions, tasks.c.state.label("task_state"))
        .select_from(warning_decisions.outerjoin(tasks, tasks.c.id == warning_decisions.c.task_id))
        .where(within(warning_decisions.c.village_code, scope))
    )
    with engine.connect() as conn:
        return {r.warning_key: dict(r._mapping) for r in conn.execute(q)}


def to_instruction(
    engine: Engine,
    scope: Scope,
    warning: dict,
    assignee: str,
    title: str,
    content: str,
    region_exists,
    now: dt.datetime | None = None,
) -> dict:
    """One click: a verification instruction for the warning, and the decision recorded."""
    now = now or T.utcnow()
    if not scope.contains(warning["village_code"]):
        raise T.TaskError(404, N_("task.err.not_found"))
    _may_decide(scope)
    deadline = (clock.day(now) + dt.timedelta(days=VERIFY_DAYS)).isoformat()
    new = T.validate(
        scope,
        {
            "title": title,
            "content": content,
            "type": "alert_verification",
            "source": "alert",
            "source_ref": warning["warning_key"][:100],
            "priority": "urgent",
            "assignee_region": assignee,
            "deadline": deadline,
            "households": [int(warning["household_id"])],
        },
        now,
        _with_household(region_exists, warning),
    )
    # The decision and the instruction in one transaction: of two people clicking at
    # once, one gets both and the other "already decided"; a failure leaves neither.
    try:
        with engine.begin() as conn:
            _insert_decision(conn, scope, warning, "instruction", None, "", now)
            task_id = T.insert(conn, scope, new, now)
            conn.execute(
                warning_decisions.update()
                .where(warning_decisions.c.warning_key == warning["warning_key"])
                .values(task_id=task_id)
            )
    except sa.exc.IntegrityError:
        raise T.TaskError(409, N_("warning.err.decided")) from None
    return T.get(engine, scope, task_id, now)


def dismiss(
    engine: Engine, scope: Scope, warning: dict, note: str, now: dt.datetime | None = None
) -> None:
    """Checked, and not a monitoring case: the reason is required."""
    if not scope.contains(warning["village_code"]):
        raise T.TaskError(404, N_("task.err.not_found"))
    _may_decide(scope)
    if not isinstance(note, str) or not note.strip() or len(note) > T.MAX_TEXT:
        raise T.TaskError(400, "task.err.invalid", {"note": N_("warning.err.reason")})
    _record(engine, scope, warning, "dismissed", None, note.strip(), now or T.utcnow())


def _may_decide(scope: Scope) -> None:
    """TaskError 403 unless the role may decide on warnings ("warnings.decide")."""
    try:
        raise_for(scope, "warnings.decide")
    except AccessDenied:
        raise T.TaskError(403, N_("task.err.cannot_issue")) from None


def _with_household(region_exists, warning: dict) -> T.Places:
    """The places to check the instruction against: the warning's household is known to
    be in its village (the warning was read from the warehouse within the scope), so
    it lies under the assignee unit if the village does."""
    village, hid = warning["village_code"], int(warning["household_id"])
    return T.Places(
        region_exists,
        lambda region, ids: {hid} & set(ids) if village.startswith(prefix_of(region)) else set(),
    )


def _insert_decision(conn, scope, warning, outcome, task_id, note, now) -> None:
    conn.execute(
        warning_decisions.insert().values(
            warning_key=warning["warning_key"],
            household_id=int(warning["household_id"]),
            village_code=warning["village_code"],
            outcome=outcome,
            task_id=task_id,
            decided_by=scope.username,
            note=note,
            decided_at=now,
        )
    )


def _record(engine, scope, warning, outcome, task_id, note, now) -> None:
    try:
        with engine.begin() as conn:
            _insert_decision(conn, scope, warning, outcome, task_id, note, now)
    except sa.exc.IntegrityError:
        raise T.TaskError(409, N_("warning.err.decided")) from None
