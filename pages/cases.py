"""Monitoring cases (/cases?case=<id>&state=<state>&overdue=1&warning=<key>): the
identification procedure as work, and what follows it. The list of the scope's cases
with their 15-day clock; one case's facts, timeline and the form of the step this user's
level records next; a case opened on a household (by its number) or from an early
warning; the county's decision on a list of reviewed cases at once (services/cases.py);
a monitored household's assistance plan and the elimination standard with the county's
override (services/assistance.py, services/elimination.py)."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from access import can, can_access, current_scope
from components import assistance as plan_view
from components import cases as view
from components.exports import dialog_alert, job_status
from domain import cases as C
from domain import clock
from etl.refdata import region_names
from exports import jobs, render, service
from i18n import N_, get_lang, t, tn
from ops import cases as O
from services import assistance as A
from services import attachments, elimination
from services import cases as S
from web import context
from web.auth import client_ip, requester

dash.register_page(
    __name__,
    path="/cases",
    name="cases",
    title="精准 · 识别认定",
    nav={"label": N_("nav.cases"), "order": 28},
    access="cases.view",
)


def layout(case=None, state=None, overdue=None, warning=None, stage=None, unit=None, **_):
    scope, lang = current_scope(), get_lang()
    engine, regions = context.ops(), region_names()
    # A key given twice in the URL arrives as a list: only one value is a filter.
    state, stage, overdue = (x if isinstance(x, str) else None for x in (state, stage, overdue))
    states = (state,) if state in C.STATES else C.STAGE_STATES.get(stage)
    unit = unit if isinstance(unit, str) and unit in regions and can_access(scope, unit) else None
    found = S.cases_of(engine, scope, states, overdue == "1", unit=unit)
    today = clock.day()
    return html.Div(
        className="jz-page",
        children=[
            dmc.Group(
                [
                    dmc.Title(t("case.title"), order=2),
                    dmc.Button(
                        t("case.refresh"),
                        id="case-refresh",
                        size="compact-sm",
                        variant="light",
                        title=t("case.refresh_hint"),
                    )
                    if can(scope, "cases.refresh")
                    else None,
                ],
                justify="space-between",
                mb="xs",
            ),
            _counts(O.counts(engine, scope, today), lang),
            html.Div(id="case-feedback"),
            _open_panel(scope, warning, lang) if can(scope, "cases.open") else None,
            _filter_bar(state, overdue, lang),
            _narrowed(stage, unit, regions, lang),
            dmc.Grid(
                gutter="md",
                children=[
                    dmc.GridCol(
                        span={"base": 12, "lg": 7},
                        children=view.case_grid("case-grid", found, regions, lang),
                    ),
                    dmc.GridCol(
                        span={"base": 12, "lg": 5},
                        children=_detail(scope, case, regions, lang),
                    ),
                ],
            ),
            _bulk_panel(scope, found, regions, lang) if can(scope, "cases.county") else None,
        ],
    )


def _counts(counts: dict, lang: str) -> dmc.Group:
    """Open cases per state and the overdue ones, each a link to the list of them."""
    badges = [
        dcc.Link(
            dmc.Badge(f"{t(C.STATE_LABEL[s], lang)} {counts[s]}", variant="light"),
            href=f"/cases?state={s}",
            className="jz-touch-link",
        )
        for s in (*C.OPEN, *C.MONITORED)
        if counts[s]
    ]
    late = dmc.Badge(
        tn(
            "case.overdue_count",
            "case.overdue_count_plural",
            counts["overdue"],
            lang,
            n=counts["overdue"],
        ),
        color="red",
    )
    return dmc.Group(
        [*badges, dcc.Link(late, href="/cases?overdue=1", className="jz-touch-link")],
        gap="xs",
        mb="sm",
    )


def _filter_bar(state, overdue, lang: str) -> dmc.Group:
    now = {"state": state if state in C.STATES else None, "overdue": overdue == "1"}
    return dmc.Group(
        mb="sm",
        children=[
            dcc.Store(id="case-filter-now", data=now),
            dmc.Select(
                id="case-filter-state",
                label=t("case.col.state", lang),
                data=[{"value": s, "label": t(C.STATE_LABEL[s], lang)} for s in C.STATES],
                value=state if state in C.STATES else None,
                clearable=True,
                w=200,
            ),
            dmc.Switch(
                id="case-filter-overdue",
                label=t("case.overdue_only", lang),
                checked=overdue == "1",
                mt="lg",
            ),
        ],
    )


def _narrowed(stage, unit, regions, lang: str):
    """The lifecycle stage and the unit the list came from (the monitoring page's links)."""
    if stage not in C.STAGE_STATES and unit is None:
        return None
    parts = [t(view.STAGE_LABEL[stage], lang)] if stage in view.STAGE_LABEL else []
    parts += [regions[unit]] if unit else []
    return dmc.Group(
        [
            dmc.Badge(" · ".join(parts), variant="outline", id="case-narrowed"),
            dcc.Link(t("case.all_cases", lang), href="/cases", className="jz-touch-link"),
        ],
        gap="xs",
        mb="xs",
    )


def _open_panel(scope, warning, lang: str) -> dmc.Paper:
    """Open a case: from the warning in the URL, or on a household by its number."""
    key = warning if isinstance(warning, str) and len(warning) <= 80 else ""
    return dmc.Paper(
        withBorder=True,
        p="sm",
        mb="sm",
        children=[
            dmc.Text(t("case.open_title", lang), fw=700, size="sm"),
            dcc.Store(id="case-open-warning", data=key),
            dmc.Text(t("case.from_warning", lang, key=key), size="sm") if key else None,
            dmc.Group(
                align="end",
                gap="xs",
                children=[
                    dmc.TextInput(
                        id="case-open-no",
                        label=t("case.col.household", lang),
                        w=180,
                        style={"display": "none"} if key else None,
                    ),
                    dmc.Select(
                        id="case-open-channel",
                        label=t("case.col.channel", lang),
                        data=view.options("discovery", lang),
                        value="5" if key else "2",
                        w=180,
                    ),
                    dmc.TextInput(id="case-open-note", label=t("case.field.note", lang), w=260),
                    dmc.Button(t("case.open", lang), id="case-open-btn", size="sm"),
                ],
            ),
        ],
    )


def _detail(scope, case_id, regions, lang: str) -> dmc.Paper:
    """The case in the URL: its facts, timeline and the form of its next step."""
    store = dcc.Store(id="case-current", data=None)
    if not case_id:
        body = [dmc.Text(t("case.pick_one", lang), c="dimmed"), view.step_form(None, "", lang)]
        return dmc.Paper(withBorder=True, p="md", children=[store, *body])
    try:
        case = S.get(context.ops(), scope, case_id)
    except S.CaseError as exc:
        body = [view.refusal(exc, lang), view.step_form(None, "", lang)]
        return dmc.Paper(withBorder=True, p="md", children=[store, *body])
    home = S.household_of(context.warehouse(), scope, case)
    store.data = {"id": case["id"], "version": case["version"]}
    return dmc.Paper(
        withBorder=True,
        p="md",
        id="case-detail",
        **{"data-version": str(case["version"])},
        children=[
            store,
            dmc.Group(
                [
                    view.state_badge(case, lang),
                    dmc.Text(f"#{case['id']}", size="xs"),
                    dmc.Button(
                        t("case.notice_pdf", lang),
                        id="case-notice-btn",
                        size="compact-xs",
                        variant="light",
                    )
                    if case["notice_date"]
                    else None,
                ]
            ),
            view.facts(case, home, regions, lang),
            _plan(scope, case, lang),
            view.step_form(case["next_step"], clock.day().isoformat(), lang),
            view.attachments(
                O.files(context.ops(), case["id"]),
                attachments.may_attach(scope, case),
                attachments.ACCEPT,
                attachments.UPLOAD_BYTES,
                lang,
            ),
            dmc.Divider(my="sm"),
            view.timeline(case, regions, lang),
        ],
    )


def _plan(scope, case: dict, lang: str):
    """The assistance plan and the elimination standard of a monitored case."""
    if case["state"] not in (*C.MONITORED, "eliminated"):
        return None
    today = clock.day()
    plan = elimination.plan_view(context.ops(), context.warehouse(), scope, case, today)
    region = case["village_code"]
    may = {
        "assist": case["state"] in C.MONITORED and can(scope, "cases.assist", region),
        "override": S.may_override(scope, case),
    }
    return plan_view.plan_panel(case, plan, may, today.isoformat(), lang)


def _bulk_panel(scope, found, regions, lang: str) -> dmc.Paper:
    """The county's decision on several reviewed cases at once."""
    ready = [c for c in found if c["state"] == "passed" and c["next_step"]]
    return dmc.Paper(
        withBorder=True,
        p="sm",
        mt="md",
        children=[
            dmc.Text(
                tn("case.bulk_title", "case.bulk_title_plural", len(ready), lang, n=len(ready)),
                fw=700,
                size="sm",
            ),
            view.case_grid("case-bulk-grid", ready, regions, lang, selectable=True),
            view.bulk_fields(clock.day().isoformat(), lang),
        ],
    )


def _href(**query) -> str:
    return "/cases?" + urlencode({k: v for k, v in query.items() if v})


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("case-filter-state", "value"),
    Input("case-filter-overdue", "checked"),
    State("case-filter-now", "data"),
    prevent_initial_call=True,
)
def filter_list(state, overdue, now):
    """Another state or the overdue switch: only the URL changes (nothing when the
    controls first appear)."""
    current_scope()
    wanted = {"state": state if state in C.STATES else None, "overdue": overdue is True}
    if wanted == now:
        return dash.no_update
    return _href(state=wanted["state"], overdue="1" if wanted["overdue"] else None)


