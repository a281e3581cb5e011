"""The command-centre wall (/wall): the playlist's views on a dark canvas, for leaders and
for read-only wall accounts.

The page draws the view on screen; the other views are empty slots that assets/wall.js
asks for one at a time (``wall-want``) while the current one shows, after which cycling
the playlist loads nothing. The script asks /wall/heartbeat whether the data, the
instructions or the playlist changed; when they did it sets ``wall-refresh`` and the
canvas is drawn again, the view on screen first, without a reload.
"""

from __future__ import annotations

from dataclasses import replace

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, dcc, html

from access import AccessDenied, RegionNotFound, Scope, current_scope
from components import messages
from components import wall as view
from etl.refdata import region_levels, region_names
from i18n import N_, get_lang, t
from ops import tasks as T
from queries import api
from queries.runner import WarehouseUnavailable
from services import feedback
from services.wall import Playlist
from web import context, wall

dash.register_page(
    __name__,
    path="/wall",
    name="wall",
    title="精准 · 指挥大屏",
    nav={"label": N_("nav.wall"), "order": 5},
    access="wall.view",
)


def _scope() -> Scope:
    return current_scope("wall.view")


def resolve(playlist: Playlist, scope: Scope) -> list[dict]:
    """The playlist's views this scope may show: its own region where none is named;
    a region outside the scope (or unknown) is left out."""
    known = region_levels()
    out = []
    for v in playlist.views:
        code = v.region or scope.region_code
        if not scope.contains(code) or code not in known:
            continue
        out.append({"kind": v.kind, "region": code, "dwell": v.dwell})
    return out


def _draw(scope: Scope, v: dict, index: int) -> tuple[api.WallView, list]:
    """One view's figures (its region's, within the scope) and its panels."""
    ctx = context.get()
    w = api.wall_view(ctx.warehouse, scope, v["region"])
    region = replace(scope, region_code=v["region"])
    board = T.board(ctx.ops, region)
    # Households' feedback not yet replied to, beside the instructions (services/feedback.py).
    board["counts"] = {**board["counts"], "feedback": feedback.counts(ctx.ops, region)["open"]}
    b = view.Board(**board, regions=region_names())
    return w, view.panels(v["kind"], index, w, b, get_lang())


def canvas(scope: Scope, active=0) -> list:
    """Everything on the canvas: header, the views, the ticker and the settings the
    script reads. Only the view on screen (``active``) is drawn (and queried) now; the
    others are empty slots that ``fill_slot`` draws one at a time, a little before each
    is shown, so neither the first paint nor a redraw waits for every view.
    Raises AccessDenied / RegionNotFound / WarehouseUnavailable."""
    wh, lang = context.warehouse(), get_lang()
    playlist = wall.playlist()
    views = resolve(playlist, scope)
    active = active if isinstance(active, int) and 0 <= active < len(views) else 0
    names = region_names()
    titles = [view.view_title(v["kind"], names.get(v["region"], v["region"]), lang) for v in views]
    shown, drawn = _draw(scope, views[active], active) if views else (None, None)
    rendered = [
        {
            "title": title,
            "div": view.view(v["kind"], i, title, v["dwell"], drawn if i == active else None),
        }
        for i, (v, title) in enumerate(zip(views, titles))
    ]
    home = (
        shown
        if shown is not None and views[active]["region"] == scope.region_code
        else api.wall_view(wh, scope, scope.region_code)
    )
    version = wh.version
    names = api.rule_names(wh, lang)
    children = [
        view.header(home.region.unit["name"], rendered, version, active, lang),
        html.Div(
            t("wall.stale", lang, hours=playlist.stale_after_hours),
            id="wall-stale",
            className="jz-wall-stale",
        ),
        html.Div(
            [r["div"] for r in rendered]
            or html.Div(t("wall.no_views", lang), className="jz-wall-empty"),
            id="wall-views",
            className="jz-wall-views",
        ),
        view.ticker(home.latest, names, lang),
        html.Div(
            id="wall-settings",
            hidden=True,
            **{
                "data-poll": playlist.poll_seconds,
                "data-reload-hours": playlist.reload_hours,
                "data-stamp": wall.stamp(scope, playlist),
            },
        ),
        dcc.Interval(id="wall-map-tick", interval=playlist.map_cycle_seconds * 1000),
    ]
    return children


def layout(**_):
    try:
        scope = _scope()
        children = canvas(scope)
    except (AccessDenied, RegionNotFound, WarehouseUnavailable) as exc:
        return messages.refusal(exc)
    return html.Div(
        id="wall-root",
        className="jz-wall",
        lang=view.lang_attr(get_lang()),
        children=[
            html.Div(children, id="wall-canvas", className="jz-wall-canvas"),
            dcc.Store(id="wall-refresh"),
            dcc.Store(id="wall-want"),
        ],
    )


@callback(
    Output("wall-canvas", "children"), Input("wall-refresh", "data"), prevent_initial_call=True
)
def refresh(data):
    """The data, the instructions or the playlist changed: draw the canvas again, the
    view on screen first (the script says which)."""
    scope = _scope()  # the gate again: never trust that the layout was checked
    active = data.get("index") if isinstance(data, dict) else 0
    try:
        return canvas(scope, active)
    except WarehouseUnavailable:
        return dash.no_update


@callback(
    Output({"type": "wall-slot", "index": ALL}, "children"),
    Input("wall-want", "data"),
    State({"type": "wall-slot", "index": ALL}, "id"),
    prevent_initial_call=True,
)
def fill_slot(want, slots):
    """Draw the one view the script asks for (the next to be shown)."""
    scope = _scope()
    slots = slots if isinstance(slots, list) else []
    index = want.get("index") if isinstance(want, dict) else None
    out = [dash.no_update] * len(slots)
    targets = [k for k, s in enumerate(slots) if isinstance(s, dict) and s.get("index") == index]
    if not isinstance(index, int) or not targets:
        return out
    try:
        views = resolve(wall.playlist(), scope)
        if 0 <= index < len(views):  # else the playlist changed: the heartbeat redraws all
            out[targets[0]] = _draw(scope, views[index], index)[1]
    except (RegionNotFound, WarehouseUnavailable):
        pass
    return out


# Purely visual: the maps change indicator on the playlist's cycle (no data, no server).
clientside_callback(
    """function (n, ids) {
        var k = (n || 0) % """
    + str(len(view.MAP_INDICATORS))
    + """;
        return [ids.map(function () { return {k: k}; }),
                ids.map(function () { return "jz-wall-legends k-" + k; })];
    }""",
    Output({"type": "wall-geojson", "index": ALL}, "hideout"),
    Output({"type": "wall-legends", "index": ALL}, "className"),
    Input("wall-map-tick", "n_intervals"),
    State({"type": "wall-geojson", "index": ALL}, "id"),
    prevent_initial_call=True,
)
