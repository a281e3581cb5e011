"""Briefings and exports (/briefings): a briefing PDF of a unit and month, a meeting's
minutes, and the user's own exports with their progress and files.

Every request is checked in the callback, in the user's own scope (the unit and meeting
chosen in the browser go through the gate again); the file is made in the background
and downloaded from /export/job/<id> by its owner only.
"""

from __future__ import annotations

import re

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html
from flask import request

from access import current_scope
from components import messages
from components.exports import alert, dialog_alert, job_status
from components.tasks import region_label
from etl.refdata import region_names
from exchange import national as exchange
from exports import jobs, render, service
from i18n import N_, fmt_date, fmt_month, fmt_time, get_lang, t, with_zone
from ops import tasks as T
from queries import api
from web import context, gate
from web.auth import client_ip, requester

dash.register_page(
    __name__,
    path="/briefings",
    name="briefings",
    title="精准 · 简报与导出",
    nav={"label": N_("nav.briefings"), "order": 45},
    access="briefings.make",
)

PENDING = ("queued", "running")
STATUS_COLOUR = {
    "queued": "gray",
    "running": "blue",
    "done": "green",
    "failed": "red",
    "expired": "gray",
}
STATUS_LABEL = {
    "queued": N_("export.status.queued"),
    "running": N_("export.status.running"),
    "done": N_("export.status.done"),
    "failed": N_("export.status.failed"),
    "expired": N_("export.status.expired"),
}
KIND_LABEL = {
    "briefing": N_("export.kind.briefing"),
    "exchange": N_("export.kind.exchange"),
    "minutes": N_("export.kind.minutes"),
    "notice": N_("export.kind.notice"),
    "page": N_("export.kind.page"),
    "map": N_("export.kind.map"),
}
COLUMN_LABEL = {
    "kind": N_("briefings.col.kind"),
    "target": N_("briefings.col.target"),
    "created": N_("briefings.col.created"),
    "status": N_("briefings.col.status"),
    "file": N_("briefings.col.file"),
}
# A page export's target by the page's name (its path's first part; "" is the overview).
PAGE_NAME = {
    "": N_("nav.overview"),
    "overview": N_("nav.overview"),
    "monitoring": N_("nav.monitoring"),
    "warnings": N_("nav.warnings"),
    "tasks": N_("nav.tasks"),
    "dispatch": N_("nav.dispatch"),
    "households": N_("nav.households"),
    "region": N_("nav.region"),
    "wall": N_("nav.wall"),
    "briefings": N_("nav.briefings"),
    "imports": N_("nav.imports"),
    "crosschecks": N_("nav.crosschecks"),
    "quality": N_("nav.quality"),
}


def layout(region: str | None = None, **_):
    scope = current_scope()
    wh = context.warehouse()
    try:
        version = api.data_version(wh)
        units = api.briefing_units(wh, scope)
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    gaps = render.missing(context.get().settings)
    return html.Div(
        className="jz-page",
        children=[
            dmc.Title(t("briefings.title"), order=2, mb="sm"),
            dmc.Alert(
                t("export.unavailable", what="; ".join(gaps), cmd=render.INSTALL),
                color="yellow",
                variant="light",
                mb="sm",
                id="brief-missing",
            )
            if gaps
            else None,
            dmc.SimpleGrid(
                cols={"base": 1, "lg": 2},
                children=[
                    _new_briefing(scope, units, version, region),
                    _minutes(T.list_meetings(context.ops(), scope, limit=50)),
                ],
            ),
            html.Div(id="brief-feedback", style={"marginTop": 12}),
            dmc.Paper(
                withBorder=True,
                p="md",
                mt="md",
                children=[
                    dmc.Title(t("briefings.mine"), order=4, mb="sm"),
                    html.Div(jobs_table(jobs.mine(context.ops(), scope)), id="brief-jobs"),
                ],
            ),
            dcc.Interval(id="brief-tick", interval=1000, disabled=False),
        ],
    )


