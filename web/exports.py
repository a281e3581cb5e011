"""Exports: lists to CSV and Excel (capped), charts to PNG, and the files of background
exports (briefings, minutes, page and map images). Behind the same gate and scope as the
pages, and written to the audit log."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, request, send_file

from access import current_scope, raise_for_region
from domain import clock
from exports import charts as chart_registry
from exports import jobs, render, tables
from i18n import N_, fmt_exact, get_lang, t
from queries import api, grid
from queries import households as hl
from queries.privacy import can_export_ids
from services import audit
from web import context
from web.auth import client_ip, error_response, message_response
from web.gate import REFUSALS, SESSION, gated

bp = Blueprint("exports", __name__)


@bp.route("/export/households.<fmt>")
@gated("households.list")
def export_households(fmt: str):
    scope = current_scope()
    if fmt not in ("csv", "xlsx"):
        return error_response(404, N_("export.bad_format"))
    wh, args = context.warehouse(), request.args
    q, refused = _household_query(wh, args)
    if refused is not None:
        return refused
    n = hl.count(wh, scope, q)  # the gate: AccessDenied / RegionNotFound -> 403 / 404
    detail = {
        "preset": q.preset,
        "year": q.year,
        "month": q.month.isoformat(),
        "filter": args.get("filter", "")[:500],
        "rows": n,
        "format": fmt,
    }
    if n > hl.EXPORT_CAP:
        audit.record(
            context.ops(),
            scope.username,
            "export_households",
            target=q.unit,
            outcome="refused_cap",
            detail=detail,
            ip=client_ip(),
        )
        back = f"/households/{q.unit}?" + urlencode(
            {"preset": q.preset, "year": q.year, "month": q.month.strftime("%Y-%m")}
        )
        return message_response(
            413, t("export.too_many", n=fmt_exact(n), cap=fmt_exact(hl.EXPORT_CAP)), back=back
        )
    headers, rows = tables.household_table(hl.page(wh, scope, q, 0, max(n, 1)), get_lang())
    body = (tables.csv_bytes if fmt == "csv" else tables.xlsx_bytes)(headers, rows)
    audit.record(
        context.ops(),
        scope.username,
        "export_households",
        target=q.unit,
        detail=detail,
        ip=client_ip(),
    )
    name = f"households-{q.unit}-{clock.day():%Y%m%d}.{fmt}"
    mime = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _household_query(wh, args):
    """The list's query from the URL (unit, preset, period, the grid's filter and sort),
    checked as the list's own grid checks it, and None; or None and the 400 that says
    what is wrong."""
    version = api.data_version(wh)
    try:
        return hl.build(
            args.get("unit", ""),
            args.get("preset"),
            api.parse_year(args.get("year"), version),
            api.parse_month(args.get("month"), version),
            grid.filter_model(json.loads(args.get("filter") or "{}")) or {},
            grid.sort_model(json.loads(args.get("sort") or "[]")) or [],
        ), None
    except grid.BadRequest as exc:
        return None, error_response(400, "hh.bad_filter", reason=t(exc.key, **exc.params))
    except (hl.BadFilter, ValueError, RecursionError) as exc:  # JSON too
        return None, error_response(400, "hh.bad_filter", reason=str(exc)[:80])


@bp.route("/export/quality/<code>.csv")
@gated("indicators.view")
def export_quality(code: str):
    """The rows behind a count of the data-quality page (one check, or all), as the
    page lists them: ID and phone numbers masked, within the user's scope."""
    from components import quality as quality_view
    from queries import quality

    scope = current_scope()
    wh = context.warehouse()
    check = quality.check_or_all(wh, request.args.get("check", "")[:10])
    n = quality.issue_count(wh, scope, code, check)  # the gate: 403 / 404
    detail = {"check": check, "rows": n}
    if n > quality.EXPORT_CAP:
        audit.record(
            context.ops(),
            scope.username,
            "export_quality",
            target=code,
            outcome="refused_cap",
            detail=detail,
            ip=client_ip(),
        )
        back = f"/quality/{code}" + (f"?{urlencode({'check': check})}" if check else "")
        return message_response(
            413, t("quality.too_many", n=fmt_exact(n), cap=fmt_exact(quality.EXPORT_CAP)), back=back
        )
    df = quality.issue_rows(wh, scope, code, check, max(n, 1))
    lang = get_lang()
    headers, rows = quality_view.csv_table(
        quality_view.issue_records(df, quality.checks(wh), lang=lang), lang=lang
    )
    audit.record(
        context.ops(), scope.username, "export_quality", target=code, detail=detail, ip=client_ip()
    )
    name = f"quality-{code}{'-' + check if check else ''}-{clock.day():%Y%m%d}.csv"
    return Response(
        tables.csv_bytes(headers, rows),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/export/chart/<name>.png")
@gated("briefings.make")
def export_chart(name: str):
    """One chart of a page as a PNG at 2×, rebuilt here from the page's parameters."""
    scope = current_scope()
    if name not in chart_registry.CHARTS:
        return error_response(404, N_("export.bad_chart"))
    settings = context.get().settings
    args = {k: v[:40] for k, v in request.args.items()}
    try:
        fig = chart_registry.build(
            context.warehouse(),
            scope,
            name,
            args,  # the gate
            lang=get_lang(),
        )
        body = render.figure_png(settings, fig)
    except REFUSALS:
        audit.record(
            context.ops(),
            scope.username,
            "export_chart",
            target=name,
            outcome="refused",
            detail=args,
            ip=client_ip(),
        )
        raise
    except render.Unavailable as exc:
        audit.record(
            context.ops(),
            scope.username,
            "export_chart",
            target=name,
            outcome="unavailable",
            detail=args,
            ip=client_ip(),
        )
        return message_response(503, str(exc))
    audit.record(
        context.ops(),
        scope.username,
        "export_chart",
        target=name,
        detail={**args, "bytes": len(body)},
        ip=client_ip(),
    )
    # The file's name from checked values only (the gate passed the unit; a household
    # id is digits).
    what = (
        args.get("household", "")
        if name == "household-income"
        else args.get("region") or scope.region_code
    )
    what = what if what.isdigit() else "chart"
    return Response(
        body,
        mimetype="image/png",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{what}.png"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/export/job/<job_id>")
@gated(SESSION)
def export_file(job_id: str):
    """The file of a finished background export, for the user who asked for it, while
    the unit it shows is still within their scope."""
    scope = current_scope()
    job = jobs.get(context.ops(), scope, job_id)
    if job is None:
        return error_response(404, "export.not_found")
    raise_for_region(scope, job["region_code"])  # a narrowed scope: 403
    if job["kind"] == "exchange" and not can_export_ids(scope):
        return error_response(403, N_("error.forbidden"))  # the role changed since
    path = jobs.file_path(context.get().settings, job["id"])
    if job["status"] == "expired":
        return error_response(410, "export.expired")
    if job["status"] != "done" or not path.is_file():
        return error_response(409, N_("export.not_ready"))
    audit.record(
        context.ops(),
        scope.username,
        "export_download",
        target=job["target"],
        detail={"job": job["id"], "file": job["filename"]},
        ip=client_ip(),
    )
    mime = {"pdf": "application/pdf", "zip": "application/zip"}.get(
        job["filename"].rsplit(".", 1)[-1], "image/png"
    )
    return send_file(
        path, mimetype=mime, as_attachment=True, download_name=job["filename"], max_age=0
    )


def init(server: Flask) -> None:
    server.register_blueprint(bp)
