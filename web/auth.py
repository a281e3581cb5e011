"""Login, logout, the language switch, /healthz, and the gate in front of every route.

Every route except /login, /healthz and static assets requires a logged-in, active user:
pages redirect to /login, Dash and API requests get 401. The login form is a plain
Flask route with a CSRF token; logins, lockouts and logouts go to the audit log.

A session is checked on every request: its account's generation (ops/users.py: bumped
on logout, a password set, a role or region change and a disable) and its age since the
login, which ends it after JZ_SESSION_HOURS (a wall account's JZ_WALL_SESSION_HOURS)
however active it was (the cookie's own expiry slides with each request; this does not). Logout is a POST with the CSRF
token; GET /logout only shows a form that posts it, so a link or an image on another
site cannot log anyone out. A disabled account is answered exactly as a wrong password.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from access import AccessDenied, RegionNotFound, RoleDenied
from components import messages
from domain import clock
from i18n import LANGS, N_, get_lang, t
from ops import tokens, users
from queries.runner import WarehouseUnavailable
from services import sessions
from web import context
from web.gate import PUBLIC, gated

PUBLIC_PATHS = {"/login", "/healthz", "/favicon.ico", "/_favicon.ico", "/api/v1/openapi.json"}
PUBLIC_PREFIXES = ("/assets/", "/f/")  # /f/: a household's feedback form (web/feedback.py)
DATA_PREFIXES = (
    "/_dash-",
    "/api/",
    "/export/",
    "/_reload-hash",
    "/wall/",
    "/imports/",
    "/m/api/",
)
# Of those, the files a user opens from a link: a refusal there is a page for a browser.
FILE_PREFIXES = ("/export/", "/imports/")
MAX_FIELD = 256
TRUSTED_PROXIES = frozenset({"127.0.0.1", "::1"})  # a reverse proxy on this machine
LOGIN_AT = "login_at"  # the session's key: when its login happened (epoch seconds, UTC)
CLOCK_SKEW = 60  # seconds a login time may lie ahead (another worker's clock)

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.session_protection = "basic"


def _safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect to another site."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def client_ip() -> str:
    """The client's address, for the audit log and the per-address login limit: the
    peer's, unless the peer is a reverse proxy on this machine (gunicorn binds to
    127.0.0.1 by default), whose X-Forwarded-For then names the client as its last
    entry (the one the proxy added; earlier ones are the client's word). Without this,
    everyone behind the proxy would share one address and one limit."""
    peer = request.remote_addr or ""
    if peer in TRUSTED_PROXIES:
        last = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))[:45]
        except ValueError:
            pass
    return peer[:45]


def requester() -> str:
    """The logged-in user as a briefing names its author: the display name (the audit
    log keeps the username)."""
    from flask_login import current_user

    return current_user.display_name or current_user.username


def navigation() -> bool:
    """The browser is following a link or typed address: it shows the answer as a page
    (an export or report link opened in a tab, not the app's own fetch)."""
    return (
        request.headers.get("Sec-Fetch-Mode") == "navigate"
        or request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
    )


def _wants_json() -> bool:
    if request.is_json:
        return True
    return request.path.startswith(DATA_PREFIXES) and not (
        request.path.startswith(FILE_PREFIXES) and navigation()
    )


def error_response(status: int, key: str, **kw) -> Response:
    return message_response(status, t(key, **kw))


def message_response(status: int, message: str, back: str | None = None) -> Response:
    """A refusal: JSON for the app's own requests, a page (with the way back) for a
    browser that followed a link."""
    if _wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template(
        "error.html", message=message, status=status, lang=get_lang(), t=t, back=back
    ), status


def _synthetic() -> bool:
    """The login page says the data is synthetic only when it is (the generator's
    delivery); with no warehouse yet it says nothing."""
    from queries import api

    try:
        return api.data_version(context.warehouse()).synthetic
    except WarehouseUnavailable:
        return False


def session_hours(user) -> float:
    """How long a login of ``user`` may last at most: a wall account's longer (it stands
    unattended in the command centre), everyone else's JZ_SESSION_HOURS."""
    settings = context.settings()
    return settings.wall_session_hours if user.role == "wall" else settings.session_hours


def session_is_young(user) -> bool:
    """The session's login happened less than ``session_hours(user)`` ago (an absolute
    limit: activity does not extend it). A session without a login time (one made
    before this check) is too old."""
    at = session.get(LOGIN_AT)
    if not isinstance(at, int | float) or isinstance(at, bool):
        return False
    age = clock.utcnow().timestamp() - at
    return -CLOCK_SKEW <= age <= session_hours(user) * 3600


def start_session(user) -> None:
    """Log ``user`` in on a fresh session that remembers when the login happened."""
    lang = request.form.get("lang") if request.form.get("lang") in LANGS else get_lang()
    session.clear()
    session["lang"] = lang
    login_user(user)
    session[LOGIN_AT] = clock.utcnow().timestamp()
    session.permanent = True
    # The session's CSRF secret now, with the login: else the page's first requests,
    # sent side by side, would each make one and the last cookie written would void the
    # token the header's logout form was rendered with.
    g.pop("csrf_token", None)
    generate_csrf()


def end_session() -> None:
    """Forget this browser's login (keeping its language)."""
    lang = get_lang()
    logout_user()
    session.clear()
    session["lang"] = lang


@bp.record_once
def _setup(state) -> None:
    """flask-login on the app, and the throttle's key from its secret."""
    login_manager.init_app(state.app)
    users.set_throttle_key(state.app.secret_key or "")


@login_manager.user_loader
def load_user(session_id: str):
    """The session's account while the session stands: young enough, issued under
    the account's current generation, the account active; else nobody."""
    user = users.session_user(context.ops(), session_id)
    return user if user is not None and session_is_young(user) else None


@login_manager.request_loader
def load_from_token(req):
    """An API token (Authorization: Bearer ...) logs its user in for this request
    only; nothing is stored in a session."""
    header = req.headers.get("Authorization", "")
    if not req.path.startswith("/api/") or not header.startswith("Bearer "):
        return None
    return tokens.user_for(context.ops(), header[len("Bearer ") :].strip())


@bp.before_app_request
def gate():
    """Nobody past this without a login but to the public paths."""
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if current_user.is_authenticated:
        return None
    if _wants_json():
        return jsonify({"error": t("error.login_required"), "status": 401}), 401
    if path == "/logout":  # logged out already: nothing to come back to
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
@gated(PUBLIC)
def login():
    if request.method in ("GET", "HEAD"):
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        return _login_page()
    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except ValidationError:
        sessions.refused(context.ops(), "-", "login", "csrf_refused", client_ip())
        return _login_page(N_("login.csrf"), 400)
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not username or not password or len(username) > 64 or len(password) > MAX_FIELD:
        return _login_page(N_("login.bad_request"), 400)
    result = sessions.login(context.ops(), username.strip().lower(), password, client_ip())
    if result.outcome == "ok":
        start_session(result.user)
        return redirect(_safe_next(request.form.get("next")))
    # "disabled" is the audit log's word only: the user hears what a wrong password
    # gets, so that an account's state cannot be probed.
    message = {"locked": N_("login.locked"), "throttled": N_("login.throttled")}.get(
        result.outcome, N_("login.bad_credentials")
    )
    return _login_page(message, 401)


def _login_page(error: str | None = None, status: int = 200):
    return render_template(
        "login.html",
        t=t,
        lang=get_lang(),
        error=t(error) if error else None,
        synthetic=_synthetic(),
        csrf_token=generate_csrf(),
        next=_safe_next(request.values.get("next")),
        other_lang="en" if get_lang() == "zh" else "zh",
    ), status


@bp.route("/logout", methods=["GET", "POST"])
@gated(PUBLIC)
def logout():
    """GET: a form asking to log out, which POSTs; POST with the CSRF token: every
    session of the account ends (its generation moves on), not only this cookie."""
    if not current_user.is_authenticated:
        end_session()
        return redirect(url_for("auth.login"))
    if request.method in ("GET", "HEAD"):
        return _logout_page()
    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except ValidationError:
        sessions.refused(
            context.ops(), current_user.username, "logout", "csrf_refused", client_ip()
        )
        return _logout_page(N_("logout.expired"), 400)
    sessions.logout(context.ops(), current_user.username, client_ip())
    end_session()
    return redirect(url_for("auth.login"), code=303)


def _logout_page(error: str | None = None, status: int = 200):
    lang = get_lang()
    return render_template(
        "logout.html",
        t=t,
        lang=lang,
        error=t(error) if error else None,
        csrf_token=generate_csrf(),
        user=current_user,
        other_lang="en" if lang == "zh" else "zh",
    ), status


@bp.route("/lang/<code>")
@gated(PUBLIC)
def switch_language(code: str):
    if code in LANGS:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/healthz")
@gated(PUBLIC)
def healthz():
    wh = context.warehouse()
    try:
        version = wh.version
    except WarehouseUnavailable:
        return jsonify({"status": "no_warehouse", "data_version": None}), 503
    return jsonify(
        {"status": "ok", "data_version": version["version"], "as_of": version["as_of"].isoformat()}
    )


@bp.app_errorhandler(CSRFError)
def csrf_error(_exc):
    return error_response(400, N_("login.csrf"))


@bp.app_errorhandler(AccessDenied)
def access_denied(exc):
    if isinstance(exc, RoleDenied):  # the role's, not the region's
        return error_response(403, exc.key, role=messages.role_name(exc.role))
    return error_response(403, N_("error.forbidden"))


@bp.app_errorhandler(RegionNotFound)
def region_not_found(_exc):
    return error_response(404, N_("error.not_found"))


@bp.app_errorhandler(WarehouseUnavailable)
def no_warehouse(_exc):
    return error_response(503, "error.warehouse")


def init(server: Flask) -> None:
    """Register the login, the gate and their routes on ``server`` (first: the gate
    runs before every other hook)."""
    server.register_blueprint(bp)
