"""A stateful record moved on with its append-only event, in one step: the feedback
tickets' and the change requests' (their tables: ``id``, ``state``, ``version``,
``updated_at``; their events: the record's id, ``at``, ``actor``, ``action``,
``from_state``, ``to_state``, ``note``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def event(
    conn: Connection,
    events: sa.Table,
    ref: str,
    record_id: int,
    action: str,
    from_state: str | None,
    to_state: str,
    actor: str,
    note: str,
    now: dt.datetime,
) -> None:
    conn.execute(
        events.insert().values(
            **{ref: record_id},
            at=now,
            actor=actor,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
        )
    )


def move(
    conn: Connection,
    table: sa.Table,
    events: sa.Table,
    ref: str,
    record: dict,
    version: int,
    to_state: str,
    action: str,
    actor: str,
    note: str,
    now: dt.datetime,
    **values,
) -> bool:
    """Move ``record`` to ``to_state`` if it is still at ``version`` (False when someone
    else moved it first: nothing is written), with its event."""
    values |= {"state": to_state, "version": version + 1, "updated_at": now}
    done = conn.execute(
        table.update()
        .where(table.c.id == record["id"], table.c.version == version)
        .values(**values)
    )
    if done.rowcount != 1:
        return False
    event(conn, events, ref, record["id"], action, record["state"], to_state, actor, note, now)
    return True


def events_of(conn: Connection, events: sa.Table, ref: str, record_id: int) -> list[dict]:
    """A record's events in the order taken, their times aware."""
    from domain import clock

    rows = conn.execute(
        sa.select(events).where(events.c[ref] == record_id).order_by(events.c.id)
    ).mappings()
    return [{**e, "at": clock.aware(e["at"])} for e in rows]
