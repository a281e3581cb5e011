"""The dispatch view (/dispatch/<code>): for a command meeting on a large screen.

An agenda built from the data (the units below with the most unresolved risk, overdue
and escalated instructions, new warnings), a map of instructions by unit below, the
board by state and the instructions due this week. Any agenda item becomes an
instruction in two clicks; a meeting record turns its decisions into instructions.
"""

from __future__ import annotations

import datetime as dt

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from access import current_scope, prefix_of, raise_for_region
from components import maps, messages
from components import tasks as view
from components.cases import code_label
from components.exports import dialog_alert, job_status
from components.region import fmt_value
from components.shell import breadcrumb
from domain import cases as cases_domain
from domain import clock
from domain import feedback as FB
from domain.indicators import Indicator
from etl.refdata import region_names
from exports import jobs, render, service
from i18n import N_, fmt_date, fmt_exact, fmt_pct, get_lang, t
from ops import tasks as T
from ops import users
from queries import api
from queries import households as hl
from services import cases, feedback
from services import tasks as S
from web import context, gate
from web.auth import client_ip, requester
from web.places import PLACES

dash.register_page(
    __name__,
    path_template="/dispatch/<code>",
    name="dispatch",
    title="精准 · 指挥调度",
    path="/dispatch",
    nav={"label": N_("nav.dispatch"), "order": 30},
    access="dispatch.view",
)

OPEN_TASKS = Indicator("open_tasks", "open_tasks", "month", "count", -1, N_("unit.tasks"))
OVERDUE_RATE = Indicator("overdue_rate", "overdue_rate", "month", "ratio", -1)
# Households' feedback past its deadline (services/feedback.py overdue_by_unit).
OVERDUE_FEEDBACK = Indicator(
    "overdue_feedback", "overdue_feedback", "month", "count", -1, N_("unit.tickets")
)
METRICS = {
    "open_tasks": OPEN_TASKS,
    "overdue_rate": OVERDUE_RATE,
    "overdue_feedback": OVERDUE_FEEDBACK,
}
DEFAULT_DAYS = 7


def href(code: str, metric: str | None = None) -> str:
    return f"/dispatch/{code}" + (f"?metric={metric}" if metric else "")


def child_of(unit_code: str, code: str, children: list[str]) -> str | None:
    """The unit below ``unit_code`` that contains ``code``."""
    for c in children:
        if code.startswith(prefix_of(c)):
            return c
    return None


def task_counts(scope, children: pd.DataFrame) -> pd.DataFrame:
    """Open and overdue instructions per unit below, with the overdue rate (ops/tasks.py
    counts them)."""
    codes = list(children["code"]) if len(children) else []
    counts = T.open_by_unit(context.ops(), scope, codes)
    late = feedback.overdue_by_unit(context.ops(), scope, codes)
    return pd.DataFrame(
        [
            {"code": c, "name": n, **counts[c], "overdue_feedback": late.get(c, 0)}
            for c, n in zip(codes, children["name"] if len(children) else [])
        ],
        columns=["code", "name", "open_tasks", "overdue", "overdue_rate", "overdue_feedback"],
    )


def agenda_items(
    v: api.RegionView,
    found: list[dict],
    pending: pd.DataFrame,
    scope,
    late: list[dict] = (),
    tickets: list[dict] = (),
) -> list[dict]:
    """What the meeting should look at, each ready to become an instruction: the units
    with the most unresolved risk, warned households awaiting a decision, monitoring
    cases past their 15 days (``late``) and households' feedback past its deadline
    (``tickets``)."""
    deadline = (clock.day() + dt.timedelta(days=DEFAULT_DAYS)).isoformat()
    items = _unit_items(v, deadline) + _warning_items(v, pending, deadline)
    cases_due = [_case_item(c, deadline) for c in late[:5]]
    return items + cases_due + [_ticket_item(k, deadline) for k in tickets[:5]]


