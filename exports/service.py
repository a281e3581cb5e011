"""Starting exports: every request is checked here, at once and in the requester's own
scope (a unit outside it, a malformed period or a missing chromium is a message now,
not a failed job later), then handed to ``jobs`` to render in the background."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import Engine

from access import AccessDenied, RoleDenied, Scope
from config import Settings
from domain import clock
from exports import briefing, jobs, notice, render
from i18n import N_
from ops import tasks as T
from queries import api
from queries.runner import Warehouse
from services import audit, cases

PAGE_SIZES = (640, 3840)  # the smallest and largest width or height of a page image
NOT_IMAGED = ("/wall",)  # pages not to be made images of (the wall is a screen of its own)


class BadRequest(ValueError):
    """The request cannot be exported as asked; the message says why."""


def start_briefing(
    wh: Warehouse,
    ops: Engine,
    settings: Settings,
    scope: Scope,
    code: str,
    period: str,
    by: str,
    lang: str,
    ip: str = "",
    wait: bool = False,
) -> str:
    render.ensure(settings)
    month = api.strict_month(period, api.data_version(wh))  # BadPeriod
    try:
        unit = api.region(wh, scope, code)  # the gate: AccessDenied / RegionNotFound
    except AccessDenied:
        audit.record(
            ops,
            scope.username,
            "export_briefing",
            target=str(code)[:20],
            outcome="refused",
            detail={"period": period},
            ip=ip,
        )
        raise

    def work(progress):
        b = briefing.collect(wh, ops, scope, code, month, by)
        progress(40)
        body = briefing.pdf(b, settings)
        progress(95)
        return b.filename, body

    return jobs.submit(
        ops,
        settings,
        scope,
        "briefing",
        f"{unit['code']} {month:%Y-%m}",
        unit["code"],
        {"region": unit["code"], "period": f"{month:%Y-%m}"},
        work,
        lang,
        ip,
        wait=wait,
    )


def start_exchange(
    wh: Warehouse,
    ops: Engine,
    settings: Settings,
    scope: Scope,
    code: str,
    period: str,
    by: str,
    lang: str,
    ip: str = "",
    wait: bool = False,
) -> str:
    """The national system's export of a unit and month (exchange/national.py)."""
    from exchange import national as exchange

    if not exchange.allowed(scope):
        audit.record(
            ops,
            scope.username,
            "export_exchange",
            target=str(code)[:20],
            outcome="refused",
            detail={"period": period},
            ip=ip,
        )
        raise RoleDenied(scope.role, "this role may not export ID numbers")
    month = api.strict_month(period, api.data_version(wh))
    unit = api.region(wh, scope, code)

    def work(progress):
        return exchange.build(wh, scope, code, month, by)

    return jobs.submit(
        ops,
        settings,
        scope,
        "exchange",
        f"{unit['code']} {month:%Y-%m}",
        unit["code"],
        {
            "region": unit["code"],
            "period": f"{month:%Y-%m}",
            "layout": f"{exchange.LAYOUT}/{exchange.VERSION}",
        },
        work,
        lang,
        ip,
        wait=wait,
    )


def start_minutes(
    ops: Engine, settings: Settings, scope: Scope, meeting_id, by: str, lang: str, ip: str = ""
) -> str:
    render.ensure(settings)
    meeting = T.meeting_minutes(ops, scope, meeting_id)["meeting"]  # TaskError 404

    def work(progress):
        return briefing.minutes_pdf(ops, scope, meeting["id"], settings, by)

    return jobs.submit(
        ops,
        settings,
        scope,
        "minutes",
        f"meeting:{meeting['id']}",
        meeting["region_code"],
        {"meeting": meeting["id"], "title": meeting["title"]},
        work,
        lang,
        ip,
    )


