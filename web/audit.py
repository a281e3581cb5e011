"""The audit log's CSV (/admin/audit.csv): the filters the page shares
(services/audit_view.py) read with the admin's scope ("audit.view"), the read itself an
entry of the log."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask, Response, request

from access import current_scope
from exports import tables
from i18n import get_lang
from services import audit_view
from web import context
from web.auth import client_ip, error_response
from web.gate import gated

bp = Blueprint("audit", __name__)


@bp.route("/admin/audit.csv")
@gated("audit.view")
def audit_csv():
    scope = current_scope()
    args = request.args
    try:
        f = audit_view.parse(
            scope,
            args.get("user"),
            args.get("action"),
            args.get("region"),
            args.get("from"),
            args.get("to"),
        )
    except audit_view.FilterError as exc:
        return error_response(400, exc.key)
    rows = audit_view.read(context.ops(), scope, f, "audit_export", ip=client_ip())
    day = dt.date.today().isoformat()
    return Response(
        tables.audit_csv(rows, get_lang()),
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{scope.region_code}-{day}.csv"',
            "Cache-Control": "no-store",
        },
    )


def init(server: Flask) -> None:
    server.register_blueprint(bp)