def _unit_items(v: api.RegionView, deadline: str) -> list[dict]:
    """The units below with the most unresolved risk."""
    items = []
    worst = v.children.sort_values(["hh_unresolved", "code"], ascending=[False, True])
    for rec in worst.head(5).to_dict("records"):
        if not rec["hh_unresolved"]:
            continue
        items.append(
            {
                "kind": "unit",
                "label": t(
                    "dispatch.agenda.unit",
                    name=rec["name"],
                    n=fmt_exact(rec["hh_unresolved"]),
                    rate=fmt_pct(rec["risk_eliminated_rate"]),
                ),
                "task": {
                    "title": t("tpl.unit.title", name=rec["name"]),
                    "content": t(
                        "tpl.unit.content",
                        name=rec["name"],
                        n=fmt_exact(rec["hh_unresolved"]),
                        deadline=deadline,
                    ),
                    "assignee_region": rec["code"],
                    "type": "meeting_decision",
                    "source": "region",
                    "source_ref": rec["code"],
                    "priority": "high",
                    "deadline": deadline,
                    "regions": [rec["code"]],
                },
            }
        )
    return items


def _warning_items(v: api.RegionView, pending: pd.DataFrame, deadline: str) -> list[dict]:
    """Warned households awaiting a decision, each to the unit below that holds it."""
    items = []
    children = list(v.children["code"])
    for rec in pending.head(5).to_dict("records"):
        target = child_of(v.unit["code"], rec["village_code"], children) or v.unit["code"]
        place = f"{rec['township_name']}{rec['village_name']}"
        items.append(
            {
                "kind": "warning",
                "label": t("dispatch.agenda.warning", place=place, head=rec["head_name"]),
                "task": {
                    "title": t("tpl.warning.title", place=place, head=rec["head_name"]),
                    "content": t(
                        "tpl.warning.content",
                        place=place,
                        head=rec["head_name"],
                        no=rec["household_no"],
                    ),
                    "assignee_region": target,
                    "type": "alert_verification",
                    "source": "alert",
                    "source_ref": str(rec["household_id"]),
                    "priority": "urgent",
                    "deadline": deadline,
                    "households": [int(rec["household_id"])],
                },
            }
        )
    return items


def _ticket_item(ticket: dict, deadline: str) -> dict:
    """A household's feedback past its deadline: an instruction to its township."""
    names = region_names()
    place = names.get(ticket["region_code"], ticket["region_code"])
    kind = code_label("feedback_type", ticket["type"], get_lang())
    late = (clock.day() - ticket["deadline"]).days
    return {
        "kind": "feedback",
        "label": t(
            "dispatch.agenda.feedback", place=place, no=ticket["household_no"], kind=kind, n=late
        ),
        "task": {
            "title": t("tpl.feedback.title", place=place, no=ticket["household_no"]),
            "content": t(
                "tpl.feedback.content",
                no=ticket["household_no"],
                kind=kind,
                n=late,
                id=ticket["id"],
            ),
            "assignee_region": ticket["unit_code"],
            "type": "other",
            "source": "feedback",
            "source_ref": str(ticket["id"]),
            "priority": "high",
            "deadline": deadline,
            "households": [int(ticket["household_id"])],
        },
    }


def _case_item(case: dict, deadline: str) -> dict:
    """An overdue monitoring case: an instruction to its responsible unit to finish it."""
    names = region_names()
    place = names.get(case["village_code"], case["village_code"])
    step = t(cases_domain.STEPS[cases_domain.NEXT_STEP[case["state"]]].label)
    late = -(case["days_left"] or 0)
    return {
        "kind": "case",
        "label": t("dispatch.agenda.case", place=place, no=case["household_no"], step=step, n=late),
        "task": {
            "title": t("tpl.case.title", place=place, no=case["household_no"]),
            "content": t(
                "tpl.case.content", no=case["household_no"], step=step, n=late, id=case["id"]
            ),
            "assignee_region": case["responsible"],
            "type": "meeting_decision",
            "source": "case",
            "source_ref": str(case["id"]),
            "priority": "urgent",
            "deadline": deadline,
            "households": [int(case["household_id"])],
        },
    }


def _overdue_tickets(scope, code: str) -> list[dict]:
    """The unit's households' feedback past its deadline, the oldest deadline first."""
    found = feedback.tickets(context.ops(), scope, unit=code, states=FB.OPEN)
    return [k for k in found if k["overdue"]]


