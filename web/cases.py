"""Monitoring case routes: an attachment's download (behind "cases.view"; a file of a
case outside the user's region answers 404, as an unknown one; each reading audited by
services/attachments.py)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Flask, Response

from access import current_scope
from i18n import N_
from services import attachments
from web import context
from web.auth import client_ip, error_response
from web.gate import gated

bp = Blueprint("cases", __name__)


@bp.route("/cases/file/<int:file_id>")
@gated("cases.view")
def case_file(file_id: int):
    row = attachments.download(context.ops(), current_scope(), file_id, client_ip())
    if row is None:
        return error_response(404, N_("case.err.no_file"))
    name = quote(row["name"])
    return Response(
        row["content"],
        mimetype=row["mime"],
        headers={
            "Content-Disposition": f'attachment; filename="file-{row["id"]}"; '
            f"filename*=UTF-8''{name}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def init(server: Flask) -> None:
    server.register_blueprint(bp)
