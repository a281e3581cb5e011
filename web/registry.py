"""The route of the registry page's rejection report (/admin/registry, docs/registry.md):
a province administrator's only. The loads, the inbox and the uploads are
services/registry.py's."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_file

from i18n import N_
from services import registry
from web import context
from web.auth import client_ip, error_response
from web.gate import gated

bp = Blueprint("registry", __name__)


@bp.route("/admin/registry/report/<version>.csv")
@gated("registry.load")
def registry_report(version: str):
    scope = registry.province_admin()  # 403 for anyone else, before anything is read
    ctx = context.get()
    body = registry.report(ctx.ops, ctx.settings, ctx.warehouse, scope, version[:200], client_ip())
    if body is None:
        return error_response(404, N_("reg.err.no_report"))
    name = registry.report_name(version)
    if isinstance(body, Path):
        return send_file(
            body,
            mimetype="text/csv; charset=utf-8",
            as_attachment=True,
            download_name=name,
            max_age=0,
        )
    return Response(
        body,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def init(server: Flask) -> None:
    server.register_blueprint(bp)