def _body(scope, code: str, metric: str | None):
    """The meeting's working view of a unit: the agenda, the map of open or overdue
    instructions, the board and what falls due this week."""
    wh, lang = context.warehouse(), get_lang()
    v = api.region_view(wh, scope, code, None, None, breakdowns=False)
    found = T.list_tasks(context.ops(), scope)
    pending = hl.page(wh, scope, hl.build(code, "pending", None, v.month), 0, 5)
    late = cases.cases_of(context.ops(), scope, overdue=True, unit=code)
    items = agenda_items(v, found, pending, scope, late, _overdue_tickets(scope, code))
    ind = METRICS.get(metric or "", OPEN_TASKS)
    in_unit, attention, due = _unit_tasks(found, code)
    names = view.Names(
        region_names(), users.display_names(context.ops(), {x["issuer"] for x in due})
    )
    return html.Div(
        [
            dcc.Store(id="dispatch-items", data=[i["task"] for i in items]),
            dmc.Grid(
                gutter="md",
                children=[
                    dmc.GridCol(
                        span={"base": 12, "lg": 5},
                        children=dmc.Paper(
                            withBorder=True,
                            p="md",
                            children=[
                                dmc.Title(t("dispatch.agenda"), order=3, mb="xs"),
                                html.Div(
                                    _agenda(items, attention[:8], names, lang)
                                    or dmc.Text(t("dispatch.agenda.empty"), c="dimmed"),
                                    id="dispatch-agenda",
                                ),
                            ],
                        ),
                    ),
                    dmc.GridCol(
                        span={"base": 12, "lg": 7},
                        children=dmc.Paper(
                            withBorder=True, p="xs", children=_map(v, scope, ind, metric, lang)
                        ),
                    ),
                ],
            ),
            dmc.Paper(
                withBorder=True,
                p="md",
                mt="md",
                children=[
                    dmc.Title(t("dispatch.board"), order=3, mb="xs"),
                    view.board(in_unit, lang),
                ],
            ),
            dmc.Paper(
                withBorder=True,
                p="md",
                mt="md",
                children=[
                    dmc.Title(t("dispatch.due_week", n=len(due)), order=3, mb="xs"),
                    view.task_grid("dispatch-due", due, names, lang, height=260),
                ],
            ),
        ]
    )


def _unit_tasks(found: list[dict], code: str) -> tuple[list, list, list]:
    """The instructions assigned within the unit; those overdue or escalated (overdue
    first, by deadline); and the open ones due within a week."""
    in_unit = [x for x in found if x["assignee_region"].startswith(prefix_of(code))]
    attention = sorted(
        (x for x in in_unit if x["overdue"] or x["escalated_to"]),
        key=lambda x: (not x["overdue"], x["deadline"]),
    )
    week = clock.day() + dt.timedelta(days=7)
    due = [x for x in in_unit if x["state"] in T.OPEN[1:] and x["deadline"] <= week]
    return in_unit, attention, due


def _agenda(items: list[dict], attention: list[dict], names, lang: str) -> list:
    """The agenda: the items waiting for an instruction, then the instructions that are
    overdue or escalated, each with its button."""
    agenda = [
        html.Div(
            className="jz-agenda-item",
            children=[
                dmc.Text(item["label"], size="sm"),
                dmc.Button(
                    t("dispatch.assign"),
                    size="compact-sm",
                    variant="light",
                    id={"type": "agenda-assign", "index": i},
                ),
            ],
        )
        for i, item in enumerate(items)
    ]
    return agenda + [
        html.Div(
            className=f"jz-agenda-item jz-status-{view.status(x)}",
            children=[
                dmc.Text(
                    [
                        view.badge(x, lang),
                        f" #{x['id']} {x['title']} · "
                        f"{view.region_label(x['assignee_region'], names.regions)}"
                        + (" · " + t("task.status.overdue") if x["overdue"] else "")
                        + (" · " + t("task.escalated") if x["escalated_to"] else ""),
                    ],
                    size="sm",
                ),
                dmc.Button(
                    t("task.action.urge"),
                    size="compact-sm",
                    color="orange",
                    variant="light",
                    id={"type": "agenda-urge", "id": x["id"]},
                ),
            ],
        )
        for x in attention
    ]


