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
from i18n import N_, fmt_exact, fmt_time, get_lang, t, tn, with_zone
from services import audit
from services import audit_view as web_audit
from web import context
from web.auth import client_ip

dash.register_page(
    __name__,
    path="/admin/audit",
    name="admin_audit",
    title="精准 · 审计日志",
    nav={"label": N_("nav.admin_audit"), "order": 93},
    access="audit.view",
)

SHOWN = 1000  # rows the grid shows; the CSV has up to ops.audit.MAX_ROWS
COLUMNS = (
    ("at", 150),
    ("actor", 130),
    ("action", 150),
    ("target", 180),
    ("outcome", 90),
    ("region", 160),
    ("ip", 110),
    ("detail", 260),
)
COLUMN_LABEL = {
    "at": N_("audit.col.at"),
    "actor": N_("audit.col.actor"),
    "action": N_("audit.col.action"),
    "target": N_("audit.col.target"),
    "outcome": N_("audit.col.outcome"),
    "region": N_("audit.col.region_code"),
    "ip": N_("audit.col.ip"),
    "detail": N_("audit.col.detail"),
}
# The actions and outcomes in words (ops.audit records the codes).
ACTION_LABEL = {
    "login": N_("audit.action.login"),
    "logout": N_("audit.action.logout"),
    "password_change": N_("audit.action.password_change"),
    "user_create": N_("audit.action.user_create"),
    "user_set_password": N_("audit.action.user_set_password"),
    "user_set_role": N_("audit.action.user_set_role"),
    "user_link_cadre": N_("audit.action.user_link_cadre"),
    "user_enable": N_("audit.action.user_enable"),
    "user_disable": N_("audit.action.user_disable"),
    "token_create": N_("audit.action.token_create"),
    "token_revoke": N_("audit.action.token_revoke"),
    "reveal_id": N_("audit.action.reveal_id"),
    "export_households": N_("audit.action.export_households"),
    "export_quality": N_("audit.action.export_quality"),
    "export_chart": N_("audit.action.export_chart"),
    "export_download": N_("audit.action.export_download"),
    "export_briefing": N_("audit.action.export_briefing"),
    "export_minutes": N_("audit.action.export_minutes"),
    "export_notice": N_("audit.action.export_notice"),
    "case_override": N_("audit.action.case_override"),
    "cases_refresh": N_("audit.action.cases_refresh"),
    "case_file": N_("audit.action.case_file"),
    "export_page": N_("audit.action.export_page"),
    "export_map": N_("audit.action.export_map"),
    "export_exchange": N_("audit.action.export_exchange"),
    "import": N_("audit.action.import"),
    "import_report": N_("audit.action.import_report"),
    "imports_refresh": N_("audit.action.imports_refresh"),
    "load_registry": N_("audit.action.load_registry"),
    "registry_report": N_("audit.action.registry_report"),
    "task_create": N_("audit.action.task_create"),
    "meeting_create": N_("audit.action.meeting_create"),
    "warning_to_task": N_("audit.action.warning_to_task"),
    "doubts_send": N_("audit.action.doubts_send"),
    "doubt_close": N_("audit.action.doubt_close"),
    "wall_playlist": N_("audit.action.wall_playlist"),
    "audit_view": N_("audit.action.audit_view"),
    "audit_export": N_("audit.action.audit_export"),
}
OUTCOME_LABEL = {
    "ok": N_("audit.outcome.ok"),
    "bad_credentials": N_("audit.outcome.bad_credentials"),
    "locked": N_("audit.outcome.locked"),
    "throttled": N_("audit.outcome.throttled"),
    "disabled": N_("audit.outcome.disabled"),
    "refused": N_("audit.outcome.refused"),
    "refused_cap": N_("audit.outcome.refused_cap"),
    "refused_busy": N_("audit.outcome.refused_busy"),
    "csrf_refused": N_("audit.outcome.csrf_refused"),
    "failed": N_("audit.outcome.failed"),
    "requested": N_("audit.outcome.requested"),
    "unavailable": N_("audit.outcome.unavailable"),
}


def _columns() -> list[dict]:
    return [
        {
            "field": f,
            "headerName": with_zone(t(COLUMN_LABEL[f])) if f == "at" else t(COLUMN_LABEL[f]),
            "minWidth": w,
            "flex": 1 if f in ("target", "detail") else 0,
            "width": w,
            "filter": True,
            "tooltipField": f if f in ("target", "detail") else None,
        }
        for f, w in COLUMNS
    ]


def action_label(code: str) -> str:
    """An action by its name in the user's language; the code itself if it has none."""
    return t(ACTION_LABEL[code]) if code in ACTION_LABEL else code


