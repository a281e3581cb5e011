"""Reading the audit log: the filters the page (/admin/audit) and the CSV
(/admin/audit.csv) share, checked, and the read itself, which is an entry of the log.

Both read ``ops.audit.search`` with the admin's scope ("audit.view"): entries whose
region lies within the admin's, '' ones for a province admin only. The filters come
from the browser and are checked here (a region outside the scope is refused, not
ignored).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy.engine import Engine

from access import CODE, Scope, raise_for_region
from i18n import N_
from services import audit

MAX_USER = 64
MAX_ROWS = audit.MAX_ROWS
READS = ("audit_view", "audit_export")  # the page's search, the CSV


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
        return {
            names.get(k, k): v.isoformat() if isinstance(v, dt.date) else v
            for k, v in asdict(self).items()
            if v
        }


def _text(value, limit: int) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise FilterError(N_("audit.err.bad_filter"))
    return value.strip() or None


def _day(value) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FilterError(N_("audit.err.bad_date")) from None


def parse(
    scope: Scope, user=None, action=None, region=None, date_from=None, date_to=None
) -> Filters:
    """The filters, checked: FilterError for a malformed one, AccessDenied (or
    RegionNotFound) for a region outside the admin's scope."""
    f = Filters(
        user=_text(user, MAX_USER),
        action=_text(action, 40),
        region=_text(region, 12),
        date_from=_day(date_from),
        date_to=_day(date_to),
    )
    if f.region is not None:
        if not CODE.fullmatch(f.region):
            raise FilterError(N_("audit.err.bad_region"))
        raise_for_region(scope, f.region)
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise FilterError(N_("audit.err.date_order"))
    return f


def entries(engine: Engine, scope: Scope, f: Filters, limit: int = MAX_ROWS) -> list[dict]:
    """The entries of the filters within the admin's scope, newest first (not recorded)."""
    return audit.search(
        engine,
        scope,
        user=f.user,
        action=f.action,
        region=f.region,
        date_from=f.date_from,
        date_to=f.date_to,
        limit=limit,
    )


def read(
    engine: Engine,
    scope: Scope,
    f: Filters,
    action: str = "audit_view",
    limit: int = MAX_ROWS,
    ip: str = "",
) -> list[dict]:
    """``entries``, the read recorded as ``action`` (one of READS) with the filters and
    the number of rows found."""
    if action not in READS:
        raise ValueError(action)
    rows = entries(engine, scope, f, limit)
    audit.record(
        engine,
        scope.username,
        action,
        target=f.region or scope.region_code,
        detail={**f.query(), "rows": len(rows)},
        ip=ip,
        scope=scope,
    )
    return rows
