"""The wall's playlist (/admin/wall): province admins order the views, set their dwell
times and the wall's timings. Saving checks everything first and stores it whole in the
operational store (services/wall.py); walls pick the change up at their next heartbeat."""

from __future__ import annotations

import json
import re

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, html

from access import AccessDenied, current_scope
from components import messages, tables, units
from components.wall import VIEW_LABEL
from etl.refdata import region_levels, region_names
from i18n import N_, get_lang, t
from ops import wall as P
from services import wall as S
from web import context, wall
from web.auth import client_ip

dash.register_page(
    __name__,
    path="/admin/wall",
    name="admin_wall",
    title="精准 · 大屏播放列表",
    nav={"label": N_("nav.admin_wall"), "order": 92},
    access="wall.playlist",
)

# The playlist's settings by name (ops.wall.SETTINGS).
SETTING_LABEL = {
    "poll_seconds": N_("admin.wall.poll_seconds"),
    "stale_after_hours": N_("admin.wall.stale_after_hours"),
    "reload_hours": N_("admin.wall.reload_hours"),
    "map_cycle_seconds": N_("admin.wall.map_cycle_seconds"),
}


def _admin_scope():
    """A province admin's scope: the playlist drives every wall of the province."""
    return current_scope("wall.playlist")


def playlist_regions(scope) -> list[dict]:
    """The units a view may be focused on, by name: the province, its cities and
    counties."""
    return units.unit_options(scope, 3, names=region_names(), levels=region_levels())


def _rows(pl: P.Playlist) -> list[dict]:
    return [{"kind": v.kind, "region": v.region or "", "dwell": v.dwell} for v in pl.views]


def layout(**_):
    try:
        scope = _admin_scope()
    except AccessDenied as exc:
        return messages.refusal(exc)
    found = wall.in_force()
    pl = found.playlist
    columns = _columns(pl, playlist_regions(scope))
    return html.Div(
        className="jz-page",
        children=[
            dmc.Title(t("admin.wall.title"), order=2, mb="xs"),
            dmc.Text(t("admin.wall.hint"), size="sm", c="dimmed", mb="sm"),
            dmc.Alert(t("admin.wall.file_error", reason=found.error), color="red", mb="sm")
            if found.error
            else None,
            html.Div(id="admin-wall-feedback"),
            _settings(pl),
            _grid(pl, columns),
            dmc.Group(
                mt="sm",
                children=[
                    dmc.Button(t("admin.wall.add"), id="admin-wall-add", variant="light"),
                    dmc.Button(
                        t("admin.wall.remove"), id="admin-wall-remove", variant="light", color="red"
                    ),
                    dmc.Button(t("admin.wall.save"), id="admin-wall-save"),
                ],
            ),
        ],
    )


def _columns(pl: P.Playlist, regions: list[dict]) -> list[dict]:
    """The grid's columns: the view's kind and region, picked by name from a list, and
    its dwell time."""
    labels = json.dumps({k: t(VIEW_LABEL[k]) for k in P.KINDS}, ensure_ascii=False)
    shown = json.dumps(
        {
            "": t("admin.wall.own_region"),
            **{o["value"]: o["label"] for o in regions},
            **{v.region: units.unit_label(v.region, region_names()) for v in pl.views if v.region},
        },
        ensure_ascii=False,
    )
    return [
        {
            "field": "kind",
            "headerName": t("admin.wall.kind"),
            "editable": True,
            "rowDrag": True,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": list(P.KINDS)},
            "valueFormatter": {"function": f"({labels})[params.value] || params.value"},
            "flex": 1,
        },
        # A region is picked by name (the code is only the value the playlist stores).
        {
            "field": "region",
            "headerName": t("admin.wall.region"),
            "editable": True,
            "flex": 1,
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": [""] + [o["value"] for o in regions]},
            "valueFormatter": {"function": f"({shown})[params.value] || params.value"},
        },
        {
            "field": "dwell",
            "headerName": t("admin.wall.dwell"),
            "editable": True,
            "width": 140,
            "cellEditor": "agNumberCellEditor",
            "type": "rightAligned",
        },
    ]


