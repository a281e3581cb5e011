"""The alert queue (/warnings?unit=<code>&rule=<id>): rule hits (预警线索) not yet handled,
oldest first, those waiting more than 15 days marked overdue (a household entering the
procedure, 预警户, is the monitoring page's lifecycle). Each becomes a
verification instruction in one click; decided warnings show their outcome."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from access import (
    AccessDenied,
    RegionNotFound,
    can,
    current_scope,
    prefix_of,
)
from components import messages, tables
from components import subject as subject_view
from components import tasks as task_view
from components.shell import breadcrumb
from domain.codes import CODES
from etl import feeds as feed_config
from etl.refdata import region_names
from i18n import N_, fmt_exact, fmt_number, fmt_time, get_lang, t, with_zone
from ops import warnings as W
from pages.household import rule_names
from queries import api
from services import warnings as S
from services.tasks import TaskError
from web import context, gate
from web.auth import client_ip

dash.register_page(
    __name__,
    path="/warnings",
    name="warnings",
    title="精准 · 预警线索",
    nav={"label": N_("nav.warnings"), "order": 27},
    access="warnings.view",
)

OVERDUE_DAYS = 15


def queue_rows(df, names: dict[str, str]) -> list[dict]:
    lang = 0 if get_lang() == "zh" else 1
    open_case = t("warn.open_case")
    out = []
    for r in df.to_dict("records"):
        flag = r["threshold"] == 1.0 and r["value"] == 1.0
        days = int(
            r["days_waiting"].days if hasattr(r["days_waiting"], "days") else r["days_waiting"]
        )
        out.append(
            {
                "warning_key": r["warning_key"],
                "warned_on": str(r["warned_on"])[:10],
                "days": days,
                "overdue": days > OVERDUE_DAYS,
                "status": t("task.status.overdue") if days > OVERDUE_DAYS else "",
                "household": f"[{r['household_no']}](/household/{r['household_id']})",
                "head_name": r["head_name"],
                "place": f"{r['township_name']} · {r['village_name']}",
                "rule": names.get(r["rule_id"], r["rule_id"]),
                "risk": CODES["risk"][int(r["risk_type"])][lang],
                "evidence": "✓"
                if flag
                else f"{fmt_number(r['value'])} / {fmt_number(r['threshold'])}",
                # No score for a department account (the query leaves it out: it is made of
                # every rule's hits).
                "score": float(r["score"])
                if isinstance(r["score"], (int, float)) and r["score"] == r["score"]
                else None,
                "factors": t("list.sep").join(
                    f"{names.get(f['rule'], f['rule'])} {fmt_number(f['weight'], 2)}"
                    for f in json.loads(r["factors"] if isinstance(r["factors"], str) else "[]")
                ),
                "action": t("warn.to_instruction"),
                "case": f"[{open_case}](/cases?{urlencode({'warning': r['warning_key']})})",
            }
        )
    return out


def columns(decide: bool = True, scored: bool = True, cases: bool = False) -> list[dict]:
    """The queue's columns; the one-click instruction only for those who may decide, the
    risk score only for those who see every rule's hits (not a department account), the
    link that opens an identification case for those who may open one."""
    cols = [
        {"field": "warned_on", "headerName": t("warn.col.warned_on"), "width": 115},
        {
            "field": "days",
            "headerName": t("warn.col.days"),
            "width": 95,
            "type": "rightAligned",
            "cellClassRules": {"jz-status-overdue": "params.data.overdue"},
        },
        {
            "field": "status",
            "headerName": "",
            "width": 70,
            "cellClassRules": {"jz-status-overdue": "params.data.overdue"},
        },
        {
            "field": "household",
            "headerName": t("hh.col.household_no"),
            "width": 175,
            "cellRenderer": "markdown",
        },
        {"field": "head_name", "headerName": t("hh.col.head_name"), "width": 90},
        {"field": "place", "headerName": t("hh.col.village"), "width": 170},
        {"field": "rule", "headerName": t("warn.col.rule"), "width": 170},
        {"field": "risk", "headerName": t("warn.col.risk"), "width": 100},
        {
            "field": "evidence",
            "headerName": t("warn.col.evidence"),
            "width": 140,
            "type": "rightAligned",
        },
    ]
    if scored:
        cols += [
            {
                "field": "score",
                "headerName": t("warn.col.score"),
                "width": 90,
                "type": "rightAligned",
                "tooltipField": "factors",
            },
            {"field": "factors", "headerName": t("warn.col.factors"), "flex": 1, "minWidth": 200},
        ]
    if cases:
        cols.append({"field": "case", "headerName": "", "width": 100, "cellRenderer": "markdown"})
    if decide:
        cols.append(
            {
                "field": "action",
                "headerName": "",
                "width": 110,
                "pinned": "right",
                "cellRenderer": "RowButton",
                "cellRendererParams": {"label": t("warn.to_instruction")},
            }
        )
    return cols


def own_rules(wh, scope) -> tuple[dict[str, str], object]:
    """The rules whose warnings the user sees (a department: those over its own data,
    queries/subject.py) by name, and the department's subject (None for others)."""
    return S.own_rules(wh, scope, rule_names())


