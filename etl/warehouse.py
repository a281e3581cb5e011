"""Build the DuckDB warehouse: generate the registry, load it, add rollups, and move the
finished file into place atomically.

The build writes ``.<name>.building-<pid>`` beside the target and renames it over the
target only when everything succeeded, so a running app never opens a half-built file
and a failed build leaves the previous warehouse untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from domain import codes
from etl import crosschecks, quality, refdata, rules
from etl.filelock import exclusive
from etl.generate import Gen, Params, write_delivery

SQL_DIR = Path(__file__).resolve().parent / "sql"
MAX_SCALE = 4.0  # 4 million households: beyond this the build needs more than 2 cores/4 GB
# Columns computed while loading rather than in numpy (exact decimal arithmetic).
DERIVED = {
    "income": "round(net_income / members, 2)::decimal(12, 2) as per_capita",
}


class BuildError(ValueError):
    """A build cannot start or did not finish; the message is one line for the user."""


@dataclass
class BuildResult:
    path: Path
    seconds: float
    row_counts: dict[str, int]


def check_output(out: Path) -> None:
    """Refuse an output path the build could not write, before doing any work."""
    if out.exists() and out.is_dir():
        raise BuildError(f"output path is a directory: {out}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise BuildError(f"output directory does not exist: {parent}")
    if out.exists() and not os.access(out, os.W_OK):
        raise BuildError(f"output file is not writable: {out}")
    # access() says yes to root everywhere; only creating a file tells the truth.
    probe = _temp_path(out)
    try:
        probe.touch()
        probe.unlink()
    except OSError:
        raise BuildError(f"output directory is not writable: {parent}") from None


def _memory_bytes() -> tuple[int, int]:
    """The machine's physical and currently available memory, in bytes."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = page * os.sysconf("SC_PHYS_PAGES")
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        available = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        available = page * os.sysconf("SC_AVPHYS_PAGES")
    return total, available


def memory_limit(households: int | None = None) -> str:
    """DuckDB's memory limit for a build, from this machine's memory (JZ_BUILD_MEMORY
    overrides, e.g. "8GB"): 60% of what is available, at least 1 GB. Sorts, joins and
    hash aggregates spill to the build's temporary directory beyond it; the medians of
    the rollups cannot, so a fixed 2 GB ran out of memory at scale 2."""
    forced = os.environ.get("JZ_BUILD_MEMORY", "").strip()
    if forced:
        return forced
    total, available = _memory_bytes()
    limit = max(1 << 30, int(min(available, total) * 0.6))
    if households is not None:
        # No more than the data needs: 3 GB up to a million households, 3.5 GB for each
        # million beyond (the machine is shared; below that, the rollups' medians spill
        # so much that scale 3 takes several times as long).
        extra = max(0.0, households / 1e6 - 1.0)
        limit = min(limit, (3 << 30) + int(3.5 * (1 << 30) * extra))
    return f"{limit // (1 << 20)}MB"


def _tune(con: duckdb.DuckDBPyConnection, households: int | None = None) -> None:
    """Threads and memory for a build or a rewrite of the warehouse (for a load, sized
    by its number of ``households`` once known)."""
    con.execute(f"set threads = {max(1, min(os.cpu_count() or 2, 8))}")
    con.execute(f"set memory_limit = '{memory_limit(households)}'")


def _temp_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.building-{os.getpid()}")


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal"), Path(str(path) + ".tmp")):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists():
            p.unlink()


