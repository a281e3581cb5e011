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
- A department account's scope is its subject too (queries/subject.py): the runner binds
  ``$_scope_department``, ``$_scope_checks`` and ``$_scope_rules``, and a department runs
  only the queries that declare ``-- subject: filtered`` (they apply those lists) or
  ``-- subject: none`` (names and shapes of units, nobody's data), and public ones.
- Results are cached on disk; the key holds the query, its parameters, the Scope (with
  its department) and the data version, so users never share rows they should not see
  and a new warehouse never serves old figures. ID and phone numbers are masked before a
  result is cached or returned (queries/privacy.py); ``unmasked=True`` reads them whole,
  never through the cache. The cache directory is 0700 and its files 0600.
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

from access import AccessDenied, RegionNotFound, Scope
from queries.privacy import mask_frame
from queries.subject import SubjectMap, load_map

SQL_DIR = Path(__file__).resolve().parent / "sql"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# What the runner binds from the Scope; callers cannot pass any of them.
SCOPE_PARAMS = frozenset({"_scope_prefix", "_scope_department", "_scope_checks", "_scope_rules"})
SUBJECT_PARAMS = frozenset({"_scope_checks", "_scope_rules"})
# A query that uses any of these filters by the department's subject.
FILTER_PARAMS = SUBJECT_PARAMS | {"_scope_department"}
SUBJECTS = ("filtered", "none")
# A household is of the scope's subject: anyone's but a department's, whose are the
# households behind the cases of its checks and the warnings of its rules. One macro in
# each connection's own in-memory catalog (on every cursor's search path), so that each
# household query says it in one line.
SUBJECT_MACRO = """
create or replace macro memory.main.in_subject(hid, department, checks, rules) as
    department = '' or hid in (
        select d.household_id from wh.doubt as d where list_contains(checks, d.check_id)
        union
        select w.household_id from wh.warning as w where list_contains(rules, w.rule_id))
"""
# The cache holds this layout: a cache without the mark was written before numbers were
# masked before caching, and is emptied when opened.
CACHE_MARK = ".masked-v1"


class WarehouseUnavailable(RuntimeError):
    """No warehouse file to read (not built yet)."""


# What a read of the warehouse may be refused with: a page or a route shows the notice
# for it (components.messages.refusal) instead of itself.
REFUSALS = (AccessDenied, RegionNotFound, WarehouseUnavailable)


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
    # For a department account: "filtered" (the query applies its subject), "none" (no
    # one's data: names and shapes of units); None: a department may not run it.
    subject: str | None = None

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
            s.strip()
            for line in lines
            if line.strip().startswith("-- dynamic:")
            for s in line.split(":", 1)[1].split(",")
        )
        sql = "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip()
        params = frozenset(_PARAM.findall(sql))
        if not public and "_scope_prefix" not in params:
            raise ValueError(f"{source}: query {name} does not use $_scope_prefix")
        unknown = {p for p in params if p.startswith("_")} - SCOPE_PARAMS
        if unknown:
            raise ValueError(f"{source}: query {name} uses unknown {sorted(unknown)}")
        subject = next(
            (
                line.split(":", 1)[1].strip()
                for line in lines
                if line.strip().startswith("-- subject:")
            ),
            None,
        )
        if subject is not None and subject not in SUBJECTS:
            raise ValueError(f"{source}: query {name}: subject must be one of {SUBJECTS}")
        if (subject == "filtered") != bool(params & FILTER_PARAMS):
            raise ValueError(
                f"{source}: query {name}: a query is `subject: filtered` "
                "exactly when it uses $_scope_department, $_scope_checks "
                "or $_scope_rules"
            )
        if not description:
            raise ValueError(f"{source}: query {name} has no description")
        if set(re.findall(r"\{(\w+)\}", sql)) != slots:
            raise ValueError(f"{source}: query {name} declares slots {sorted(slots)}")
        out.append(Query(name, description, sql, params, public, source, slots, subject))
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

    def __init__(
        self,
        path: Path,
        cache_dir: Path | None = None,
        reload_seconds: float = 15.0,
        time_limit: float = 10.0,
    ):
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
        self._subjects: tuple[str, SubjectMap] | None = None  # (data version, map)

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
        con.execute(SUBJECT_MACRO)
        con.execute("use wh")
        row = con.execute(
            "select version, as_of, built_at, seed, scale from data_version"
        ).fetchone()
        version = {
            "version": row[0],
            "as_of": row[1],
            "built_at": row[2],
            "seed": row[3],
            "scale": row[4],
        }
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
                                    f"warehouse at {self.path} cannot be opened"
                                ) from None
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
            with self._lock:
                if self._cache is None:
                    self._cache = open_private_cache(Path(self.cache_dir))
        return self._cache

    def subjects(self) -> SubjectMap:
        """Which department each check and rule in force belongs to (once per build)."""
        self.connection()
        con, info = self._pair
        held = self._subjects
        if held is None or held[0] != info["version"]:
            cur = con.cursor()
            try:
                cur.execute("use wh")
                held = (info["version"], load_map(cur))
            finally:
                cur.close()
            self._subjects = held
        return held[1]

    def _scope_values(self, query: Query, scope: Scope) -> dict:
        """The parameters the scope fills: its region prefix, and a department's subject.
        A department may run only the queries that declare what they show it."""
        values = {}
        if "_scope_prefix" in query.params:
            values["_scope_prefix"] = scope.prefix
        # A subject wherever the scope names a department (as the gate reads it), and a
        # department account without one sees nothing rather than its whole region.
        department = scope.department
        if scope.role == "department" and not department:
            raise AccessDenied("a department account without a department")
        if department is not None and not query.public and query.subject is None:
            raise AccessDenied(f"{query.name} is not within a department's subject")
        if "_scope_department" in query.params:
            values["_scope_department"] = department or ""
        if query.params & SUBJECT_PARAMS:
            subject = self.subjects().subject(department) if department else None
            if "_scope_checks" in query.params:
                values["_scope_checks"] = list(subject.checks) if subject else []
            if "_scope_rules" in query.params:
                values["_scope_rules"] = list(subject.rules) if subject else []
        return values

    def run(
        self,
        name: str,
        scope: Scope | None,
        fragments: dict | None = None,
        unmasked: bool = False,
        **params,
    ) -> pd.DataFrame:
        """Run the named query for ``scope``: a DataFrame, empty when the scope is None.

        ID and phone numbers come back masked; ``unmasked=True`` (for a role the access
        table lets see them: the caller asks the gate and logs the view) reads them
        whole, past the cache, which never holds them."""
        query = QUERIES[name]
        sql, expected = query.sql, query.user_params
        if query.slots or fragments:
            fragments = fragments or {}
            if set(fragments) != query.slots or not all(
                type(f) is Fragment for f in fragments.values()
            ):
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
        self.connection()
        values = dict(params)
        if scope is not None:
            values.update(self._scope_values(query, scope))
        con, info = self._pair
        version = info["version"]
        if unmasked:
            return self._execute(con, sql, values)
        cache = self._cache_store()
        key = None
        if cache is not None:
            raw = repr(
                (
                    name,
                    sorted((fragments or {}).items()),
                    sorted(params.items()),
                    scope.key if scope else "",
                    version,
                )
            )
            key = "q:" + hashlib.sha256(raw.encode()).hexdigest()
            hit = cache.get(key)
            if hit is not None:
                return hit
        df = mask_frame(self._execute(con, sql, values))
        if cache is not None:
            cache.set(key, df, expire=24 * 3600)
        return df

    def run_many(
        self, scope: Scope | None, queries: dict[str, tuple[str, dict]], unmasked: bool = False
    ) -> dict[str, pd.DataFrame]:
        """Independent queries side by side: ``{key: (name, params)}`` in, ``{key:
        DataFrame}`` out, each exactly as ``run`` gives it (scope, cache, masks, time
        limit)."""
        if len(queries) <= 1:
            return {
                k: self.run(name, scope, unmasked=unmasked, **params)
                for k, (name, params) in queries.items()
            }
        self.connection()  # open (or switch) once, before the threads ask for it
        pool = self._executor()
        futures = {
            k: pool.submit(self.run, name, scope, unmasked=unmasked, **params)
            for k, (name, params) in queries.items()
        }
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
        # A cursor starts in the in-memory catalog: look in the warehouse first, then at
        # the connection's macros (one statement, in place of a USE).
        cur.execute("set search_path = 'wh.main,memory.main'")
        timer = threading.Timer(self.time_limit, cur.interrupt)
        timer.start()
        try:
            # fetchnumpy then DataFrame: the same dtypes as .df(), in half the time.
            return pd.DataFrame(cur.execute(sql, values).fetchnumpy())
        finally:
            timer.cancel()
            cur.close()