def start_notice(
    ops: Engine,
    wh: Warehouse,
    settings: Settings,
    scope: Scope,
    case_id,
    by: str,
    lang: str,
    ip: str = "",
) -> str:
    """The public notice of a case's village (exports/notice.py), checked now: a case
    outside the scope or not yet under notice is a CaseError here, not a failed job."""
    render.ensure(settings)
    case = cases.get(ops, scope, case_id)  # CaseError 404
    if notice.kind_of(case) is None:
        raise cases.CaseError(409, N_("case.err.no_notice"))

    def work(progress):
        return notice.notice_pdf(ops, wh, scope, case["id"], settings, by, lang)

    return jobs.submit(
        ops,
        settings,
        scope,
        "notice",
        f"case:{case['id']}",
        case["village_code"],
        {"case": case["id"], "notice": notice.kind_of(case)},
        work,
        lang,
        ip,
    )


def _pattern(template: str) -> re.Pattern:
    parts = [
        re.escape(p) if not p.startswith("<") else r"[0-9A-Za-z_-]{1,40}"
        for p in template.strip("/").split("/")
    ]
    return re.compile("/" + "/".join(parts) if template.strip("/") else "/")


def page_path(href: str, pages: list[str]) -> str:
    """The path and query of one of this app's pages (``pages``: their paths and path
    templates) from the browser's address. The host is dropped (the server's browser
    only ever visits the app itself); anything but a page, the app's other routes
    included, is refused, however its path is spelt."""
    parts = urlsplit(str(href or ""))
    raw = unquote(parts.path or "/")
    path = posixpath.normpath(raw) if raw.startswith("/") else ""
    if (
        not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or path != raw.rstrip("/")
        and raw != "/"
        or path in NOT_IMAGED
        or not any(_pattern(p).fullmatch(path) for p in pages)
    ):
        raise BadRequest(N_("export.bad_page"))
    query = parts.query
    if any(c in query for c in "\r\n#") or len(query) > 500:
        raise BadRequest(N_("export.bad_page"))
    return path + (f"?{query}" if query else "")


def self_url(settings: Settings) -> str:
    """Where the server's own browser reaches the app: JZ_INTERNAL_URL, or the address
    and port it listens on. Never an address from a request (a user could name any
    host in it)."""
    if settings.internal_url:
        return settings.internal_url
    host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return f"http://{host}:{settings.port}"


def parse_size(value) -> tuple[int, int]:
    """ "1920x1080" -> (1920, 1080), each within PAGE_SIZES."""
    try:
        width, height = (int(v) for v in str(value).lower().split("x"))
    except ValueError:
        raise BadRequest(N_("export.bad_size")) from None
    if not all(PAGE_SIZES[0] <= v <= PAGE_SIZES[1] for v in (width, height)):
        raise BadRequest(N_("export.bad_size"))
    return width, height


def start_page(
    ops: Engine,
    settings: Settings,
    scope: Scope,
    href: str,
    pages: list[str],
    cookies: dict[str, str],
    width: int,
    height: int,
    map_only: bool,
    lang: str,
    ip: str = "",
    full_page: bool = False,
) -> str:
    """An image of a page as this user sees it (their session), laid out at width ×
    height and drawn at 2×; the whole length of the page with ``full_page``; or only its
    map."""
    render.ensure(settings)
    path = page_path(href, pages)
    parse_size(f"{width}x{height}")
    base = self_url(settings)
    jar = [{"name": k, "value": v, "url": base} for k, v in cookies.items()]
    kind = "map" if map_only else "page"
    stamp = clock.local(clock.utcnow()).strftime("%Y%m%d-%H%M%S")  # as the job list shows it
    slug = re.sub(r"[^0-9A-Za-z_-]", "-", path.split("?")[0].strip("/"))[:60] or "overview"

    def work(progress):
        body = render.page_png(
            settings,
            base,
            path,
            jar,
            width,
            height,
            selector=".jz-map-box" if map_only else None,
            prepare=render.MAP_EXPORT if map_only else None,
            full_page=full_page and not map_only,
        )
        return f"{kind}-{slug}-{stamp}.png", body

    return jobs.submit(
        ops,
        settings,
        scope,
        kind,
        path[:200],
        scope.region_code,
        {"path": path, "width": width, "height": height, "full_page": full_page},
        work,
        lang,
        ip,
    )
