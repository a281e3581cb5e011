"""The in-process schedule: overdue marking, escalation and daily digests every few
minutes in each worker, and the escalation of overdue monitoring cases (both are
idempotent, so several workers are safe).
`python manage.py tick` does the same from cron. The web layer starts it with the
first request of each process (``web.auth``)."""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy.engine import Engine

from domain import clock
from ops import cases, tasks

log = logging.getLogger("jingzhun.scheduler")
_started: dict[int, threading.Thread] = {}
_lock = threading.Lock()


def tick(engine: Engine, now=None) -> dict[str, int]:
    """One pass: instructions (overdue, escalation, digests) and monitoring cases past
    their 15 days escalated to the unit above."""
    now = now or clock.utcnow()
    counts = tasks.tick(engine, now)
    counts["cases_escalated"] = cases.escalate(engine, clock.day(now), now)
    return counts


def _loop(engine: Engine, seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        try:
            counts = tick(engine)
            if any(counts.values()):
                log.info("tick: %s", counts)
        except Exception:  # noqa: BLE001 - the schedule must outlive one bad run
            log.exception("tick failed")


def ensure_started(engine: Engine, seconds: float) -> None:
    """Start the schedule once in this process (after a fork, once more in the child)."""
    if seconds <= 0 or os.getpid() in _started:
        return
    with _lock:
        if os.getpid() in _started:
            return
        thread = threading.Thread(
            target=_loop, args=(engine, seconds, threading.Event()), name="jz-tick", daemon=True
        )
        thread.start()
        _started[os.getpid()] = thread
