"""Cross-checks (/crosschecks/<code>?check=<id>): the doubtful cases (疑点) that department
data raise against the registry, by check and by unit below, on a map; sent to the
townships as verification instructions in bulk; closed with the verification's outcome.
Drills down like the region page."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import duckdb
from dash import Input, Output, State, callback, dcc, html

from access import can, can_access, current_scope, prefix_of, raise_for_region
from components import kpi, maps, messages, tables
from components import subject as subject_view
from components.shell import breadcrumb
from domain.indicators import Indicator
from etl import feeds as feed_config
from i18n import N_, fmt_exact, fmt_number, get_lang, t
from ops import doubts as D
from ops import tasks as T
from queries import api
from services import crosschecks as S
from web import context, gate
from web.auth import client_ip

dash.register_page(
    __name__,
    path_template="/crosschecks/<code>",
    name="crosschecks",
    title="精准 · 数据比对",
    path="/crosschecks",
    nav={"label": N_("nav.crosschecks"), "order": 28},
    access="crosschecks.view",
)

UNDECIDED = Indicator("doubts_undecided", "undecided", "month", "count", -1, N_("unit.households"))
# A doubtful case's state in words (ops.doubts.STATES).
STATE_LABEL = {
    "open": N_("cc.state.open"),
    "sent": N_("cc.state.sent"),
    "confirmed": N_("cc.state.confirmed"),
    "cleared": N_("cc.state.cleared"),
}
NUMBER = {"textAlign": "right", "paddingLeft": 16, "whiteSpace": "nowrap"}
STATE_COLOUR = {"": "red", "sent": "blue", "confirmed": "orange", "cleared": "green"}


def href(code: str, check: str = "") -> str:
    return f"/crosschecks/{code}" + (f"?{urlencode({'check': check})}" if check else "")


def layout(
    code: str | None = None,
    check: str | None = None,
    sent: str | None = None,
    tasks: str | None = None,
    closed: str | None = None,
    **_,
):
    scope = current_scope()
    code = code or scope.region_code
    wh = context.warehouse()
    try:
        names, subject = S.own_checks(wh, scope, get_lang())
        check = check if check in names else ""
        decided = S.decided(context.ops(), scope, names, subject)
        cv = api.crosscheck_view(wh, scope, code, check, list(decided))
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    except duckdb.CatalogException:  # a warehouse built before the cross-checks existed
        return messages.notice(N_("cc.not_evaluated"), colour="yellow")
    v = cv.region
    # Households, each once however many checks it fails (the query layer counts them).
    open_households = int(cv.totals["open_households"] or 0)
    return html.Div(
        className="jz-page",
        children=[
            breadcrumb(v.trail, lambda c: href(c, check)),
            _head(scope, v, names, check, open_households),
            dcc.Store(id="cc-state", data={"code": v.unit["code"], "check": check}),
            subject_view.notice(
                subject, "crosschecks", id="cc-subject", feeds=feed_config.load(), lang=get_lang()
            ),
            html.Div(id="cc-feedback", children=_done(sent, tasks, closed)),
            dmc.SimpleGrid(
                cols={"base": 2, "md": 5},
                spacing="sm",
                mb="md",
                children=[kpi.card(k) for k in _cards(cv, decided, code, check)],
                id="cc-cards",
            ),
            dmc.Grid(
                gutter="md",
                children=[
                    dmc.GridCol(
                        span={"base": 12, "lg": 6},
                        children=dmc.Paper(withBorder=True, p="xs", children=_map(cv, check)),
                    ),
                    dmc.GridCol(
                        span={"base": 12, "lg": 6},
                        children=dmc.Paper(
                            withBorder=True,
                            p="md",
                            children=[
                                dmc.Title(t("cc.by_check"), order=4, mb="xs"),
                                _summary_table(cv.summary, names, v.unit["code"]),
                                dmc.Title(t("cc.by_unit"), order=4, mt="md", mb="xs"),
                                _children_table(cv.children, check),
                            ],
                        ),
                    ),
                ],
            ),
            _cases(scope, cv, names, decided, check),
        ],
    )


def _head(scope, v, names: dict[str, str], check: str, open_households: int):
    """The title, the check filter and the button that sends the cases."""
    options = [{"value": "", "label": t("cc.all_checks")}] + [
        {"value": k, "label": n} for k, n in names.items()
    ]
    can_send = can(scope, "doubts.send")
    return dmc.Group(
        justify="space-between",
        mb="sm",
        align="flex-end",
        children=[
            dmc.Title(t("cc.title", region=v.unit["name"]), order=2, id="cc-title"),
            dmc.Group(
                align="flex-end",
                children=[
                    dmc.Select(
                        id="cc-check",
                        label=t("cc.check"),
                        data=options,
                        value=check,
                        w=320,
                        allowDeselect=False,
                    ),
                    dmc.Button(
                        t("cc.send", n=fmt_exact(open_households)),
                        id="cc-send",
                        color="red",
                        variant="light",
                        disabled=not can_send or open_households == 0,
                        # kept for its callback, not shown to who may not send
                        style=None if can_send else {"display": "none"},
                    ),
                ],
            ),
        ],
    )


def _cards(cv, decided: dict[str, dict], code: str, check: str) -> list:
    """Households with cases, undecided ones, and those in each state of the store."""
    unit_prefix = prefix_of(code)
    states = [
        d["state"]
        for d in decided.values()
        if d["village_code"].startswith(unit_prefix) and (not check or d["check_id"] == check)
    ]
    households, open_households = (
        int(cv.totals["households"]),
        int(cv.totals["open_households"] or 0),
    )
    cards = [
        kpi.Kpi(
            key="cases", label=t("cc.cases"), value=fmt_exact(households), unit=t("unit.households")
        ),
        kpi.Kpi(
            key="undecided",
            label=t("cc.undecided"),
            value=fmt_exact(open_households),
            unit=t("unit.households"),
            good_when=-1,
        ),
    ]
    return cards + [
        kpi.Kpi(
            key=st,
            label=t(STATE_LABEL[st]),
            value=fmt_exact(states.count(st)),
            unit=t("unit.households"),
        )
        for st in D.STATES
    ]


def _map(cv, check: str) -> list:
    """The map of undecided cases by child unit."""
    v, lang = cv.region, get_lang()
    fc, bounds, colours = maps.feature_collection(
        v.geometry, cv.children, UNDECIDED, fmt_exact, lambda c: href(c, check), lang=lang
    )
    as_of = t("data.as_of", date=v.version.as_of.isoformat())
    legend = maps.legend(UNDECIDED, bounds, colours, fmt_exact, as_of, False, lang=lang)
    points = bool(len(v.geometry)) and int(v.geometry["level"].iloc[0]) == 5
    return [
        dmc.Text(t("cc.map_title", region=v.map_parent["name"]), fw=600, mb=4),
        maps.region_map(
            fc,
            v.outline,
            legend,
            points,
            context.get().settings.tile_url,
            v.map_parent["code"],
            units_id="cc-map-geojson",
            title=t(
                "map.export_title",
                region=v.map_parent["name"],
                indicator=t(UNDECIDED.label_key),
                period=as_of,
            ),
        ),
    ]


def _cases(scope, cv, names: dict[str, str], decided: dict[str, dict], check: str):
    """The list of cases and the form that records a verification's outcome."""
    listed = cv.summary if not check else cv.summary[cv.summary["check_id"] == check]
    listed_total = int(listed["cases"].sum())  # the list's rows (one per case)
    return dmc.Paper(
        withBorder=True,
        p="md",
        mt="md",
        children=[
            dmc.Title(
                t("cc.cases_title", n=fmt_exact(len(cv.cases)), total=fmt_exact(listed_total)),
                order=4,
                mb="xs",
            ),
            _cases_grid(cv.cases, names, decided),
            dmc.Text(t("cc.pick_case"), size="xs", c="dimmed", mt=4),
            dmc.Group(
                mt="sm",
                align="flex-end",
                children=[
                    dmc.SegmentedControl(
                        id="cc-outcome",
                        value="cleared",
                        data=[
                            {"value": "cleared", "label": t("cc.state.cleared")},
                            {"value": "confirmed", "label": t("cc.state.confirmed")},
                        ],
                    ),
                    dmc.TextInput(id="cc-note", label=t("cc.note"), w=420),
                    dmc.Button(
                        t("cc.close"),
                        id="cc-close-case",
                        variant="light",
                        disabled=not can(scope, "doubts.close"),
                    ),
                ],
            ),
        ],
    )