def _map(v, scope, ind: Indicator, metric: str | None, lang: str) -> list:
    """The map of the unit's children coloured by open instructions, their overdue rate or
    the households' feedback past its deadline, with the switch between them."""
    counts = task_counts(scope, v.children if not v.is_village else v.children.iloc[0:0])
    fmt = lambda x: fmt_value(ind, x, lang=lang)  # noqa: E731
    fc, bounds, colours = maps.feature_collection(
        v.geometry, counts, ind, fmt, lambda c: href(c, metric), lang=lang
    )
    schematic = bool(v.geometry["is_schematic"].any()) if len(v.geometry) else False
    legend = maps.legend(ind, bounds, colours, fmt, t("dispatch.now"), schematic, lang=lang)
    points = bool(len(v.geometry)) and int(v.geometry["level"].iloc[0]) == 5
    return [
        dmc.Group(
            justify="space-between",
            children=[
                dmc.Text(t("dispatch.map_title", region=v.map_parent["name"]), fw=600),
                dmc.SegmentedControl(
                    id="dispatch-metric",
                    value=ind.key,
                    size="xs",
                    data=[
                        {"value": "open_tasks", "label": t("indicator.open_tasks")},
                        {"value": "overdue_rate", "label": t("indicator.overdue_rate")},
                        {"value": "overdue_feedback", "label": t("indicator.overdue_feedback")},
                    ],
                ),
            ],
        ),
        maps.region_map(
            fc,
            v.outline,
            legend,
            points,
            context.get().settings.tile_url,
            v.map_parent["code"],
            title=t(
                "map.export_title",
                region=v.map_parent["name"],
                indicator=t(ind.label_key),
                period=t("dispatch.now"),
            ),
        ),
    ]


def _form(children: pd.DataFrame, unit: dict):
    units = [{"value": unit["code"], "label": unit["name"]}] + [
        {"value": c, "label": n} for c, n in zip(children["code"], children["name"])
    ]
    return dmc.Modal(
        id="dispatch-modal",
        title=t("dispatch.new_task"),
        size="lg",
        children=[
            dmc.TextInput(id="form-title", label=t("task.field.title"), required=True),
            dmc.Textarea(
                id="form-content", label=t("task.field.content"), autosize=True, minRows=3
            ),
            dmc.SimpleGrid(
                cols=2,
                mt="xs",
                children=[
                    dmc.Select(
                        id="form-assignee",
                        label=t("task.col.assignee"),
                        data=units,
                        searchable=True,
                    ),
                    dmc.TextInput(
                        id="form-deadline", label=t("task.field.deadline"), placeholder="YYYY-MM-DD"
                    ),
                    dmc.Select(
                        id="form-type",
                        label=t("task.col.type"),
                        value="meeting_decision",
                        data=[
                            {"value": x, "label": view.label(view.TYPE_LABEL, x, get_lang())}
                            for x in T.TYPES
                        ],
                    ),
                    dmc.Select(
                        id="form-priority",
                        label=t("task.col.priority"),
                        value="normal",
                        data=[
                            {"value": x, "label": view.label(view.PRIORITY_LABEL, x, get_lang())}
                            for x in T.PRIORITIES
                        ],
                    ),
                ],
            ),
            dcc.Store(id="form-extra"),
            html.Div(id="form-feedback", style={"marginTop": 8}),
            dmc.Button(t("dispatch.confirm"), id="form-submit", mt="md"),
        ],
    )


