"""The operational store's engine: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("pragma journal_mode = wal")  # readers never block the writer
    cur.execute("pragma synchronous = normal")  # durable at each commit with WAL
    cur.execute("pragma foreign_keys = on")
    cur.execute("pragma busy_timeout = 10000")  # wait for the write lock, do not fail
    cur.close()


def _private_file(path: Path) -> None:
    """The store's file readable by this service's user only (0600): it holds password
    hashes, names and the audit log. SQLite makes its -wal and -shm files with the
    database file's mode, so they follow."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if p.exists():
            os.chmod(p, 0o600)


def engine(url: str) -> Engine:
    """One engine per URL per process."""
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _private_file(Path(path))
        eng = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(eng, "connect", _sqlite_pragmas)
    else:
        eng = sa.create_engine(url, pool_pre_ping=True)
    _engines[url] = eng
    return eng


def dispose_all() -> None:
    """Close every engine (tests, and after a fork)."""
    for eng in _engines.values():
        eng.dispose()
    _engines.clear()