def _summary_table(summary, names: dict[str, str], code: str):
    rows = [
        html.Tr(
            [
                html.Td(
                    dcc.Link(
                        names.get(r["check_id"], r["check_id"]), href=href(code, r["check_id"])
                    )
                ),
                html.Td(fmt_exact(r["cases"]), style=NUMBER),
                html.Td(fmt_exact(r["undecided"]), style=NUMBER),
            ],
            **{"data-check": r["check_id"]},
        )
        for r in summary.to_dict("records")
    ]
    head = html.Tr(
        [
            html.Th(t("cc.check"), style={"textAlign": "left"}),
            html.Th(t("cc.cases"), style={"textAlign": "right"}),
            html.Th(t("cc.undecided"), style={"textAlign": "right"}),
        ]
    )
    return dmc.Table([html.Thead(head), html.Tbody(rows)], id="cc-summary", striped=True)


def _children_table(children, check: str):
    rows = [
        html.Tr(
            [
                html.Td(dcc.Link(r["name"], href=href(r["code"], check))),
                html.Td(fmt_exact(r["undecided"]), style={"textAlign": "right"}),
            ],
            **{"data-code": r["code"]},
        )
        for r in children.to_dict("records")
    ]
    head = html.Tr(
        [
            html.Th(t("overview.col.name"), style={"textAlign": "left"}),
            html.Th(t("cc.undecided"), style={"textAlign": "right"}),
        ]
    )
    return dmc.Table([html.Thead(head), html.Tbody(rows)], id="cc-children", striped=True)


