"""The audit log (/admin/audit): an admin reads who did what in its region — filtered by
user, action, region and days — and exports what it sees as CSV (/admin/audit.csv,
web/audit.py). Entries whose region lies within the admin's only ('' ones, of actors
that are no account, for a province admin). Every search and every export is itself an
entry of the log."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
from dash import Input, Output, callback, html

from access import current_scope
from components import tables, units
from etl.refdata import region_levels, region_names
from i18n import CATALOG, fmt_exact, fmt_time, t, with_zone
from ops import audit
from services import audit_view as web_audit
from web import context
from web.auth import client_ip

dash.register_page(__name__, path="/admin/audit", name="admin_audit", title="精准 · 审计日志",
                   nav={"label": "nav.admin_audit", "order": 93},
                   access="audit.view")

SHOWN = 1000  # rows the grid shows; the CSV has up to ops.audit.MAX_ROWS
COLUMNS = (("at", 150), ("actor", 130), ("action", 150), ("target", 180), ("outcome", 90),
           ("region", 160), ("ip", 110), ("detail", 260))


def _columns() -> list[dict]:
    return [{"field": f, "headerName": with_zone(t("audit.col.at")) if f == "at"
             else t(f"audit.col.{'region_code' if f == 'region' else f}"),
             "minWidth": w, "flex": 1 if f in ("target", "detail") else 0, "width": w,
             "filter": True, "tooltipField": f if f in ("target", "detail") else None}
            for f, w in COLUMNS]


def _label(kind: str, code: str) -> str:
    """An action or outcome by its name in the user's language; the code itself if it
    has none."""
    key = f"audit.{kind}.{code}"
    return t(key) if key in CATALOG["zh"] else code


def action_label(code: str) -> str:
    return _label("action", code)


def outcome_label(code: str) -> str:
    return _label("outcome", code)


def grid_rows(entries: list[dict]) -> list[dict]:
    """Entries as the grid shows them: local time, the unit by name."""
    return [{"id": e["id"], "at": fmt_time(e["at"], seconds=True), "actor": e["actor"],
             "action": action_label(e["action"]), "target": e["target"], "outcome": outcome_label(e["outcome"]),
             "region": units.unit_label(e["region_code"], region_names()) if e["region_code"] else "—",
             "ip": e["ip"], "detail": e["detail"] if e["detail"] != "{}" else ""}
            for e in entries]


def layout(**_):
    scope = current_scope()
    actions = [{"value": a, "label": action_label(a)}
               for a in audit.actions(context.ops(), scope)]
    return html.Div(className="jz-page", children=[
        dmc.Title(t("audit.title"), order=2, mb="sm"),
        dmc.Text(t("audit.scope_note", region=units.unit_label(scope.region_code, region_names())), size="sm",
                 c="dimmed", mb="md"),
        dmc.Paper(withBorder=True, p="md", mb="md", children=[
            dmc.SimpleGrid(cols={"base": 1, "sm": 2, "lg": 5}, children=[
                dmc.TextInput(id="audit-user", label=t("audit.filter.user"), debounce=500,
                              inputProps={"maxLength": web_audit.MAX_USER},
                              placeholder=t("audit.filter.user_placeholder")),
                dmc.Select(id="audit-action", label=t("audit.filter.action"), data=actions,
                           searchable=True, clearable=True,
                           placeholder=t("audit.filter.any"),
                           nothingFoundMessage=t("task.filter.nothing")),
                dmc.Select(id="audit-region", label=t("audit.filter.region"),
                           data=units.unit_options(scope, min(scope.level + 2, 4),
                                                   names=region_names(), levels=region_levels()),
                           searchable=True, clearable=True, limit=100,
                           placeholder=t("audit.filter.any"),
                           nothingFoundMessage=t("task.filter.nothing")),
                # Days as people type them (the server checks them): 2026-12-01.
                dmc.TextInput(id="audit-from", label=t("audit.filter.from"), debounce=500,
                              placeholder="YYYY-MM-DD"),
                dmc.TextInput(id="audit-to", label=t("audit.filter.to"), debounce=500,
                              placeholder="YYYY-MM-DD"),
            ]),
            dmc.Group(justify="space-between", mt="sm", children=[
                dmc.Text(id="audit-count", size="sm", c="dimmed"),
                html.A(t("audit.export"), id="audit-export", href="/admin/audit.csv",
                       download="", className="jz-download"),
            ]),
        ]),
        html.Div(id="audit-feedback"),
        tables.grid("audit-grid", _columns(), [], height=520),
    ])


@callback(Output("audit-grid", "rowData"), Output("audit-count", "children"),
          Output("audit-export", "href"), Output("audit-feedback", "children"),
          Input("audit-user", "value"), Input("audit-action", "value"),
          Input("audit-region", "value"), Input("audit-from", "value"),
          Input("audit-to", "value"))
def search(user, action, region, date_from, date_to):
    """The entries of the filters (checked on the server; a region outside the admin's
    is refused). The search is logged."""
    scope = current_scope()
    try:
        f = web_audit.parse(scope, user, action, region, date_from, date_to)
    except web_audit.FilterError as exc:
        return [], "", dash.no_update, dmc.Alert(t(exc.key), color="red", variant="light",
                                                 mb="sm", id="audit-alert")
    found = web_audit.entries(context.ops(), scope, f, SHOWN)
    audit.record(context.ops(), scope.username, "audit_view",
                 target=f.region or scope.region_code,
                 detail={**f.query(), "rows": len(found)}, ip=client_ip(), scope=scope)
    count = t("audit.count_capped" if len(found) >= SHOWN else "audit.count",
              n=fmt_exact(len(found)))
    query = f.query()
    href = "/admin/audit.csv" + (f"?{urlencode(query)}" if query else "")
    return grid_rows(found), count, href, None
