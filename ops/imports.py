"""The ledger of imported department files: who, when, which file (name and SHA-256),
how many rows accepted and rejected, and whether the warehouse has them yet.

A batch carries the importer's region (``region_code``, taken from the importer's account
when it is written). A user reads the batches of its scope only (``ops.scoped``): those
imported within its region and, for a department account, of its own department. The
build and the refresh of the warehouse merge every batch: they read the whole ledger
(``loaded``, ``pending``: the ``SYSTEM`` scope, never a user's).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access import Scope
from ops.schema import import_batches, users
from ops.scoped import SYSTEM, scoped, store_id


def same_file(conn: Connection, feed: str, checksum: str) -> dict | None:
    """The batch that has this very file, whoever imported it: the same file twice is
    refused everywhere (the refusal names the batch number and the importer)."""
    row = conn.execute(
        sa.select(import_batches).where(
            import_batches.c.feed == feed, import_batches.c.checksum == checksum
        )
    ).first()
    return dict(row._mapping) if row else None


def importer_region(username: str):
    """The region of the account ``username``, as SQL ('' if there is no such account),
    so that the batch row and its region are written in one statement."""
    return sa.func.coalesce(
        sa.select(users.c.region_code).where(users.c.username == username).scalar_subquery(), ""
    )


def insert(conn: Connection, **values) -> int:
    """Write a batch; its region is the importer's unless given."""
    values.setdefault("region_code", importer_region(values["imported_by"]))
    return conn.execute(
        import_batches.insert().values(status="loaded", **values)
    ).inserted_primary_key[0]


def _of(scope: Scope) -> sa.Select:
    return scoped(
        sa.select(import_batches), import_batches.c.region_code, scope, import_batches.c.department
    )


def batches(
    engine: Engine, scope: Scope, department: str | None = None, limit: int = 50
) -> list[dict]:
    """The newest batches of the scope (of ``department`` too, if given)."""
    q = _of(scope).order_by(import_batches.c.id.desc()).limit(limit)
    if department:
        q = q.where(import_batches.c.department == department)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def get(engine: Engine, scope: Scope, batch_id: int) -> dict | None:
    """One batch, if it is of the scope (None otherwise, as for an unknown id or one
    that cannot be an id)."""
    batch_id = store_id(batch_id)
    if batch_id is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(_of(scope).where(import_batches.c.id == batch_id)).first()
    return dict(row._mapping) if row else None


def loaded(engine: Engine) -> list[dict]:
    """Every batch with rows, oldest first (a build merges them all): the whole ledger."""
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                _of(SYSTEM).where(import_batches.c.rows_accepted > 0).order_by(import_batches.c.id)
            )
        ]


def pending(engine: Engine) -> list[dict]:
    """Batches not yet in the warehouse (those with no accepted row included: there is
    nothing of theirs to add, and they are done when the next refresh is): the whole
    ledger."""
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                _of(SYSTEM).where(import_batches.c.status == "loaded").order_by(import_batches.c.id)
            )
        ]


def mark_merged(engine: Engine, ids: list[int], at: dt.datetime) -> None:
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(
            import_batches.update()
            .where(import_batches.c.id.in_(ids), import_batches.c.status == "loaded")
            .values(status="merged", merged_at=at)
        )
