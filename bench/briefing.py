"""Exports at scale 1.0: a chart as a PNG (warm), the province briefing PDF, and the
dashboard's answers while two briefings render in the background.

    .venv/bin/python bench/briefing.py [--warehouse data/warehouse.duckdb] [--charts 40]
                                       [--briefings 6] [--requests 40]

Starts gunicorn (2 workers × 4 threads, as `make run`) with a fresh operational store,
logs in as the province leader and measures, end to end on loopback:

* chart PNGs: /export/chart/<name>.png over five chart types and a province, a city and
  a county, after each worker has rendered once (warm); the first, cold request apart;
* the province briefing, asked for from /briefings (the Dash callback) and followed in
  the store until its file is written, one at a time; and `manage.py briefing` as a
  whole command (a new process: Python, the queries, chromium started cold);
* the overview page's request while idle and while two briefings render at once.

Machines here are shared and noisy: the report gives medians and 95th percentiles, and
the busy/idle ratio. Results go to bench/results/briefing.json.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.build import percentile  # noqa: E402
from bench.drill import login, page_request, start, timed  # noqa: E402

CHARTS = ("overview-monitoring", "region-trend", "region-causes", "mon-matrix", "mon-trend")
UNITS = ("610000000000", "610900000000", "610924000000")
PROVINCE = "610000000000"


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median": round(statistics.median(values), 1),
        "p95": round(percentile(values, 95), 1),
        "max": round(max(values), 1),
    }


def brief_request(s, base, code, period):
    body = {
        "output": "brief-feedback.children",
        "outputs": {"id": "brief-feedback", "property": "children"},
        "inputs": [{"id": "brief-generate", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "brief-region", "property": "value", "value": code},
            {"id": "brief-period", "property": "value", "value": period},
        ],
        "changedPropIds": ["brief-generate.n_clicks"],
    }
    r = s.post(base + "/_dash-update-component", json=body)
    if r.status_code != 200 or '"color":"blue"' not in r.text:
        raise SystemExit(f"briefing not started: {r.status_code} {r.text[:300]}")


def newest_jobs(ops: Path, n: int) -> list[tuple]:
    with sqlite3.connect(ops) as con:
        return con.execute(
            "select id, status, message from export_jobs order by created_at desc limit ?", (n,)
        ).fetchall()


def wait_jobs(ops: Path, before: int, n: int, timeout: float = 180) -> list[tuple]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with sqlite3.connect(ops) as con:
            total = con.execute("select count(*) from export_jobs").fetchone()[0]
        if total >= before + n:
            jobs = newest_jobs(ops, n)
            if all(j[1] in ("done", "failed") for j in jobs):
                failed = [j for j in jobs if j[1] == "failed"]
                if failed:
                    raise SystemExit(f"briefing failed: {failed[0][2]}")
                return jobs
        time.sleep(0.05)
    raise SystemExit("briefings did not finish")


def count_jobs(ops: Path) -> int:
    with sqlite3.connect(ops) as con:
        return con.execute("select count(*) from export_jobs").fetchone()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    ap.add_argument("--charts", type=int, default=40)
    ap.add_argument("--briefings", type=int, default=6)
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jz-bench-brief-"))
    ops = tmp / "ops.sqlite3"
    import os

    os.environ["JZ_EXPORT_DIR"] = str(tmp / "exports")
    proc, base = start(Path(args.warehouse), args.workers, tmp)
    out: dict = {"warehouse": args.warehouse, "workers": args.workers}
    try:
        s = login(base)
        period = time.strftime("%Y-%m")  # replaced by the data's last month below
        period = _last_month(s, base) or period
        out["period"] = period
        # Chart PNGs: cold first, then each worker warm, then measured.
        cold, _ = timed(s.get, f"{base}/export/chart/mon-trend.png?region={PROVINCE}")
        for _ in range(4 * args.workers):
            timed(s.get, f"{base}/export/chart/mon-trend.png?region={PROVINCE}")
        times = []
        for i in range(args.charts):
            name, unit = CHARTS[i % len(CHARTS)], UNITS[(i // len(CHARTS)) % len(UNITS)]
            ms, r = timed(s.get, f"{base}/export/chart/{name}.png?region={unit}")
            assert r.headers["Content-Type"] == "image/png" and len(r.content) > 10_000
            times.append(ms)
        out["chart_png_cold_ms"] = round(cold, 1)
        out["chart_png_warm_ms"] = summary(times)
        print("chart PNG: cold", round(cold), "ms; warm", out["chart_png_warm_ms"], flush=True)

        # The province briefing through the app, one at a time.
        page_request(s, base, "/briefings")
        brief = []
        for _ in range(args.briefings):
            before = count_jobs(ops)
            t = time.perf_counter()
            brief_request(s, base, PROVINCE, period)
            wait_jobs(ops, before, 1)
            brief.append((time.perf_counter() - t) * 1000)
        out["province_briefing_first_ms"] = round(brief[0], 1)
        out["province_briefing_ms"] = summary(brief[1:] or brief)
        print(
            "province briefing: first",
            round(brief[0]),
            "ms; then",
            out["province_briefing_ms"],
            flush=True,
        )

        # The dashboard idle, then while two briefings render.
        idle = [timed(page_request, s, base, "/", "")[0] for _ in range(args.requests)]
        busy, rounds = [], 0
        while len(busy) < args.requests and rounds < 10:
            before = count_jobs(ops)
            brief_request(s, base, PROVINCE, period)
            brief_request(login(base), base, "610900000000", period)
            while (
                len(newest_jobs(ops, 2))
                and any(j[1] in ("queued", "running") for j in newest_jobs(ops, 2))
                and len(busy) < args.requests
            ):
                busy.append(timed(page_request, s, base, "/", "")[0])
            wait_jobs(ops, before, 2)
            rounds += 1
        out["overview_idle_ms"] = summary(idle)
        out["overview_during_two_briefings_ms"] = summary(busy)
        out["busy_idle_ratio_median"] = round(statistics.median(busy) / statistics.median(idle), 2)
        print(
            "overview idle",
            out["overview_idle_ms"],
            "during two briefings",
            out["overview_during_two_briefings_ms"],
            flush=True,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    # The command line, as a scheduled run would call it.
    cli = []
    env = {
        **os.environ,
        "JZ_WAREHOUSE": args.warehouse,
        "JZ_OPS_DB": f"sqlite:///{ops}",
        "JZ_CACHE_DIR": str(tmp / "cache"),
        "JZ_SECRET_KEY": "bench",
    }
    for i in range(3):
        t = time.perf_counter()
        subprocess.run(
            [
                str(ROOT / ".venv/bin/python"),
                "manage.py",
                "briefing",
                "--region",
                PROVINCE,
                "--period",
                period,
                "--out",
                str(tmp / f"cli-{i}.pdf"),
                "--as",
                "province_leader",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        cli.append((time.perf_counter() - t) * 1000)
    out["cli_province_briefing_ms"] = summary(cli)
    print("manage.py briefing (whole command)", out["cli_province_briefing_ms"], flush=True)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "briefing.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


def _last_month(s, base) -> str | None:
    import re

    r = page_request(s, base, "/briefings")
    m = re.search(r'"brief-period".{0,400}?"value":\s*"(\d{4}-\d{2})"', r.text)
    if m:
        return m.group(1)
    found = re.findall(r'"value":\s*"(\d{4}-\d{2})"', r.text)
    return max(found) if found else None


if __name__ == "__main__":
    main()