def _meeting_modal(children: pd.DataFrame, unit: dict):
    units = [{"value": unit["code"], "label": unit["name"]}] + [
        {"value": c, "label": n} for c, n in zip(children["code"], children["name"])
    ]
    rows = [
        dmc.Group(
            grow=True,
            mt=4,
            children=[
                dmc.TextInput(
                    id={"type": "decision-text", "i": i},
                    placeholder=t("dispatch.decision", n=i + 1),
                ),
                dmc.Select(
                    id={"type": "decision-unit", "i": i},
                    data=units,
                    searchable=True,
                    placeholder=t("task.col.assignee"),
                    maw=180,
                ),
                dmc.TextInput(
                    id={"type": "decision-deadline", "i": i}, placeholder="YYYY-MM-DD", maw=130
                ),
            ],
        )
        for i in range(4)
    ]
    return dmc.Modal(
        id="meeting-modal",
        title=t("dispatch.meeting"),
        size="xl",
        children=[
            dmc.SimpleGrid(
                cols=2,
                children=[
                    dmc.TextInput(id="meeting-title", label=t("dispatch.meeting_title")),
                    dmc.TextInput(
                        id="meeting-date",
                        label=t("dispatch.meeting_date"),
                        value=clock.day().isoformat(),
                    ),
                ],
            ),
            dmc.TextInput(id="meeting-attendees", label=t("dispatch.attendees"), mt="xs"),
            dmc.Text(t("dispatch.decisions"), size="sm", fw=600, mt="sm"),
            *rows,
            html.Div(id="meeting-feedback", style={"marginTop": 8}),
            dmc.Button(t("dispatch.save_meeting"), id="meeting-submit", mt="md"),
        ],
    )


def layout(code: str | None = None, metric: str | None = None, **_):
    scope = current_scope()
    code = code or scope.region_code
    try:
        wh = context.warehouse()
        unit = api.region(wh, scope, code)
        trail = api.ancestors(wh, scope, code)
        body = _body(scope, code, metric)
        children = wh.run("region_children", scope, code=code)
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    return html.Div(
        className="jz-page jz-dispatch",
        children=[
            breadcrumb(trail, lambda c: href(c, metric)),
            dmc.Group(
                justify="space-between",
                mb="sm",
                children=[
                    dmc.Title(
                        t("dispatch.title", region=unit["name"]), order=2, id="dispatch-title"
                    ),
                    dmc.Group(
                        gap="xs",
                        children=[
                            _minutes_menu(T.list_meetings(context.ops(), scope, limit=10)),
                            dmc.Button(
                                t("dispatch.meeting"), id="dispatch-meeting-open", variant="light"
                            ),
                            dmc.Button(t("dispatch.new_task"), id="dispatch-new"),
                            dcc.Link(dmc.Button(t("nav.tasks"), variant="subtle"), href="/tasks"),
                        ],
                    ),
                ],
            ),
            dcc.Store(id="dispatch-code", data={"code": code, "metric": metric}),
            html.Div(id="dispatch-feedback"),
            html.Div(body, id="dispatch-body"),
            _form(children, unit),
            _meeting_modal(children, unit),
        ],
    )


@callback(
    Output("dispatch-modal", "opened"),
    Output("form-title", "value"),
    Output("form-content", "value"),
    Output("form-assignee", "value"),
    Output("form-deadline", "value"),
    Output("form-type", "value"),
    Output("form-priority", "value"),
    Output("form-extra", "data"),
    Output("form-feedback", "children"),
    Input({"type": "agenda-assign", "index": ALL}, "n_clicks"),
    Input("dispatch-new", "n_clicks"),
    State("dispatch-items", "data"),
    State("dispatch-code", "data"),
    prevent_initial_call=True,
)
def open_form(clicks, _new, items, state):
    """The first click: the form, filled from the agenda item's template."""
    current_scope()
    trigger = ctx.triggered_id
    if trigger is None or (trigger != "dispatch-new" and not any(clicks or [])):
        return (dash.no_update,) * 9
    values = _form_values(trigger, items, state)
    return (dash.no_update,) * 9 if values is None else (True, *values, None)


def _form_values(trigger, items, state) -> tuple | None:
    """The form's title, content, assignee, deadline, type, priority and extra fields:
    empty for a new instruction, else the agenda item's (None for a button the
    browser's agenda does not have)."""
    deadline = (clock.day() + dt.timedelta(days=DEFAULT_DAYS)).isoformat()
    if trigger == "dispatch-new":
        code = (state or {}).get("code") if isinstance(state, dict) else None
        return "", "", code, deadline, "meeting_decision", "normal", {"source": "meeting"}
    item = _agenda_item(items, trigger)
    if item is None:
        return None
    extra = {k: item.get(k) for k in ("source", "source_ref", "regions", "households")}
    return (
        item.get("title", ""),
        item.get("content", ""),
        item.get("assignee_region"),
        item.get("deadline", deadline),
        item.get("type"),
        item.get("priority"),
        extra,
    )


