"""The warehouse refresh that applies approved change requests, at scale 1.0.

    .venv/bin/python bench/changes.py [--warehouse data/warehouse.duckdb] [--changes 10000]
                                      [--runs 3]

A fresh operational store holds ``--changes`` approved requests (ops/changes.py rows) on
as many households, their ``original`` read from the warehouse as a cadre's phone would
have seen it: 40 % a new phone, 20 % conditions (housing grade), 15 % a member's labour
ability, 10 % a member who left, 5 % a new member, 10 % this year's income. Each run
copies the warehouse and times ``services.cases.refresh`` twice: with the store empty
(the refresh as it was) and with the requests (applied, then marked in the store).
Medians and 95th percentiles over the runs, and the ratio of the medians; results in
bench/results/changes.json.
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
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench.build import percentile  # noqa: E402

SHARES = (
    ("phone", 0.40),
    ("conditions", 0.20),
    ("member", 0.15),
    ("member_left", 0.10),
    ("member_new", 0.05),
    ("income", 0.10),
)
AMOUNTS = ("wages", "business", "property", "transfers", "production_costs")


def _homes(con, n: int) -> list[tuple]:
    """n households with a present member other than the head: (household, number,
    village, phone, housing grade, the member's person id, ID number, name, labour)."""
    return con.execute(
        """
        select h.household_id, h.household_no, h.village_code, h.phone, h.housing_grade,
               p.person_id, p.id_number, p.name, p.labour
        from household h
        join (select * from person where left_date is null and relation <> '01'
              qualify row_number() over (partition by household_id order by person_id) = 1)
             as p using (household_id)
        order by hash(h.household_id) limit ?""",
        [n],
    ).fetchall()


def _income(con, hid: int, year: int) -> dict:
    row = con.execute(
        f"select {', '.join(AMOUNTS)} from income where household_id = ? and year = ?",
        [hid, year],
    ).fetchone()
    return dict(zip(AMOUNTS, [None] * 5 if row is None else [str(v) for v in row], strict=True))


def requests(wh: Path, n: int) -> list[dict]:
    """The store's rows of n approved requests over the warehouse at ``wh``."""
    from domain.idnumber import check_digit

    con = duckdb.connect(str(wh), read_only=True)
    as_of = con.execute("select as_of from data_version").fetchone()[0]
    homes = _homes(con, n)
    kinds = [k for k, share in SHARES for _ in range(round(share * len(homes)))]
    out = []
    for i, (home, kind) in enumerate(zip(homes, kinds, strict=False)):
        hid, no, village, phone, grade, pid, number, name, labour = home
        row = {"household_id": hid, "household_no": no, "region_code": village, "kind": kind}
        row |= {"person_key": "", "person_name": ""}
        if kind == "phone":
            row |= {"values": {"phone": f"139{i:08d}"}, "original": {"phone": phone}}
        elif kind == "conditions":
            new = "D" if grade != "D" else "A"
            row |= {"values": {"housing_grade": new}, "original": {"housing_grade": grade}}
        elif kind == "member":
            new = "4" if labour != 4 else "1"
            row |= {"values": {"labour": new}, "original": {"labour": str(labour)}}
            row |= {"person_key": number, "person_name": name}
        elif kind == "member_left":
            row |= {"values": {"left_date": as_of.isoformat(), "left_reason": "2"}}
            row |= {"original": {"left_date": None, "left_reason": None}}
            row |= {"person_key": number, "person_name": name}
        elif kind == "member_new":
            first = f"{village[:6]}{as_of.year}0101{i % 1000:03d}"
            new_id = first + check_digit(first)
            row |= {"person_key": new_id, "person_name": "新成员", "original": {}}
            row |= {
                "values": {"name": "新成员", "id_number": new_id, "relation": "40"}
                | {"join_reason": "2", "joined_date": f"{as_of.year}-01-01"}
            }
        else:
            row |= {"original": _income(con, hid, as_of.year)}
            row |= {"values": {"year": str(as_of.year)} | dict.fromkeys(AMOUNTS, "1000")}
        out.append(row)
    con.close()
    return out


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median": round(statistics.median(values), 2),
        "p95": round(percentile(values, 95), 2),
    }


def _timed(engine, wh: Path, tmp: Path) -> float:
    from services import cases

    copy = tmp / "w.duckdb"
    shutil.copyfile(wh, copy)
    started = time.perf_counter()
    cases.refresh(engine, SimpleNamespace(warehouse=copy))
    return time.perf_counter() - started


def _store(tmp: Path, name: str):
    from ops import db, migrations

    engine = db.engine(f"sqlite:///{tmp / name}")
    migrations.migrate(engine)
    return engine


def _reset(engine, rows: list[dict]) -> None:
    """The requests, all approved (the previous run marked them)."""
    import datetime as dt

    from ops import changes as store
    from ops.schema import change_events, change_requests

    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(change_events.delete())
        conn.execute(change_requests.delete())
        for row in rows:
            change_id = store.insert(conn, "bench", {**row, "note": ""}, now)
            store.update(conn, {"id": change_id, "state": "submitted"}, 1, "approve", "b", "", now)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    ap.add_argument("--changes", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from ops import changes as store
    from ops.scoped import SYSTEM

    wh = Path(args.warehouse)
    rows = requests(wh, args.changes)
    tmp = Path(tempfile.mkdtemp(prefix="jz-bench-changes-"))
    empty, full = _store(tmp, "empty.sqlite3"), _store(tmp, "full.sqlite3")
    before, after = [], []
    for _ in range(args.runs):
        before.append(_timed(empty, wh, tmp))
        _reset(full, rows)
        after.append(_timed(full, wh, tmp))
        print(f"refresh: {before[-1]:.1f} s without, {after[-1]:.1f} s with", flush=True)
    outcomes = store.counts(full, SYSTEM)
    shutil.rmtree(tmp, ignore_errors=True)
    out = {
        "changes": len(rows),
        "kinds": {k: sum(r["kind"] == k for r in rows) for k, _ in SHARES},
        "outcomes": {k: v for k, v in outcomes.items() if v},
        "without_s": summary(before),
        "with_s": summary(after),
        "ratio": round(statistics.median(after) / statistics.median(before), 2),
    }
    print(json.dumps(out, ensure_ascii=False))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "changes.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