class _Sink:
    """Creates each table from its first chunk and appends later chunks."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.rows: dict[str, int] = {}

    def __call__(self, name: str, table: pa.Table) -> None:
        extra = DERIVED.get(name)
        select = f"select *{', ' + extra if extra else ''} from chunk"
        self.con.register("chunk", table)
        try:
            if name in self.rows:
                self.con.execute(f"insert into {name} {select}")
            else:
                self.con.execute(f"create table {name} as {select}")
        finally:
            self.con.unregister("chunk")
        self.rows[name] = self.rows.get(name, 0) + table.num_rows


def _run_sql(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute((SQL_DIR / name).read_text(encoding="utf-8"))


def _load_static(con: duckdb.DuckDBPyConnection, ref: refdata.Reference, sink: _Sink) -> None:
    code_rows = codes.rows()
    sink(
        "code",
        pa.table(
            {
                "domain": [r[0] for r in code_rows],
                "code": [r[1] for r in code_rows],
                "name_zh": [r[2] for r in code_rows],
                "name_en": [r[3] for r in code_rows],
            }
        ),
    )
    lines = ref.lines
    sink(
        "lines",
        pa.table(
            {
                "year": pa.array(lines["year"].astype(int), pa.int16()),
                "poverty_line": pa.array(lines["poverty_line"].astype("Int64"), pa.int32()),
                "monitoring_line": pa.array(lines["monitoring_line"].astype("Int64"), pa.int32()),
            }
        ),
    )
    sink("region_geom", pa.Table.from_pandas(ref.geometry, preserve_index=False))


def build(
    out: Path,
    scale: float,
    seed: int,
    as_of: date | None = None,
    progress: bool = True,
    ref_dir: Path | None = None,
    rules_path: Path | None = None,
    batches: list[dict] | None = None,
    import_dir: Path | None = None,
    keep: Path | None = None,
) -> BuildResult:
    """Generate the synthetic registry as a delivery (docs/registry.md) in a temporary
    directory and load it into ``out`` (replacing any previous warehouse), with the
    imported department ``batches`` (files under ``import_dir``) added. The generator
    never writes warehouse tables: the warehouse is what the loader makes of its files.
    ``keep`` keeps the delivery in that directory instead."""
    import tempfile

    from tqdm import tqdm

    from etl import registry

    started = time.monotonic()
    as_of = as_of or date.today()
    check_output(out)
    ref = refdata.load(ref_dir) if ref_dir else refdata.load()
    rules.load(rules_path or rules.RULES_FILE)  # a malformed rules file stops it first
    if as_of > date.today():
        raise BuildError(f"as-of date {as_of} is in the future")
    if as_of.year < 2021:
        raise BuildError(f"as-of date {as_of} is before 2021: the monitoring era must be covered")
    steps = len(Gen.STAGES) + 100
    bar = tqdm(
        total=steps,
        desc="build-data",
        unit="step",
        disable=not progress,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}] {postfix}",
    )

    def stage(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    def loading(name: str, fraction: float) -> None:
        bar.set_postfix_str(name)
        bar.update(max(0, len(Gen.STAGES) + int(fraction * 100) - bar.n))

    try:
        with tempfile.TemporaryDirectory(
            prefix="jz-generate-", dir=str(out.parent) if keep is None else None
        ) as tmp:
            directory = Path(keep) if keep is not None else Path(tmp)
            write_delivery(
                ref,
                Params(scale=scale, seed=seed, as_of=as_of),
                directory,
                "parquet",
                progress=stage,
            )
            loaded = registry.load(
                directory,
                out,
                progress=loading,
                batches=batches,
                import_dir=import_dir,
                rules_path=rules_path,
                ref_dir=ref_dir,
                keep_ids=False,
            )
    finally:
        bar.close()
    return BuildResult(out, time.monotonic() - started, loaded.row_counts)


def merge_batches(con: duckdb.DuckDBPyConnection, batches: list[dict], directory: Path) -> int:
    """Add imported department batches not yet in the warehouse to its department
    tables (the columns the table has); returns the rows added. A row replaces any row
    with the same key (config/departments.yaml: a corrected file sent again counts
    once); a table the warehouse lacks is created from the feed. The warehouse keeps
    which batches it holds, so a batch is never added twice."""
    from etl import feeds as F
    from etl import imports

    feeds = F.load()
    con.execute(
        "create table if not exists import_merged (batch_id integer, feed varchar, rows bigint)"
    )
    have = {r[0] for r in con.execute("select batch_id from import_merged").fetchall()}
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    added = 0
    for b in batches:
        if b["id"] in have:
            continue
        if b["feed"] not in feeds:
            raise BuildError(f"batch {b['id']}: feed {b['feed']!r} is no longer configured")
        feed = feeds[b["feed"]]
        path = imports.data_file(directory, b["id"])
        if not path.is_file():
            raise BuildError(f"batch {b['id']} ({b['feed']}): its file is missing: {path}")
        if feed.table not in tables:
            keep = [c.key for c in feed.columns if c.key not in ("name", "region_code")]
            con.execute(
                f"create table {feed.table} as select {', '.join(keep)} "
                "from read_parquet(?) limit 0",
                [str(path)],
            )
            tables.add(feed.table)
        cols = [r[0] for r in con.execute(f"describe {feed.table}").fetchall()]
        use = [c.key for c in feed.columns if c.key in cols]
        key = [k for k in feed.key if k in cols]
        con.execute(
            "create or replace temp table incoming as select "
            f"{', '.join(use)} from read_parquet(?)",
            [str(path)],
        )
        if key:
            match = " and ".join(f"t.{k} is not distinct from i.{k}" for k in key)
            con.execute(
                f"delete from {feed.table} as t where exists "
                f"(select 1 from incoming as i where {match})"
            )
        n = con.execute(
            f"insert into {feed.table} ({', '.join(use)}) select {', '.join(use)} from incoming"
        ).fetchone()[0]
        con.execute("insert into import_merged values (?, ?, ?)", [b["id"], b["feed"], n])
        added += n
    return added


@contextlib.contextmanager
def replacing(path: Path):
    """One copy-and-replace of the warehouse at a time, across processes (gunicorn's
    workers, the command line): the second waits, then works on the first's result."""
    import hashlib
    import tempfile

    # In the temporary directory, not beside the warehouse: nothing is left there.
    key = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    with exclusive(Path(tempfile.gettempdir()) / f"jingzhun-warehouse-{key}.lock"):
        yield


def refresh_imports(path: Path, batches: list[dict], directory: Path) -> tuple[int, float]:
    """See _refresh_imports; under the replace lock."""
    with replacing(path):
        return _refresh_imports(path, batches, directory)


