"""Migrations (Alembic): a fresh store reaches the newest revision; a store made by the
code before Alembic (tests/ops/legacy_store.py) is adopted in place with every row kept,
and ends with the same schema as a fresh one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from ops import db, migrations, schema
from tests.ops import legacy_store

AT = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


def _value(column: sa.Column):
    """One value that fits ``column`` (every id and foreign key is 1: one row a table)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.DateTime):
        return AT
    if isinstance(kind, sa.Date):
        return date(2026, 11, 1)
    if isinstance(kind, sa.String) and kind.length:
        return f"{column.name}-1"[: kind.length]
    return f'{{"{column.name}": 1}}'


def _fill(engine) -> dict[str, list]:
    """A row in every table the former code made (its version table aside); returns
    every table's rows as read back."""
    with engine.begin() as conn:
        for table in legacy_store.metadata.sorted_tables:
            if table.name != "schema_migrations":
                conn.execute(table.insert().values({c.name: _value(c) for c in table.c}))
    return _rows(engine)


def _rows(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.c))]
            for t in legacy_store.metadata.sorted_tables
            if t.name != "schema_migrations"
        }


def _shape(engine) -> dict:
    """Every table's columns (name, type, nullability, server default), indexes, unique
    constraints and foreign keys, as the database reports them."""
    insp = sa.inspect(engine)
    out = {}
    for name in sorted(insp.get_table_names()):
        if name == "alembic_version":
            continue
        out[name] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in insp.get_columns(name)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"])) for i in insp.get_indexes(name)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(name)),
            "foreign": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in insp.get_foreign_keys(name)
            ),
        }
    return out


def test_a_fresh_store_reaches_the_newest_revision(blank_engine):
    assert migrations.pending(blank_engine) == [
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0006",
        "0007",
        "0008",
        "0009",
    ]
    assert migrations.migrate(blank_engine) == [
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0006",
        "0007",
        "0008",
        "0009",
    ]
    assert migrations.current(blank_engine) == migrations.head() == "0009"
    assert migrations.pending(blank_engine) == []
    assert migrations.migrate(blank_engine) == []  # idempotent
    tables = set(sa.inspect(blank_engine).get_table_names())
    assert tables == set(schema.metadata.tables) | {"alembic_version"}


def test_a_store_made_before_alembic_is_upgraded_with_every_row_kept(blank_engine):
    assert legacy_store.migrate(blank_engine) == [1, 2, 3, 4, 5, 6]
    before = _fill(blank_engine)
    assert all(len(rows) == 1 for rows in before.values()) and len(before) == 15
    assert migrations.current(blank_engine) is None
    assert migrations.pending(blank_engine) == [
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0006",
        "0007",
        "0008",
        "0009",
    ]

    assert migrations.migrate(blank_engine) == [
        "0002",
        "0003",
        "0004",
        "0005",
        "0006",
        "0007",
        "0008",
        "0009",
    ]  # 0001 is stamped, not run

    assert _rows(blank_engine) == before
    assert migrations.current(blank_engine) == migrations.head()
    tables = set(sa.inspect(blank_engine).get_table_names())
    assert "schema_migrations" not in tables and "runtime_state" in tables
    assert migrations.migrate(blank_engine) == []


def test_an_upgraded_store_has_the_shape_of_a_fresh_one(blank_engine, tmp_path):
    legacy_store.migrate(blank_engine)
    migrations.migrate(blank_engine)
    upgraded = _shape(blank_engine)
    fresh = db.engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    migrations.migrate(fresh)
    if blank_engine.dialect.name == "sqlite":
        assert upgraded == _shape(fresh)
    for name, table in schema.metadata.tables.items():  # and schema.py describes it
        assert sorted(c[0] for c in upgraded[name]["columns"]) == sorted(table.c.keys()), name


@pytest.mark.parametrize("table", ["audit_log", "task_events", "doubt_events"])
def test_the_append_only_tables_stay_append_only(blank_engine, table):
    legacy_store.migrate(blank_engine)
    _fill(blank_engine)
    migrations.migrate(blank_engine)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with blank_engine.begin() as conn:
            conn.exec_driver_sql(f"delete from {table}")


def test_a_store_between_the_former_versions_is_refused(blank_engine, monkeypatch):
    monkeypatch.setattr(legacy_store, "MIGRATIONS", legacy_store.MIGRATIONS[:5])
    legacy_store.migrate(blank_engine)
    with pytest.raises(
        migrations.MigrationError, match="at version 5 of the former migrations, not 6"
    ):
        migrations.migrate(blank_engine)
    assert "alembic_version" not in sa.inspect(blank_engine).get_table_names()


def test_tables_without_a_version_table_are_refused(blank_engine):
    with blank_engine.begin() as conn:
        conn.exec_driver_sql("create table users (id integer primary key)")
    with pytest.raises(migrations.MigrationError, match="no version table"):
        migrations.migrate(blank_engine)


def test_the_sqlite_store_is_readable_by_its_owner_only(tmp_path):
    """Password hashes, names and the audit log: 0600, whatever the umask, and a store
    made open before is closed."""
    import os
    import stat

    old = tmp_path / "old.sqlite3"
    old.write_bytes(b"")
    os.chmod(old, 0o644)
    mask = os.umask(0o022)
    try:
        for path in (tmp_path / "new.sqlite3", old):
            migrations.migrate(db.engine(f"sqlite:///{path}"))
            for p in (path, path.with_name(path.name + "-wal")):
                assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    finally:
        os.umask(mask)
