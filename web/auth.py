"""Login, logout, the language switch, /healthz, and the gate in front of every route.

Every route except /login, /healthz and static assets requires a logged-in, active user:
pages redirect to /login, Dash and API requests get 401. The login form is a plain
Flask route with a CSRF token; logins, lockouts and logouts go to the audit log.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from access import AccessDenied, RegionNotFound, RoleDenied
from ops import audit, tokens, users
from queries.runner import WarehouseUnavailable
from web import context
from web.gate import PUBLIC, gated
from web.i18n import LANGS, get_lang, t

PUBLIC_PATHS = {"/login", "/healthz", "/favicon.ico", "/_favicon.ico", "/api/v1/openapi.json"}
PUBLIC_PREFIXES = ("/assets/",)
DATA_PREFIXES = ("/_dash-", "/api/", "/export/", "/_reload-hash", "/wall/", "/imports/")
# Of those, the files a user opens from a link: a refusal there is a page for a browser.
FILE_PREFIXES = ("/export/", "/imports/")
MAX_FIELD = 256


def _safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect to another site."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def client_ip() -> str:
    return (request.remote_addr or "")[:45]


def requester() -> str:
    """The logged-in user as a briefing names its author: the display name (the audit
    log keeps the username)."""
    from flask_login import current_user

    return current_user.display_name or current_user.username


def navigation() -> bool:
    """The browser is following a link or typed address: it shows the answer as a page
    (an export or report link opened in a tab, not the app's own fetch)."""
    return request.headers.get("Sec-Fetch-Mode") == "navigate" or \
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _wants_json() -> bool:
    if request.is_json:
        return True
    return request.path.startswith(DATA_PREFIXES) and not (
        request.path.startswith(FILE_PREFIXES) and navigation())


def error_response(status: int, key: str, **kw) -> Response:
    return message_response(status, t(key, **kw))


def message_response(status: int, message: str, back: str | None = None) -> Response:
    """A refusal: JSON for the app's own requests, a page (with the way back) for a
    browser that followed a link."""
    if _wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", message=message, status=status, lang=get_lang(),
                           t=t, back=back), status


def _synthetic() -> bool:
    """The login page says the data is synthetic only when it is (the generator's
    delivery); with no warehouse yet it says nothing."""
    from queries import api

    try:
        return api.data_version(context.warehouse()).synthetic
    except WarehouseUnavailable:
        return False


def init(server: Flask) -> None:
    """Wire flask-login, the gate and the routes into ``server``."""
    manager = LoginManager()
    manager.init_app(server)
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(user_id: str):
        try:
            user = users.get_by_id(context.ops(), int(user_id))
        except (TypeError, ValueError):
            return None
        # A disabled account loses its session at the next request.
        return user if user and user.active else None

    @manager.request_loader
    def load_from_token(req):
        """An API token (Authorization: Bearer ...) logs its user in for this request
        only; nothing is stored in a session."""
        header = req.headers.get("Authorization", "")
        if not req.path.startswith("/api/") or not header.startswith("Bearer "):
            return None
        return tokens.user_for(context.ops(), header[len("Bearer "):].strip())

    @server.before_request
    def gate():
        path = request.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if current_user.is_authenticated:
            return None
        if _wants_json():
            return jsonify({"error": t("error.login_required"), "status": 401}), 401
        return redirect(url_for("login", next=request.full_path.rstrip("?")))

    @server.route("/login", methods=["GET", "POST"])
    @gated(PUBLIC)
    def login():
        if request.method == "GET":
            if current_user.is_authenticated:
                return redirect(_safe_next(request.args.get("next")))
            return _login_page()
        try:
            validate_csrf(request.form.get("csrf_token", ""))
        except ValidationError:
            audit.record(context.ops(), "-", "login", outcome="csrf_refused", ip=client_ip())
            return _login_page("login.csrf", 400)
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        if not username or not password or len(username) > 64 or len(password) > MAX_FIELD:
            return _login_page("login.bad_request", 400)
        username = username.strip().lower()
        result = users.authenticate(context.ops(), username, password)
        audit.record(context.ops(), username, "login", outcome=result.outcome, ip=client_ip())
        if result.outcome == "ok":
            session.clear()
            session["lang"] = request.form.get("lang") if request.form.get("lang") in LANGS \
                else get_lang()
            login_user(result.user)
            session.permanent = True
            return redirect(_safe_next(request.form.get("next")))
        message = {"locked": "login.locked", "disabled": "login.disabled"}.get(
            result.outcome, "login.bad_credentials")
        return _login_page(message, 401)

    def _login_page(error: str | None = None, status: int = 200):
        return render_template(
            "login.html", t=t, lang=get_lang(), error=t(error) if error else None,
            synthetic=_synthetic(),
            csrf_token=generate_csrf(),
            next=_safe_next(request.values.get("next")), other_lang="en" if get_lang() == "zh"
            else "zh"), status

    @server.route("/logout")
    @gated(PUBLIC)
    def logout():
        if current_user.is_authenticated:
            audit.record(context.ops(), current_user.username, "logout", ip=client_ip())
        lang = get_lang()
        logout_user()
        session.clear()
        session["lang"] = lang
        return redirect(url_for("login"))

    @server.route("/lang/<code>")
    @gated(PUBLIC)
    def switch_language(code: str):
        if code in LANGS:
            session["lang"] = code
        return redirect(_safe_next(request.args.get("next")))

    @server.route("/healthz")
    @gated(PUBLIC)
    def healthz():
        wh = context.warehouse()
        try:
            version = wh.version
        except WarehouseUnavailable:
            return jsonify({"status": "no_warehouse", "data_version": None}), 503
        return jsonify({"status": "ok", "data_version": version["version"],
                        "as_of": version["as_of"].isoformat()})

    @server.errorhandler(CSRFError)
    def csrf_error(_exc):
        return error_response(400, "login.csrf")

    @server.errorhandler(AccessDenied)
    def access_denied(exc):
        if isinstance(exc, RoleDenied):  # the role's, not the region's
            return error_response(403, exc.key, role=t(f"role.{exc.role}"))
        return error_response(403, "error.forbidden")

    @server.errorhandler(RegionNotFound)
    def region_not_found(_exc):
        return error_response(404, "error.not_found")

    @server.errorhandler(WarehouseUnavailable)
    def no_warehouse(_exc):
        return error_response(503, "error.warehouse")
