"""The operational store's engine: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

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


def engine(url: str) -> Engine:
    """One engine per URL per process."""
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
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
