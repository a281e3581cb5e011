"""The audit log's CSV (/admin/audit.csv) and the filters the page and the CSV share.

Both read ``ops.audit.search`` with the admin's scope ("audit.view"): entries whose
region lies within the admin's, '' ones for a province admin only. The filters come
from the browser and are checked here (a region outside the scope is refused, not
ignored); reading the log, on the page or as a file, is itself an entry of the log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass

from flask import Flask, Response, request

from access import CODE, current_scope, raise_for_region
from ops import audit
from web import context
from web.auth import client_ip, error_response
from web.gate import gated

MAX_USER = 64
CSV_COLUMNS = ("at", "actor", "action", "target", "outcome", "region_code", "ip", "detail")


class FilterError(ValueError):
    """A filter the server does not accept: ``key`` is the message."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Filters:
    user: str | None = None
    action: str | None = None
    region: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def query(self) -> dict[str, str]:
        """The filters as the CSV link's query string (and the log entry's detail)."""
        names = {"date_from": "from", "date_to": "to"}
        return {names.get(k, k): v.isoformat() if isinstance(v, dt.date) else v
                for k, v in asdict(self).items() if v}


def _text(value, limit: int) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise FilterError("audit.err.bad_filter")
    return value.strip() or None


def _day(value) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FilterError("audit.err.bad_date") from None


def parse(scope, user=None, action=None, region=None, date_from=None,
          date_to=None) -> Filters:
    """The filters, checked: FilterError for a malformed one, AccessDenied (or
    RegionNotFound) for a region outside the admin's scope."""
    f = Filters(user=_text(user, MAX_USER), action=_text(action, 40),
                region=_text(region, 12), date_from=_day(date_from), date_to=_day(date_to))
    if f.region is not None:
        if not CODE.fullmatch(f.region):
            raise FilterError("audit.err.bad_region")
        raise_for_region(scope, f.region)
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise FilterError("audit.err.date_order")
    return f


def entries(scope, f: Filters, limit: int = audit.MAX_ROWS) -> list[dict]:
    return audit.search(context.ops(), scope, user=f.user, action=f.action, region=f.region,
                        date_from=f.date_from, date_to=f.date_to, limit=limit)


def _cell(value) -> str:
    """A cell as text; one starting like a formula is shown as text, not run."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_body(rows: list[dict]) -> bytes:
    from i18n import fmt_time, t

    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow([t(f"audit.col.{c}") for c in CSV_COLUMNS])
    for r in rows:
        out.writerow([_cell(fmt_time(r["at"], seconds=True) if c == "at" else r[c])
                      for c in CSV_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


def init(server: Flask) -> None:
    @server.route("/admin/audit.csv")
    @gated("audit.view")
    def audit_csv():
        scope = current_scope()
        args = request.args
        try:
            f = parse(scope, args.get("user"), args.get("action"), args.get("region"),
                      args.get("from"), args.get("to"))
        except FilterError as exc:
            return error_response(400, exc.key)
        rows = entries(scope, f)
        audit.record(context.ops(), scope.username, "audit_export",
                     target=f.region or scope.region_code,
                     detail={**f.query(), "rows": len(rows)}, ip=client_ip(), scope=scope)
        day = dt.date.today().isoformat()
        return Response(csv_body(rows), mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="audit-{scope.region_code}-{day}.csv"',
            "Cache-Control": "no-store"})
