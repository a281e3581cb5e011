"""The ledger of imported department files: who, when, which file (name and SHA-256),
how many rows accepted and rejected, and whether the warehouse has them yet."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ops.schema import import_batches


def same_file(conn: Connection, feed: str, checksum: str) -> dict | None:
    row = conn.execute(sa.select(import_batches).where(
        import_batches.c.feed == feed, import_batches.c.checksum == checksum)).first()
    return dict(row._mapping) if row else None


def insert(conn: Connection, **values) -> int:
    return conn.execute(import_batches.insert().values(status="loaded", **values)) \
        .inserted_primary_key[0]


def batches(engine: Engine, department: str | None = None, limit: int = 50) -> list[dict]:
    q = sa.select(import_batches).order_by(import_batches.c.id.desc()).limit(limit)
    if department:
        q = q.where(import_batches.c.department == department)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def get(engine: Engine, batch_id: int) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(import_batches)
                           .where(import_batches.c.id == batch_id)).first()
    return dict(row._mapping) if row else None


def loaded(engine: Engine) -> list[dict]:
    """Every batch with rows, oldest first (a build merges them all)."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(import_batches).where(import_batches.c.rows_accepted > 0)
            .order_by(import_batches.c.id))]


def pending(engine: Engine) -> list[dict]:
    """Batches not yet in the warehouse (those with no accepted row included: there is
    nothing of theirs to add, and they are done when the next refresh is)."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(import_batches).where(import_batches.c.status == "loaded")
            .order_by(import_batches.c.id))]


def mark_merged(engine: Engine, ids: list[int], at: dt.datetime) -> None:
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(import_batches.update().where(import_batches.c.id.in_(ids),
                                                   import_batches.c.status == "loaded")
                     .values(status="merged", merged_at=at))