def _cases_grid(cases, names: dict[str, str], decided: dict[str, dict]) -> dag.AgGrid:
    rows = []
    for r in cases.to_dict("records"):
        d = decided.get(r["doubt_key"], {})
        state = d.get("state", "")
        rows.append(
            {
                "doubt_key": r["doubt_key"],
                "household": f"[{r['household_no']}](/household/{r['household_id']})",
                "head_name": r["head_name"],
                "place": f"{r['township_name']} · {r['village_name']}",
                "check": names.get(r["check_id"], r["check_id"]),
                "members": r["members"] or "",
                "evidence": ""
                if r["threshold"] == 1.0
                else f"{fmt_number(r['value'])} / {fmt_number(r['threshold'])}",
                "found_on": str(r["found_on"])[:10],
                "state": t(STATE_LABEL[state]) if state else t("cc.state.open"),
                "task": f"[#{d['task_id']}](/tasks?task={d['task_id']})"
                if d.get("task_id")
                else "",
            }
        )
    cols = [
        {
            "field": "household",
            "headerName": t("hh.col.household_no"),
            "cellRenderer": "markdown",
            "width": 170,
        },
        {"field": "head_name", "headerName": t("hh.col.head_name"), "width": 100},
        {"field": "place", "headerName": t("hh.col.village"), "width": 180},
        {"field": "check", "headerName": t("cc.check"), "flex": 1, "minWidth": 220},
        {"field": "members", "headerName": t("cc.members"), "width": 120},
        {"field": "evidence", "headerName": t("cc.evidence"), "width": 140},
        {"field": "found_on", "headerName": t("cc.found_on"), "width": 120},
        {"field": "state", "headerName": t("cc.state"), "width": 100},
        {"field": "task", "headerName": t("cc.task"), "cellRenderer": "markdown", "width": 90},
    ]
    grid = tables.grid(
        "cc-cases", cols, rows, height=tables.fit_height(len(rows), 420), lang=get_lang()
    )
    grid.dashGridOptions = {
        **grid.dashGridOptions,
        "rowSelection": {"mode": "singleRow", "checkboxes": True},
    }
    grid.getRowId = "params.data.doubt_key"
    return grid


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("cc-map-geojson", "clickData"),
    prevent_initial_call=True,
)
def drill(feature):
    """A click on a unit of the map: its cases (the same check), if the user may see the
    unit. The map's own callback: the region page's drill is for the roles that see the
    figures, which a department account does not."""
    scope = current_scope()
    props = (feature or {}).get("properties") if isinstance(feature, dict) else None
    code = props.get("code") if isinstance(props, dict) else None
    if not isinstance(code, str) or not can_access(scope, code):
        return dash.no_update
    target = str(props.get("href", ""))
    return target if target.startswith(f"/crosschecks/{code}") else href(code)


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("cc-check", "value"),
    State("cc-state", "data"),
    prevent_initial_call=True,
)
def change_check(check, state):
    raise_for_region(current_scope(), (state or {}).get("code"))
    if (check or "") == (state or {}).get("check", ""):
        return dash.no_update
    return href(state["code"], check or "")


