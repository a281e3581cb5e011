"""Monitoring cases in the store: the case rows, their append-only events and the scoped
reads. The procedure (steps, levels, clock) is domain/cases.py; the workflow that reads the
warehouse and checks who may record a step is services/cases.py.

Updates carry the version the user saw: a stale version is a conflict (409) that changes
nothing and returns the case as it now is.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access import Scope
from domain import cases as C
from domain import clock
from i18n import N_
from ops.schema import case_events, case_files, case_measures, monitoring_cases
from ops.scoped import SYSTEM, WholeStore, store_id, within
from ops.tasks import parent_of

EVENT_COLUMNS = ("at", "actor", "actor_region", "kind", "from_state", "to_state", "on_date")


def _aware(row: dict) -> dict:
    for k in ("created_at", "updated_at", "closed_at", "at"):
        if isinstance(row.get(k), dt.datetime):
            row[k] = clock.aware(row[k])
    return row


def _row(conn: Connection, case_id: int, scope: Scope | WholeStore) -> dict | None:
    row = (
        conn.execute(
            sa.select(monitoring_cases).where(
                monitoring_cases.c.id == case_id, within(monitoring_cases.c.village_code, scope)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else _aware(dict(row))


def _event(conn: Connection, case_id: int, actor: tuple[str, str], now, version: int, **values):
    """Append an event; ``actor`` is (username, region)."""
    values.setdefault("body", "")
    values["data"] = json.dumps(values.get("data") or {}, ensure_ascii=False, default=str)
    conn.execute(
        case_events.insert().values(
            case_id=case_id,
            at=now,
            actor=actor[0],
            actor_region=actor[1],
            version=version,
            **values,
        )
    )


def open_case_of(conn: Connection, household_id: int) -> int | None:
    """The id of the household's open case, if it has one."""
    return conn.execute(
        sa.select(monitoring_cases.c.id).where(monitoring_cases.c.open_household == household_id)
    ).scalar()


def included(engine: Engine, household_id: int) -> bool:
    """The household was included by a case of the platform and its risk is not yet
    eliminated."""
    c = monitoring_cases.c
    q = sa.select(c.id).where(c.household_id == household_id, c.state.in_(C.MONITORED)).limit(1)
    with engine.connect() as conn:
        return conn.execute(q).first() is not None


def insert(conn: Connection, actor: Scope, values: dict, note: str, now: dt.datetime) -> int:
    """A new case (``values``: the household, its village, channel, source, warned_on and
    the registry's monitoring record if any), with its "opened" event."""
    warned = values["warned_on"]
    row = {
        **values,
        "state": "opened",
        "due_on": C.due_on(warned),
        "last_on": warned,
        "open_household": values["household_id"],
        "opened_by": actor.username,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "risks": "",
        "decision_note": "",
        "override_note": "",
    }
    case_id = conn.execute(monitoring_cases.insert().values(**row)).inserted_primary_key[0]
    data = {"channel": values["channel"], "source_ref": values.get("source_ref", "")}
    _event(
        conn,
        case_id,
        (actor.username, actor.region_code),
        now,
        1,
        kind="opened",
        to_state="opened",
        on_date=warned,
        body=note,
        data=data,
    )
    return case_id


def update(
    conn: Connection,
    actor: Scope,
    case: dict,
    version,
    values: dict,
    event: dict,
    now: dt.datetime,
) -> int:
    """Write ``values`` and append ``event`` if the case is still at ``version``; the new
    version. A final state closes the case (the household may have a new one)."""
    if not isinstance(version, int) or isinstance(version, bool):
        raise C.CaseError(400, N_("case.err.invalid"), {"version": N_("case.err.version")})
    values = {**values, "updated_at": now, "version": version + 1}
    if values.get("state") in C.FINAL:
        values |= {"open_household": None, "closed_at": now}
    n = conn.execute(
        monitoring_cases.update()
        .where(monitoring_cases.c.id == case["id"], monitoring_cases.c.version == version)
        .values(**values)
    ).rowcount
    if n != 1:
        raise C.CaseError(409, N_("case.err.conflict"), current=_row(conn, case["id"], SYSTEM))
    who = (actor.username, actor.region_code)
    _event(conn, case["id"], who, now, version + 1, from_state=case["state"], **event)
    return version + 1


