"""One household (/household/<id>): members, income, measures, cadres, monitoring history."""

from __future__ import annotations

import json

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from access import AccessDenied, RegionNotFound, can, current_scope
from components import cases as case_view
from components import field as field_view
from components import messages, tables
from components.downloads import with_png
from components.theme import GRAPH_CONFIG
from domain.codes import CODES
from etl.refdata import region_names
from exports import charts as chart_registry
from i18n import N_, fmt_date, fmt_number, get_lang, t
from queries import api
from queries.privacy import can_reveal
from queries.runner import WarehouseUnavailable
from services import cases, changes, feedback, field
from services.privacy import log_reveal
from web import context
from web.auth import client_ip

dash.register_page(
    __name__,
    path_template="/household/<household_id>",
    name="household",
    title="精准 · 户详情",
    access="household.view",
)

# The tables' columns in order, with their headings.
MEMBER_COLUMNS = {
    "name": N_("hhd.col.name"),
    "status": N_("hhd.col.status"),
    "relation": N_("hhd.col.relation"),
    "sex": N_("hhd.col.sex"),
    "age": N_("hhd.col.age"),
    "id_number": N_("hhd.col.id_number"),
    "health": N_("hhd.col.health"),
    "labour": N_("hhd.col.labour"),
    "education": N_("hhd.col.education"),
    "migrant_months": N_("hhd.col.migrant_months"),
    "insured": N_("hhd.col.insured"),
    "phone": N_("hhd.col.phone"),
}
MEASURE_COLUMNS = {
    "year": N_("hhd.m.year"),
    "start": N_("hhd.m.start"),
    "channel": N_("hhd.m.channel"),
    "category": N_("hhd.m.category"),
    "amount": N_("hhd.m.amount"),
    "department": N_("hhd.m.department"),
}
CADRE_COLUMNS = {
    "name": N_("hhd.c.name"),
    "unit": N_("hhd.c.unit"),
    "position": N_("hhd.c.position"),
    "phone": N_("hhd.c.phone"),
    "start": N_("hhd.c.start"),
    "end": N_("hhd.c.end"),
}


def _label(domain: str, code) -> str:
    if code is None or pd.isna(code):
        return "—"
    return case_view.code_label(domain, code, get_lang())


def _status(r: dict) -> str:
    """在户, or the day and reason the person left the household (dated membership)."""
    left = r.get("left_date")
    if left is None or pd.isna(left):
        return t("hhd.present")
    return t(
        "hhd.left",
        date=fmt_date(pd.Timestamp(left).date()),
        reason=_label("member_leave", r.get("left_reason")),
    )


def members_table(members: pd.DataFrame):
    if "left_date" in members.columns:  # current members first, then those who left
        members = members.assign(_gone=members["left_date"].notna()).sort_values(
            "_gone", kind="stable"
        )
    rows = [
        {
            "status": _status(r),
            "name": r["name"],
            "relation": _label("relation", r["relation"]),
            "sex": _label("sex", r["sex"]),
            "age": int(r["age"]),
            "id_number": r["id_number"],
            "health": _label("health", r["health"]),
            "labour": _label("labour", r["labour"]),
            "education": _label("education", r["education"]),
            "migrant_months": int(r["migrant_months"]),
            "phone": r["phone"] or "—",
            "insured": "✓" if r["medical_insurance"] else "✗",
        }
        for r in members.to_dict("records")
    ]
    cols = [
        {"field": f, "headerName": t(k), "flex": 1, "sortable": False}
        for f, k in MEMBER_COLUMNS.items()
    ]
    for c in cols:
        if c["field"] in ("id_number", "phone"):
            c["cellClass"] = "jz-masked"
            c["minWidth"] = 170
    return tables.grid(
        "hhd-members", cols, rows, height=tables.fit_height(len(rows)), lang=get_lang()
    )


