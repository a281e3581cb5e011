"""Benchmark the risk heatmaps and the warning queue against the running app.

    python bench/monitoring.py [--warehouse data/warehouse.duckdb]

Replays the page request of /monitoring/<code> for units at every level (first visit
with an empty query cache, then again), a click on a cell of the risk matrix, and the
warning queue of each unit. Medians and 95th percentiles, loopback time.

A freshly started worker pays once for loading code and opening the warehouse; those
first requests (on units outside the sample) are reported on their own line, not mixed
into the first-visit figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from access import level_of  # noqa: E402
from bench.build import percentile  # noqa: E402
from bench.drill import login, page_request, start, timed, units  # noqa: E402


def cell_request(s, base, code, risk):
    # What the browser sends: the clicked position, and the page's keys for the matrix.
    body = {
        "output": "mon-cell.children",
        "outputs": {"id": "mon-cell", "property": "children"},
        "inputs": [
            {
                "id": "mon-matrix",
                "property": "clickData",
                "value": {"points": [{"curveNumber": 0, "x": 0, "y": 0}]},
            }
        ],
        "state": [
            {
                "id": "mon-matrix-keys",
                "property": "data",
                "value": {"codes": [code], "risks": [risk]},
            }
        ],
        "changedPropIds": ["mon-matrix.clickData"],
    }
    return s.post(base + "/_dash-update-component", json=body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    parser.add_argument("--per-level", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    warehouse = Path(args.warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    cells = con.execute("""select r.region_code, r.risk_type from rollup_risk as r
                           join region as g on g.code = r.region_code
                           where g.level = 3 and r.hh_unresolved > 0
                           order by r.region_code, r.risk_type limit 40""").fetchall()
    con.close()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start(warehouse, args.workers, Path(tmp))
        try:
            s = login(base)
            sample = units(warehouse, args.per_level, seed=3)
            codes = [c for level in (1, 2, 3, 4) for c in sample[level]]
            spare = [c for c in units(warehouse, 40, seed=11)[4] if c not in codes]
            for code in spare[: 4 * args.workers]:  # each worker's first requests
                ms, _ = timed(page_request, s, base, f"/monitoring/{code}", "")
                results.setdefault("a new worker's first requests", []).append(ms)
            for rnd in ("first visit", "second visit"):
                for code in codes:
                    ms, _ = timed(page_request, s, base, f"/monitoring/{code}", "")
                    results.setdefault(f"heatmaps, {rnd}", []).append(ms)
                    results.setdefault(f"heatmaps, {rnd}, level {level_of(code)}", []).append(ms)
            for code, risk in cells:
                ms, _ = timed(cell_request, s, base, code, int(risk))
                results.setdefault("matrix cell click", []).append(ms)
            for code in codes:
                ms, _ = timed(page_request, s, base, "/warnings", f"?unit={code}")
                results.setdefault("warning queue", []).append(ms)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    report = {
        k: {
            "median": round(statistics.median(v), 1),
            "p95": round(percentile(v, 95), 1),
            "max": round(max(v), 1),
            "n": len(v),
        }
        for k, v in results.items()
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "monitoring.json").write_text(json.dumps(report, indent=2))
    for k, v in report.items():
        print(f"{k}: median {v['median']} ms, p95 {v['p95']} ms, max {v['max']} ms (n={v['n']})")


if __name__ == "__main__":
    main()
