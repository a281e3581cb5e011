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


# Columns that later migrations add: a table is created by the migration that first made
# it as it was then, so that a fresh database passes through the same versions as an old
# one. (version that adds it: {table: columns})
_ADDED: dict[int, dict[str, tuple[str, ...]]] = {
    6: {"users": ("session_generation",), "audit_log": ("region_code",),
        "import_batches": ("region_code",)},
}


def _create(conn: Connection, table: sa.Table, version: int) -> None:
    """Create ``table`` as it was at ``version``: without the columns added later."""
    later = {c for v, tables in _ADDED.items() if v > version
             for c in tables.get(table.name, ())}
    if not later:
        table.create(conn)
        return
    then = table.to_metadata(sa.MetaData())
    for name in later:
        then._columns.remove(then.c[name])
    then.create(conn)


def _add_columns(conn: Connection, version: int) -> None:
    """Add the columns ``version`` introduced, as schema.py declares them."""
    ddl = sa.schema.CreateColumn
    for table_name, columns in _ADDED[version].items():
        table = schema.metadata.tables[table_name]
        for name in columns:
            spec = ddl(table.c[name]).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"alter table {table_name} add column {spec}")


def _v1(conn: Connection) -> None:
    for table in (schema.users, schema.login_throttle, schema.audit_log):
        _create(conn, table, 1)
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
    _create(conn, schema.import_batches, 5)
    schema.doubt_cases.create(conn)
    schema.doubt_events.create(conn)
    _append_only(conn, "doubt_events")


def _v6(conn: Connection) -> None:
    _add_columns(conn, 6)
    schema.address_throttle.create(conn)
    # A batch belongs to its importer's region. (Audit entries before this version keep
    # an empty region: only a province admin sees them; audit_log is append-only.)
    users, batches = schema.users, schema.import_batches
    conn.execute(batches.update().values(region_code=sa.func.coalesce(
        sa.select(users.c.region_code).where(users.c.username == batches.c.imported_by)
        .scalar_subquery(), "")))


MIGRATIONS: list[Migration] = [
    Migration(1, "users, login throttle and the append-only audit log", _v1),
    Migration(2, "instructions, their events and links, meetings, API tokens, digests", _v2),
    Migration(3, "decisions on early warnings", _v3),
    Migration(4, "background exports", _v4),
    Migration(5, "department data imports and doubtful cases", _v5),
    Migration(6, "session generations, a per-address login limit, regions of import "
                 "batches and audit entries", _v6),
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