def timeline(mon: dict | None, measures: pd.DataFrame):
    if not mon:
        return dmc.Text(t("hhd.not_monitored"), c="dimmed")
    events = [
        ("warning_date", N_("hhd.ev.warning")),
        ("check_date", N_("hhd.ev.check")),
        ("notice_date", N_("hhd.ev.notice")),
        ("identify_date", N_("hhd.ev.identify")),
        ("assist_date", N_("hhd.ev.assist")),
        ("eliminate_date", N_("hhd.ev.eliminate")),
    ]
    items = []
    for col, key in events:
        d = mon.get(col)
        if d is not None and not pd.isna(d):
            items.append(
                dmc.TimelineItem(
                    title=t(key),
                    children=dmc.Text(fmt_date(pd.Timestamp(d).date()), size="sm", c="dimmed"),
                )
            )
    risks = "、".join(_label("risk", r) for r in mon.get("risks") or ()) or "—"
    return html.Div(
        [
            dmc.Group(
                [
                    dmc.Badge(_label("monitor_type", mon["monitor_type"]), color="orange"),
                    dmc.Badge(
                        _label("monitor_state", mon["state"]),
                        color="green" if mon["state"] == 3 else "red",
                    ),
                    dmc.Text(t("hhd.risks", risks=risks), size="sm"),
                    dmc.Text(
                        t("hhd.discovery", how=_label("discovery", mon["discovery"])),
                        size="sm",
                        c="dimmed",
                    ),
                ],
                mb="sm",
            ),
            dmc.Timeline(
                items, active=len(items) - 1, bulletSize=16, lineWidth=2, id="hhd-timeline"
            ),
        ]
    )


def risk_score(risk: dict | None, names: dict[str, str]):
    """The household's risk score with the rules that make it up, and their weights."""
    if not risk:
        return None
    factors = json.loads(risk["factors"] or "[]")
    return dmc.Alert(
        color="orange",
        variant="light",
        mb="sm",
        id="hhd-score",
        children=[
            dmc.Text(t("hhd.score", score=fmt_number(risk["score"], 1)), fw=700),
            dmc.Text(
                t("list.sep").join(
                    t(
                        "hhd.factor",
                        rule=names.get(f["rule"], f["rule"]),
                        weight=fmt_number(f["weight"], 2),
                    )
                    for f in factors
                ),
                size="sm",
            ),
        ],
    )


def household_status(h: dict) -> str:
    """Registered when, and exited when (or not yet), as a line of words."""
    if not h["is_registered"]:
        return t("hhd.not_registered")
    parts = [t("hhd.registered", year=int(h["identify_year"]))]
    if pd.isna(h.get("exit_year")):
        parts.append(t("hhd.not_exited"))
    else:
        parts.append(
            t("hhd.exited", year=int(h["exit_year"]), how=_label("exit_type", h.get("exit_type")))
        )
    return " · ".join(parts)


def _content(v: api.HouseholdView, reveal_allowed: bool):
    """The household's page below its id: heading, score, members, income, monitoring,
    measures and cadres."""
    return [
        _heading(v, reveal_allowed),
        dmc.Alert(t("hhd.revealed_note"), color="orange", variant="light", mb="sm")
        if v.revealed
        else None,
        risk_score(v.risk, rule_names()),
        dmc.Paper(
            withBorder=True,
            p="md",
            mb="md",
            children=[dmc.Title(t("hhd.members"), order=4, mb="sm"), members_table(v.members)],
        ),
        _income_and_monitoring(v),
        _cases(int(v.household["household_id"])),
        _field(int(v.household["household_id"])),
        _measures(v.measures),
        _cadres(v.cadres),
    ]


def _cases(household_id: int):
    """The household's monitoring cases in the platform, with their timelines."""
    scope = current_scope()
    if not can(scope, "cases.view"):
        return None
    engine, lang = context.ops(), get_lang()
    found = [
        cases.get(engine, scope, c["id"])
        for c in cases.cases_of(engine, scope, household_id=household_id)
    ]
    return dmc.Paper(
        withBorder=True,
        p="md",
        mb="md",
        children=[
            dmc.Title(t("hhd.cases"), order=4, mb="sm"),
            case_view.history(found, region_names(), lang),
        ],
    )


def _field(household_id: int):
    """The cadres' visits, the household's feedback and its change requests
    (services/field.py, feedback.py, changes.py): each list empty for a role that may
    not see it."""
    scope = current_scope()
    if not (can(scope, "visits.view") or can(scope, "feedback.view")):
        return None
    engine = context.ops()
    return field_view.field_work(
        field.visits_of(engine, scope, household_id),
        feedback.tickets(engine, scope, household_id=household_id),
        changes.requests(engine, scope, household_id=household_id),
        get_lang(),
    )


