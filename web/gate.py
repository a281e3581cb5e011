"""The gate applied centrally: every page layout, every server-side Dash callback and
every Flask route asks access.raise_for for the action it declares, before it runs.

- A page declares its action in ``dash.register_page(..., access="…")``; its layout and
  every callback defined in its module are checked against it (``guard_pages``,
  ``guard_callbacks``). Finer checks (the household's subject, issuing an instruction)
  are made inside, by the page or the service, with a resource.
- A Flask view declares its action with ``@gated("…")`` (``PUBLIC`` for the few that
  need no login).
- ``check_declared`` refuses to start an app in which any page, callback or route has
  not declared an action: deny by default, checked at start and by the tests.
"""

from __future__ import annotations

import functools
import inspect

import dash
from flask import Flask

from access import AccessDenied, RegionNotFound, can, current_scope, scope_of
from queries.runner import REFUSALS  # noqa: F401 - the pages' and routes' name for them

PUBLIC = "public"  # login, healthz, the language switch, the OpenAPI document
SESSION = "session"  # any logged-in account (the 404 page, logout, the wall heartbeat)
# Flask endpoints that are not ours: Dash's own (named by their path, "/_dash-layout":
# layout, dependencies, component files, the callback dispatcher, whose callbacks are
# gated one by one) and static files.
FRAMEWORK_ENDPOINTS_PREFIX = ("_dash", "static")


class Undeclared(RuntimeError):
    """A page, callback or route declares no action."""


def check(action: str) -> None:
    """Run the gate for ``action`` in the current request (raises AccessDenied)."""
    if action != PUBLIC:
        current_scope(None if action == SESSION else action)


def gated(action: str):
    """Declare and enforce the action of a Flask view."""

    def wrap(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            check(action)
            return view(*args, **kwargs)

        guarded.jz_action = action
        return guarded

    return wrap


def page_action(module: str) -> str | None:
    for page in dash.page_registry.values():
        if page["module"] == module:
            return page.get("access")
    return None


def guard_callbacks(app: dash.Dash) -> None:
    """Wrap every server-side callback in the gate of the page module defining it."""
    for cid, cb in app.callback_map.items():
        fn = cb.get("callback")
        if fn is None or getattr(fn, "jz_action", None):
            continue
        module = inspect.unwrap(fn).__module__
        if module.startswith("dash."):  # the pages router: it runs the gated layouts
            continue
        action = page_action(module)
        if action is None:
            raise Undeclared(f"callback {cid} of {module}: its page declares no access")

        def make(fn=fn, action=action):
            @functools.wraps(fn)
            def guarded(*args, **kwargs):
                check(action)
                return fn(*args, **kwargs)

            guarded.jz_action = action
            return guarded

        cb["callback"] = make()


def guard_page_layouts() -> None:
    """Every page's layout runs behind the gate of its declared action."""
    for page in dash.page_registry.values():
        action = page.get("access")
        if action is None:
            raise Undeclared(f"page {page['module']} declares no access")
        layout = page.get("layout")
        if not callable(layout) or getattr(layout, "jz_action", None):
            continue

        def make(layout=layout, action=action):
            @functools.wraps(layout)
            def guarded(*args, **kwargs):
                try:
                    check(action)
                except (AccessDenied, RegionNotFound) as exc:
                    return _refused(exc)
                return layout(*args, **kwargs)

            guarded.jz_action = action
            return guarded

        page["layout"] = make()


def _refused(exc: Exception) -> object:
    """The notice in place of a refused page."""
    from components import messages

    return messages.refusal(exc)


def nav_items(registry, scope, lang: str | None = None) -> list:
    """Pages of the registry this user may open (the access table decides, role and level
    alike), in their declared order, labelled in ``lang`` (None: the request's; only the
    hrefs are wanted then). A page with a path template opens on the user's own unit. A
    wall account has no navigation."""
    from components import shell
    from i18n import t

    if scope is None or scope.role == "wall":
        return []
    pages = [p for p in registry.values() if p.get("nav") and can(scope, p["access"])]
    pages.sort(key=lambda p: p["nav"]["order"])
    items = [
        shell.NavItem(
            t(p["nav"]["label"], lang),
            f"{p['path']}/{scope.region_code}" if p.get("path_template") else p["path"],
            p["path"],
        )
        for p in pages
    ]
    # The field pages on phones (web/field.py): not Dash pages, so a full page load.
    if can(scope, "field.work"):
        items.append(shell.NavItem(t("nav.field", lang), "/m/", "/m", external=True))
    return items


def first_page(scope) -> str | None:
    """The first page of the navigation ``scope`` may open."""
    items = nav_items(dash.page_registry, scope)
    return items[0].href if items else None


def home_redirect(server: Flask) -> None:
    """A user whose role has no overview (a department account) who opens the home page
    is sent to the first page they may open, instead of a refusal."""
    from flask import redirect, request
    from flask_login import current_user

    home = next((p for p in dash.page_registry.values() if p.get("path") == "/"), None)

    @server.before_request
    def to_first_page():
        if request.path != "/" or home is None:
            return None
        scope = scope_of(current_user)
        if scope is None or scope.role == "wall" or can(scope, home["access"]):
            return None
        target = first_page(scope)
        return redirect(target) if target else None


def check_routes(server: Flask) -> None:
    """Refuse to start if a Flask view of ours declares no action."""
    missing = [
        name
        for name, view in server.view_functions.items()
        if not name.startswith(FRAMEWORK_ENDPOINTS_PREFIX)
        and not name.startswith("/")
        and not getattr(view, "jz_action", None)
    ]
    if missing:
        raise Undeclared("routes without a declared access: " + ", ".join(sorted(missing)))
