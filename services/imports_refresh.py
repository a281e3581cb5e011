"""Department data after its import: who may load which department's files, a batch's
error report, and the incremental refresh of the warehouse in the background (the
ledger's loaded batches merged in, the audit entry written when it ends)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import Engine

from access import Resource, Scope, can
from config import Settings
from etl import feeds as F
from etl import imports as I
from ops import imports as ledger
from ops import tasks as T
from services import audit, background

log = logging.getLogger("jingzhun.imports")
UPLOAD_BYTES = 14 * 2**20  # the page's limit (base64 in a request of at most 20 MB)


def departments_of(scope: Scope) -> list[str]:
    """The departments that send data for which the user may take "imports.load" in its
    own region (the access table decides: a department account its own subject, an
    admin any)."""
    sending = sorted({f.department for f in F.load().values()})
    return [
        d
        for d in sending
        if can(
            scope, "imports.load", Resource(region=scope.region_code, departments=frozenset({d}))
        )
    ]


def template_csv(feed_id: str) -> bytes | None:
    """The empty file of a feed's layout (its Chinese headers), or None for no such feed."""
    feed = F.load().get(feed_id)
    if feed is None:
        return None
    return (",".join(feed.header("zh")) + "\n").encode("utf-8-sig")


def report(
    engine: Engine, settings: Settings, scope: Scope, batch_id: int, ip: str = ""
) -> Path | None:
    """The error report of a batch this user may read (one of their departments', within
    their region), its reading recorded; None for any other batch, as for an unknown one."""
    batch = ledger.get(engine, scope, batch_id)  # None outside the scope
    if batch is None or batch["department"] not in departments_of(scope):
        return None
    path = I.report_file(settings.import_dir, batch_id)
    if not path.is_file():
        return None
    audit.record(engine, scope.username, "import_report", target=f"batch:{batch_id}", ip=ip)
    return path


def refresh(engine: Engine, settings: Settings) -> tuple[list[int], int, float]:
    """Bring the loaded batches into the warehouse now: the batches merged, the rows
    added and the seconds it took (``manage.py refresh-imports``, and the page's
    background refresh)."""
    from etl import warehouse

    pending = [b["id"] for b in ledger.pending(engine)]
    added, seconds = warehouse.refresh_imports(
        settings.warehouse, ledger.loaded(engine), settings.import_dir
    )
    ledger.mark_merged(engine, pending, T.utcnow())
    return pending, added, seconds


_REFRESH = background.OneAtATime("imports_refresh", "jz-refresh", log)


def start_refresh(engine: Engine, settings: Settings, username: str, ip: str) -> bool:
    """Bring the loaded batches into the warehouse in a thread of this process; False if
    a refresh is running already. Every worker picks the new file up by itself. The
    caller has checked "imports.merge": the refresh merges the whole ledger."""

    def work() -> dict:
        batches, added, seconds = refresh(engine, settings)
        return {"batches": batches, "rows": added, "seconds": round(seconds, 1)}

    return _REFRESH.start(engine, username, ip, work)