def _heading(v: api.HouseholdView, reveal_allowed: bool):
    """The head's name and household number, where it lives and its status, and the
    button that reveals full ID numbers (shown to a role that may use it)."""
    h = v.household
    status = household_status(h)
    return dmc.Group(
        justify="space-between",
        mb="sm",
        children=[
            html.Div(
                [
                    dmc.Title(
                        t("hhd.title", name=h["head_name"], no=h["household_no"]),
                        order=2,
                        id="hhd-title",
                    ),
                    dmc.Text(
                        " · ".join(
                            [
                                h["county_name"],
                                h["township_name"],
                                h["village_name"],
                                status,
                                t("hhd.phone") + f" {h['phone']}",
                            ]
                        ),
                        size="sm",
                        c="dimmed",
                    ),
                ]
            ),
            dmc.Button(
                t("hhd.reveal"),
                id="hhd-reveal",
                variant="light",
                color="orange",
                display="block" if reveal_allowed and not v.revealed else "none",
            ),
        ],
    )


def _income_and_monitoring(v: api.HouseholdView):
    """The income chart beside the monitoring timeline."""
    return dmc.SimpleGrid(
        cols={"base": 1, "lg": 2},
        mb="md",
        children=[
            dmc.Paper(
                withBorder=True,
                p="xs",
                children=with_png(
                    dcc.Graph(
                        figure=chart_registry.figure("household-income", v, get_lang()),
                        config=GRAPH_CONFIG,
                    ),
                    "household-income",
                    household=v.household["household_id"],
                ),
            ),
            dmc.Paper(
                withBorder=True,
                p="md",
                children=[
                    dmc.Title(t("hhd.monitoring"), order=4, mb="sm"),
                    timeline(v.monitoring, v.measures),
                ],
            ),
        ],
    )


def _measures(measures: pd.DataFrame):
    """The assistance measures the household received, as a table."""
    rows = [
        {
            "year": int(r["year"]),
            "start": fmt_date(pd.Timestamp(r["start_date"]).date()),
            "channel": _label("channel", r["channel"]),
            "category": _label("measure_category", r["category"]),
            "amount": f"{int(r['amount']):,}",
            "department": CODES["department"][r["department"]][0 if get_lang() == "zh" else 1],
        }
        for r in measures.to_dict("records")
    ]
    cols = [{"field": f, "headerName": t(k), "flex": 1} for f, k in MEASURE_COLUMNS.items()]
    return dmc.Paper(
        withBorder=True,
        p="md",
        mb="md",
        children=[
            dmc.Title(t("hhd.measures"), order=4, mb="sm"),
            tables.grid(
                "hhd-measures",
                cols,
                rows,
                height=tables.fit_height(len(rows), 400),
                lang=get_lang(),
            ),
        ],
    )


def _cadres(cadres: pd.DataFrame):
    """The cadres paired with the household (结对帮扶), past and current, as a table."""
    rows = [
        {
            "name": r["name"],
            "unit": r["unit_name"],
            "position": r["position"],
            "phone": r["phone"],
            "start": fmt_date(pd.Timestamp(r["start_date"]).date()),
            "end": fmt_date(pd.Timestamp(r["end_date"]).date())
            if not pd.isna(r["end_date"])
            else t("hhd.current"),
        }
        for r in cadres.to_dict("records")
    ]
    cols = [{"field": f, "headerName": t(k), "flex": 1} for f, k in CADRE_COLUMNS.items()]
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(t("hhd.cadres"), order=4, mb="sm"),
            tables.grid(
                "hhd-cadres", cols, rows, height=tables.fit_height(len(rows)), lang=get_lang()
            ),
        ],
    )


def rule_names() -> dict[str, str]:
    return api.rule_names(context.warehouse(), get_lang())


def layout(household_id: str | None = None, **_):
    scope = current_scope()
    try:
        v = api.household_view(context.warehouse(), scope, household_id)
    except AccessDenied:
        return messages.forbidden()
    except RegionNotFound:
        return messages.notice(N_("error.household_not_found"))
    except WarehouseUnavailable:
        return messages.no_warehouse()
    return html.Div(
        className="jz-page",
        children=[
            dcc.Store(id="hhd-id", data=int(v.household["household_id"])),
            html.Div(_content(v, can_reveal(scope)), id="hhd-content"),
        ],
    )


@callback(
    Output("hhd-content", "children"),
    Input("hhd-reveal", "n_clicks"),
    State("hhd-id", "data"),
    prevent_initial_call=True,
)
def reveal(_n, household_id):
    """Show full ID numbers to a role that may see them, and log that it did."""
    scope = current_scope()
    if not can_reveal(scope):
        raise AccessDenied("this role does not see full ID numbers")
    v = api.household_view(context.warehouse(), scope, household_id, reveal=True)
    log_reveal(context.ops(), scope, int(v.household["household_id"]), client_ip())
    return _content(v, True)