def _agenda_item(items, trigger) -> dict | None:
    """The agenda item a button names (its ``index``), or None if the browser's agenda
    has no such item. The form is only prefilled from it: ``submit`` checks every field
    again on the server."""
    index = trigger.get("index") if isinstance(trigger, dict) else None
    if (
        not isinstance(items, list)
        or not isinstance(index, int)
        or isinstance(index, bool)
        or not 0 <= index < len(items)
        or not isinstance(items[index], dict)
    ):
        return None
    return items[index]


@callback(
    Output("dispatch-modal", "opened", allow_duplicate=True),
    Output("form-feedback", "children", allow_duplicate=True),
    Output("dispatch-body", "children"),
    Output("dispatch-feedback", "children"),
    Input("form-submit", "n_clicks"),
    State("form-title", "value"),
    State("form-content", "value"),
    State("form-assignee", "value"),
    State("form-deadline", "value"),
    State("form-type", "value"),
    State("form-priority", "value"),
    State("form-extra", "data"),
    State("dispatch-code", "data"),
    prevent_initial_call=True,
)
def submit(_n, title, content, assignee, deadline, type_, priority, extra, state):
    """The second click: the instruction is issued (or the form says what to fix)."""
    scope = current_scope()
    raise_for_region(scope, (state or {}).get("code"))
    data = {
        "title": title or "",
        "content": content or "",
        "assignee_region": assignee,
        "deadline": deadline,
        "type": type_,
        "priority": priority,
        **(extra or {}),
    }
    data = {k: v for k, v in data.items() if v is not None}
    try:
        task = S.create(context.ops(), scope, data, PLACES, client_ip())
    except T.TaskError as exc:
        keep = dash.no_update
        return keep, view.refusal_alert(exc, get_lang()), keep, keep
    return False, None, _body(scope, state["code"], state.get("metric")), _created(task)


def _created(task: dict) -> dmc.Alert:
    unit = view.region_label(task["assignee_region"], region_names())
    return dmc.Alert(
        t("dispatch.created", id=task["id"], unit=unit),
        color="green",
        variant="light",
        mb="sm",
        withCloseButton=True,
        id="dispatch-created",
    )


@callback(
    Output("dispatch-body", "children", allow_duplicate=True),
    Output("dispatch-feedback", "children", allow_duplicate=True),
    Input({"type": "agenda-urge", "id": ALL}, "n_clicks"),
    State("dispatch-code", "data"),
    prevent_initial_call=True,
)
def urge(clicks, state):
    scope = current_scope()
    if not ctx.triggered_id or not any(clicks or []):
        return dash.no_update, dash.no_update
    try:
        T.urge(context.ops(), scope, ctx.triggered_id["id"], t("dispatch.urged_in_meeting"))
    except T.TaskError as exc:
        return dash.no_update, view.refusal_alert(exc, get_lang())
    return _body(scope, state["code"], state.get("metric")), dmc.Alert(
        t("dispatch.urged", id=ctx.triggered_id["id"]),
        color="orange",
        variant="light",
        mb="sm",
        withCloseButton=True,
    )


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("dispatch-metric", "value"),
    State("dispatch-code", "data"),
    prevent_initial_call=True,
)
def change_metric(metric, state):
    state = state if isinstance(state, dict) else {}
    raise_for_region(current_scope(), state.get("code"))
    if metric == (state.get("metric") or "open_tasks"):
        return dash.no_update
    return href(state["code"], metric if metric in METRICS else None)


@callback(
    Output("meeting-modal", "opened"),
    Input("dispatch-meeting-open", "n_clicks"),
    prevent_initial_call=True,
)
def open_meeting(n):
    current_scope()
    return bool(n)