def locked(conn: Connection, case_id, scope: Scope) -> dict:
    """The case within ``scope`` (CaseError 404 for any other, as for none)."""
    cid = store_id(case_id)
    case = None if cid is None else _row(conn, cid, scope)
    if case is None:
        raise C.CaseError(404, N_("case.err.not_found"))
    return case


def events(conn: Connection, case_id: int) -> list[dict]:
    rows = conn.execute(
        sa.select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.id)
    ).mappings()
    return [_aware({**r, "data": json.loads(r["data"] or "{}")}) for r in rows]


def get(engine: Engine, scope: Scope, case_id) -> dict | None:
    """A case of the scope with its events in order; None outside it, as for none."""
    with engine.connect() as conn:
        try:
            case = locked(conn, case_id, scope)
        except C.CaseError:
            return None
        case["events"] = events(conn, case["id"])
    return case


def list_cases(
    engine: Engine,
    scope: Scope | WholeStore,
    states: tuple[str, ...] | None = None,
    overdue_on: dt.date | None = None,
    household_id: int | None = None,
    limit: int = 500,
    village: str | None = None,
    under: str | None = None,
) -> list[dict]:
    """Cases of the scope, oldest warning first: of ``states``, overdue on ``overdue_on``,
    of one household, of one village or of the villages whose code starts ``under``."""
    q = sa.select(monitoring_cases).where(within(monitoring_cases.c.village_code, scope))
    if under:
        q = q.where(monitoring_cases.c.village_code.startswith(under, autoescape=True))
    if states:
        q = q.where(monitoring_cases.c.state.in_(states))
    if overdue_on is not None:
        q = q.where(monitoring_cases.c.state.in_(C.OPEN), monitoring_cases.c.due_on < overdue_on)
    if household_id is not None:
        q = q.where(monitoring_cases.c.household_id == household_id)
    if village is not None:
        q = q.where(monitoring_cases.c.village_code == village)
    q = q.order_by(monitoring_cases.c.warned_on, monitoring_cases.c.id).limit(limit)
    with engine.connect() as conn:
        return [_aware(dict(r)) for r in conn.execute(q).mappings()]


def counts(engine: Engine, scope: Scope, today: dt.date) -> dict[str, int]:
    """Cases of the scope per state, and "overdue" (open past their due day)."""
    c = monitoring_cases.c
    q = (
        sa.select(c.state, sa.func.count(), sa.func.sum(sa.case((c.due_on < today, 1), else_=0)))
        .where(within(c.village_code, scope))
        .group_by(c.state)
    )
    out = {s: 0 for s in C.STATES} | {"overdue": 0}
    with engine.connect() as conn:
        for state, n, late in conn.execute(q):
            out[state] = n
            if state in C.OPEN:
                out["overdue"] += int(late or 0)
    return out


def escalate(engine: Engine, today: dt.date, now: dt.datetime) -> int:
    """The schedule's pass: each overdue open case is escalated to the unit above the one
    whose step is next, once per unit (a late case that moves on escalates again).
    Returns the cases escalated."""
    done = 0
    for case in list_cases(engine, SYSTEM, overdue_on=today, limit=100_000):
        above = parent_of(C.responsible_unit(case))
        if above is None or case["escalated_to"] == above:
            continue
        c, version = monitoring_cases.c, case["version"]
        with engine.begin() as conn:
            n = conn.execute(
                monitoring_cases.update()
                .where(c.id == case["id"], c.version == version)
                .values(escalated_to=above, version=version + 1, updated_at=now)
            ).rowcount
            if n == 1:
                _event(
                    conn,
                    case["id"],
                    ("system", ""),
                    now,
                    version + 1,
                    kind="escalated",
                    from_state=case["state"],
                    to_state=case["state"],
                    data={"to": above},
                )
                done += 1
    return done


