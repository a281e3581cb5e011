"""Department imports and cross-checks at scale 1.0.

    .venv/bin/python bench/imports.py [--warehouse data/warehouse.duckdb] [--rows 1000000]
                                      [--runs 3]

* import: a CSV of `--rows` vehicle registrations (ID numbers of registered people, 1 %
  with a broken check digit, 0.5 % unknown division codes, 0.5 % duplicates), read,
  checked row by row, written as a batch with its error report and recorded in a fresh
  operational store: the whole of `services.imports.load`, as `manage.py import` runs it.
  Once as UTF-8 and once as GBK.
* checks: every cross-check (config/crosschecks.yaml) over the registry, on a copy of the
  warehouse (`etl.crosschecks.evaluate`).

Medians and 95th percentiles over the runs; results in bench/results/imports.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402

from bench.build import percentile  # noqa: E402


def make_file(wh: Path, rows: int, encoding: str) -> bytes:
    con = duckdb.connect(str(wh), read_only=True)
    ids = (
        con.execute("select id_number from person order by person_id limit ?", [rows])
        .fetchnumpy()["id_number"]
        .astype(str)
    )
    con.close()
    rng = np.random.default_rng(7)
    ids = ids[rng.integers(0, len(ids), rows)]
    broken = rng.random(rows) < 0.01
    ids = np.where(broken, np.char.add(np.char.ljust(ids.astype("U17"), 17), "Z"), ids)
    region = np.where(rng.random(rows) < 0.005, "619999999999", "610924000000")
    plates = np.char.add("陕G", np.char.zfill(np.arange(rows).astype(str), 6))
    dup = rng.random(rows) < 0.005
    plates[dup] = plates[0]
    ids[dup] = ids[0]
    lines = ["身份证号,姓名,号牌号码,车辆类型,登记日期,登记地区划代码"]
    lines += [f"{i},某某,{p},1,2025-06-01,{r}" for i, p, r in zip(ids, plates, region)]
    return "\n".join(lines).encode(encoding)


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median": round(statistics.median(values), 2),
        "p95": round(percentile(values, 95), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from etl import crosschecks, feeds
    from etl.refdata import region_levels
    from ops import db, migrations
    from services import imports

    wh = Path(args.warehouse)
    regions = set(region_levels())
    police = feeds.of_department(feeds.load(), "police")
    out: dict = {"rows": args.rows}
    for encoding in ("utf-8", "gbk"):
        data = make_file(wh, args.rows, encoding)
        times, result = [], None
        for run in range(args.runs):
            tmp = Path(tempfile.mkdtemp(prefix="jz-bench-imp-"))
            engine = db.engine(f"sqlite:///{tmp / 'ops.sqlite3'}")
            migrations.migrate(engine)
            t = time.perf_counter()
            batch = imports.load(
                engine, tmp / "imports", police, f"v-{run}.csv", data, "bench", regions
            )
            times.append(time.perf_counter() - t)
            result = (batch.total, batch.accepted, batch.rejected)
            shutil.rmtree(tmp, ignore_errors=True)
        out[f"import_{encoding}_s"] = summary(times)
        out[f"import_{encoding}_rows"] = result
        out[f"import_{encoding}_mb"] = round(len(data) / 2**20, 1)
        print(
            f"import {args.rows:,} rows ({encoding}, {len(data) / 2**20:.0f} MB):",
            out[f"import_{encoding}_s"],
            "total/accepted/rejected",
            result,
            flush=True,
        )
    tmp = Path(tempfile.mkdtemp(prefix="jz-bench-cc-"))
    copy = tmp / "w.duckdb"
    shutil.copyfile(wh, copy)
    con = duckdb.connect(str(copy))
    as_of = con.execute("select as_of from data_version").fetchone()[0]
    checks = crosschecks.load()
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        counts = crosschecks.evaluate(con, checks, as_of)
        times.append(time.perf_counter() - t)
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    out["checks_s"] = summary(times)
    out["checks_cases"] = counts
    print(
        "all checks over the registry:", out["checks_s"], sum(counts.values()), "cases", flush=True
    )
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "imports.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
