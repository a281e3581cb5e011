"""The wall's server side: its playlist, its heartbeat and the fence around wall accounts.

A wall account (role "wall") is read-only and sees /wall and nothing else: every other
page, every export and API route, and every Dash callback but the wall's own is refused
(403), deny by default. Leaders see the wall as well as everything else.

GET /wall/heartbeat answers the wall's script every few seconds: a stamp that changes
when the warehouse, the instructions of the wall's region, the playlist or the day
change, and whether the data is stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask import Flask, jsonify, redirect, request
from flask_login import current_user

from access import Scope, current_scope
from domain import clock
from i18n import N_, get_lang, t
from ops import tasks as T
from queries.runner import WarehouseUnavailable
from services import wall as S
from services.wall import Playlist
from web import context
from web.auth import error_response
from web.gate import gated

# What a wall account may request besides /wall: Dash's own plumbing and static files.
WALL_PATHS = {
    "/wall",
    "/wall/heartbeat",
    "/logout",
    "/_dash-layout",
    "/_dash-dependencies",
    "/_favicon.ico",
    "/favicon.ico",
}
WALL_PREFIXES = ("/assets/", "/_dash-component-suites/", "/lang/")
# Callbacks a wall account may fire: outputs on the wall, and the pages router for /wall.
PAGES_OUTPUTS = {"_pages_content.children", "_pages_store.data", "_pages_dummy.dummy"}


def in_force() -> S.InForce:
    """The playlist every wall follows (the store's; seeded from the settings' file on
    first use), and why it is the fallback when it is."""
    ctx = context.get()
    return S.current(ctx.ops, ctx.settings.wall_config)


def playlist() -> Playlist:
    """The playlist in force."""
    return in_force().playlist


def stamp(scope: Scope, playlist: Playlist) -> str:
    """Changes whenever what the wall shows may have changed."""
    ctx = context.get()
    parts = [
        str(ctx.warehouse.version["version"]),
        T.stamp(ctx.ops, scope),
        playlist.digest,
        clock.day().isoformat(),
        get_lang(),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def _outputs(body: dict) -> list[str]:
    """The output ids of a Dash callback request ("id.prop"); a dict id (pattern) as-is."""
    outs = body.get("outputs")
    outs = outs if isinstance(outs, list) else [outs]
    flat = []
    for o in outs:
        for item in o if isinstance(o, list) else [o]:
            if isinstance(item, dict):
                oid = item.get("id")
                # A pattern id ({"type": "wall-slot", ...}) counts by its type.
                name = oid.get("type") if isinstance(oid, dict) else oid
                flat.append(f"{name}.{item.get('property')}")
            else:
                flat.append(repr(item))
    return flat


def _named(key) -> list[str]:
    """The outputs the request's ``output`` names ("id.prop"; a pattern id by its type).

    Dash looks the callback it runs up by this key, not by ``outputs``: the fence must
    judge the callback that will run, so it reads both."""
    if not isinstance(key, str) or not key:
        return []
    parts = key[2:-2].split("...") if key.startswith("..") and key.endswith("..") else [key]
    flat = []
    for part in parts:
        cid, _, prop = part.split("@")[0].rpartition(".")
        if cid.startswith("{"):
            try:
                cid = json.loads(cid).get("type")
            except (ValueError, AttributeError):
                return []
        flat.append(f"{cid}.{prop}")
    return flat


def _wall_outputs(outs: list[str], body: dict) -> bool:
    if outs and all(o.startswith("wall-") for o in outs):
        return True
    if outs and set(outs) <= PAGES_OUTPUTS:
        # The pages router renders whatever path it is given, taking its inputs by
        # position: the first must be the location's pathname, and /wall.
        inputs = body.get("inputs")
        return (
            isinstance(inputs, list)
            and bool(inputs)
            and inputs[0] == {"id": "_pages_location", "property": "pathname", "value": "/wall"}
        )
    return False


def _wall_callback(body) -> bool:
    """Whether a callback request may run for a wall account: both the outputs it lists
    and the callback its ``output`` names (the one Dash runs) must be the wall's."""
    if not isinstance(body, dict):
        return False
    return _wall_outputs(_outputs(body), body) and _wall_outputs(_named(body.get("output")), body)


def init(server: Flask) -> None:
    @server.before_request
    def fence():
        """Deny a wall account everything that is not the wall."""
        if not current_user.is_authenticated or current_user.role != "wall":
            return None
        path = request.path
        if path == "/":
            return redirect("/wall")
        if (
            path in WALL_PATHS
            and path != "/_dash-update-component"
            or path.startswith(WALL_PREFIXES)
        ):
            return None
        if path == "/_dash-update-component" and _wall_callback(request.get_json(silent=True)):
            return None
        return error_response(403, N_("wall.err.read_only"))

    @server.route("/wall/heartbeat")
    @gated("wall.view")
    def heartbeat():
        scope = current_scope("wall.view")
        ctx = context.get()
        try:
            version = ctx.warehouse.version
        except WarehouseUnavailable:
            return jsonify({"error": t("error.warehouse"), "status": 503}), 503
        pl = playlist()
        built = version["built_at"]
        if built.tzinfo is None:
            built = built.replace(tzinfo=dt.UTC)
        age = dt.datetime.now(dt.UTC) - built
        return (
            jsonify(
                {
                    "stamp": stamp(scope, pl),
                    "stale": age > dt.timedelta(hours=pl.stale_after_hours),
                    "built_at": built.isoformat(),
                    "version": str(version["version"]),
                    "as_of": str(version["as_of"]),
                }
            ),
            200,
            {"Cache-Control": "no-store"},
        )