@callback(
    Output("meeting-modal", "opened", allow_duplicate=True),
    Output("meeting-feedback", "children"),
    Output("dispatch-body", "children", allow_duplicate=True),
    Output("dispatch-feedback", "children", allow_duplicate=True),
    Input("meeting-submit", "n_clicks"),
    State("meeting-title", "value"),
    State("meeting-date", "value"),
    State("meeting-attendees", "value"),
    State({"type": "decision-text", "i": ALL}, "value"),
    State({"type": "decision-unit", "i": ALL}, "value"),
    State({"type": "decision-deadline", "i": ALL}, "value"),
    State("dispatch-code", "data"),
    prevent_initial_call=True,
)
def save_meeting(_n, title, held_on, attendees, texts, units, deadlines, state):
    """The meeting record; each decision becomes an instruction from that meeting."""
    scope = current_scope()
    raise_for_region(scope, (state or {}).get("code"))
    decisions = [
        (x.strip(), u, d)
        for x, u, d in zip(texts, units, deadlines)
        if isinstance(x, str) and x.strip()
    ]
    try:
        meeting, created = S.record_meeting(
            context.ops(), scope, title, held_on, attendees, decisions, PLACES, client_ip()
        )
    except T.TaskError as exc:
        return dash.no_update, view.refusal_alert(exc, get_lang()), dash.no_update, dash.no_update
    return (
        False,
        None,
        _body(scope, state["code"], state.get("metric")),
        _meeting_saved(meeting, created),
    )


def _meeting_saved(meeting: int, created: list[int]):
    """The confirmation of a recorded meeting, with its minutes' button."""
    return dmc.Alert(
        dmc.Group(
            [
                t("dispatch.meeting_saved", n=len(created)),
                dmc.Button(
                    t("dispatch.minutes_pdf"),
                    size="compact-sm",
                    variant="light",
                    id={"type": "dispatch-minutes", "index": meeting},
                ),
            ]
        ),
        color="green",
        variant="light",
        mb="sm",
        withCloseButton=True,
    )


def _minutes_menu(meetings: list[dict]) -> dmc.Menu:
    """The minutes of a recent meeting of this region, as a PDF."""
    items = [
        dmc.MenuItem(
            f"{fmt_date(m['held_on'])} {m['title']}",
            id={"type": "dispatch-minutes", "index": m["id"]},
        )
        for m in meetings
    ]
    return dmc.Menu(
        position="bottom-end",
        children=[
            dmc.MenuTarget(
                dmc.Button(t("dispatch.minutes"), variant="subtle", id="dispatch-minutes-open")
            ),
            dmc.MenuDropdown(items or [dmc.MenuItem(t("briefings.no_meetings"), disabled=True)]),
        ],
    )


@callback(
    Output("shell-export-job", "data", allow_duplicate=True),
    Output("shell-export-modal", "opened", allow_duplicate=True),
    Output("shell-export-form", "style", allow_duplicate=True),
    Output("shell-export-note", "style", allow_duplicate=True),
    Output("shell-export-status", "children", allow_duplicate=True),
    Input({"type": "dispatch-minutes", "index": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def minutes(clicks):
    """A meeting's minutes, made in the background; the export dialog follows it. The
    meeting comes from the browser: ops.tasks checks it is of this user's region."""
    scope = current_scope()
    # Dash also calls this when a minutes button appears (on this page, or after a
    # meeting is saved): only a click on the one that triggered counts.
    if not ctx.triggered_id or not ctx.triggered or not ctx.triggered[0].get("value"):
        return (dash.no_update,) * 5
    hidden = {"display": "none"}
    job, shown = _start_minutes(scope, ctx.triggered_id["index"])
    return job, True, hidden, hidden, shown


def _start_minutes(scope, meeting):
    """The minutes' export job started (its id and status), or None and the reason."""
    app = context.get()
    try:
        job = service.start_minutes(
            app.ops, app.settings, scope, meeting, requester(), get_lang(), client_ip()
        )
    except T.TaskError as exc:
        return None, dialog_alert(t(exc.key))
    except (render.Unavailable, jobs.TooMany) as exc:
        return None, dialog_alert(str(exc))
    return job, job_status(jobs.get(app.ops, scope, job), lang=get_lang())