own_decisions = S.own_decisions


def decided_rows(
    decisions: dict,
    names: dict[str, str],
    numbers: dict[int, str] | None = None,
    people: dict[str, str] | None = None,
) -> list[dict]:
    """The decided list: the household by its number (``numbers``: household_id ->
    household_no) and the person who decided by name (``people``: username -> name)."""
    numbers, people = numbers or {}, people or {}
    out = []
    for key, d in sorted(decisions.items(), key=lambda kv: kv[1]["decided_at"], reverse=True):
        rule, household, day = key.split(":")
        if d["outcome"] == "instruction":
            outcome = t(
                "warn.outcome.instruction",
                id=d["task_id"] or "—",
                state=task_view.label(task_view.STATE_LABEL, d["task_state"], get_lang())
                if d["task_state"]
                else "—",
            )
        else:
            outcome = t("warn.outcome.dismissed", note=d["note"])
        out.append(
            {
                "warned_on": day,
                "household": f"[{numbers.get(int(household), '—')}](/household/{household})",
                "rule": names.get(rule, rule),
                "outcome": outcome,
                "by": people.get(d["decided_by"], d["decided_by"]),
                "decided_at": fmt_time(d["decided_at"]),
            }
        )
    return out


def _decided(wh, scope, in_unit: dict, names: dict[str, str]) -> list[dict]:
    """The decided list's rows, with the numbers and names looked up (within the scope)."""
    numbers, people = S.decided_people(context.ops(), wh, scope, in_unit)
    return decided_rows(in_unit, names, numbers, people)


def _state(state) -> tuple[str, str] | None:
    """The unit and rule the page was drawn for, if the store holds what it should."""
    if (
        not isinstance(state, dict)
        or not isinstance(state.get("code"), str)
        or not isinstance(state.get("rule"), str)
    ):
        return None
    return state["code"], state["rule"]


def counts_text(wh, scope, code: str, decisions: dict, shown: int) -> str:
    """How many warnings wait (and how long), how many the list shows."""
    counts = wh.run(
        "warning_counts",
        scope,
        unit_prefix=prefix_of(code),
        decided=list(decisions),
        as_of=api.data_version(wh).as_of,
    ).iloc[0]
    return t(
        "warn.counts",
        undecided=fmt_exact(counts["undecided"]),
        households=fmt_exact(counts["undecided_households"]),
        overdue=fmt_exact(counts["overdue"]),
        overdue_households=fmt_exact(counts["overdue_households"]),
        shown=fmt_exact(shown),
        handled=fmt_exact(counts["handled"]),
        identified=fmt_exact(counts["identified_after"]),
        cleared=fmt_exact(counts["cleared_after"]),
    )


def _header(unit_row: dict, rule: str, names: dict[str, str]):
    """The page's title and the rule picker (all rules, or one of the user's)."""
    return dmc.Group(
        justify="space-between",
        mb="xs",
        children=[
            dmc.Title(t("warn.title", region=unit_row["name"]), order=2, id="warn-title"),
            dmc.Select(
                id="warn-rule",
                value=rule or "",
                w=240,
                allowDeselect=False,
                data=[{"value": "", "label": t("warn.all_rules")}]
                + [{"value": k, "label": v} for k, v in names.items()],
            ),
        ],
    )


def _queue_grid(scope, subject, df, names: dict[str, str]):
    """The queue of warnings waiting, each with its one-click instruction (for those who
    may decide)."""
    return dag.AgGrid(
        id="warn-grid",
        columnDefs=columns(
            can(scope, "warnings.decide"), subject is None, can(scope, "cases.open")
        ),
        rowData=queue_rows(df, names),
        defaultColDef={"resizable": True, "sortable": True},
        dashGridOptions={
            "theme": tables.GRID_THEME,
            "rowHeight": tables.ROW_HEIGHT,
            "tooltipShowDelay": 200,
            "localeText": tables.locale_text(get_lang()),
        },
        style={"height": 460, "width": "100%"},
        className="jz-grid",
    )


def _decided_grid(decided: list[dict]):
    """The list of warnings decided in the unit, with their outcome."""
    return tables.grid(
        "warn-decided",
        [
            {"field": "warned_on", "headerName": t("warn.col.warned_on"), "width": 115},
            {
                "field": "household",
                "headerName": t("hh.col.household_no"),
                "width": 175,
                "cellRenderer": "markdown",
            },
            {"field": "rule", "headerName": t("warn.col.rule"), "width": 160},
            {"field": "outcome", "headerName": t("warn.col.outcome"), "flex": 1},
            {"field": "by", "headerName": t("warn.col.by"), "width": 130},
            {
                "field": "decided_at",
                "headerName": with_zone(t("warn.col.decided_at")),
                "width": 190,
            },
        ],
        decided,
        height=300,
        lang=get_lang(),
    )


