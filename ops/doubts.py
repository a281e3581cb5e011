"""What became of the doubtful cases of the cross-checks: sent for verification (one
instruction per township, in bulk), then confirmed (the record is to be corrected) or
cleared (with the reason). Every step is kept in `doubt_events`.

A case is keyed by check and household (the warehouse's `doubt_key`), so what was
decided survives the next evaluation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access import AccessDenied, Scope, prefix_of, raise_for
from domain import clock
from i18n import N_
from ops import tasks as T
from ops.schema import doubt_cases, doubt_events, tasks
from ops.scoped import within

STATES = ("sent", "confirmed", "cleared")
OUTCOMES = ("confirmed", "cleared")
VERIFY_DAYS = 15
MAX_BULK = 2000  # cases one click may send


def decided(engine: Engine, scope: Scope) -> dict[str, dict]:
    """The cases of the scope that have a state, by key, with their instruction's state."""
    q = (
        sa.select(doubt_cases, tasks.c.state.label("task_state"))
        .select_from(doubt_cases.outerjoin(tasks, tasks.c.id == doubt_cases.c.task_id))
        .where(within(doubt_cases.c.village_code, scope))
    )
    with engine.connect() as conn:
        return {r.doubt_key: dict(r._mapping) for r in conn.execute(q)}


def history(engine: Engine, scope: Scope, key: str) -> list[dict]:
    with engine.connect() as conn:
        case = conn.execute(
            sa.select(doubt_cases.c.village_code).where(
                doubt_cases.c.doubt_key == key, within(doubt_cases.c.village_code, scope)
            )
        ).first()
        if case is None:
            return []
        return [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(doubt_events)
                .where(doubt_events.c.doubt_key == key)
                .order_by(doubt_events.c.id)
            )
        ]


def _may(scope: Scope, action: str, key: str) -> None:
    """TaskError 403 (with ``key``) unless the role may take ``action`` (the table's)."""
    try:
        raise_for(scope, action)
    except AccessDenied:
        raise T.TaskError(403, key) from None


def _with_households(region_exists, cases: list[dict]) -> T.Places:
    """The places to check an instruction of cases against: each case's household is
    in the case's village (the cases were read from the warehouse within the scope)."""
    village = {int(c["household_id"]): c["village_code"] for c in cases}

    def households_in(region: str, ids: list[int]) -> set[int]:
        return {h for h in ids if village.get(h, "").startswith(prefix_of(region))}

    return T.Places(region_exists, households_in)


def _event(
    conn: Connection, key: str, now, actor: str, state: str, task_id=None, note: str = ""
) -> None:
    conn.execute(
        doubt_events.insert().values(
            doubt_key=key, at=now, actor=actor, state=state, task_id=task_id, note=note
        )
    )


def township_of(village_code: str) -> str:
    return village_code[:9] + "000"


def _line(c: dict, check_names: dict[str, str]) -> str:
    """A case as a line of its instruction: household number, head, check (members)."""
    return f"{c['household_no']} {c['head_name']}：{check_names.get(c['check_id'], '')}" + (
        f"（{c['members']}）" if c.get("members") else ""
    )


def _batches(cases: list[dict], check_names: dict[str, str]) -> list[tuple[str, list[dict]]]:
    """The cases by township, in village and household order. An instruction links at
    most T.MAX_LINKS households and its text is at most T.MAX_TEXT: a larger township
    gets more instructions (a household's cases always together)."""
    by_township: dict[str, list[dict]] = defaultdict(list)
    for c in sorted(cases, key=lambda c: (c["village_code"], int(c["household_id"]))):
        by_township[township_of(c["village_code"])].append(c)
    parts = []
    for township, group in sorted(by_township.items()):
        chunk, homes, size = [], set(), 0
        for hid in sorted({int(c["household_id"]) for c in group}):
            mine = [c for c in group if int(c["household_id"]) == hid]
            more = sum(len(_line(c, check_names)) + 1 for c in mine)
            if chunk and (len(homes) >= T.MAX_LINKS or size + more > T.MAX_TEXT):
                parts.append((township, chunk))
                chunk, homes, size = [], set(), 0
            chunk += mine
            homes.add(hid)
            size += more
        parts.append((township, chunk))
    return parts