def _settings(pl: P.Playlist):
    """The playlist's timings (ops.wall.SETTINGS), one number input each."""
    return dmc.SimpleGrid(
        cols={"base": 2, "md": 4},
        mb="sm",
        children=[
            dmc.NumberInput(
                id=f"admin-wall-{k}",
                label=t(SETTING_LABEL[k]),
                value=getattr(pl, k),
                min=lo,
                max=hi,
                allowDecimal=False,
            )
            for k, (lo, hi, _d) in P.SETTINGS.items()
        ],
    )


def _grid(pl: P.Playlist, columns: list[dict]):
    """The playlist's views as an editable grid, reordered by dragging the rows."""
    return dag.AgGrid(
        id="admin-wall-grid",
        columnDefs=columns,
        rowData=_rows(pl),
        dashGridOptions={
            "theme": tables.GRID_THEME,
            "rowDragManaged": True,
            "rowSelection": {"mode": "singleRow", "checkboxes": True},
            "localeText": tables.locale_text(get_lang()),
            "singleClickEdit": True,
            "stopEditingWhenCellsLoseFocus": True,
        },
        style={"height": 420, "width": "100%"},
        className="jz-grid",
    )


@callback(
    Output("admin-wall-grid", "rowData", allow_duplicate=True),
    Input("admin-wall-add", "n_clicks"),
    Input("admin-wall-remove", "n_clicks"),
    State("admin-wall-grid", "virtualRowData"),
    State("admin-wall-grid", "selectedRows"),
    prevent_initial_call=True,
)
def edit_rows(_add, _remove, rows, selected):
    """Add a view at the end, or remove the selected one (nothing is saved yet)."""
    _admin_scope()
    rows = [r for r in (rows or []) if isinstance(r, dict)]
    if dash.ctx.triggered_id == "admin-wall-add":
        return rows + [{"kind": "overview", "region": "", "dwell": 30}]
    if not selected or not isinstance(selected, list):
        return dash.no_update
    drop = selected[0]
    out, dropped = [], False
    for r in rows:
        if not dropped and r == drop:
            dropped = True
            continue
        out.append(r)
    return out


def _number(value):
    """A form value as a whole number where it is one (the parser says what is wrong)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,6}", value.strip()):
        return int(value.strip())
    return value


@callback(
    Output("admin-wall-feedback", "children"),
    Input("admin-wall-save", "n_clicks"),
    State("admin-wall-grid", "virtualRowData"),
    *[State(f"admin-wall-{k}", "value") for k in P.SETTINGS],
    prevent_initial_call=True,
)
def save(_n, rows, *settings):
    """The playlist as edited (rows and settings from the browser): saved whole by
    services/wall.py, or refused with the reason; both are logged there."""
    scope = _admin_scope()
    data = {"views": _views(rows), **{k: _number(v) for k, v in zip(P.SETTINGS, settings)}}
    try:
        saved = S.save(context.ops(), scope, data, ip=client_ip())
    except P.PlaylistError as exc:
        return dmc.Alert(
            t("admin.wall.invalid", reason=str(exc)), color="red", id="admin-wall-result"
        )
    return dmc.Alert(
        t("admin.wall.saved", n=len(saved.views)), color="green", id="admin-wall-result"
    )


def _views(rows) -> list[dict]:
    """The grid's rows as the playlist's views (what is not a row is left out)."""
    views = []
    for r in rows or []:
        if not isinstance(r, dict):
            continue
        view = {"kind": r.get("kind"), "dwell": _number(r.get("dwell"))}
        region = str(r.get("region") or "").strip()
        if region:
            view["region"] = region
        views.append(view)
    return views