def _refresh_imports(path: Path, batches: list[dict], directory: Path) -> tuple[int, float]:
    """The incremental refresh: new batches into a copy of the warehouse, the rules and
    the cross-checks evaluated again, and the copy put in place; the running app picks
    the new data version up without a restart. A failure leaves the warehouse as it was."""
    started = time.monotonic()
    rule_set = rules.load(rules.RULES_FILE)
    quality_checks = quality.load()

    def work(con) -> int:
        added = merge_batches(con, batches, directory)
        as_of = con.execute("select as_of from data_version").fetchone()[0]
        rules.evaluate(con, rule_set, as_of)
        crosschecks.evaluate(con, crosschecks.load(), as_of)
        quality.evaluate(con, quality_checks, as_of)  # Q18 reads department records
        return added

    added = _on_a_copy(path, work, f"+imports-{time.time_ns()}")
    return added, time.monotonic() - started


# The tables etl/sql/rollups.sql, views.sql and lists.sql make from the registry's tables.
DERIVED_TABLES = (
    "rollup_year",
    "rollup_month",
    "rollup_cause",
    "rollup_risk",
    "rollup_channel",
    "indicator_year",
    "indicator_month",
    "household_list",
    "household_below_line",
)


def derive(con, as_of: date) -> None:
    """The rollups, views and lists from the registry's tables, made again."""
    from etl.layout import FIRST_YEAR

    for name in DERIVED_TABLES:
        con.execute(f"drop table if exists {name}")
    con.execute("set variable first_year = ?", [FIRST_YEAR])
    con.execute("set variable last_year = ?", [as_of.year])
    con.execute("set variable as_of = ?", [as_of])
    for name in ("rollups.sql", "views.sql", "lists.sql"):
        _run_sql(con, name)


def refresh_cases(
    path: Path, cases: list[dict], changes: list[dict] | None = None
) -> tuple[int, float]:
    """See _refresh_cases; under the replace lock."""
    with replacing(path):
        return _refresh_cases(path, cases, changes or [])


def _refresh_cases(path: Path, cases: list[dict], changes: list[dict]) -> tuple[int, float]:
    """The platform's monitoring cases merged over the registry's records on a copy of
    the warehouse (etl/cases.py) and the approved change requests applied over the
    registry (etl/changes.py), the rollups made again and the rules, cross-checks and
    quality checks evaluated, and the copy put in place: the households merged and the
    seconds it took. The as-of day moves on to the newest day the platform recorded
    (etl/cases.py ``as_of_after``). A failure leaves the warehouse as it was."""
    from etl import cases as platform
    from etl import changes as requests

    started = time.monotonic()
    rule_set, quality_checks = rules.load(rules.RULES_FILE), quality.load()

    def work(con) -> int:
        merged = platform.merge(con, cases)
        as_of = con.execute("select as_of from data_version").fetchone()[0]
        as_of = platform.as_of_after(con, cases, as_of, date.today())
        con.execute("update data_version set as_of = ?", [as_of])
        requests.merge(con, changes, as_of)
        derive(con, as_of)
        rules.evaluate(con, rule_set, as_of)
        crosschecks.evaluate(con, crosschecks.load(), as_of)
        quality.evaluate(con, quality_checks, as_of)
        return merged

    merged = _on_a_copy(path, work, f"+cases-{time.time_ns()}")
    return merged, time.monotonic() - started


def evaluate_rules(path: Path, rules_path: Path | None = None) -> tuple[dict[str, int], float]:
    """See _evaluate_rules; under the replace lock."""
    with replacing(path):
        return _evaluate_rules(path, rules_path)


def _evaluate_rules(path: Path, rules_path: Path | None = None) -> tuple[dict[str, int], float]:
    """Re-evaluate the rules (and the cross-checks that share their evidence) over an
    existing warehouse, atomically: a malformed rules file or a failure leaves the
    warehouse, and the rules in force, as they were."""
    started = time.monotonic()
    rule_set = rules.load(rules_path or rules.RULES_FILE)

    def work(con) -> dict[str, int]:
        as_of = con.execute("select as_of from data_version").fetchone()[0]
        counts = rules.evaluate(con, rule_set, as_of)
        crosschecks.evaluate(con, crosschecks.load(), as_of)
        return counts

    counts = _on_a_copy(path, work, f"+rules{rule_set.version}-{time.time_ns()}")
    return counts, time.monotonic() - started


def _on_a_copy(path: Path, work, version_tag: str):
    """``work(con)`` on a copy of the warehouse, which then replaces it with a new data
    version (the app's cached answers are keyed by it, so none outlives the data)."""
    if not path.is_file():
        raise BuildError(f"no warehouse at {path}: build it first")
    check_output(path)
    tmp = _temp_path(path)
    _remove(tmp)
    con = None
    try:
        shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        _tune(con)
        result = work(con)
        con.execute(
            "update data_version set version = split_part(version, '+', 1) || ?", [version_tag]
        )
        con.execute("checkpoint")
        con.close()
        con = None
        os.replace(tmp, path)
    except BaseException:
        if con is not None:
            con.close()
        _remove(tmp)
        raise
    return result