@callback(
    Output("case-feedback", "children"),
    Output("shell-url", "href", allow_duplicate=True),
    Input("case-open-btn", "n_clicks"),
    State("case-open-warning", "data"),
    State("case-open-no", "value"),
    State("case-open-channel", "value"),
    State("case-open-note", "value"),
    prevent_initial_call=True,
)
def open_case(_n, warning, number, channel, note):
    """Open a case (on the warning's household, or on the household numbered) and show it."""
    if not isinstance(_n, int) or _n < 1:  # Dash calls it when the button appears
        return dash.no_update, dash.no_update
    try:
        case = S.open_from_page(
            context.ops(), context.warehouse(), current_scope(), warning, number, channel, note
        )
    except S.CaseError as exc:
        return view.refusal(exc, get_lang()), dash.no_update
    return None, _href(case=case["id"])


@callback(
    Output("case-feedback", "children", allow_duplicate=True),
    Output("shell-url", "href", allow_duplicate=True),
    Input("case-step-save", "n_clicks"),
    State("case-current", "data"),
    State("case-step-date", "value"),
    State("case-step-outcome", "value"),
    State("case-step-notice-start", "value"),
    State("case-step-objections", "value"),
    State("case-step-reason", "value"),
    State("case-step-type", "value"),
    State("case-step-risks", "value"),
    State("case-step-note", "value"),
    State("case-step-method", "value"),
    State("case-step-income", "value"),
    State("case-step-stable", "value"),
    prevent_initial_call=True,
)
def save_step(_n, current, *fields):
    """Record the step of the case shown, with the version the user saw."""
    if not isinstance(_n, int) or _n < 1:  # Dash calls it when the button appears
        return dash.no_update, dash.no_update
    current = current if isinstance(current, dict) else {}
    app = context.get()
    return _done(
        lambda: S.record_from_page(app.ops, app.warehouse, current_scope(), current, fields)
    )


