"""Department data routes: the layout templates and a batch's error report (behind the
gate "imports.load": a department's staff read the reports of their own department's
batches imported within their region, an admin those imported within its region; any
other batch answers 404, as an unknown one). Which batches, and the refresh of the
warehouse, are services/imports_refresh.py's."""

from __future__ import annotations

from flask import Blueprint, Flask, Response

from access import current_scope
from i18n import N_
from services import imports_refresh
from web import context
from web.auth import client_ip, error_response
from web.gate import gated

bp = Blueprint("imports", __name__)


@bp.route("/imports/template/<feed_id>.csv")
@gated("imports.load")
def import_template(feed_id: str):
    current_scope()
    body = imports_refresh.template_csv(feed_id)
    if body is None:
        return error_response(404, N_("imp.err.no_template"))
    return Response(
        body,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="template-{feed_id}.csv"'},
    )


@bp.route("/imports/report/<int:batch_id>.csv")
@gated("imports.load")
def import_report(batch_id: int):
    scope = current_scope()
    path = imports_refresh.report(context.ops(), context.settings(), scope, batch_id, client_ip())
    if path is None:
        return error_response(404, N_("imp.err.no_report"))
    return Response(
        path.read_bytes(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="errors-batch-{batch_id}.csv"'},
    )


def init(server: Flask) -> None:
    server.register_blueprint(bp)