def layout(unit: str | None = None, rule: str | None = None, **_):
    scope = current_scope()
    code = unit if isinstance(unit, str) and unit else scope.region_code
    wh = context.warehouse()
    try:
        unit_row = api.region(wh, scope, code)
        trail = api.ancestors(wh, scope, code)
        names, subject = own_rules(wh, scope)
        # An unknown rule, or one given twice (?rule=a&rule=b), means all rules.
        rule = rule if isinstance(rule, str) and rule in names else ""
        decisions = own_decisions(W.decided(context.ops(), scope), names, subject)
        df = api.warning_queue(wh, scope, code, rule, list(decisions))
        counts = counts_text(wh, scope, code, decisions, len(df))
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    in_unit = {k: d for k, d in decisions.items() if d["village_code"].startswith(prefix_of(code))}
    decided = _decided(wh, scope, in_unit, names)
    return html.Div(
        className="jz-page",
        children=[
            breadcrumb(trail, lambda c: f"/warnings?unit={c}"),
            _header(unit_row, rule, names),
            subject_view.notice(
                subject, "warnings", id="warn-subject", feeds=feed_config.load(), lang=get_lang()
            ),
            dmc.Text(counts, size="sm", c="dimmed", mb="xs", id="warn-counts"),
            html.Div(id="warn-feedback"),
            dcc.Store(id="warn-unit", data={"code": code, "rule": rule or ""}),
            _queue_grid(scope, subject, df, names),
            dmc.Title(decided_title(decided), order=4, mt="md", mb="xs", id="warn-decided-title"),
            _decided_grid(decided),
        ],
    )


UNCHANGED = (dash.no_update,) * 3  # the queue, the decided list and the counts


@callback(
    Output("warn-feedback", "children"),
    Output("warn-grid", "rowData"),
    Output("warn-decided", "rowData"),
    Output("warn-counts", "children"),
    Input("warn-grid", "cellRendererData"),
    State("warn-unit", "data"),
    prevent_initial_call=True,
)
def to_instruction(data, state):
    """One click: the warning becomes a verification instruction to the unit below that
    holds the household (services/warnings.py; the browser sends only a key)."""
    scope = current_scope()
    state = _state(state)
    # dash-ag-grid wraps what the cell renderer sent in `value`.
    value = data.get("value") if isinstance(data, dict) else None
    key = value.get("key") if isinstance(value, dict) else None
    if state is None or not isinstance(key, str):
        return messages.notice(N_("warning.err.not_found")), *UNCHANGED
    code, rule = state
    try:
        task = S.to_instruction(
            context.ops(), context.warehouse(), scope, code, key, get_lang(), client_ip()
        )
    except (AccessDenied, RegionNotFound, S.WarningNotFound, TaskError) as exc:
        return _refused(exc), *UNCHANGED
    return _instructed(task), *_queue_outputs(scope, code, rule)


def _queue_outputs(scope, code: str, rule) -> tuple:
    """The queue after a decision: its rows, the decided list and the counts line."""
    wh = context.warehouse()
    q = S.queue(context.ops(), wh, scope, code, rule, rule_names())
    return (
        queue_rows(q.warnings, q.names),
        _decided(wh, scope, q.in_unit, q.names),
        counts_text(wh, scope, code, q.decisions, len(q.warnings)),
    )


def _refused(exc: Exception):
    """What the one-click instruction says when it is refused."""
    if isinstance(exc, TaskError):
        return task_view.refusal_alert(exc, get_lang())
    if isinstance(exc, RegionNotFound):
        return messages.not_found()
    if isinstance(exc, AccessDenied):
        return messages.forbidden()
    return messages.notice(N_("warning.err.not_found"))


def _instructed(task: dict):
    return dmc.Alert(
        t(
            "warn.done",
            id=task["id"],
            unit=task_view.region_label(task["assignee_region"], region_names()),
        ),
        color="green",
        variant="light",
        mb="sm",
        withCloseButton=True,
        id="warn-done",
    )


@callback(
    Output("warn-decided-title", "children"),
    Input("warn-decided", "rowData"),
    prevent_initial_call=True,
)
def decided_title(rows) -> str:
    """The decided list's heading counts the rows it shows (a one-click instruction adds
    one without redrawing the page)."""
    return t("warn.decided", n=fmt_exact(len(rows) if isinstance(rows, list) else 0))


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("warn-rule", "value"),
    State("warn-unit", "data"),
    prevent_initial_call=True,
)
def change_rule(rule, state):
    """Another rule: only the URL changes (nothing when the control first appears)."""
    current_scope()
    state = _state(state)
    if state is None or not isinstance(rule, (str, type(None))) or (rule or "") == state[1]:
        return dash.no_update
    query = {"unit": state[0], **({"rule": rule} if rule else {})}
    return "/warnings?" + urlencode(query)
