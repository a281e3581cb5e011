"""Benchmark instructions against the running app, through the JSON API.

    python bench/tasks.py [--writers 50] [--seconds 30]

1. Load: ``--writers`` threads for ``--seconds`` seconds, each creating instructions as
   a city leader and acknowledging and commenting on them as the county (API tokens),
   against gunicorn (2 workers × 4 threads) and the default SQLite store. Afterwards
   every accepted write must be in the store, with exactly its events.
2. Latency on a quiet server: creating an instruction, and listing the whole province's
   instructions (all of those made under load): the API's first page of 500, and all of
   them in one answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.build import percentile  # noqa: E402
from bench.drill import start  # noqa: E402

API = "/api/v1"
DEADLINE = "2099-12-31"


def tokens_for(url: str) -> dict[str, str]:
    """API tokens for the three accounts the benchmark acts as (demo accounts)."""
    from etl.refdata import region_levels
    from ops import db, demo, migrations, tokens

    engine = db.engine(url)
    migrations.migrate(engine)
    demo.ensure(engine, region_levels())
    return {
        name: tokens.create(engine, name, "bench")[1]
        for name in ("ankang_leader", "ziyang_manager", "province_leader")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'ops.sqlite3'}"
        toks = tokens_for(url)
        proc, base = start(Path(args.warehouse), 2, Path(tmp))
        try:
            report = run(base, toks, args.writers, args.seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        report["verified"] = verify(url, report.pop("accepted"))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "tasks.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


def run(base: str, toks: dict[str, str], writers: int, seconds: float) -> dict:
    leader = {"Authorization": f"Bearer {toks['ankang_leader']}"}
    county = {"Authorization": f"Bearer {toks['ziyang_manager']}"}
    province = {"Authorization": f"Bearer {toks['province_leader']}"}
    accepted: list[tuple[str, int]] = []
    create_ms: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def writer(n: int) -> None:
        s = requests.Session()
        i = 0
        while time.monotonic() < stop:
            i += 1
            t0 = time.perf_counter()
            r = s.post(
                base + f"{API}/tasks",
                headers=leader,
                json={
                    "title": f"压力测试 {n}-{i}",
                    "assignee_region": "610924000000",
                    "deadline": DEADLINE,
                    "type": "meeting_decision",
                },
            )
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code != 201:
                failures.append(f"create {r.status_code}")
                continue
            task = r.json()
            with lock:
                accepted.append(("create", task["id"]))
                create_ms.append(ms)
            r = s.post(
                base + f"{API}/tasks/{task['id']}/transitions",
                headers=county,
                json={"action": "acknowledge", "version": task["version"]},
            )
            if r.status_code == 200:
                with lock:
                    accepted.append(("acknowledge", task["id"]))
            else:
                failures.append(f"acknowledge {r.status_code}")
            r = s.post(
                base + f"{API}/tasks/{task['id']}/comments",
                headers=county,
                json={"body": f"已签收 {n}-{i}"},
            )
            if r.status_code == 201:
                with lock:
                    accepted.append(("comment", task["id"]))
            else:
                failures.append(f"comment {r.status_code}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    started = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - started
    # Quiet server: one client.
    s = requests.Session()
    quiet_create = []
    for i in range(100):
        t0 = time.perf_counter()
        r = s.post(
            base + f"{API}/tasks",
            headers=leader,
            json={
                "title": f"单独创建 {i}",
                "assignee_region": "610924000000",
                "deadline": DEADLINE,
            },
        )
        quiet_create.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 201
        accepted.append(("create", r.json()["id"]))
    listing = []
    count = total = 0
    for _ in range(30):
        t0 = time.perf_counter()
        r = s.get(base + f"{API}/tasks", headers=province)  # the first page (500)
        listing.append((time.perf_counter() - t0) * 1000)
        count = r.json()["count"]
    all_at_once = []
    for _ in range(10):
        t0 = time.perf_counter()
        r = s.get(base + f"{API}/tasks?limit=5000", headers=province)
        all_at_once.append((time.perf_counter() - t0) * 1000)
        total = r.json()["count"]

    def stats(v):
        return {
            "median": round(statistics.median(v), 1),
            "p95": round(percentile(v, 95), 1),
            "n": len(v),
        }

    writes = len(accepted) - 100
    return {
        "writers": writers,
        "seconds": round(elapsed, 1),
        "accepted_writes": writes,
        "writes_per_second": round(writes / elapsed, 1),
        "failed_writes": len(failures),
        "failures": sorted(set(failures))[:10],
        "create_under_load_ms": stats(create_ms),
        "create_quiet_ms": stats(quiet_create),
        "list_province_first_page_ms": stats(listing),
        "first_page_count": count,
        "list_province_everything_ms": stats(all_at_once),
        "province_total": total,
        "accepted": accepted,
    }


def verify(url: str, accepted: list[tuple[str, int]]) -> dict:
    """Every accepted write is stored, with exactly the events it made."""
    from ops import db

    engine = db.engine(url)
    expected: dict[int, int] = {}
    acknowledged = set()
    for kind, task_id in accepted:
        expected[task_id] = expected.get(task_id, 0) + (2 if kind == "create" else 1)
        if kind == "acknowledge":
            acknowledged.add(task_id)
    with engine.connect() as conn:
        events = dict(
            conn.execute(
                sa.text("select task_id, count(*) from task_events group by task_id")
            ).all()
        )
        states = dict(conn.execute(sa.text("select id, state from tasks")).all())
    missing = [i for i in expected if i not in states]
    wrong_events = [i for i, n in expected.items() if events.get(i) != n]
    wrong_state = [i for i in acknowledged if states.get(i) != "acknowledged"]
    return {
        "tasks": len(expected),
        "missing": len(missing),
        "events_mismatch": len(wrong_events),
        "state_mismatch": len(wrong_state),
    }


if __name__ == "__main__":
    main()
