"""Department data routes: the layout templates and a batch's error report (behind the
gate "imports.load": a department's staff read the reports of their own department's
batches imported within their region, an admin those imported within its region; any
other batch answers 404, as an unknown one), and the incremental refresh of the
warehouse in the background."""

from __future__ import annotations

import logging
import threading

from flask import Flask, Response

from access import Resource, can, current_scope
from etl import feeds as F
from etl import imports as I
from ops import audit
from ops import imports as ledger
from web import context
from web.auth import client_ip, error_response
from web.gate import gated

log = logging.getLogger("jingzhun.imports")
UPLOAD_BYTES = 14 * 2**20  # the page's limit (base64 in a request of at most 20 MB)
_refresh_lock = threading.Lock()


def departments_of(scope) -> list[str]:
    """The departments that send data for which the user may take "imports.load" in its
    own region (the access table decides: a department account its own subject, an
    admin any)."""
    sending = sorted({f.department for f in F.load().values()})
    return [d for d in sending if can(scope, "imports.load", Resource(
        region=scope.region_code, departments=frozenset({d})))]


def init(server: Flask) -> None:
    @server.route("/imports/template/<feed_id>.csv")
    @gated("imports.load")
    def import_template(feed_id: str):
        current_scope()
        feed = F.load().get(feed_id)
        if feed is None:
            return error_response(404, "imp.err.no_template")
        body = (",".join(feed.header("zh")) + "\n").encode("utf-8-sig")
        return Response(body, mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="template-{feed.id}.csv"'})

    @server.route("/imports/report/<int:batch_id>.csv")
    @gated("imports.load")
    def import_report(batch_id: int):
        scope = current_scope()
        batch = ledger.get(context.ops(), scope, batch_id)  # None outside the scope
        if batch is None or batch["department"] not in departments_of(scope):
            return error_response(404, "imp.err.no_report")
        path = I.report_file(context.get().settings.import_dir, batch_id)
        if not path.is_file():
            return error_response(404, "imp.err.no_report")
        audit.record(context.ops(), scope.username, "import_report", target=f"batch:{batch_id}",
                     ip=client_ip())
        return Response(path.read_bytes(), mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="errors-batch-{batch_id}.csv"'})


def start_refresh(username: str, ip: str) -> bool:
    """Bring the loaded batches into the warehouse in a thread of this process; False if
    a refresh is running already. Every worker picks the new file up by itself. The
    caller has checked "imports.merge": the refresh merges the whole ledger."""
    if not _refresh_lock.acquire(blocking=False):
        return False
    ctx = context.get()

    def run() -> None:
        from etl import warehouse
        from ops import tasks as T

        try:
            pending = ledger.pending(ctx.ops)
            added, seconds = warehouse.refresh_imports(ctx.settings.warehouse,
                                                       ledger.loaded(ctx.ops),
                                                       ctx.settings.import_dir)
            ledger.mark_merged(ctx.ops, [b["id"] for b in pending], T.utcnow())
            audit.record(ctx.ops, username, "imports_refresh", detail={
                "batches": [b["id"] for b in pending], "rows": added,
                "seconds": round(seconds, 1)}, ip=ip)
        except Exception as exc:  # noqa: BLE001 - recorded; the warehouse is unchanged
            log.exception("refresh of imports failed")
            audit.record(ctx.ops, username, "imports_refresh", outcome="failed",
                         detail={"reason": str(exc)[:300]}, ip=ip)
        finally:
            _refresh_lock.release()

    threading.Thread(target=run, name="jz-refresh", daemon=True).start()
    return True
