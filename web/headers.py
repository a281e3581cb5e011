"""What every response says about itself, and what a failed data request answers.

Security headers on every response (pages, Dash's endpoints, files, the API):

- ``Content-Security-Policy``: everything from this origin only, no framing
  (``frame-ancestors 'none'``), no plugins, forms post here only. Scripts: this origin
  and the exact hashes of Dash's inline scripts (the renderer's start and the inline
  clientside callbacks), never ``'unsafe-inline'`` or ``'unsafe-eval'`` for scripts.
  Styles need ``'unsafe-inline'``: Mantine writes its theme into a ``<style>`` element
  at run time and Dash renders components' ``style`` props as attributes.
  Images may be ``data:`` URIs: AG Grid's icons are inline SVGs and the pages show
  PNGs as data URIs (checked in chromium: without it, 3 to 13 violations a page).
- ``X-Frame-Options: DENY`` (for browsers without frame-ancestors),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``.
- ``Cache-Control: no-store`` on everything that carries the user's data: exports,
  downloads (any attachment), the API, and Dash's layout and callback answers.

And a safety net: an exception escaping a Dash callback or an API view answers JSON
(a 4xx when the request itself was malformed, a 500 without details otherwise; the
log has the traceback), never Flask's HTML error page or a traceback.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import dash
from dash.exceptions import DashException
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from i18n import N_, t

log = logging.getLogger("jingzhun")

# Paths whose answers are the user's data (or files of it): never stored by a browser
# or proxy. Anything sent as an attachment is added whatever its path.
NO_STORE_PREFIXES = (
    "/export/",
    "/imports/",
    "/admin/registry/report/",
    "/api/",
    "/m/api/",
    "/m/photo/",
    "/m/feedback",
    "/m/changes",
    "/m/cards",
    "/f/",
    "/_dash-layout",
    "/_dash-update-component",
)
# Paths that answer JSON to the app's own scripts and to API clients: their errors are
# JSON too.
JSON_PREFIXES = ("/api/", "/m/api/", "/_dash-update-component")
DASH_DISPATCH = "/_dash-update-component"

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def tile_source(tile_url: str | None) -> list[str]:
    """The origin of the map tiles an operator configured (JZ_TILE_URL), as a CSP
    source: "https://{s}.tiles.example/{z}/{x}/{y}.png" -> "https://*.tiles.example".
    None configured, none allowed: the app asks no tile service by itself."""
    if not tile_url:
        return []
    parts = urlsplit(tile_url)
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    if (
        parts.scheme not in ("http", "https")
        or not host
        or not re.fullmatch(r"[A-Za-z0-9*.:\[\]-]+", host)
    ):
        return []
    return [f"{parts.scheme}://{host}"]


def content_security_policy(script_hashes: list[str], images: list[str] = ()) -> str:
    """The policy, with ``script_hashes`` ('sha256-…') allowed as inline scripts and
    ``images`` (the configured tile server) as an image source."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *images],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class _Policy:
    """The CSP of one Dash app, recomputed only when its inline scripts change (a page
    module may register an inline clientside callback after the app is built)."""

    def __init__(self, app: dash.Dash):
        self.app, self._key, self._value = app, None, ""

    def value(self) -> str:
        from dash import _callback

        key = (len(self.app._inline_scripts), len(_callback.GLOBAL_INLINE_SCRIPTS))
        if key != self._key:
            from web import context

            self._value = content_security_policy(
                list(self.app.csp_hashes()), tile_source(context.settings().tile_url)
            )
            # csp_hashes moves pending inline scripts into the app's list: key on that.
            self._key = (len(self.app._inline_scripts), 0)
        return self._value


def no_store(response: Response) -> bool:
    """Whether ``response`` carries data that must not be kept in any cache."""
    if request.path.startswith(NO_STORE_PREFIXES):
        return True
    return response.headers.get("Content-Disposition", "").lower().startswith("attachment")


def init(app: dash.Dash) -> None:
    """Add the headers to every response of ``app``'s server, and the JSON error net."""
    server = app.server
    policy = _Policy(app)

    @server.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy.value()
        for name, value in STATIC_HEADERS.items():
            response.headers[name] = value
        if no_store(response):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
            response.headers.pop("ETag", None)
        return response

    json_errors(server)


# ------------------------------------------------------------------ the error net
HTTP_MESSAGES = {
    400: N_("api.err.bad_request"),
    404: "api.err.no_such_path",
    405: "api.err.method",
    413: N_("api.err.too_large"),
}


def _json_path() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def http_error(exc: HTTPException) -> Response:
    """A werkzeug error (bad request body, unknown address, method, too large) as JSON,
    with its own headers (Allow for a 405)."""
    status = exc.code or 500
    key = HTTP_MESSAGES.get(status)
    message = t(key, cap=_kb(request.max_content_length)) if key else (exc.description or exc.name)
    response = jsonify({"error": message, "status": status})
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, status


def _kb(size: int | None) -> str:
    return f"{(size or 0) // 1024:,}"


def _inside_callback(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by a callback's own code (Dash marks the frame that
    calls it), rather than by Dash reading a malformed request before any ran."""
    from dash._callback import _async_invoke_callback, _invoke_callback

    marks = {_invoke_callback.__code__, _async_invoke_callback.__code__}
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code in marks:
            return True
        tb = tb.tb_next
    return False


def unexpected_error(exc: Exception) -> Response:
    """An exception no other handler took, on a JSON path. Dash's dispatcher failing on
    the request itself (not an object, no such output, malformed inputs, JSON nested
    beyond the parser) is the request's fault: 400. Anything else is ours: 500, logged
    with the traceback, answered without details."""
    if (
        request.path.startswith(DASH_DISPATCH)
        and not _inside_callback(exc)
        and not isinstance(exc, DashException)
    ):
        log.warning("malformed callback request refused: %s", type(exc).__name__)
        return jsonify({"error": t("api.err.bad_callback"), "status": 400}), 400
    log.error("unexpected error on %s %s", request.method, request.path, exc_info=exc)
    return jsonify({"error": t("api.err.internal"), "status": 500}), 500


def json_errors(server: Flask) -> None:
    """JSON answers for errors on the JSON paths; other paths keep Flask's behaviour."""

    @server.errorhandler(HTTPException)
    def any_http_error(exc: HTTPException):
        if exc.code is None or not _json_path():
            return exc
        return http_error(exc)

    @server.errorhandler(Exception)
    def any_error(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - the handler above
            return any_http_error(exc)
        if not _json_path():
            raise exc
        return unexpected_error(exc)
