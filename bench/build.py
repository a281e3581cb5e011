"""Benchmark the warehouse build: wall time, peak memory and file size by scale.

    python bench/build.py                  # scale 1.0 x3 and 0.01 x7
    python bench/build.py --scale 1.0 --runs 5

Each build runs as its own process (as `manage.py build-data` does), so its peak memory
is that process's maximum resident set size. Machines here are shared and noisy: the
report gives the median and the 95th percentile of the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was measured)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def one_build(scale: float, out: Path) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "build-data",
            "--scale",
            str(scale),
            "--seed",
            "42",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build at scale {scale} failed")
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "file_mb": out.stat().st_size / 1e6,
    }


def bench(scale: float, runs: int) -> dict:
    results = []
    with tempfile.TemporaryDirectory(dir=ROOT / "data", prefix=".bench-") as tmp:
        for i in range(runs):
            r = one_build(scale, Path(tmp) / "bench.duckdb")
            print(
                f"scale {scale:g} run {i + 1}/{runs}: {r['seconds']:.1f} s, "
                f"{r['peak_mb']:.0f} MB peak, {r['file_mb']:.0f} MB file",
                flush=True,
            )
            results.append(r)
    summary = {"scale": scale, "runs": runs}
    for key in ("seconds", "peak_mb", "file_mb"):
        values = [r[key] for r in results]
        summary[key] = {
            "median": statistics.median(values),
            "p95": percentile(values, 95),
            "min": min(values),
            "max": max(values),
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append")
    parser.add_argument("--runs", type=int)
    args = parser.parse_args()
    plan = [(s, args.runs or 3) for s in args.scale] if args.scale else [(1.0, 3), (0.01, 7)]
    summaries = [bench(scale, runs) for scale, runs in plan]
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "build.json").write_text(json.dumps(summaries, indent=2))
    print("\n| scale | runs | time median | time p95 | peak memory median | p95 | file |")
    print("|---|---|---|---|---|---|---|")
    for s in summaries:
        print(
            f"| {s['scale']:g} | {s['runs']} | {s['seconds']['median']:.1f} s | "
            f"{s['seconds']['p95']:.1f} s | {s['peak_mb']['median']:.0f} MB | "
            f"{s['peak_mb']['p95']:.0f} MB | {s['file_mb']['median']:.0f} MB |"
        )


if __name__ == "__main__":
    main()
