"""Benchmark the wall display in a real browser (Debian's chromium through Playwright).

    python bench/wall.py [--warehouse data/warehouse.duckdb] [--runs 10] [--minutes 10]

1. First paint: a wall account opens /wall in a new browser context, --runs times.
   Reported: first contentful paint and "ready" (the first view's cards, map and chart
   drawn), from navigation start; the first run (empty query cache) on its own line.
2. Memory over time: the playlist cycled at its fastest (dwell 5 s, a heartbeat every
   5 s) with the whole canvas redrawn every 30 s (the stored playlist re-saved, as an
   admin's change or a data change would), for --minutes. The JS heap after a forced garbage collection is
   sampled every 30 s; reported, from 90 s on (once every view is drawn), are the first
   and last samples, the largest, and the slope of a least-squares line (MB per hour). 10 minutes at this pace is 120 view
   changes and 20 redraws: more than 2 hours of the shipped playlist (~45 s per view)
   with a data change every 6 minutes.
3. The heartbeat: --beats GETs of /wall/heartbeat (each reads the playlist from the
   operational store and the region's instruction stamp), median and 95th percentile.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.build import percentile  # noqa: E402
from bench.drill import login as leader_session  # noqa: E402
from bench.drill import start  # noqa: E402
from ops import db  # noqa: E402
from ops import wall as P  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
READY = ".jz-wall-view.is-active .jz-wall-kpi"


def login(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", "province_wall")
    page.fill("input[name=password]", "demo-wall-2026")
    page.click("button[type=submit]")
    page.wait_for_selector(READY, timeout=60_000)


# When the first view is drawn: its cards, its map's units and its chart, noted by a
# MutationObserver at the moment they appear (not when a poll from outside sees them).
MARK_READY = """
new MutationObserver(() => {
  if (window.__ready) return;
  const v = document.querySelector('.jz-wall-view.is-active');
  if (v && v.querySelector('.jz-wall-kpi') && v.querySelector('.leaflet-overlay-pane path')
      && v.querySelector('.main-svg')) window.__ready = performance.now();
}).observe(document, {childList: true, subtree: true, attributes: true});
"""


def first_paint(browser, base: str) -> dict:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_init_script(MARK_READY)
    page = context.new_page()
    login(page, base)  # logs in and lands on /wall once (not measured)
    page.goto(base + "/login")  # leave, then measure a fresh load of /wall
    page.goto(base + "/wall")
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_function("() => window.__ready", timeout=60_000)
    ready = page.evaluate("window.__ready")
    fcp = page.evaluate("""() => { const e = performance.getEntriesByName(
        'first-contentful-paint')[0]; return e ? e.startTime : null; }""")
    context.close()
    return {"fcp_ms": fcp, "ready_ms": ready}


def heartbeats(base: str, n: int) -> dict:
    """The wall's heartbeat as a leader's session asks it, ``n`` times, in ms."""
    session = leader_session(base)
    session.get(base + "/wall/heartbeat").raise_for_status()  # the first read seeds nothing
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        session.get(base + "/wall/heartbeat").raise_for_status()
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "n": n,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
    }


def heap_run(browser, base: str, ops, minutes: float) -> dict:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    login(page, base)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    samples, started, redraws, last_redraw = [], time.monotonic(), 0, time.monotonic()

    def heap_mb() -> float:
        cdp.send("HeapProfiler.collectGarbage")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return metrics["JSHeapUsedSize"] / 2**20

    views_seen = set()
    while time.monotonic() - started < minutes * 60:
        time.sleep(5)
        views_seen.add(page.evaluate("document.documentElement.getAttribute('data-wall-view')"))
        if time.monotonic() - last_redraw >= 30:
            fast = {
                "poll_seconds": 5,
                "views": [
                    {"kind": "overview", "dwell": 5},
                    {"kind": "risk", "dwell": 5},
                    {"kind": "dispatch", "dwell": 5},
                    {"kind": "overview", "region": "610900000000", "dwell": 5 + redraws % 2},
                ],
            }
            P.put(ops, P.parse(fast), "bench")  # a new stamp: the wall redraws everything
            redraws += 1
            last_redraw = time.monotonic()
            samples.append((time.monotonic() - started, heap_mb()))
    context.close()
    # The first 90 s fill the views one by one (the heap grows to its working size):
    # growth is judged on what follows.
    steady = [s for s in samples if s[0] >= 90] or samples
    xs = [s[0] / 3600 for s in steady]
    ys = [s[1] for s in steady]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / max(
        1e-12, sum((x - mx) ** 2 for x in xs)
    )
    return {
        "minutes": minutes,
        "redraws": redraws,
        "views_seen": sorted(views_seen),
        "heap_first_mb": round(ys[0], 1),
        "heap_last_mb": round(ys[-1], 1),
        "heap_max_mb": round(max(ys), 1),
        "slope_mb_per_hour": round(slope, 2),
        "samples": [(round(a), round(b, 1)) for a, b in samples],
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--beats", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        proc, base = start(Path(args.warehouse), 2, tmp)  # its store: tmp/ops.sqlite3
        ops = db.engine(f"sqlite:///{tmp / 'ops.sqlite3'}")
        try:
            beats = heartbeats(base, args.beats)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                runs = [first_paint(browser, base) for _ in range(args.runs)]
                heap = heap_run(browser, base, ops, args.minutes) if args.minutes > 0 else {}
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    warm = runs[1:] or runs
    out = {
        "first_run": runs[0],
        "fcp_ms": {
            "median": round(statistics.median(r["fcp_ms"] for r in warm), 1),
            "p95": round(percentile([r["fcp_ms"] for r in warm], 95), 1),
        },
        "ready_ms": {
            "median": round(statistics.median(r["ready_ms"] for r in warm), 1),
            "p95": round(percentile([r["ready_ms"] for r in warm], 95), 1),
        },
        "runs": len(runs),
        "ready_all_ms": [round(r["ready_ms"]) for r in runs],
        "heartbeat": beats,
        "heap": heap,
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "wall.json").write_text(json.dumps(out, indent=2, default=str))
    print(json.dumps({k: v for k, v in out.items() if k != "heap"}, default=str))
    if heap:
        print(json.dumps({k: v for k, v in heap.items() if k != "samples"}))


if __name__ == "__main__":
    main()
