"""Starting exports: every request is checked here, at once and in the requester's own
scope (a unit outside it, a malformed period or a missing chromium is a message now,
not a failed job later), then handed to ``jobs`` to render in the background."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from briefings import briefing, jobs, render
from config import Settings
from ops import tasks as T
from queries import api
from queries.runner import Warehouse
from queries.scope import Scope

PAGE_SIZES = (640, 3840)  # the smallest and largest width or height of a page image
# Paths a page image may show: the app's pages, not its routes.
NOT_PAGES = ("/login", "/logout", "/lang/", "/export/", "/api/", "/_dash", "/assets/",
             "/wall")


class BadRequest(ValueError):
    """The request cannot be exported as asked; the message says why."""


def start_briefing(wh: Warehouse, ops: Engine, settings: Settings, scope: Scope, code: str,
                   period: str, by: str, lang: str, ip: str = "", wait: bool = False) -> str:
    render.ensure(settings)
    month = api.strict_month(period, api.data_version(wh))  # BadPeriod
    unit = api.region(wh, scope, code)  # the gate: AccessDenied / RegionNotFound

    def work(progress):
        b = briefing.collect(wh, ops, scope, code, month, by)
        progress(40)
        body = briefing.pdf(b, settings)
        progress(95)
        return b.filename, body

    return jobs.submit(ops, settings, scope, "briefing", f"{unit['code']} {month:%Y-%m}",
                       {"region": unit["code"], "period": f"{month:%Y-%m}"}, work, lang, ip,
                       wait=wait)


def start_minutes(ops: Engine, settings: Settings, scope: Scope, meeting_id, by: str,
                  lang: str, ip: str = "") -> str:
    render.ensure(settings)
    meeting = T.meeting_minutes(ops, scope, meeting_id)["meeting"]  # TaskError 404

    def work(progress):
        return briefing.minutes_pdf(ops, scope, meeting["id"], settings, by)

    return jobs.submit(ops, settings, scope, "minutes", f"meeting:{meeting['id']}",
                       {"meeting": meeting["id"], "title": meeting["title"]}, work, lang, ip)


def page_path(href: str) -> str:
    """The path and query of a page of this app from the browser's address (anything
    else, another host included, is refused)."""
    parts = urlsplit(str(href or ""))
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path \
            or any(path.startswith(p) for p in NOT_PAGES):
        raise BadRequest("export.bad_page")
    return path + (f"?{parts.query}" if parts.query else "")


def parse_size(value) -> tuple[int, int]:
    """"1920x1080" -> (1920, 1080), each within PAGE_SIZES."""
    try:
        width, height = (int(v) for v in str(value).lower().split("x"))
    except ValueError:
        raise BadRequest("export.bad_size") from None
    if not all(PAGE_SIZES[0] <= v <= PAGE_SIZES[1] for v in (width, height)):
        raise BadRequest("export.bad_size")
    return width, height


def start_page(ops: Engine, settings: Settings, scope: Scope, base_url: str, href: str,
               cookies: list[dict], width: int, height: int, map_only: bool, lang: str,
               ip: str = "", full_page: bool = False) -> str:
    """An image of a page as this user sees it (their session), laid out at width ×
    height and drawn at 2×; the whole length of the page with ``full_page``; or only its
    map."""
    render.ensure(settings)
    path = page_path(href)
    parse_size(f"{width}x{height}")
    url = base_url.rstrip("/") + path
    kind = "map" if map_only else "page"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    slug = path.strip("/").split("?")[0].replace("/", "-") or "overview"

    def work(progress):
        body = render.page_png(settings, url, cookies, width, height,
                               selector=".jz-map-box" if map_only else None,
                               full_page=full_page and not map_only)
        return f"{kind}-{slug}-{stamp}.png", body

    return jobs.submit(ops, settings, scope, kind, path[:200],
                       {"path": path, "width": width, "height": height,
                        "full_page": full_page}, work, lang, ip)
