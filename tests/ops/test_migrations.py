"""Migrations: a store made by an older version reaches today's schema, and a fresh
store passes through the same versions (a table is created as it was then)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from ops import db, migrations, schema


def _columns(engine, table: str) -> list[str]:
    return [c["name"] for c in sa.inspect(engine).get_columns(table)]


def test_an_old_store_is_brought_to_version_6(tmp_path, monkeypatch):
    eng = db.engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    full = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:5])
    assert migrations.migrate(eng) == [1, 2, 3, 4, 5]
    # version 5's tables do not have the columns version 6 adds
    assert "session_generation" not in _columns(eng, "users")
    assert "region_code" not in _columns(eng, "import_batches")
    assert "region_code" not in _columns(eng, "audit_log")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with eng.begin() as conn:
        conn.exec_driver_sql(
            "insert into users (username, password_hash, display_name, role, region_code,"
            " active, failed_logins, created_at, password_changed_at) values"
            " ('ziyang_police', 'x', 'p', 'department', '610924000000', 1, 0, ?, ?)",
            (now, now))
        for who, checksum in (("ziyang_police", "a"), ("gone_user", "b")):
            conn.exec_driver_sql(
                "insert into import_batches (feed, department, file_name, checksum,"
                " rows_total, rows_accepted, rows_rejected, imported_by, imported_at,"
                " status) values ('vehicle', 'police', 'f.csv', ?, 1, 1, 0, ?, ?,"
                " 'loaded')", (checksum, who, now))
    monkeypatch.setattr(migrations, "MIGRATIONS", full)
    assert migrations.migrate(eng) == [6]
    with eng.connect() as conn:
        assert conn.execute(sa.select(schema.users.c.session_generation)).scalar() == 0
        assert conn.execute(sa.select(schema.import_batches.c.imported_by,
                                      schema.import_batches.c.region_code)
                            .order_by(schema.import_batches.c.id)).all() == [
            ("ziyang_police", "610924000000"), ("gone_user", "")]
    assert "address_throttle" in sa.inspect(eng).get_table_names()


def test_a_fresh_store_has_the_same_columns_as_an_upgraded_one(tmp_path, monkeypatch):
    fresh = db.engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    migrations.migrate(fresh)
    old = db.engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    full = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:5])
    migrations.migrate(old)
    monkeypatch.setattr(migrations, "MIGRATIONS", full)
    migrations.migrate(old)
    for table in schema.metadata.tables:
        assert sorted(_columns(fresh, table)) == sorted(_columns(old, table)) == \
            sorted(schema.metadata.tables[table].c.keys()), table


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