@callback(
    Output("cc-feedback", "children"),
    Output("shell-url", "href", allow_duplicate=True),
    Input("cc-send", "n_clicks"),
    State("cc-state", "data"),
    prevent_initial_call=True,
)
def send(n, state):
    """Every undecided case of the unit (and check) to its township, for verification.
    The unit and check come from the browser: they go through the gate again."""
    scope = current_scope()
    if not n:  # Dash calls it when the button appears
        return dash.no_update, dash.no_update
    code = (state or {}).get("code")
    try:
        sent = S.send(
            context.ops(),
            context.warehouse(),
            scope,
            code,
            (state or {}).get("check", ""),
            client_ip(),
        )
    except gate.REFUSALS as exc:
        return messages.refusal(exc), dash.no_update
    except T.TaskError as exc:
        return _alert(t(exc.key, **exc.params)), dash.no_update
    return dash.no_update, _with(
        href(code, sent.check), sent=sent.households, tasks=len(sent.tasks)
    )


@callback(
    Output("cc-feedback", "children", allow_duplicate=True),
    Output("shell-url", "href", allow_duplicate=True),
    Input("cc-close-case", "n_clicks"),
    State("cc-cases", "selectedRows"),
    State("cc-outcome", "value"),
    State("cc-note", "value"),
    State("cc-state", "data"),
    prevent_initial_call=True,
)
def close_case(n, selected, outcome, note, state):
    """The verification's outcome for the chosen case (its key comes from the browser:
    the case is read again through the gate)."""
    scope = current_scope()
    if not n:
        return dash.no_update, dash.no_update
    if not selected:
        return _alert(t("cc.pick_case")), dash.no_update
    key = (selected[0] or {}).get("doubt_key")
    try:
        found = S.close(
            context.ops(), context.warehouse(), scope, key, outcome, note or "", client_ip()
        )
    except T.TaskError as exc:
        return _alert(t(exc.key, **exc.params)), dash.no_update
    if not found:
        return messages.not_found(), dash.no_update
    state = state or {}
    return dash.no_update, _with(href(state.get("code"), state.get("check", "")), closed=outcome)


def _with(url: str, **params) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _done(sent, tasks, closed):
    """What the last action did (the page is drawn again after it, from the store)."""
    if str(sent or "").isdigit() and str(tasks or "").isdigit():
        return _alert(t("cc.sent", n=fmt_exact(int(sent)), k=fmt_exact(int(tasks))), "green")
    if closed in D.OUTCOMES:
        return _alert(t("cc.closed", outcome=t(STATE_LABEL[closed])), "green")
    return None


def _alert(text: str, colour: str = "red"):
    return dmc.Alert(text, color=colour, variant="light", id="cc-alert", mb="sm")
