"""A cadre's household list on the phone (/m/, services/field.py ``households``) at scale
1.0: the unit's households from the warehouse, their latest visits and open cases from
the store, what is due on each, sorted.

    .venv/bin/python bench/field.py [--warehouse data/warehouse.duckdb] [--runs 20]
                                    [--visits 200000]

A fresh SQLite store holds ``--visits`` visits spread over the province's households
(the visits of a few months of field work). Timed for the five largest townships and
five of their villages, as a township's and a village's cadre: cold (no query cache)
and warm (the query cache of a running app). Medians and 95th percentiles over the
runs; results in bench/results/field.json. The target: a township's list under 300 ms
warm, a village's under 100 ms. And, as a township account linked to its registry cadre
("my households": the cadre with the most current households in each of the five
townships), the same list filtered to that cadre's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


def units(wh: Path) -> tuple[list[str], list[str]]:
    con = duckdb.connect(str(wh), read_only=True)
    townships = [
        r[0]
        for r in con.execute(
            "select township_code from household where is_registered group by 1 "
            "order by count(*) desc limit 5"
        ).fetchall()
    ]
    villages = [
        r[0]
        for r in con.execute(
            "select village_code from household where is_registered and "
            "township_code in (select unnest(?)) group by 1 order by count(*) desc limit 5",
            [townships],
        ).fetchall()
    ]
    con.close()
    return townships, villages


def cadres(wh: Path, townships: list[str]) -> list[tuple[str, int]]:
    """The cadre with the most current households in each township: (township, cadre)."""
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute(
        "select township_code, arg_max(cadre_id, n) from (select h.township_code, p.cadre_id, "
        "count(*) as n from pairing p join household h using (household_id) "
        "where p.end_date is null and h.township_code in (select unnest(?)) group by 1, 2) "
        "group by 1 order by 1",
        [townships],
    ).fetchall()
    con.close()
    return [(t, int(c)) for t, c in rows]


def seed_visits(engine, wh: Path, n: int) -> None:
    from ops.schema import visits

    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute(
        "select household_id, household_no, village_code from household where is_registered "
        f"using sample reservoir({int(n)} rows) repeatable (7)"
    ).fetchall()
    con.close()
    rng = np.random.default_rng(7)
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC)
    batch = [
        {
            "household_id": hid,
            "household_no": no,
            "region_code": village,
            "visited_on": today - dt.timedelta(days=int(rng.integers(0, 120))),
            "kind": 1,
            "notes": "入户走访",
            "created_by": "bench",
            "created_at": now,
        }
        for hid, no, village in rows
    ]
    with engine.begin() as conn:
        conn.execute(visits.insert(), batch)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", type=Path, default=ROOT / "data" / "warehouse.duckdb")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--visits", type=int, default=200_000)
    args = ap.parse_args()

    from access import Scope
    from config import load
    from ops import db, migrations
    from queries.runner import Warehouse
    from services import field

    settings = load({})
    tmp = Path(tempfile.mkdtemp(prefix="jz-bench-field-"))
    engine = db.engine(f"sqlite:///{tmp / 'ops.sqlite3'}")
    migrations.migrate(engine)
    seed_visits(engine, args.warehouse, args.visits)
    townships, villages = units(args.warehouse)
    linked = cadres(args.warehouse, townships)
    out = {}
    cases = (
        ("township", [(c, None) for c in townships]),
        ("village", [(c, None) for c in villages]),
        ("cadre", linked),  # a township account linked to its cadre: "my households"
    )
    for label, codes in cases:
        for mode in ("cold", "warm"):
            cache = None if mode == "cold" else tmp / "cache"
            wh = Warehouse(args.warehouse, cache_dir=cache, reload_seconds=3600)
            times, sizes = [], []
            for run in range(args.runs):
                code, cadre = codes[run % len(codes)]
                scope = Scope("bench", "cadre", code)
                if mode == "warm" and run < len(codes):
                    field.households(wh, engine, scope, settings, cadre_id=cadre)  # the cache
                start = time.perf_counter()
                items = field.households(wh, engine, scope, settings, cadre_id=cadre)
                times.append(time.perf_counter() - start)
                sizes.append(len(items))
            out[f"{label}_{mode}"] = {
                "median_ms": round(statistics.median(times) * 1000, 1),
                "p95_ms": round(percentile(times, 95) * 1000, 1),
                "households_median": int(statistics.median(sizes)),
            }
            print(label, mode, out[f"{label}_{mode}"], flush=True)
    out["visits"] = args.visits
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "field.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