def _new_briefing(scope, units, version, region: str | None):
    """The form of a new briefing (a unit within the scope, indented by level, and a
    month) and, for who may, the national exchange file."""
    indent = {1: "", 2: "　", 3: "　　", 4: "　　　", 5: "　　　　"}
    base = int(units["level"].min()) if len(units) else 1
    options = [
        {"value": r["code"], "label": indent[max(1, int(r["level"]) - base + 1)] + r["name"]}
        for r in units.to_dict("records")
    ]
    codes = {o["value"] for o in options}
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(t("briefings.new"), order=4, mb="sm"),
            dmc.Group(
                align="flex-end",
                children=[
                    dmc.Select(
                        id="brief-region",
                        label=t("briefings.region"),
                        data=options,
                        value=region if region in codes else scope.region_code,
                        searchable=True,
                        allowDeselect=False,
                        w=260,
                    ),
                    dmc.Select(
                        id="brief-period",
                        label=t("briefings.period"),
                        w=150,
                        allowDeselect=False,
                        value=f"{version.last_month:%Y-%m}",
                        data=[
                            {"value": f"{m:%Y-%m}", "label": fmt_month(m)}
                            for m in reversed(api.months(version))
                        ],
                    ),
                    dmc.Button(t("briefings.generate"), id="brief-generate"),
                ],
            ),
            dmc.Text(t("briefings.cli_note"), size="xs", c="dimmed", mt="sm"),
            html.Div(
                hidden=not exchange.allowed(scope),
                children=[
                    dmc.Title(t("briefings.exchange"), order=5, mt="md", mb=4),
                    dmc.Text(t("briefings.exchange_note"), size="xs", c="dimmed", mb="xs"),
                    dmc.Button(
                        t("briefings.exchange_generate"), id="brief-exchange", variant="light"
                    ),
                ],
            ),
        ],
    )


def _minutes(meetings: list[dict]):
    """The form of a meeting's minutes (PDF), or the note that there are no meetings."""
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(t("briefings.minutes"), order=4, mb="sm"),
            dmc.Group(
                align="flex-end",
                children=[
                    dmc.Select(
                        id="brief-meeting",
                        label=t("briefings.meeting"),
                        w=320,
                        data=[
                            {
                                "value": str(m["id"]),
                                "label": f"{fmt_date(m['held_on'])} {m['title']}",
                            }
                            for m in meetings
                        ],
                        value=str(meetings[0]["id"]) if meetings else None,
                    ),
                    dmc.Button(
                        t("briefings.minutes_generate"), id="brief-minutes", disabled=not meetings
                    ),
                ],
            )
            if meetings
            else dmc.Text(t("briefings.no_meetings"), c="dimmed", size="sm"),
        ],
    )


def jobs_table(rows: list[dict]):
    if not rows:
        return dmc.Text(t("briefings.none"), c="dimmed", size="sm")
    body = []
    for j in rows:
        status = dmc.Badge(
            t(STATUS_LABEL[j["status"]]), color=STATUS_COLOUR[j["status"]], variant="light"
        )
        if j["status"] == "done":
            file = html.A(
                t("export.download") + f" · {j['filename']}",
                href=f"/export/job/{j['id']}",
                className="jz-download",
                **{"data-job": j["id"]},
            )
        elif j["status"] == "failed":
            file = dmc.Text(j["message"], c="red", size="sm", className="jz-export-error")
        elif j["status"] == "expired":
            file = dmc.Text(t("export.expired"), c="dimmed", size="sm")
        else:
            file = dmc.Progress(
                value=j["progress"],
                animated=True,
                striped=True,
                w=200,
                className="jz-export-progress",
            )
        body.append(
            html.Tr(
                [
                    html.Td(t(KIND_LABEL[j["kind"]])),
                    html.Td(_target(j)),
                    html.Td(fmt_time(j["created_at"], seconds=True)),
                    html.Td(status),
                    html.Td(file),
                ],
                **{"data-status": j["status"]},
            )
        )
    head = html.Tr(
        [
            html.Th(
                with_zone(t("briefings.col.created")) if c == "created" else t(COLUMN_LABEL[c]),
                style={"textAlign": "left"},
            )
            for c in ("kind", "target", "created", "status", "file")
        ]
    )
    return dmc.Table([html.Thead(head), html.Tbody(body)], striped=True, id="brief-jobs-table")


def _target(job: dict) -> str:
    """What a job exports, in words: the unit and period, the page of a unit, the
    meeting (never a path or an internal key)."""
    target = job["target"] or ""
    if job["kind"] in ("briefing", "exchange"):
        code, _, period = target.partition(" ")
        return f"{region_label(code, region_names())} · {period}"
    if job["kind"] == "minutes":
        return t("export.target.meeting", id=target.partition(":")[2] or "—")
    if job["kind"] == "notice":
        return t("export.target.case", id=target.partition(":")[2] or "—")
    path = target.split("?")[0].strip("/")
    page, _, rest = path.partition("/")
    name = t(PAGE_NAME[page]) if page in PAGE_NAME else t("export.kind.page")
    code = re.search(r"\b(6\d{11})\b", target)
    return f"{region_label(code.group(1), region_names())} · {name}" if code else name


@callback(
    Output("brief-jobs", "children"),
    Output("brief-tick", "disabled"),
    Input("brief-tick", "n_intervals"),
    Input("brief-feedback", "children"),
)
def refresh(_n, _feedback):
    """The user's exports; the timer stops when nothing is pending."""
    rows = jobs.mine(context.ops(), current_scope())
    return jobs_table(rows), not any(j["status"] in PENDING for j in rows)