def _done(work):
    """Run a change of the case shown: the case again with its new version, or the
    refusal (with the failing conditions of a blocked proposal)."""
    try:
        case = work()
    except S.CaseError as exc:
        return view.refusal(exc, get_lang()), dash.no_update
    return None, _href(case=case["id"], v=case["version"])


@callback(
    Output("case-feedback", "children", allow_duplicate=True),
    Output("shell-url", "href", allow_duplicate=True),
    Input("plan-add", "n_clicks"),
    State("case-current", "data"),
    State("plan-category", "value"),
    State("plan-department", "value"),
    State("plan-responsible", "value"),
    State("plan-amount", "value"),
    State("plan-planned", "value"),
    State("plan-done", "value"),
    State("plan-note", "value"),
    prevent_initial_call=True,
)
def add_measure(_n, current, *fields):
    """Plan a measure on the case shown."""
    if not isinstance(_n, int) or _n < 1:  # Dash calls it when the button appears
        return dash.no_update, dash.no_update
    return _done(lambda: A.add_from_page(context.ops(), current_scope(), current, fields))


@callback(
    Output("case-feedback", "children", allow_duplicate=True),
    Output("shell-url", "href", allow_duplicate=True),
    Input("plan-done-save", "n_clicks"),
    State("case-current", "data"),
    State("plan-done-measure", "value"),
    State("plan-done-date", "value"),
    prevent_initial_call=True,
)
def measure_done(_n, current, measure_id, on):
    """Record a planned measure carried out."""
    if not isinstance(_n, int) or _n < 1:  # Dash calls it when the button appears
        return dash.no_update, dash.no_update
    return _done(lambda: A.done_from_page(context.ops(), current_scope(), current, measure_id, on))


