"""Feedback tickets and their events, and the public form's requests, in the operational
store. The rules are domain/feedback.py and services/feedback.py; every read for a user
is filtered by its scope (ops/scoped.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access import Scope, prefix_of
from domain import clock
from domain import feedback as D
from ops.events import event, events_of, move
from ops.schema import feedback_events, feedback_tickets, public_hits
from ops.scoped import WholeStore, store_id, within

T = feedback_tickets.c


def _aware(row: dict) -> dict:
    for k in ("created_at", "updated_at", "at"):
        if isinstance(row.get(k), dt.datetime):
            row[k] = clock.aware(row[k])
    return row


def insert(conn: Connection, actor: str, values: dict, now: dt.datetime) -> int:
    """A ticket received (``values``: household_id, household_no, region_code, unit_code,
    channel, type, text, contact, source_ref, received_on, deadline) with its first
    event; its id."""
    row = {**values, "state": "received", "version": 1, "created_by": actor}
    row |= {"created_at": now, "updated_at": now}
    ticket_id = conn.execute(feedback_tickets.insert().values(**row)).inserted_primary_key[0]
    event(
        conn, feedback_events, "ticket_id", ticket_id, "receive", None, "received", actor, "", now
    )
    return ticket_id


def get(engine: Engine | Connection, scope: Scope | WholeStore, ticket_id) -> dict | None:
    """A ticket within ``scope`` with its events; None for any other, as for none."""
    tid = store_id(ticket_id)
    if tid is None:
        return None
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return get(conn, scope, tid)
    row = (
        engine.execute(sa.select(feedback_tickets).where(T.id == tid, within(T.region_code, scope)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    events = events_of(engine, feedback_events, "ticket_id", tid)
    return _aware({**row, "events": events})


def update(
    conn: Connection,
    ticket: dict,
    version: int,
    to_state: str,
    action: str,
    actor: str,
    note: str,
    now: dt.datetime,
    satisfaction: int | None = None,
) -> bool:
    """Move a ticket on, if it is still at ``version`` (False when someone else moved it
    first: nothing is written)."""
    extra = {} if satisfaction is None else {"satisfaction": satisfaction}
    return move(
        conn,
        feedback_tickets,
        feedback_events,
        "ticket_id",
        ticket,
        version,
        to_state,
        action,
        actor,
        note,
        now,
        **extra,
    )


def list_tickets(
    engine: Engine,
    scope: Scope | WholeStore,
    under: str | None = None,
    states: tuple[str, ...] | None = None,
    household_id: int | None = None,
    limit: int = 500,
) -> list[dict]:
    """Tickets of the scope (of the units whose code starts ``under``, of ``states``, of
    one household), the oldest deadline first."""
    q = sa.select(feedback_tickets).where(within(T.region_code, scope))
    if under:
        q = q.where(T.region_code.startswith(under, autoescape=True))
    if states:
        q = q.where(T.state.in_(states))
    if household_id is not None:
        q = q.where(T.household_id == household_id)
    q = q.order_by(T.deadline, T.id).limit(limit)
    with engine.connect() as conn:
        return [_aware(dict(r)) for r in conn.execute(q).mappings()]


def counts(engine: Engine, scope: Scope | WholeStore, today: dt.date, under: str | None = None):
    """Tickets of the scope by state, by type and overdue (open past their deadline)."""
    base = sa.select(T.state, T.type, T.deadline).where(within(T.region_code, scope))
    if under:
        base = base.where(T.region_code.startswith(under, autoescape=True))
    by_state = {s: 0 for s in D.STATES}
    by_type: dict[int, int] = {}
    overdue = 0
    with engine.connect() as conn:
        for state, kind, deadline in conn.execute(base):
            by_state[state] = by_state.get(state, 0) + 1
            by_type[kind] = by_type.get(kind, 0) + 1
            overdue += int(state in D.OPEN and today > deadline)
    total = sum(by_state.values())
    open_ = sum(by_state[s] for s in D.OPEN)
    return {
        "total": total,
        "open": open_,
        "overdue": overdue,
        "by_state": by_state,
        "by_type": by_type,
    }


def overdue_by_unit(
    engine: Engine, scope: Scope | WholeStore, codes: list[str], today: dt.date
) -> dict[str, int]:
    """Open tickets past their deadline in each unit of ``codes`` (units of the scope)."""
    out = {c: 0 for c in codes}
    q = sa.select(T.region_code).where(
        within(T.region_code, scope), T.state.in_(D.OPEN), T.deadline < today
    )
    prefixes = [(c, prefix_of(c)) for c in codes]
    with engine.connect() as conn:
        for (region,) in conn.execute(q):
            for code, prefix in prefixes:
                if region.startswith(prefix):
                    out[code] += 1
                    break
    return out


def with_source(conn: Connection, source_ref: str) -> int | None:
    """The ticket made from a hotline record (its reference), if any."""
    row = conn.execute(sa.select(T.id).where(T.source_ref == source_ref)).first()
    return None if row is None else int(row[0])


def hits(
    conn: Connection, ip: str, code_hash: str, ip_since: dt.datetime, code_since: dt.datetime
) -> tuple[int, int]:
    """The public form's requests: from ``ip`` since ``ip_since``, and for ``code_hash``
    since ``code_since``."""
    by_ip = conn.execute(
        sa.select(sa.func.count()).where(public_hits.c.ip == ip, public_hits.c.at >= ip_since)
    ).scalar_one()
    by_code = conn.execute(
        sa.select(sa.func.count()).where(
            public_hits.c.code_hash == code_hash, public_hits.c.at >= code_since
        )
    ).scalar_one()
    return int(by_ip), int(by_code)


def hit(conn: Connection, ip: str, code_hash: str, now: dt.datetime) -> None:
    conn.execute(public_hits.insert().values(ip=ip, code_hash=code_hash, at=now))
    # Old requests go: the limits look back one day at most.
    conn.execute(public_hits.delete().where(public_hits.c.at < now - dt.timedelta(days=2)))
