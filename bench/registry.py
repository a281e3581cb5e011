"""Benchmark loading a registry delivery (docs/registry.md): wall time and peak memory
of `manage.py load-registry`, from CSV and from Parquet.

    python bench/registry.py                   # scale 1.0, 2 runs of each format
    python bench/registry.py --scale 0.1 --runs 3

The deliveries are written once by `manage.py generate` (not timed here); each load runs
as its own process into a fresh file, so its peak memory is that process's maximum
resident set size. Machines here are shared and noisy: the report gives the median and
the 95th percentile of the runs, and the ratio of the Parquet median to the CSV median.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import ROOT, percentile  # noqa: E402

AS_OF = "2026-10-31"


def _run(args: list[str], env: dict) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def bench(scale: float, runs: int) -> dict:
    out: dict = {"scale": scale, "runs": runs}
    with tempfile.TemporaryDirectory(dir=ROOT / "data", prefix=".bench-") as tmp:
        env = {
            **os.environ,
            "JZ_OPS_DB": f"sqlite:///{tmp}/ops.sqlite3",
            "JZ_IMPORT_DIR": f"{tmp}/imports",
        }
        for fmt in ("csv", "parquet"):
            src = Path(tmp) / fmt
            _run(
                [
                    "generate",
                    "--scale",
                    str(scale),
                    "--seed",
                    "42",
                    "--as-of",
                    AS_OF,
                    "--format",
                    fmt,
                    "--out",
                    str(src),
                ],
                env,
            )
            size = sum(p.stat().st_size for p in src.iterdir()) / 1e6
            results = []
            for i in range(runs):
                target = Path(tmp) / f"w-{fmt}-{i}.duckdb"
                seconds, peak = _run(
                    ["load-registry", "--from", str(src), "--out", str(target), "--quiet"], env
                )
                target.unlink()
                print(
                    f"{fmt} run {i + 1}/{runs}: {seconds:.1f} s, {peak:.0f} MB peak "
                    f"({size:.0f} MB of files)",
                    flush=True,
                )
                results.append({"seconds": seconds, "peak_mb": peak})
            summary = {"files_mb": size}
            for key in ("seconds", "peak_mb"):
                values = [r[key] for r in results]
                summary[key] = {"median": statistics.median(values), "p95": percentile(values, 95)}
            out[fmt] = summary
    out["parquet_over_csv"] = out["parquet"]["seconds"]["median"] / out["csv"]["seconds"]["median"]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--runs", type=int, default=2)
    args = p.parse_args()
    print(json.dumps(bench(args.scale, args.runs), indent=2))


if __name__ == "__main__":
    main()
