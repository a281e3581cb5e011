"""The append-only audit log: who did what to what, when, and how it went.

Each entry carries a region (``region_code``): the actor's, looked up in the accounts in
the same statement that writes the entry (or the scope's, when the caller passes one),
'' for an actor that is no account ("cli", a refused login's unknown name). An admin
reads the entries of its region (``search``, through ``ops.scoped``); the '' ones lie
within the province's scope only.
"""

from __future__ import annotations

import datetime as dt
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from access import Scope, prefix_of
from domain import clock
from ops.schema import audit_log, users
from ops.scoped import SYSTEM, WholeStore, within

MAX_ROWS = 5000  # the most one search returns (the page and its CSV)


def _region_of(actor: str, scope: Scope | None):
    if scope is not None:
        return scope.region_code
    return sa.func.coalesce(
        sa.select(users.c.region_code).where(users.c.username == actor[:64]).scalar_subquery(), ""
    )


def record(
    engine: Engine,
    actor: str,
    action: str,
    target: str = "",
    outcome: str = "ok",
    detail: dict | None = None,
    ip: str = "",
    scope: Scope | None = None,
) -> None:
    """Append one entry, with the actor's region. Never raises on a detail that is not
    JSON-serialisable."""
    with engine.begin() as conn:
        conn.execute(
            audit_log.insert().values(
                at=datetime.now(UTC),
                actor=actor[:64],
                action=action[:40],
                target=target[:200],
                outcome=outcome[:20],
                detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
                ip=ip[:45],
                region_code=_region_of(actor, scope),
            )
        )


def _day_start(day: dt.date) -> dt.datetime:
    """00:00 of a day of the deployment's zone, as a moment (the log keeps UTC)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.zone()).astimezone(UTC)


def search(
    engine: Engine,
    scope: Scope | WholeStore,
    user: str | None = None,
    action: str | None = None,
    region: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 500,
) -> list[dict]:
    """The newest entries first, of the scope's region only (whatever the filters say):
    by actor, action, the region they concern (a unit and the units below it) and the
    days (of the deployment's zone, both included)."""
    q = sa.select(audit_log).where(within(audit_log.c.region_code, scope))
    if user:
        q = q.where(audit_log.c.actor == user)
    if action:
        q = q.where(audit_log.c.action == action)
    if region:
        q = q.where(audit_log.c.region_code.startswith(prefix_of(region), autoescape=True))
    if date_from is not None:
        q = q.where(audit_log.c.at >= _day_start(date_from))
    if date_to is not None:
        q = q.where(audit_log.c.at < _day_start(date_to + dt.timedelta(days=1)))
    q = q.order_by(audit_log.c.id.desc()).limit(max(1, min(int(limit), MAX_ROWS)))
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    for r in rows:
        r["at"] = clock.aware(r["at"])
    return rows


def actions(engine: Engine, scope: Scope | WholeStore) -> list[str]:
    """The actions the scope's entries name, for a filter's choices."""
    with engine.connect() as conn:
        return [
            a
            for (a,) in conn.execute(
                sa.select(audit_log.c.action)
                .where(within(audit_log.c.region_code, scope))
                .distinct()
                .order_by(audit_log.c.action)
            )
        ]


def recent(
    engine: Engine,
    limit: int = 100,
    actor: str | None = None,
    action: str | None = None,
    scope: Scope | WholeStore = SYSTEM,
) -> list[dict]:
    """The newest entries first. Without a scope: the whole log, for the CLI and the
    tests only; a page or route asks ``search`` with the user's scope."""
    return search(engine, scope, user=actor, action=action, limit=limit)