@callback(
    Output("brief-feedback", "children"),
    Input("brief-generate", "n_clicks"),
    State("brief-region", "value"),
    State("brief-period", "value"),
    prevent_initial_call=True,
)
def generate(n, code, period):
    """A briefing of the chosen unit and month (checked in the user's scope)."""
    return _unit_and_month(n, service.start_briefing, code, period)


@callback(
    Output("brief-feedback", "children", allow_duplicate=True),
    Input("brief-exchange", "n_clicks"),
    State("brief-region", "value"),
    State("brief-period", "value"),
    prevent_initial_call=True,
)
def exchange_file(n, code, period):
    """The national system's file of the chosen unit and month (the role must be allowed
    full ID numbers)."""
    return _unit_and_month(n, service.start_exchange, code, period)


def _unit_and_month(n, start, code, period):
    """Start an export of a unit and month that came from the browser: the unit goes
    through the gate, the month must be one of the data."""
    scope = current_scope()
    if not n:
        return dash.no_update
    ctx = context.get()
    try:
        start(
            ctx.warehouse,
            ctx.ops,
            ctx.settings,
            scope,
            str(code or ""),
            str(period or ""),
            requester(),
            get_lang(),
            client_ip(),
        )
    except gate.REFUSALS as exc:
        return alert(messages.refusal_text(exc))
    except api.BadPeriod as exc:
        return alert(t("briefings.bad_period", reason=t(exc.key, **exc.params)))
    except (render.Unavailable, jobs.TooMany) as exc:
        return alert(str(exc))
    return alert(t("export.started"), "blue")


@callback(
    Output("brief-feedback", "children", allow_duplicate=True),
    Input("brief-minutes", "n_clicks"),
    State("brief-meeting", "value"),
    prevent_initial_call=True,
)
def minutes(_n, meeting):
    scope = current_scope()
    ctx = context.get()
    try:
        service.start_minutes(
            ctx.ops, ctx.settings, scope, meeting, requester(), get_lang(), client_ip()
        )
    except T.TaskError as exc:
        return alert(t(exc.key))
    except (render.Unavailable, jobs.TooMany) as exc:
        return alert(str(exc))
    return alert(t("export.started"), "blue")


# ------------------------------------------------------------------ the shell's menu
@callback(
    Output("shell-export-modal", "opened"),
    Output("shell-export-form", "style"),
    Output("shell-export-note", "style"),
    Output("shell-export-status", "children", allow_duplicate=True),
    Output("shell-export-job", "data", allow_duplicate=True),
    Input("shell-export-page", "n_clicks"),
    prevent_initial_call=True,
)
def choose_size(_n):
    """A page image: its size first."""
    current_scope()
    return True, {"display": "block"}, {"display": "block"}, None, None


@callback(
    Output("shell-export-job", "data"),
    Output("shell-export-modal", "opened", allow_duplicate=True),
    Output("shell-export-form", "style", allow_duplicate=True),
    Output("shell-export-note", "style", allow_duplicate=True),
    Output("shell-export-status", "children"),
    Input("shell-export-go", "n_clicks"),
    Input("shell-export-map", "n_clicks"),
    State("shell-export-size", "value"),
    State("shell-export-full", "checked"),
    State("shell-url", "href"),
    prevent_initial_call=True,
)
def export_page(_go, _map, size, full, href):
    """This page (or its map) as an image, as this user sees it: the headless browser
    carries the user's own session cookies, so it sees what they may see."""
    scope = current_scope()
    hidden = {"display": "none"}
    job, shown = _start_page_export(
        scope, size, full, href, dash.ctx.triggered_id == "shell-export-map"
    )
    return job, True, hidden, hidden, shown


def _start_page_export(scope, size, full, href, map_only: bool):
    """The export job started (its id and status), or None and the reason."""
    ctx = context.get()
    pages = [p.get("path_template") or p["path"] for p in dash.page_registry.values()]
    try:
        width, height = service.parse_size(size)
        job = service.start_page(
            ctx.ops,
            ctx.settings,
            scope,
            href,
            pages,
            dict(request.cookies),
            width,
            height,
            map_only,
            get_lang(),
            client_ip(),
            full_page=bool(full),
        )
    except service.BadRequest as exc:
        lo, hi = service.PAGE_SIZES
        return None, dialog_alert(t(str(exc), min=lo, max=hi))
    except (render.Unavailable, jobs.TooMany) as exc:
        return None, dialog_alert(str(exc))
    return job, job_status(jobs.get(ctx.ops, scope, job), lang=get_lang())


@callback(
    Output("shell-export-status", "children", allow_duplicate=True),
    Output("shell-export-tick", "disabled"),
    Input("shell-export-tick", "n_intervals"),
    Input("shell-export-job", "data"),
    prevent_initial_call=True,
)
def follow(_n, job_id):
    if not job_id:
        return dash.no_update, True
    job = jobs.get(context.ops(), current_scope(), job_id)
    return job_status(job, lang=get_lang()), job is None or job["status"] not in PENDING