@callback(
    Output("case-feedback", "children", allow_duplicate=True),
    Output("shell-url", "href", allow_duplicate=True),
    Input("elim-override-save", "n_clicks"),
    State("case-current", "data"),
    State("elim-override-reason", "value"),
    prevent_initial_call=True,
)
def override(_n, current, reason):
    """The county's reasoned override of the elimination standard on the case shown."""
    if not isinstance(_n, int) or _n < 1:  # Dash calls it when the button appears
        return dash.no_update, dash.no_update
    current = current if isinstance(current, dict) else {}
    return _done(
        lambda: S.override(
            context.ops(), current_scope(), current.get("id"), current.get("version"), reason
        )
    )


@callback(
    Output("case-feedback", "children", allow_duplicate=True),
    Output("shell-url", "href", allow_duplicate=True),
    Input("case-bulk-save", "n_clicks"),
    State("case-bulk-grid", "selectedRows"),
    State("case-bulk-date", "value"),
    State("case-bulk-outcome", "value"),
    State("case-bulk-reason", "value"),
    State("case-bulk-type", "value"),
    State("case-bulk-risks", "value"),
    State("case-bulk-note", "value"),
    prevent_initial_call=True,
)
def decide_selected(_n, rows, *fields):
    """The county's decision on every case selected, all or none."""
    if not isinstance(_n, int) or _n < 1:  # Dash calls it when the button appears
        return dash.no_update, dash.no_update
    try:
        done = S.decide_from_page(context.ops(), current_scope(), rows, fields)
    except S.CaseError as exc:
        return view.refusal(exc, get_lang()), dash.no_update
    return None, _href(state="passed", done=len(done))


@callback(
    Output("case-feedback", "children", allow_duplicate=True),
    Output("shell-url", "href", allow_duplicate=True),
    Input("case-upload", "contents"),
    State("case-upload", "filename"),
    State("case-current", "data"),
    prevent_initial_call=True,
)
def upload(contents, name, current):
    """Attach the file chosen to the case shown."""
    if not contents:
        return dash.no_update, dash.no_update
    return _done(
        lambda: attachments.attach_from_page(
            context.ops(), current_scope(), current, name, contents
        )
    )


@callback(
    Output("case-feedback", "children", allow_duplicate=True),
    Input("case-refresh", "n_clicks"),
    prevent_initial_call=True,
)
def refresh(_n):
    """The province: merge the platform's cases into the warehouse, in the background."""
    if not isinstance(_n, int) or _n < 1:  # Dash calls it when the button appears
        return dash.no_update
    try:
        started = S.start_refresh(context.ops(), context.settings(), current_scope(), client_ip())
    except S.CaseError as exc:
        return view.refusal(exc, get_lang())
    text = t("case.refresh_started") if started else t("case.refresh_running")
    return dmc.Alert(text, color="blue", variant="light", id="case-refresh-alert")


@callback(
    Output("shell-export-job", "data", allow_duplicate=True),
    Output("shell-export-modal", "opened", allow_duplicate=True),
    Output("shell-export-form", "style", allow_duplicate=True),
    Output("shell-export-note", "style", allow_duplicate=True),
    Output("shell-export-status", "children", allow_duplicate=True),
    Input("case-notice-btn", "n_clicks"),
    State("case-current", "data"),
    prevent_initial_call=True,
)
def notice(_n, current):
    """The village's public notice as a PDF, made in the background; the export dialog
    follows it."""
    if not isinstance(_n, int) or _n < 1:  # Dash calls it when the button appears
        return (dash.no_update,) * 5
    hidden = {"display": "none"}
    job, shown = _start_notice(current_scope(), current if isinstance(current, dict) else {})
    return job, True, hidden, hidden, shown


def _start_notice(scope, current: dict):
    """The notice's export job started (its id and status), or None and the reason."""
    app = context.get()
    try:
        job = service.start_notice(
            app.ops,
            app.warehouse,
            app.settings,
            scope,
            current.get("id"),
            requester(),
            get_lang(),
            client_ip(),
        )
    except S.CaseError as exc:
        return None, view.refusal(exc, get_lang())
    except (render.Unavailable, jobs.TooMany) as exc:
        return None, dialog_alert(str(exc))
    return job, job_status(jobs.get(app.ops, scope, job), lang=get_lang())
