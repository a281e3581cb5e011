"""Benchmark the drill-down against the running app, replaying real Dash requests.

    python bench/drill.py [--warehouse data/warehouse.duckdb] [--workers 2]

Starts gunicorn on the warehouse (scale 1.0 by default) with a fresh operational store
and an empty query cache, logs in as the province leader, and replays over HTTP the
requests the browser sends:

- a drill: the map-click callback, then the page callback that renders the new unit
  (map, cards, charts, ranked table), for units at every level, each visited once
  (a cold query cache) and then again (warm);
- the household list: 100-row blocks at province scope, at many offsets and sorts;
- the size of the map data each level sends.

A new worker's first requests (loading code, opening the warehouse) are made on units
outside the sample and reported on their own line.

Times are measured on loopback, so they are server time plus well under a millisecond.
Machines here are shared and noisy: the report gives medians and 95th percentiles.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.build import percentile  # noqa: E402

PAGES_OUTPUT = ".._pages_content.children..._pages_store.data.."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(warehouse: Path, workers: int, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "JZ_WAREHOUSE": str(warehouse),
        "JZ_OPS_DB": f"sqlite:///{tmp / 'ops.sqlite3'}",
        "JZ_CACHE_DIR": str(tmp / "cache"),
        "JZ_PORT": str(port),
        "JZ_WORKERS": str(workers),
        "JZ_SECRET_KEY": "bench",
    }
    for step in ("migrate", "demo-accounts"):  # the app does neither (`make prepare`)
        subprocess.run(
            [sys.executable, "manage.py", step],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "app:server",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "server.log", "w"),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start")


def login(base: str) -> requests.Session:
    s = requests.Session()
    html = s.get(base + "/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = s.post(
        base + "/login",
        data={
            "csrf_token": token,
            "username": "province_leader",
            "password": "demo-leader-2026",
            "next": "/",
        },
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:200]
    return s


def timed(fn, *args) -> tuple[float, requests.Response]:
    t = time.perf_counter()
    r = fn(*args)
    ms = (time.perf_counter() - t) * 1000
    if r.status_code not in (200, 204):
        raise SystemExit(f"{r.status_code}: {r.text[:300]}")
    return ms, r


def page_request(s, base, path, search=""):
    body = {
        "output": PAGES_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    return s.post(base + "/_dash-update-component", json=body)


def click_output(s, base) -> str:
    """The map-click callback's output as the browser names it (with Dash's suffix for a
    duplicated output)."""
    deps = s.get(base + "/_dash-dependencies").json()
    return next(d["output"] for d in deps if d["inputs"][0]["id"] == "region-map-geojson")


def click_request(s, base, output, code, href):
    body = {
        "output": output,
        "outputs": {"id": "shell-url", "property": output.split(".", 1)[1]},
        "inputs": [
            {
                "id": "region-map-geojson",
                "property": "clickData",
                "value": {"type": "Feature", "properties": {"code": code, "href": href}},
            }
        ],
        "changedPropIds": ["region-map-geojson.clickData"],
        "state": [],
    }
    return s.post(base + "/_dash-update-component", json=body)


def rows_request(s, base, start, sort):
    body = {
        "output": "..hh-grid.getRowsResponse...hh-count.children...hh-export-csv.href"
        "...hh-export-xlsx.href...hh-export-over.data..",
        "outputs": [
            {"id": i, "property": p}
            for i, p in (
                ("hh-grid", "getRowsResponse"),
                ("hh-count", "children"),
                ("hh-export-csv", "href"),
                ("hh-export-xlsx", "href"),
                ("hh-export-over", "data"),
            )
        ],
        "inputs": [
            {
                "id": "hh-grid",
                "property": "getRowsRequest",
                "value": {
                    "startRow": start,
                    "endRow": start + 100,
                    "sortModel": sort,
                    "filterModel": {},
                },
            }
        ],
        "state": [
            {
                "id": "hh-state",
                "property": "data",
                "value": {
                    "code": "610000000000",
                    "preset": "all",
                    "year": 2026,
                    "month": "2026-10",
                },
            }
        ],
        "changedPropIds": ["hh-grid.getRowsRequest"],
    }
    return s.post(base + "/_dash-update-component", json=body)


def geojson_bytes(resp: requests.Response) -> int:
    """Size of the map's feature data in a page response."""
    data = resp.json()
    found = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("id") == "region-map-geojson":
                found.append(props["data"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    return len(json.dumps(found[0], separators=(",", ":"), ensure_ascii=False).encode())


def units(warehouse: Path, per_level: int, seed: int = 1) -> dict[int, list[str]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    rng = random.Random(seed)
    out = {}
    for level in (1, 2, 3, 4, 5):
        codes = [
            r[0]
            for r in con.execute(
                "select code from region where level = ? order by code", [level]
            ).fetchall()
        ]
        out[level] = rng.sample(codes, min(per_level, len(codes)))
    con.close()
    return out


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
        f"max {max(values):.1f} ms (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-level", type=int, default=20)
    args = parser.parse_args()
    warehouse = Path(args.warehouse)
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start(warehouse, args.workers, Path(tmp))
        try:
            s = login(base)
            output = click_output(s, base)
            sample = units(warehouse, args.per_level)
            query = "?indicator=hh_monitored_per_1000&year=2026&month=2026-10"
            results: dict[str, list[float]] = {}
            sizes: dict[int, list[int]] = {}
            # A new worker pays once for loading code and opening the warehouse: those
            # first requests (units outside the sample) are reported on their own.
            taken = {c for codes in sample.values() for c in codes}
            spare = [c for c in units(warehouse, 40, seed=11)[4] if c not in taken]
            for code in spare[: 4 * args.workers]:
                ms, _ = timed(page_request, s, base, f"/region/{code}", query)
                results.setdefault("a new worker's first requests", []).append(ms)
            for rnd in ("cold", "warm"):
                for level, codes in sample.items():
                    for code in codes:
                        href = f"/region/{code}{query}"
                        t_click, _ = timed(click_request, s, base, output, code, href)
                        t_page, resp = timed(page_request, s, base, f"/region/{code}", query)
                        results.setdefault(f"drill {rnd}", []).append(t_click + t_page)
                        results.setdefault(f"drill {rnd} level {level}", []).append(
                            t_click + t_page
                        )
                        if rnd == "cold":
                            sizes.setdefault(level, []).append(geojson_bytes(resp))
            rng = random.Random(7)
            sorts = [
                [],
                [{"colId": "per_capita_income", "sort": "desc"}],
                [{"colId": "members", "sort": "asc"}],
                [{"colId": "head_name", "sort": "asc"}],
            ]
            for i in range(120):
                row = 0 if i < 10 else rng.randrange(0, 1_020_000 // 100) * 100
                ms, _ = timed(rows_request, s, base, row, sorts[i % len(sorts)])
                if i >= 4:  # the first block of each sort fills the count cache
                    results.setdefault("household list, 100 rows, province", []).append(ms)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    report = {
        k: {"median": statistics.median(v), "p95": percentile(v, 95), "max": max(v), "n": len(v)}
        for k, v in results.items()
    }
    report["map_bytes_max_by_level"] = {str(k): max(v) for k, v in sizes.items()}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "drill.json").write_text(json.dumps(report, indent=2))
    for k, v in results.items():
        print(f"{k}: {summary(v)}")
    for level, v in sizes.items():
        print(f"map data, level {level} unit's children: max {max(v) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