def for_warehouse(engine: Engine) -> list[dict]:
    """Every case, for the warehouse refresh (the whole store: a background job), with
    its measures carried out (``measures``) and the day of the first (``assist_date``)."""
    done: dict[int, list[dict]] = {}
    q = sa.select(case_measures).where(case_measures.c.done_on.is_not(None))
    with engine.connect() as conn:
        for m in conn.execute(q.order_by(case_measures.c.done_on, case_measures.c.id)).mappings():
            done.setdefault(m["case_id"], []).append(dict(m))
    cases = list_cases(engine, SYSTEM, limit=10**9)
    for case in cases:
        case["measures"] = done.get(case["id"], [])
        case["assist_date"] = case["measures"][0]["done_on"] if case["measures"] else None
    return cases


# ------------------------------------------------------------------ the assistance plan
def measures(engine: Engine | Connection, case_ids) -> list[dict]:
    """The measures of the cases ``case_ids`` (already checked for scope), in order; on
    an engine, or on a connection inside its transaction."""
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return measures(conn, case_ids)
    q = sa.select(case_measures).where(case_measures.c.case_id.in_(list(case_ids)))
    rows = engine.execute(q.order_by(case_measures.c.planned_on, case_measures.c.id))
    return [_aware(dict(r)) for r in rows.mappings()]


def add_measure(conn: Connection, actor: Scope, case: dict, values: dict, now) -> int:
    """A measure planned on ``case`` (the case's version is the caller's, see ``touch``)."""
    row = {
        **values,
        "case_id": case["id"],
        "household_no": case["household_no"],
        "village_code": case["village_code"],
        "created_by": actor.username,
        "created_at": now,
    }
    return conn.execute(case_measures.insert().values(**row)).inserted_primary_key[0]


def measure_done(conn: Connection, case: dict, measure_id, on: dt.date) -> bool:
    """Mark a planned measure of ``case`` carried out on ``on``; False if it is not one
    of the case's open measures."""
    mid = store_id(measure_id)
    m = case_measures.c
    n = conn.execute(
        case_measures.update()
        .where(m.id == mid, m.case_id == case["id"], m.done_on.is_(None))
        .values(done_on=on)
    ).rowcount
    return n == 1


# ------------------------------------------------------------------ attachments
FILE_COLUMNS = ("id", "case_id", "state", "name", "mime", "size", "sha256")
FILE_COLUMNS += ("uploaded_by", "uploaded_at")


def add_file(conn: Connection, actor: Scope, case: dict, values: dict, now) -> int:
    """An attachment of ``case`` (``values``: name, mime, size, sha256, content)."""
    row = {**values, "case_id": case["id"], "state": case["state"]}
    row |= {"uploaded_by": actor.username, "uploaded_at": now}
    return conn.execute(case_files.insert().values(**row)).inserted_primary_key[0]


def files(engine: Engine, case_id: int) -> list[dict]:
    """A case's attachments (already checked for scope), without their content."""
    cols = [case_files.c[k] for k in FILE_COLUMNS]
    q = sa.select(*cols).where(case_files.c.case_id == case_id).order_by(case_files.c.id)
    with engine.connect() as conn:
        return [_aware(dict(r)) for r in conn.execute(q).mappings()]


def file_of(engine: Engine, scope: Scope, file_id) -> dict | None:
    """An attachment of a case within ``scope``, with its content and the case's village;
    None for any other, as for none."""
    fid = store_id(file_id)
    if fid is None:
        return None
    q = (
        sa.select(case_files, monitoring_cases.c.village_code, monitoring_cases.c.household_no)
        .join(monitoring_cases, monitoring_cases.c.id == case_files.c.case_id)
        .where(case_files.c.id == fid, within(monitoring_cases.c.village_code, scope))
    )
    with engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return None if row is None else dict(row)
