"""The task list (/tasks): the inbox of the user's unit and the units below, filters, each
instruction's timeline and the actions this user may take."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from access import Scope, can_access, current_scope
from components import messages, units
from components import tasks as view
from domain import clock
from etl.refdata import region_levels, region_names
from i18n import N_, get_lang, t, tn
from ops import tasks as T
from ops import users
from web import context

dash.register_page(
    __name__,
    path="/tasks",
    name="tasks",
    title="精准 · 督办事项",
    nav={"label": N_("nav.tasks"), "order": 40},
    access="tasks.view",
)


def region_options(scope: Scope) -> list[dict]:
    """The units the region filter offers: the user's unit and those below it, by name
    (the code is only the value), two levels deep but not below townships (a township
    user also gets its villages), so the list stays a few hundred at most."""
    return units.unit_options(
        scope,
        max(min(scope.level + 2, 4), min(scope.level + 1, 5)),
        names=region_names(),
        levels=region_levels(),
    )


def issuer_options(found: list[dict], names: view.Names, lang: str) -> list[dict]:
    """The people who issued the instructions the user sees, by name."""
    issuers = sorted(
        {x["issuer"] for x in found if x.get("issuer")},
        key=lambda u: (view.person(u, names, lang), u),
    )
    return [{"value": u, "label": view.person(u, names, lang)} for u in issuers]


def names_of(found: list[dict]) -> view.Names:
    """How the screens name the units and everyone the instructions name."""
    people = {x.get("issuer") for x in found}
    for x in found:
        people.update(e.get("actor") for e in x.get("events", []))
    return view.Names(region_names(), users.display_names(context.ops(), people))


def _filters(scope: Scope, state, type_, overdue, issuer, region) -> dict:
    """The filters as the server accepts them: the region through the scope gate (never
    the browser's word), a known unit or nothing."""
    region = (
        region if units.is_unit(region, region_levels()) and can_access(scope, region) else None
    )
    return {
        "state": state if state in T.STATES else None,
        "type": type_ if type_ in T.TYPES else None,
        "overdue": True if overdue else None,
        "issuer": (issuer.strip()[:64] or None) if isinstance(issuer, str) else None,
        "region": region,
    }


def layout(task: str | None = None, **_):
    scope = current_scope()
    found = T.list_tasks(context.ops(), scope)
    initial_detail, initial_store = dmc.Text(t("task.pick_one"), c="dimmed"), {"id": None}
    if task and task.isdigit():  # /tasks?task=<id>: open on that instruction
        initial_detail, initial_store = _detail(int(task))
    digest = T.digest_for(context.ops(), scope, clock.day())
    names, lang = names_of(found), get_lang()
    return html.Div(
        className="jz-page",
        children=[
            dmc.Title(t("task.title"), order=2, mb="sm"),
            dmc.Alert(
                t("task.digest", **digest),
                color="blue",
                variant="light",
                mb="sm",
                id="tasks-digest",
            )
            if digest
            else None,
            _filter_bar(scope, found, names, lang),
            html.Div(id="tasks-feedback"),
            dcc.Store(id="tasks-selected", data=initial_store),
            dcc.Store(id="tasks-refresh", data=0),
            dmc.Grid(
                gutter="md",
                children=[
                    dmc.GridCol(span={"base": 12, "lg": 7}, children=_list(found, names, lang)),
                    dmc.GridCol(
                        span={"base": 12, "lg": 5},
                        children=dmc.Paper(
                            withBorder=True, p="md", id="tasks-detail", children=initial_detail
                        ),
                    ),
                ],
            ),
        ],
    )


def _filter_bar(scope: Scope, found: list[dict], names: view.Names, lang: str):
    """The filters of the list: state, type, region, issuer, overdue only."""
    states = [{"value": "", "label": t("task.all")}] + [
        {"value": s, "label": view.label(view.STATE_LABEL, s, lang)} for s in T.STATES
    ]
    types = [{"value": "", "label": t("task.all")}] + [
        {"value": s, "label": view.label(view.TYPE_LABEL, s, lang)} for s in T.TYPES
    ]
    return dmc.Group(
        gap="sm",
        align="flex-end",
        mb="sm",
        children=[
            dmc.Select(id="tasks-state", label=t("task.col.state"), data=states, value="", w=130),
            dmc.Select(id="tasks-type", label=t("task.col.type"), data=types, value="", w=150),
            dmc.Select(
                id="tasks-region",
                label=t("task.filter.region"),
                w=220,
                data=region_options(scope),
                searchable=True,
                clearable=True,
                placeholder=t("task.filter.region_placeholder"),
                nothingFoundMessage=t("task.filter.nothing"),
            ),
            dmc.Select(
                id="tasks-issuer",
                label=t("task.col.issuer"),
                w=200,
                data=issuer_options(found, names, lang),
                searchable=True,
                clearable=True,
                placeholder=t("task.all"),
                nothingFoundMessage=t("task.filter.nothing"),
            ),
            dmc.Switch(id="tasks-overdue", label=t("task.status.overdue"), mb=6),
        ],
    )


def _list(found: list[dict], names: view.Names, lang: str):
    """The instructions the user sees, counted, as a grid to pick one from."""
    return dmc.Paper(
        withBorder=True,
        p="xs",
        children=[
            dmc.Text(
                tn("task.count", "task.count_plural", len(found)),
                size="sm",
                c="dimmed",
                id="tasks-count",
                mb=4,
            ),
            html.Div(
                view.task_grid("tasks-grid", found, names, lang, height=560),
                id="tasks-grid-box",
            ),
        ],
    )


@callback(
    Output("tasks-grid", "rowData"),
    Output("tasks-count", "children"),
    Input("tasks-state", "value"),
    Input("tasks-type", "value"),
    Input("tasks-overdue", "checked"),
    Input("tasks-issuer", "value"),
    Input("tasks-region", "value"),
    Input("tasks-refresh", "data"),
    prevent_initial_call=True,
)
def refresh(state, type_, overdue, issuer, region, _n):
    """Filter the inbox; the scope is always the user's, whatever the browser sends."""
    scope = current_scope()
    found = T.list_tasks(
        context.ops(), scope, **_filters(scope, state, type_, overdue, issuer, region)
    )
    return view.rows(found, names_of(found), get_lang()), tn(
        "task.count", "task.count_plural", len(found)
    )


@callback(
    Output("tasks-detail", "children"),
    Output("tasks-selected", "data"),
    Input("tasks-grid", "selectedRows"),
    prevent_initial_call=True,
)
def show(selected_rows):
    """A row picked in the list: its detail, timeline and actions."""
    task_id = (selected_rows or [{}])[0].get("id")
    if not task_id:
        return dash.no_update, dash.no_update
    return _detail(task_id)


def _detail(task_id):
    try:
        task = T.get(context.ops(), current_scope(), task_id)
    except T.TaskError as exc:
        return messages.notice(exc.key), {"id": None}
    return view.detail(task, names_of([task]), get_lang()), {
        "id": task["id"],
        "version": task["version"],
    }


@callback(
    Output("tasks-feedback", "children"),
    Output("tasks-refresh", "data"),
    Output("tasks-detail", "children", allow_duplicate=True),
    Output("tasks-selected", "data", allow_duplicate=True),
    Input({"type": "task-act", "action": ALL}, "n_clicks"),
    State("tasks-selected", "data"),
    State("task-comment", "value"),
    State("tasks-refresh", "data"),
    prevent_initial_call=True,
)
def take_action(clicks, selected, comment, n):
    """A button of the detail panel: the state machine decides, and says why not."""
    if not ctx.triggered_id or not any(clicks or []):
        return (dash.no_update,) * 4
    action = ctx.triggered_id["action"]
    outcome = run_action(action, selected or {}, comment or "")
    detail, stored = _detail((selected or {}).get("id"))
    if isinstance(outcome, T.TaskError):
        return view.refusal_alert(outcome, get_lang()), (n or 0) + 1, detail, stored
    return (
        dmc.Alert(
            t("task.done", action=view.label(view.ACTION_LABEL, action, get_lang())),
            color="green",
            variant="light",
            mb="sm",
            withCloseButton=True,
        ),
        (n or 0) + 1,
        detail,
        stored,
    )


def run_action(action: str, selected: dict, comment: str):
    """Do ``action`` on the selected instruction as the current user (or the refusal)."""
    scope = current_scope()
    try:
        if action == "comment":
            return T.comment(context.ops(), scope, selected.get("id"), comment)
        if action == "urge":
            return T.urge(context.ops(), scope, selected.get("id"), comment)
        return T.act(
            context.ops(), scope, selected.get("id"), action, selected.get("version"), comment
        )
    except T.TaskError as exc:
        return exc
