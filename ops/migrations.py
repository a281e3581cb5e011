"""The operational store's schema history, run by Alembic (revisions in ops/alembic/versions).

``migrate`` is ``alembic upgrade head`` on a given engine, with the configuration built
here (ops/alembic.ini is only for a maintainer's ``alembic`` command). ``manage.py
migrate`` runs it, once, before the app starts (``make run``); the app itself never
migrates: it reports a store that is behind (``pending``).

A store made before Alembic kept its versions (1 to 6) in ``schema_migrations``; at
version 6 it is exactly the baseline revision, so it is stamped at the baseline (its
rows untouched, its old version table dropped) and then upgraded like any other.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

SCRIPTS = Path(__file__).resolve().parent / "alembic"
BASELINE = "0001"
LEGACY_TABLE = "schema_migrations"  # the version table before Alembic
LEGACY_LAST = 6  # that table's last version: the baseline revision's schema


class MigrationError(RuntimeError):
    """The store cannot be migrated as it is; the message says why and what to do."""


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store, built in code."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["connection"] = connection
    return cfg


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The store's revision (None: not under Alembic yet, or empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def pending(engine: Engine) -> list[str]:
    """The revisions the store lacks, oldest first (all of them for a store made before
    Alembic, until ``migrate`` adopts it)."""
    known = revisions()
    at = current(engine)
    return known[known.index(at) + 1 :] if at in known else known


def _legacy_versions(conn: Connection) -> set[int]:
    return {r[0] for r in conn.exec_driver_sql(f"select version from {LEGACY_TABLE}")}


def _adopt(conn: Connection) -> None:
    """Stamp a store made by the former migrations at the baseline (no data touched)."""
    versions = _legacy_versions(conn)
    if versions != set(range(1, LEGACY_LAST + 1)):
        raise MigrationError(
            f"the store is at version {max(versions, default=0)} of the former migrations, "
            f"not {LEGACY_LAST}: bring it to {LEGACY_LAST} with the release before Alembic "
            f"first"
        )
    command.stamp(config(conn), BASELINE)
    conn.exec_driver_sql(f"drop table {LEGACY_TABLE}")


def migrate(engine: Engine) -> list[str]:
    """Bring the store to the newest revision; returns the revisions applied now."""
    before = pending(engine)
    with engine.begin() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        if "alembic_version" not in tables and LEGACY_TABLE in tables:
            _adopt(conn)
            before = [r for r in before if r != BASELINE]
        elif "alembic_version" not in tables and tables:
            raise MigrationError(
                "the store has tables but no version table (alembic_version or "
                f"{LEGACY_TABLE}): it is not one this code made"
            )
        command.upgrade(config(conn), "head")
    return before