def outcome_label(code: str) -> str:
    """An outcome by its name in the user's language; the code itself if it has none."""
    return t(OUTCOME_LABEL[code]) if code in OUTCOME_LABEL else code


def grid_rows(entries: list[dict]) -> list[dict]:
    """Entries as the grid shows them: local time, the unit by name."""
    return [
        {
            "id": e["id"],
            "at": fmt_time(e["at"], seconds=True),
            "actor": e["actor"],
            "action": action_label(e["action"]),
            "target": e["target"],
            "outcome": outcome_label(e["outcome"]),
            "region": units.unit_label(e["region_code"], region_names())
            if e["region_code"]
            else "—",
            "ip": e["ip"],
            "detail": e["detail"] if e["detail"] != "{}" else "",
        }
        for e in entries
    ]


def _filter_fields(scope, actions: list[dict]):
    """The filters: user, action, region and the first and last day."""
    return dmc.SimpleGrid(
        cols={"base": 1, "sm": 2, "lg": 5},
        children=[
            dmc.TextInput(
                id="audit-user",
                label=t("audit.filter.user"),
                debounce=500,
                inputProps={"maxLength": web_audit.MAX_USER},
                placeholder=t("audit.filter.user_placeholder"),
            ),
            dmc.Select(
                id="audit-action",
                label=t("audit.filter.action"),
                data=actions,
                searchable=True,
                clearable=True,
                placeholder=t("audit.filter.any"),
                nothingFoundMessage=t("task.filter.nothing"),
            ),
            dmc.Select(
                id="audit-region",
                label=t("audit.filter.region"),
                data=units.unit_options(
                    scope,
                    min(scope.level + 2, 4),
                    names=region_names(),
                    levels=region_levels(),
                ),
                searchable=True,
                clearable=True,
                limit=100,
                placeholder=t("audit.filter.any"),
                nothingFoundMessage=t("task.filter.nothing"),
            ),
            # Days as people type them (the server checks them): 2026-12-01.
            dmc.TextInput(
                id="audit-from",
                label=t("audit.filter.from"),
                debounce=500,
                placeholder="YYYY-MM-DD",
            ),
            dmc.TextInput(
                id="audit-to",
                label=t("audit.filter.to"),
                debounce=500,
                placeholder="YYYY-MM-DD",
            ),
        ],
    )


def _count_and_export():
    """The count of the entries shown and the link to their CSV."""
    return dmc.Group(
        justify="space-between",
        mt="sm",
        children=[
            dmc.Text(id="audit-count", size="sm", c="dimmed"),
            html.A(
                t("audit.export"),
                id="audit-export",
                href="/admin/audit.csv",
                download="",
                className="jz-download",
            ),
        ],
    )


def layout(**_):
    scope = current_scope()
    actions = [{"value": a, "label": action_label(a)} for a in audit.actions(context.ops(), scope)]
    return html.Div(
        className="jz-page",
        children=[
            dmc.Title(t("audit.title"), order=2, mb="sm"),
            dmc.Text(
                t("audit.scope_note", region=units.unit_label(scope.region_code, region_names())),
                size="sm",
                c="dimmed",
                mb="md",
            ),
            dmc.Paper(
                withBorder=True,
                p="md",
                mb="md",
                children=[_filter_fields(scope, actions), _count_and_export()],
            ),
            html.Div(id="audit-feedback"),
            tables.grid("audit-grid", _columns(), [], height=520, lang=get_lang()),
        ],
    )


@callback(
    Output("audit-grid", "rowData"),
    Output("audit-count", "children"),
    Output("audit-export", "href"),
    Output("audit-feedback", "children"),
    Input("audit-user", "value"),
    Input("audit-action", "value"),
    Input("audit-region", "value"),
    Input("audit-from", "value"),
    Input("audit-to", "value"),
)
def search(user, action, region, date_from, date_to):
    """The entries of the filters (checked on the server; a region outside the admin's
    is refused). The search is logged."""
    scope = current_scope()
    try:
        f = web_audit.parse(scope, user, action, region, date_from, date_to)
    except web_audit.FilterError as exc:
        return (
            [],
            "",
            dash.no_update,
            dmc.Alert(t(exc.key), color="red", variant="light", mb="sm", id="audit-alert"),
        )
    found = web_audit.read(context.ops(), scope, f, "audit_view", SHOWN, client_ip())
    query = f.query()
    href = "/admin/audit.csv" + (f"?{urlencode(query)}" if query else "")
    return grid_rows(found), count_text(len(found)), href, None


def count_text(n: int) -> str:
    """How many entries are shown ("at most" when the list is cut at SHOWN)."""
    if n >= SHOWN:
        return t("audit.count_capped", n=fmt_exact(n))
    return tn("audit.count", "audit.count_plural", n, n=fmt_exact(n))