def _instruction(
    scope: Scope,
    township: str,
    group: list[dict],
    check_names: dict[str, str],
    deadline: str,
    now: dt.datetime,
    region_exists,
) -> T.NewTask:
    """A batch's verification instruction, checked as any instruction is."""
    checks = sorted({c["check_id"] for c in group})
    households = sorted({int(c["household_id"]) for c in group})
    title = (
        f"比对疑点核查：{'、'.join(check_names.get(k, k) for k in checks)}（{len(households)} 户）"
    )
    lines = [_line(c, check_names) for c in group]
    return T.validate(
        scope,
        {
            "title": title[: T.MAX_TITLE],
            "content": "\n".join(lines)[: T.MAX_TEXT],
            "type": "crosscheck_doubt",
            "source": "crosscheck",
            "source_ref": ",".join(checks)[:100],
            "priority": "normal",
            "assignee_region": township,
            "deadline": deadline,
            "households": households,
        },
        now,
        _with_households(region_exists, group),
    )


def send(
    engine: Engine,
    scope: Scope,
    cases: list[dict],
    check_names: dict[str, str],
    region_exists,
    now: dt.datetime | None = None,
) -> list[dict]:
    """The undecided cases, as verification instructions: one per township, listing its
    households; every case marked sent. All in one transaction: a case someone else sent
    meanwhile stops the whole batch (TaskError 409) and nothing is written."""
    now = now or T.utcnow()
    _may(scope, "doubts.send", N_("task.err.cannot_issue"))
    if not cases:
        raise T.TaskError(400, N_("doubt.err.none"))
    if len(cases) > MAX_BULK:
        raise T.TaskError(400, N_("doubt.err.too_many"), max=MAX_BULK)
    for c in cases:
        if not scope.contains(c["village_code"]):
            raise T.TaskError(404, N_("task.err.not_found"))
    deadline = (clock.day(now) + dt.timedelta(days=VERIFY_DAYS)).isoformat()
    news = [
        (group, _instruction(scope, township, group, check_names, deadline, now, region_exists))
        for township, group in _batches(cases, check_names)
    ]
    made = []
    try:
        with engine.begin() as conn:
            for group, new in news:
                task_id = T.insert(conn, scope, new, now)
                for c in group:
                    conn.execute(
                        doubt_cases.insert().values(
                            doubt_key=c["doubt_key"],
                            check_id=c["check_id"],
                            household_id=int(c["household_id"]),
                            village_code=c["village_code"],
                            state="sent",
                            task_id=task_id,
                            note="",
                            updated_by=scope.username,
                            updated_at=now,
                        )
                    )
                    _event(conn, c["doubt_key"], now, scope.username, "sent", task_id)
                made.append(task_id)
    except sa.exc.IntegrityError:
        raise T.TaskError(409, N_("doubt.err.decided")) from None
    return [T.get(engine, scope, i, now) for i in made]


def close(
    engine: Engine,
    scope: Scope,
    case: dict,
    outcome: str,
    note: str,
    now: dt.datetime | None = None,
) -> None:
    """The verification's outcome: confirmed (the record is to be corrected; say how)
    or cleared (say why). A case can be closed whether or not it was sent."""
    now = now or T.utcnow()
    if outcome not in OUTCOMES:
        raise T.TaskError(400, N_("doubt.err.outcome"))
    if not isinstance(note, str) or not note.strip() or len(note) > T.MAX_TEXT:
        raise T.TaskError(400, N_("doubt.err.note"))
    if not scope.contains(case["village_code"]):
        raise T.TaskError(404, N_("task.err.not_found"))
    _may(scope, "doubts.close", N_("doubt.err.cannot_close"))
    values = {
        "state": outcome,
        "note": note.strip(),
        "updated_by": scope.username,
        "updated_at": now,
    }
    try:
        with engine.begin() as conn:
            row = conn.execute(
                sa.select(doubt_cases).where(doubt_cases.c.doubt_key == case["doubt_key"])
            ).first()
            if row is not None and row.state in OUTCOMES:
                raise T.TaskError(409, N_("doubt.err.closed"))
            if row is None:
                conn.execute(
                    doubt_cases.insert().values(
                        doubt_key=case["doubt_key"],
                        check_id=case["check_id"],
                        household_id=int(case["household_id"]),
                        village_code=case["village_code"],
                        task_id=None,
                        **values,
                    )
                )
            else:
                done = conn.execute(
                    doubt_cases.update()
                    .where(
                        doubt_cases.c.doubt_key == case["doubt_key"],
                        doubt_cases.c.state == row.state,
                    )
                    .values(**values)
                ).rowcount
                if done != 1:  # someone closed it meanwhile
                    raise T.TaskError(409, N_("doubt.err.closed"))
            _event(
                conn,
                case["doubt_key"],
                now,
                scope.username,
                outcome,
                row.task_id if row is not None else None,
                note.strip(),
            )
    except sa.exc.IntegrityError:  # two people closing an unsent case at once
        raise T.TaskError(409, N_("doubt.err.closed")) from None
