"""Change requests (变更申请) and their events in the operational store. The rules are
domain/changes.py and services/changes.py; every read for a user is filtered by its
scope (ops/scoped.py); the refresh reads and marks the whole store (``SYSTEM``)."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access import Scope
from domain import changes as D
from domain import clock
from ops.events import event, events_of, move
from ops.field import code_range
from ops.schema import change_events, change_requests
from ops.scoped import SYSTEM, WholeStore, store_id, within

R = change_requests.c


def _row(row) -> dict:
    out = dict(row)
    out["values"] = json.loads(out["values"])
    out["original"] = json.loads(out["original"])
    for k in ("created_at", "updated_at", "at"):
        if isinstance(out.get(k), dt.datetime):
            out[k] = clock.aware(out[k])
    return out


def insert(conn: Connection, actor: str, values: dict, now: dt.datetime) -> int:
    """A request submitted (``values``: household_id, household_no, region_code, kind,
    person_key, person_name, values, original — dicts —, note) with its first event."""
    row = {**values, "values": json.dumps(values["values"], ensure_ascii=False)}
    row["original"] = json.dumps(values["original"], ensure_ascii=False)
    row |= {"state": "submitted", "version": 1, "created_by": actor}
    row |= {"created_at": now, "updated_at": now}
    change_id = conn.execute(change_requests.insert().values(**row)).inserted_primary_key[0]
    event(conn, change_events, "change_id", change_id, "submit", None, "submitted", actor, "", now)
    return change_id


def get(engine: Engine | Connection, scope: Scope | WholeStore, change_id) -> dict | None:
    """A request within ``scope`` with its events; None for any other, as for none."""
    cid = store_id(change_id)
    if cid is None:
        return None
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return get(conn, scope, cid)
    q = sa.select(change_requests).where(R.id == cid, within(R.region_code, scope))
    row = engine.execute(q).mappings().first()
    if row is None:
        return None
    return {**_row(row), "events": events_of(engine, change_events, "change_id", cid)}


def update(
    conn: Connection, change: dict, version: int, action: str, actor: str, note: str, now
) -> bool:
    """Take ``action`` on a request still at ``version`` (False when someone else moved it
    first: nothing is written)."""
    to_state = D.ACTIONS[action][1]
    return move(
        conn,
        change_requests,
        change_events,
        "change_id",
        change,
        version,
        to_state,
        action,
        actor,
        note,
        now,
    )


def list_changes(
    engine: Engine,
    scope: Scope | WholeStore,
    under: str | None = None,
    states: tuple[str, ...] | None = None,
    household_id: int | None = None,
    created_by: str | None = None,
    limit: int = 500,
    newest_first: bool = False,
) -> list[dict]:
    """Requests of the scope (of the units whose code starts ``under``, of ``states``, of
    one household, by one account), the oldest first (or the newest)."""
    q = sa.select(change_requests).where(within(R.region_code, scope))
    if under:
        q = q.where(*code_range(R.region_code, under))
    if states:
        q = q.where(R.state.in_(states))
    if household_id is not None:
        q = q.where(R.household_id == household_id)
    if created_by is not None:
        q = q.where(R.created_by == created_by)
    order = (R.created_at.desc(), R.id.desc()) if newest_first else (R.created_at, R.id)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(q.order_by(*order).limit(limit)).mappings()]


def counts(engine: Engine, scope: Scope | WholeStore, under: str | None = None) -> dict:
    """Requests of the scope (of the units whose code starts ``under``) by state."""
    q = sa.select(R.state, sa.func.count()).where(within(R.region_code, scope))
    if under:
        q = q.where(*code_range(R.region_code, under))
    out = dict.fromkeys(D.STATES, 0)
    with engine.connect() as conn:
        for state, n in conn.execute(q.group_by(R.state)):
            out[state] = int(n)
    return out


def for_warehouse(engine: Engine) -> list[dict]:
    """The approved requests and those applied before, oldest first, for the refresh (a
    load applies them all again over the delivery, in this order)."""
    return list_changes(engine, SYSTEM, states=("approved", "applied"), limit=10**9)


def mark(engine: Engine, outcomes: dict[int, str], now: dt.datetime) -> int:
    """The refresh's word on the requests it applied (``outcomes``: id -> "applied" or
    "superseded", with the reason after a colon): an approved one moved to either, an
    applied one to superseded when a load found the registry moved past it; each with
    its event by "system". How many moved."""
    moved = 0
    ids = sorted(outcomes)
    with engine.begin() as conn:
        for start in range(0, len(ids), 500):  # within any database's parameter limit
            rows = conn.execute(
                sa.select(change_requests).where(
                    R.state.in_(("approved", "applied")), R.id.in_(ids[start : start + 500])
                )
            ).mappings()
            for row in list(rows):
                outcome, _, why = outcomes[row["id"]].partition(":")
                if row["state"] == "applied" and outcome == "applied":
                    continue
                action = "apply" if outcome == "applied" else "supersede"
                moved += update(conn, dict(row), row["version"], action, "system", why, now)
    return moved


def open_on(engine: Engine, household_id: int, kind: str, person_key: str) -> int | None:
    """An open request (waiting for review or for the refresh) of this kind on the same
    household and member, if any: its id."""
    q = sa.select(R.id).where(
        R.household_id == household_id,
        R.kind == kind,
        R.person_key == person_key,
        R.state.in_(D.OPEN),
    )
    with engine.connect() as conn:
        row = conn.execute(q.limit(1)).first()
    return None if row is None else int(row[0])
