"""The warehouse refresh that merges the platform's monitoring cases, at scale 1.0.

    .venv/bin/python bench/cases.py [--warehouse data/warehouse.duckdb] [--cases 10000]
                                    [--runs 3]

A fresh operational store holds ``--cases`` cases (ops/cases.py rows): a third on
households the registry has warned (their records are replaced), two thirds on
households without a record (new records); of them 45 % included by the county, 15 %
included and their risk eliminated (through assistance), 15 % not included, the rest at
an earlier step; each included case has one or two measures carried out
(``case_measures``). Each run copies the warehouse and times
``services.cases.refresh``: the store read, the merge over the monitoring records
(etl/cases.py), the rollups, views and lists made again, the rules, cross-checks and
quality checks, and the copy put in place. Medians and 95th percentiles over the runs;
results in bench/results/cases.json. The target: under 60 s for 10,000 cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.build import percentile  # noqa: E402

DAYS = (
    "check_date",
    "consent_date",
    "comparison_date",
    "village_review_date",
    "notice_date",
    "notice_end_date",
    "township_review_date",
    "county_decision_date",
)
OFFSETS = (1, 2, 3, 5, 6, 11, 13, 14)  # days after the warning


def households(wh: Path, n: int) -> tuple[list[tuple], dt.date]:
    """(household_no, household_id, village_code, monitoring_id) of n households (a
    third warned) and the warehouse's as-of day."""
    con = duckdb.connect(str(wh), read_only=True)
    warned = con.execute(
        "select h.household_no, h.village_code, m.monitoring_id from household h "
        "join monitoring m using (household_id) where m.state = 1 order by h.household_id "
        "limit ?",
        [n // 3],
    ).fetchall()
    fresh = con.execute(
        "select h.household_no, h.village_code, null from household h "
        "left join monitoring m using (household_id) where m.household_id is null "
        "order by hash(h.household_id) limit ?",
        [n - len(warned)],
    ).fetchall()
    ids = dict(con.execute("select household_no, household_id from household").fetchall())
    as_of = con.execute("select as_of from data_version").fetchone()[0]
    con.close()
    return [(no, ids[no], v, m) for no, v, m in warned + fresh], as_of


def rows(homes: list[tuple], as_of: dt.date) -> list[dict]:
    rng = np.random.default_rng(7)
    now = dt.datetime.now(dt.UTC)
    out = []
    for no, hid, village, monitoring_id in homes:
        warned = as_of - dt.timedelta(days=int(rng.integers(20, 200)))
        fate = rng.random()
        state = "included" if fate < 0.45 else "eliminated" if fate < 0.6 else "compared"
        state = "not_included" if 0.6 <= fate < 0.75 else state
        steps = len(DAYS) if state != "compared" else 3
        decided = warned + dt.timedelta(days=OFFSETS[len(DAYS) - 1])
        gone = state == "eliminated"
        row = {
            "household_id": hid,
            "household_no": no,
            "village_code": village,
            "monitoring_id": monitoring_id,
            "channel": int(rng.integers(1, 6)),
            "source_ref": "",
            "state": state,
            "warned_on": warned,
            "due_on": warned + dt.timedelta(days=15),
            "last_on": warned + dt.timedelta(days=OFFSETS[steps - 1]),
            # Every row names every column (an executemany takes the first row's keys).
            **dict.fromkeys(DAYS),
            **{d: warned + dt.timedelta(days=o) for d, o in zip(DAYS[:steps], OFFSETS)},
            "monitor_type": int(rng.integers(1, 4)) if state in MONITORED else None,
            "risks": ",".join(map(str, rng.choice(13, 2, replace=False) + 1))
            if state in MONITORED
            else "",
            "eliminate_date": min(decided + dt.timedelta(days=190), as_of) if gone else None,
            "elim_method": 1 if gone else None,
            "override_note": "",
            "exclude_reason": 1 if state == "not_included" else None,
            "decision_note": "",
            "open_household": hid if state in ("compared", "included") else None,
            "opened_by": "bench",
            "created_at": now,
            "updated_at": now,
            "version": steps + 1,
        }
        out.append(row)
    return out


MONITORED = ("included", "eliminated")


def measures(conn) -> int:
    """One or two measures carried out on each included case, after its decision."""
    from ops.schema import case_measures

    rng = np.random.default_rng(11)
    ids = conn.execute(
        sa.text(
            "select id, household_no, village_code, state, county_decision_date "
            "from monitoring_cases"
        )
    ).all()
    out = []
    for cid, no, village, state, decided in ids:
        if state not in MONITORED:
            continue
        day = dt.date.fromisoformat(str(decided)) + dt.timedelta(days=int(rng.integers(3, 30)))
        for category in rng.choice([1, 2, 4, 7, 10], int(rng.integers(1, 3)), replace=False):
            out.append(
                {
                    "case_id": cid,
                    "household_no": no,
                    "village_code": village,
                    "category": int(category),
                    "department": "agri",
                    "responsible": "",
                    "amount": float(rng.integers(500, 5000)),
                    "planned_on": day,
                    "done_on": day,
                    "note": "",
                    "created_by": "bench",
                    "created_at": dt.datetime.now(dt.UTC),
                }
            )
    conn.execute(case_measures.insert(), out)
    return len(out)


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median": round(statistics.median(values), 2),
        "p95": round(percentile(values, 95), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from ops import db, migrations
    from ops.schema import monitoring_cases
    from services import cases

    wh = Path(args.warehouse)
    homes, as_of = households(wh, args.cases)
    tmp = Path(tempfile.mkdtemp(prefix="jz-bench-cases-"))
    engine = db.engine(f"sqlite:///{tmp / 'ops.sqlite3'}")
    migrations.migrate(engine)
    with engine.begin() as conn:
        conn.execute(monitoring_cases.insert(), rows(homes, as_of))
        done = measures(conn)
    times, merged = [], 0
    for _ in range(args.runs):
        copy = tmp / "w.duckdb"
        shutil.copyfile(wh, copy)
        t = time.perf_counter()
        merged, _ = cases.refresh(engine, SimpleNamespace(warehouse=copy))
        times.append(time.perf_counter() - t)
        print(f"refresh: {times[-1]:.1f} s, {merged:,} households merged", flush=True)
    con = duckdb.connect(str(tmp / "w.duckdb"), read_only=True)
    states = dict(
        con.execute(
            "select state, count(*) from monitoring where household_id in "
            "(select household_id from platform_cases) group by 1 order by 1"
        ).fetchall()
    )
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    out = {
        "cases": args.cases,
        "measures": done,
        "merged": merged,
        "states": states,
        "refresh_s": summary(times),
    }
    print(json.dumps(out, ensure_ascii=False))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "cases.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