def _private_disk():
    import diskcache

    class PrivateDisk(diskcache.Disk):
        """Value files readable by this service's user only, whatever the umask."""

        def _write(self, full_path, iterator, mode, encoding=None):
            folder = os.path.dirname(full_path)
            os.makedirs(folder, mode=0o700, exist_ok=True)
            _tighten(Path(self._directory), Path(folder))
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            fd = os.open(full_path, flags, 0o600)
            with (
                os.fdopen(fd, "wb") if "b" in mode else os.fdopen(fd, "w", encoding=encoding)
            ) as writer:
                size = 0
                for chunk in iterator:
                    size += len(chunk)
                    writer.write(chunk)
                return size

    return PrivateDisk


def _tighten(root: Path, folder: Path) -> None:
    """0700 on ``folder`` and each folder between it and ``root`` (makedirs' mode is
    reduced by the umask, and only the last folder gets it)."""
    while True:
        os.chmod(folder, 0o700)
        if folder == root or root not in folder.parents:
            return
        folder = folder.parent


def open_private_cache(directory: Path):
    """The query cache at ``directory``: the folder 0700, every file in it 0600 (its
    SQLite database before diskcache opens it: SQLite gives its -wal and -shm files the
    database's mode). A cache written before results were masked is emptied."""
    import diskcache

    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    # Workers of one server open it at once: one at a time decides and tightens.
    lock = os.open(directory / ".open.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        _lock(lock)
        if not (directory / CACHE_MARK).exists():
            _remove_old_cache(directory, diskcache.core.DBNAME)
        db = directory / diskcache.core.DBNAME
        os.close(os.open(db, os.O_WRONLY | os.O_CREAT, 0o600))
        for path in directory.rglob("*"):
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
        cache = diskcache.Cache(str(directory), size_limit=512 * 2**20, disk=_private_disk())
        os.close(os.open(directory / CACHE_MARK, os.O_WRONLY | os.O_CREAT, 0o600))
    finally:
        os.close(lock)  # closing the file releases the lock
    return cache


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: one process is all there is to fear
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def _remove_old_cache(directory: Path, dbname: str) -> None:
    """Delete a cache of the old layout: its database (clearing it would leave the rows'
    bytes in SQLite's free pages) and its value files (``ab/cd/<hex>.val``); nothing
    else in the directory, whatever it is."""
    import shutil

    for name in (dbname, f"{dbname}-wal", f"{dbname}-shm", f"{dbname}-journal"):
        (directory / name).unlink(missing_ok=True)
    for sub in directory.iterdir():
        if (
            sub.is_dir()
            and re.fullmatch(r"[0-9a-f]{2}", sub.name)
            and all(re.fullmatch(r"[0-9a-f]{2}", d.name) for d in sub.iterdir())
        ):
            shutil.rmtree(sub)
