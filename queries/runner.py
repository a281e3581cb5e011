"""The only code that runs SQL against the warehouse.

- Named queries live in ``queries/sql/*.sql`` (aiosql style: ``-- name: x`` then a
  one-line description), with bound ``$parameters``.
- Every query is scoped: it must use ``$_scope_prefix``, which the runner fills from the
  user's Scope; callers cannot pass any ``_scope`` parameter. A query over data that
  belongs to no region (code tables, the data version) is marked ``-- scope: public``.
  Deny by default: without a Scope nothing runs.
- One read-only DuckDB connection per process and a cursor per call, under a time limit.
  A page's independent queries can run side by side (``run_many``): DuckDB works
  without holding the GIL, so they overlap instead of queueing.
- When the warehouse file is replaced (``manage.py build-data``), the process opens the
  new file within ``reload_seconds`` and switches; calls already running finish on the
  old connection, so no request fails.
- Results are cached on disk; the key holds the query, its parameters, the Scope and
  the data version, so users never share rows they should not see and a new warehouse
  never serves old figures.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from access import Scope

SQL_DIR = Path(__file__).resolve().parent / "sql"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class WarehouseUnavailable(RuntimeError):
    """No warehouse file to read (not built yet)."""


class Fragment(str):
    """A piece of SQL built from an allow-list (queries/households.py), never from input.

    Dynamic queries take their ``{slots}`` only as Fragments: a plain string from a
    request cannot reach the SQL text.
    """


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    sql: str
    params: frozenset[str]
    public: bool
    source: str
    slots: frozenset[str] = frozenset()  # {where}, {order}: filled with Fragments

    @property
    def user_params(self) -> frozenset[str]:
        return frozenset(p for p in self.params if not p.startswith("_scope_"))


def parse(text: str, source: str) -> list[Query]:
    """Queries of one .sql file."""
    blocks = re.split(r"^-- name: ", text, flags=re.MULTILINE)
    out = []
    for block in blocks[1:]:
        header, _, rest = block.partition("\n")
        name = header.strip()
        lines = rest.splitlines()
        description = lines[0].removeprefix("--").strip() if lines else ""
        public = any(line.strip() == "-- scope: public" for line in lines)
        slots = frozenset(
            s.strip() for line in lines if line.strip().startswith("-- dynamic:")
            for s in line.split(":", 1)[1].split(","))
        sql = "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip()
        params = frozenset(_PARAM.findall(sql))
        if not public and "_scope_prefix" not in params:
            raise ValueError(f"{source}: query {name} does not use $_scope_prefix")
        if not description:
            raise ValueError(f"{source}: query {name} has no description")
        if set(re.findall(r"\{(\w+)\}", sql)) != slots:
            raise ValueError(f"{source}: query {name} declares slots {sorted(slots)}")
        out.append(Query(name, description, sql, params, public, source, slots))
    return out


def load_queries(directory: Path = SQL_DIR) -> dict[str, Query]:
    queries: dict[str, Query] = {}
    for path in sorted(directory.glob("*.sql")):
        for q in parse(path.read_text(encoding="utf-8"), path.name):
            if q.name in queries:
                raise ValueError(f"query {q.name} defined twice")
            queries[q.name] = q
    return queries


QUERIES = load_queries()


class Warehouse:
    """Read-only access to the DuckDB warehouse for one process."""

    def __init__(self, path: Path, cache_dir: Path | None = None,
                 reload_seconds: float = 15.0, time_limit: float = 10.0):
        self.path = Path(path)
        self.cache_dir = cache_dir
        self.reload_seconds = reload_seconds
        self.time_limit = time_limit
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._ident: tuple | None = None
        self._version: dict | None = None
        self._pair: tuple | None = None
        self._checked = 0.0
        self._cache = None
        self._pid = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = None

    # -- connection --------------------------------------------------------------
    def _file_ident(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _open(self, ident: tuple) -> None:
        # DuckDB caches database instances by path, so connecting to the same path again
        # would return the old file. An in-memory instance that attaches the file is
        # always new; the old one lives on while calls in flight hold its cursors.
        con = duckdb.connect(":memory:", config={"threads": 2})
        con.execute("attach ? as wh (read_only)", [str(self.path)])
        con.execute("use wh")
        row = con.execute("select version, as_of, built_at, seed, scale from data_version").fetchone()
        version = {"version": row[0], "as_of": row[1], "built_at": row[2], "seed": row[3],
                   "scale": row[4]}
        # One assignment: a reader gets a connection and its own version, never a new
        # version with the old file (which would cache old rows under the new version).
        self._pair = (con, version)
        self._con, self._version, self._ident = con, version, ident

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The current connection, switching to a rebuilt file when one appears."""
        now = time.monotonic()
        if self._pid != os.getpid():  # never share a connection across a fork
            with self._lock:
                if self._pid != os.getpid():
                    self._con, self._ident, self._cache, self._pid = None, None, None, os.getpid()
        if self._con is None or now - self._checked >= self.reload_seconds:
            with self._lock:
                if self._con is None or now - self._checked >= self.reload_seconds:
                    self._checked = now
                    ident = self._file_ident()
                    if ident is None and self._con is None:
                        raise WarehouseUnavailable(f"no warehouse at {self.path}")
                    if ident is not None and ident != self._ident:
                        try:
                            self._open(ident)
                        except duckdb.Error:
                            if self._con is None:
                                raise WarehouseUnavailable(
                                    f"warehouse at {self.path} cannot be opened") from None
        return self._con

    @property
    def version(self) -> dict:
        self.connection()
        return dict(self._version)

    def available(self) -> bool:
        try:
            self.connection()
        except WarehouseUnavailable:
            return False
        return True

    # -- queries -----------------------------------------------------------------
    def _cache_store(self):
        if self.cache_dir is None:
            return None
        if self._cache is None:
            import diskcache

            with self._lock:
                if self._cache is None:
                    self._cache = diskcache.Cache(str(self.cache_dir), size_limit=512 * 2**20)
        return self._cache

    def run(self, name: str, scope: Scope | None, fragments: dict | None = None,
            **params) -> pd.DataFrame:
        """Run the named query for ``scope``: a DataFrame, empty when the scope is None."""
        query = QUERIES[name]
        sql, expected = query.sql, query.user_params
        if query.slots or fragments:
            fragments = fragments or {}
            if set(fragments) != query.slots or \
                    not all(type(f) is Fragment for f in fragments.values()):
                raise ValueError(f"query {name} needs Fragments for {sorted(query.slots)}")
            sql = sql.format(**fragments)
            expected = frozenset(p for p in _PARAM.findall(sql) if not p.startswith("_scope_"))
        given = set(params)
        if any(p.startswith("_") for p in given):
            raise ValueError("scope parameters are filled by the server")
        if given != expected:
            raise ValueError(f"query {name} takes {sorted(expected)}, got {sorted(given)}")
        if scope is None and not query.public:
            return pd.DataFrame()  # deny by default
        values = dict(params)
        if "_scope_prefix" in query.params:
            values["_scope_prefix"] = scope.prefix
        self.connection()
        con, info = self._pair
        version = info["version"]
        cache = self._cache_store()
        key = None
        if cache is not None:
            raw = repr((name, sorted((fragments or {}).items()), sorted(params.items()),
                        scope.key if scope else "", version))
            key = "q:" + hashlib.sha256(raw.encode()).hexdigest()
            hit = cache.get(key)
            if hit is not None:
                return hit
        df = self._execute(con, sql, values)
        if cache is not None:
            cache.set(key, df, expire=24 * 3600)
        return df

    def run_many(self, scope: Scope | None,
                 queries: dict[str, tuple[str, dict]]) -> dict[str, pd.DataFrame]:
        """Independent queries side by side: ``{key: (name, params)}`` in, ``{key:
        DataFrame}`` out, each exactly as ``run`` gives it (scope, cache, time limit)."""
        if len(queries) <= 1:
            return {k: self.run(name, scope, **params) for k, (name, params) in queries.items()}
        self.connection()  # open (or switch) once, before the threads ask for it
        pool = self._executor()
        futures = {k: pool.submit(self.run, name, scope, **params)
                   for k, (name, params) in queries.items()}
        return {k: f.result() for k, f in futures.items()}

    def _executor(self) -> ThreadPoolExecutor:
        # Threads do not survive a fork: a forked worker makes its own pool.
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="jz-query")
                    self._pool_pid = os.getpid()
        return self._pool

    def _execute(self, con, sql: str, values: dict) -> pd.DataFrame:
        cur = con.cursor()
        cur.execute("use wh")  # a cursor starts in the in-memory catalog
        timer = threading.Timer(self.time_limit, cur.interrupt)
        timer.start()
        try:
            # fetchnumpy then DataFrame: the same dtypes as .df(), in half the time.
            return pd.DataFrame(cur.execute(sql, values).fetchnumpy())
        finally:
            timer.cancel()
            cur.close()
