"""Writes survive: concurrent writers lose nothing, and a killed process loses no
committed instruction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import sqlalchemy as sa

from access import Scope
from ops import db, migrations
from ops import tasks as T

ROOT = Path(__file__).resolve().parents[2]
LEADER = Scope("ankang_leader", "leader", "610900000000")
COUNTY = Scope("ziyang_manager", "manager", "610924000000")
DEADLINE = "2099-12-31"


def test_concurrent_writers_lose_nothing(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    accepted: list[tuple[str, int]] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        try:
            for i in range(15):
                task = T.create(
                    engine,
                    LEADER,
                    {
                        "title": f"并发 {n}-{i}",
                        "assignee_region": "610924000000",
                        "deadline": DEADLINE,
                    },
                    lambda c: True,
                )
                T.comment(engine, COUNTY, task["id"], f"意见 {n}-{i}")
                done = T.act(engine, COUNTY, task["id"], "acknowledge", task["version"])
                with lock:
                    accepted.append(("task", task["id"]))
                    accepted.append(("ack", done["id"]))
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    ids = {i for kind, i in accepted if kind == "task"}
    assert len(ids) == 12 * 15
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("""
            select t.id, t.state, t.version,
                   (select count(*) from task_events as e where e.task_id = t.id)
            from tasks as t""")
        ).all()
    assert {r[0] for r in rows} == ids
    # create + issue + comment + acknowledge for each: nothing lost, nothing doubled.
    assert {(r[1], r[2], r[3]) for r in rows} == {("acknowledged", 2, 4)}


WRITER = """
import sys
from ops import db, migrations
from ops import tasks as T
from access import Scope
engine = db.engine(sys.argv[1])
migrations.migrate(engine)
leader = Scope("ankang_leader", "leader", "610900000000")
while True:
    task = T.create(engine, leader, {"title": "断电测试", "assignee_region": "610924000000",
                                     "deadline": "2099-12-31"}, lambda c: True)
    print(task["id"], flush=True)  # printed only after the commit returned
"""


def test_a_killed_process_loses_no_committed_instruction(tmp_path):
    url = f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    committed = []
    for line in proc.stdout:
        committed.append(int(line))
        if len(committed) >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)  # mid-write, no chance to clean up
    proc.wait()
    engine = db.engine(url)
    with engine.connect() as conn:
        stored = {r[0] for r in conn.execute(sa.text("select id from tasks"))}
        events = dict(
            conn.execute(
                sa.text("select task_id, count(*) from task_events group by task_id")
            ).all()
        )
    assert set(committed) <= stored
    assert all(events[i] == 2 for i in committed)  # create + issue, both kept
