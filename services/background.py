"""Work on the whole warehouse in a thread of this process, one at a time (a refresh of
the department imports, or of the platform's cases), audited when it ends: ``ok`` with
what the work reports, or ``failed`` with the reason (the warehouse is unchanged then).
Every worker picks a new warehouse file up by itself."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from services import audit


class OneAtATime:
    def __init__(self, action: str, thread_name: str, log: logging.Logger):
        self.action, self.thread_name, self.log = action, thread_name, log
        self._lock = threading.Lock()

    def start(self, engine: Engine, username: str, ip: str, work: Callable[[], dict]) -> bool:
        """Run ``work`` (it returns the audit entry's detail) in a thread; False if one
        is running already."""
        if not self._lock.acquire(blocking=False):
            return False
        threading.Thread(
            target=self._run, args=(engine, username, ip, work), name=self.thread_name, daemon=True
        ).start()
        return True

    def _run(self, engine: Engine, username: str, ip: str, work) -> None:
        try:
            detail = work()
            audit.record(engine, username, self.action, detail=detail, ip=ip)
        except Exception as exc:  # noqa: BLE001 - recorded; the warehouse is unchanged
            self.log.exception("%s failed", self.action)
            detail = {"reason": str(exc)[:300]}
            audit.record(engine, username, self.action, outcome="failed", detail=detail, ip=ip)
        finally:
            self._lock.release()
