"""Versioned schema migrations, applied in order on start (and by `manage.py migrate`).

Each migration runs once, in its own transaction, and records its version in
``schema_migrations``. Concurrent starters (several gunicorn workers) serialise on a
lock: an advisory lock on PostgreSQL, a lock file beside a SQLite database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl.filelock import exclusive
from ops import schema


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _append_only(conn: Connection, table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` in the database itself."""
    if conn.dialect.name == "sqlite":
        for op in ("update", "delete"):
            conn.exec_driver_sql(
                f"create trigger {table}_no_{op} before {op} on {table} "
                f"begin select raise(abort, '{table} is append-only'); end")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"create or replace function {table}_append_only() returns trigger "
            f"language plpgsql as $$ begin raise exception '{table} is append-only'; end $$")
        conn.exec_driver_sql(
            f"create trigger {table}_append_only before update or delete on {table} "
            f"for each row execute function {table}_append_only()")


def _v1(conn: Connection) -> None:
    for table in (schema.users, schema.login_throttle, schema.audit_log):
        table.create(conn)
    _append_only(conn, "audit_log")


def _v2(conn: Connection) -> None:
    for table in (schema.meetings, schema.tasks, schema.task_links, schema.task_events,
                  schema.api_tokens, schema.digests):
        table.create(conn)
    _append_only(conn, "task_events")


def _v3(conn: Connection) -> None:
    schema.warning_decisions.create(conn)


def _v4(conn: Connection) -> None:
    schema.export_jobs.create(conn)


def _v5(conn: Connection) -> None:
    schema.import_batches.create(conn)
    schema.doubt_cases.create(conn)
    schema.doubt_events.create(conn)
    _append_only(conn, "doubt_events")


MIGRATIONS: list[Migration] = [
    Migration(1, "users, login throttle and the append-only audit log", _v1),
    Migration(2, "instructions, their events and links, meetings, API tokens, digests", _v2),
    Migration(3, "decisions on early warnings", _v3),
    Migration(4, "background exports", _v4),
    Migration(5, "department data imports and doubtful cases", _v5),
]


@contextlib.contextmanager
def _lock(engine: Engine):
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with exclusive(Path(engine.url.database + ".migrate.lock")):
            yield
    else:
        yield


def applied(engine: Engine) -> set[int]:
    """Versions already applied."""
    if not sa.inspect(engine).has_table("schema_migrations"):
        return set()
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(schema.schema_migrations.c.version))}


def migrate(engine: Engine) -> list[int]:
    """Apply pending migrations; returns the versions applied now."""
    done: list[int] = []
    with _lock(engine):
        if not sa.inspect(engine).has_table("schema_migrations"):
            with engine.begin() as conn:
                schema.schema_migrations.create(conn, checkfirst=True)
        for m in MIGRATIONS:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("select pg_advisory_xact_lock(727274)")
                exists = conn.execute(
                    sa.select(schema.schema_migrations.c.version)
                    .where(schema.schema_migrations.c.version == m.version)).first()
                if exists:
                    continue
                m.apply(conn)
                conn.execute(schema.schema_migrations.insert().values(
                    version=m.version, description=m.description, applied_at=datetime.now(UTC)))
                done.append(m.version)
    return done
