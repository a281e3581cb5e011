"""Jingzhun's web app: a multipage Dash app on a Flask server.

    python app.py            development server (JZ_HOST, JZ_PORT)
    gunicorn app:server      production (see gunicorn.conf.py)

Both build the same app over a migrated store (`python manage.py migrate`, and
`manage.py demo-accounts` in demo mode: `make prepare`): login gate, pages from pages/.
"""

from __future__ import annotations

import functools
import logging
import sys
from datetime import timedelta

import dash
from dash import ALL, ClientsideFunction, Dash, Input, Output, State
from flask import Flask
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

import config
import i18n
import web
from access import AccessDenied, RegionNotFound, can, scope_of
from components import messages, shell
from domain import clock
from i18n import N_, fmt_date, get_lang, t
from ops import db, demo, migrations
from queries import api
from queries.runner import Warehouse, WarehouseUnavailable
from web import api_v1, context, gate, headers, wall

log = logging.getLogger("jingzhun")


def _check_production(settings: config.Settings, engine) -> None:
    """Production refuses to start with a demo password still set."""
    if not settings.production:
        return
    left = demo.still_set(engine)
    if left:
        raise config.ConfigError(
            "demo passwords are still set for: "
            + ", ".join(left)
            + " (change them with `python manage.py users set-password`)"
        )


def serve_layout():
    """The shell for the logged-in user, built per page load."""
    scope = scope_of(current_user)
    if scope is None:  # the gate redirects before this; never render for nobody
        return dash.html.Div()
    if scope.role == "wall":  # a wall account: the wall alone, no navigation
        return dash.html.Div(dash.page_container, className="jz-wall-shell")
    wh = context.warehouse()
    lang = get_lang()
    synthetic = False
    try:
        version = api.data_version(wh)
        unit = api.region(wh, scope, scope.region_code)
        region_name, as_of = unit["name"], t("data.as_of", date=fmt_date(version.as_of))
        synthetic = version.synthetic
    except WarehouseUnavailable:
        region_name, as_of = scope.region_code, None
    viewer = shell.Viewer(
        current_user.display_name,
        current_user.role,
        region_name,
        scope.region_code,
        may_export=can(scope, "briefings.make"),
    )
    items = gate.nav_items(dash.page_registry, scope, lang)
    return shell.appshell(viewer, items, lang, as_of, synthetic, csrf_token=generate_csrf())


def _first_request_setup(app: Dash) -> None:
    """Run Dash's first-request setup (the pages router, registering the component
    files) now, once, instead of in the first requests of each worker.

    Dash marks that setup done before doing it; with several threads, the first burst of
    asset requests of a fresh worker raced it and got 500s ("dash is not a registered
    library"). Done here, before gunicorn forks, every worker starts set up.
    """
    with app.server.test_request_context("/login"):
        for fn in app.server.before_request_funcs.get(None, []):
            if getattr(fn, "__module__", "").startswith("dash."):
                fn()


def _guarded(layout, module: str):
    @functools.wraps(layout)
    def guarded(*args, **kwargs):
        try:
            return layout(*args, **kwargs)
        except (AccessDenied, RegionNotFound, WarehouseUnavailable, HTTPException):
            raise
        except Exception:
            log.exception("the layout of %s failed (%s)", module, sorted(kwargs))
            return messages.notice(
                N_("error.page_failed"), at=i18n.fmt_time_zoned(clock.utcnow(), seconds=True)
            )

    guarded.jz_guarded = True
    return guarded


def _guard_layouts() -> None:
    """A page whose layout fails unexpectedly says so (the log has the traceback)
    instead of leaving a blank page and a console error."""
    for page in dash.page_registry.values():
        layout = page.get("layout")
        if callable(layout) and not getattr(layout, "jz_guarded", False):
            page["layout"] = _guarded(layout, page["module"])


def _check_store(engine) -> None:
    """The app does not migrate: a store behind the head revision refuses the start."""
    left = migrations.pending(engine)
    if left:
        raise config.ConfigError(
            "the operational store is not at the head revision (missing: "
            + ", ".join(left)
            + "); run `python manage.py migrate`"
        )


def _set_context(settings: config.Settings) -> None:
    """The process's context: settings, the operational store (checked), the warehouse."""
    if settings.production and not settings.secret_key:
        raise config.ConfigError("JZ_SECRET_KEY must be set in production")
    engine = db.engine(settings.ops_db)
    _check_store(engine)
    _check_production(settings, engine)
    warehouse = Warehouse(settings.warehouse, settings.cache_dir, settings.reload_seconds)
    context.set_context(context.Context(settings, engine, warehouse))
    clock.set_zone(settings.timezone)


def _server(settings: config.Settings) -> Flask:
    """The Flask server: cookies, CSRF, upload limit, and web/'s routes."""
    server = Flask(__name__, template_folder="web/templates", static_folder=None)
    server.config.update(
        SECRET_KEY=config.secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_NAME="jz_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.production,
        # The cookie's lifetime: the longest a login may last (web/auth.py holds each
        # role to its own absolute limit).
        PERMANENT_SESSION_LIFETIME=timedelta(
            hours=max(settings.session_hours, settings.wall_session_hours)
        ),
        WTF_CSRF_TIME_LIMIT=3600,
        MAX_CONTENT_LENGTH=20 * 2**20,
    )
    web.register(server)  # the login gate first, then the routes; the schedule
    wall.init(server)  # after the login gate: fences wall accounts in
    api_v1.init(server)
    return server


def _shell_callbacks(app: Dash) -> None:
    """The shell's purely visual clientside callbacks."""
    # Keep the language switch pointing back at the current page.
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="langHref"),
        Output("shell-lang", "href"),
        Input("shell-url", "href"),
    )
    # The current page's entry of the navigation is marked active.
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="navActive"),
        Output({"type": "shell-nav", "href": ALL, "match": ALL}, "active"),
        Input("shell-url", "pathname"),
        State({"type": "shell-nav", "href": ALL, "match": ALL}, "id"),
    )
    # On a narrow screen: the burger opens the navigation, a followed link closes it.
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="navToggle"),
        Output("shell-appshell", "navbar"),
        Output("shell-burger", "opened"),
        Input("shell-burger", "opened"),
        Input("shell-url", "pathname"),
        State("shell-appshell", "navbar"),
    )


def create_app(settings: config.Settings | None = None) -> Dash:
    """Build the app over a migrated store (``manage.py migrate`` first): context,
    server and routes, the Dash pages behind the gate, the shell."""
    settings = settings or config.load()
    _set_context(settings)
    server = _server(settings)
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="pages",
        suppress_callback_exceptions=True,
        title=t("app.name", "zh"),
        update_title=None,
        serve_locally=True,
        compress=False,
        # The field pages' scripts and styles (web/field.py) are theirs alone.
        assets_path_ignore=[r"^field$"],
    )
    app.layout = serve_layout
    gate.guard_page_layouts()  # every layout behind its page's declared action
    _guard_layouts()
    _first_request_setup(app)
    gate.guard_callbacks(app)  # every server-side callback behind its page's action
    gate.check_routes(server)  # and every Flask route declares one
    gate.home_redirect(server)
    _shell_callbacks(app)
    headers.init(app)  # security headers on every response, JSON errors: web/headers.py
    return app


try:
    app = create_app()
except config.ConfigError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
server = app.server

if __name__ == "__main__":
    settings = context.get().settings
    app.run(host=settings.host, port=settings.port, debug=False)
