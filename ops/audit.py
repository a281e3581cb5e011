"""The append-only audit log: who did what to what, when, and how it went."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ops.schema import audit_log


def record(engine: Engine, actor: str, action: str, target: str = "", outcome: str = "ok",
           detail: dict | None = None, ip: str = "") -> None:
    """Append one entry. Never raises on a detail that is not JSON-serialisable."""
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(
            at=datetime.now(UTC), actor=actor[:64], action=action[:40], target=target[:200],
            outcome=outcome[:20],
            detail=json.dumps(detail or {}, ensure_ascii=False, default=str), ip=ip[:45]))


def recent(engine: Engine, limit: int = 100, actor: str | None = None,
           action: str | None = None) -> list[dict]:
    """The newest entries first."""
    q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if actor:
        q = q.where(audit_log.c.actor == actor)
    if action:
        q = q.where(audit_log.c.action == action)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]
