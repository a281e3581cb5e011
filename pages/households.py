"""The households of a unit (/households/<code>): server-side paging, sorting, filtering
across the whole scope (AG Grid's infinite row model), with CSV and Excel export."""

from __future__ import annotations

import json
from typing import NamedTuple
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from access import current_scope, raise_for_region
from components import messages
from components.region import month_options
from components.shell import breadcrumb
from components.tables import GRID_THEME, locale_text
from domain.codes import CODES
from i18n import (
    N_,
    fmt_exact,
    fmt_month_period,
    fmt_to_date,
    fmt_year_period,
    get_lang,
    t,
    tn,
)
from queries import api, grid
from queries import households as hl
from queries.grid import BadRequest
from web import context, gate

dash.register_page(
    __name__,
    path_template="/households/<code>",
    name="households",
    title="精准 · 户列表",
    path="/households",
    nav={"label": N_("nav.households"), "order": 20},
    access="households.list",
)

# The list's presets in the order the picker shows them, with their words.
PRESETS = {
    "all": N_("hh.preset.all"),
    "registered": N_("hh.preset.registered"),
    "not_exited": N_("hh.preset.not_exited"),
    "exited": N_("hh.preset.exited"),
    "monitored": N_("hh.preset.monitored"),
    "unresolved": N_("hh.preset.unresolved"),
    "eliminated": N_("hh.preset.eliminated"),
    "pending": N_("hh.preset.pending"),
    "below_line": N_("hh.preset.below_line"),
}
MONTH_PRESETS = {"monitored", "unresolved", "eliminated", "pending"}
CODE_COLUMNS = {
    "household_type": "household_type",
    "main_cause": "cause",
    "monitor_type": "monitor_type",
    "monitor_state": "monitor_state",
}


def href(code: str, preset: str | None = None, year=None, month=None) -> str:
    query = {k: v for k, v in (("preset", preset), ("year", year), ("month", month)) if v}
    return f"/households/{code}" + (f"?{urlencode(query)}" if query else "")


def _labels() -> dict[str, dict]:
    lang = 0 if get_lang() == "zh" else 1
    return {
        col: {str(k): v[lang] for k, v in CODES[domain].items()}
        for col, domain in CODE_COLUMNS.items()
    }


def _filters() -> tuple[dict, dict, dict]:
    """The grid's three kinds of column filter: text, number, and none (coded columns)."""
    text = {
        "filter": "agTextColumnFilter",
        "filterParams": {
            "filterOptions": ["contains", "equals", "startsWith"],
            "maxNumConditions": 1,
        },
    }
    number = {
        "filter": "agNumberColumnFilter",
        "type": "rightAligned",
        "filterParams": {
            "filterOptions": ["equals", "lessThan", "greaterThan", "inRange", "blank", "notBlank"],
            "maxNumConditions": 1,
        },
    }
    coded = {"filter": False}
    return text, number, coded


def _identity_columns(text: dict) -> list[dict]:
    """The columns naming the household: its number (a link), head, village and phone."""
    return [
        {
            "field": "household_no",
            "headerName": t("hh.col.household_no"),
            "width": 175,
            "cellRenderer": "markdown",
            "valueGetter": {"function": "params.data && params.data.link"},
            **text,
            "pinned": "left",
        },
        {"field": "head_name", "headerName": t("hh.col.head_name"), "width": 100, **text},
        {
            "field": "village_name",
            "headerName": t("hh.col.village"),
            "width": 150,
            "sortable": False,
            "filter": False,
            "valueGetter": {
                "function": "params.data && params.data.township_name + ' · ' + params.data.village_name"
            },
        },
        {
            "field": "phone",
            "headerName": t("hh.col.phone"),
            "width": 125,
            "sortable": False,
            "filter": False,
            "cellClass": "jz-masked",
        },
    ]


def _record_columns(number: dict, coded: dict) -> list[dict]:
    """The columns of the household's record: members, type, years, cause, monitoring
    and income (coded columns show their labels)."""
    return [
        {"field": "members", "headerName": t("hh.col.members"), "width": 90, **number},
        {
            "field": "household_type",
            "headerName": t("hh.col.household_type"),
            "width": 130,
            **coded,
            "valueFormatter": {"function": "params.data && params.data.household_type_label"},
        },
        {"field": "identify_year", "headerName": t("hh.col.identify_year"), "width": 110, **number},
        {"field": "exit_year", "headerName": t("hh.col.exit_year"), "width": 110, **number},
        {
            "field": "main_cause",
            "headerName": t("hh.col.main_cause"),
            "width": 110,
            **coded,
            "valueFormatter": {"function": "params.data && params.data.main_cause_label"},
        },
        {
            "field": "monitor_type",
            "headerName": t("hh.col.monitor_type"),
            "width": 130,
            **coded,
            "valueFormatter": {"function": "params.data && params.data.monitor_type_label"},
        },
        {
            "field": "monitor_state",
            "headerName": t("hh.col.monitor_state"),
            "width": 120,
            **coded,
            "valueFormatter": {"function": "params.data && params.data.monitor_state_label"},
        },
        {
            "field": "per_capita_income",
            "headerName": t("hh.col.per_capita_income"),
            "width": 140,
            **number,
        },
    ]


def columns() -> list[dict]:
    text, number, coded = _filters()
    return _identity_columns(text) + _record_columns(number, coded)


def list_period(q: hl.ListQuery, version: api.DataVersion) -> str:
    """The moment the list's households are counted at: a year's end, a month's end, or
    the data's date (the whole registry, and a year or month still running)."""
    if q.preset in MONTH_PRESETS:
        return fmt_month_period(q.month, version.as_of)
    if q.preset == "all":
        return fmt_to_date(version.as_of)
    return fmt_year_period(q.year, version.as_of)


def rows(df, labels: dict) -> list[dict]:
    out = []
    for rec in df.to_dict("records"):
        r = {k: (None if v is None or v != v else v) for k, v in rec.items()}
        r["per_capita_income"] = (
            float(r["per_capita_income"]) if r.get("per_capita_income") is not None else None
        )
        r["link"] = f"[{r['household_no']}](/household/{r['household_id']})"
        for col in CODE_COLUMNS:
            v = r.get(col)
            r[f"{col}_label"] = labels[col].get(str(int(v)), "") if v is not None else ""
        out.append(r)
    return out


def _period_pickers(preset: str, y: int, month: str, version) -> list:
    """The preset picker and the year and month pickers (each shown for the presets that
    count at its kind of moment)."""
    return [
        dmc.Select(
            id="hh-preset",
            label=t("hh.preset"),
            value=preset,
            w=200,
            allowDeselect=False,
            data=[{"value": p, "label": t(k)} for p, k in PRESETS.items()],
        ),
        dmc.Select(
            id="hh-year",
            label=t("overview.year"),
            value=str(y),
            w=100,
            allowDeselect=False,
            data=[str(v) for v in reversed(version.years())],
            display="none" if preset in MONTH_PRESETS or preset == "all" else "block",
        ),
        dmc.Select(
            id="hh-month",
            label=t("region.month"),
            value=month,
            w=190,
            allowDeselect=False,
            data=month_options(api.months(version), version.as_of, lang=get_lang()),
            display="block" if preset in MONTH_PRESETS else "none",
        ),
    ]


def _actions(code: str) -> list:
    """The export links (CSV, Excel) and the way back to the unit's page."""
    return [
        html.A(dmc.Button(t("hh.export_csv"), variant="light"), id="hh-export-csv"),
        html.A(
            dmc.Button(t("hh.export_xlsx"), variant="light"),
            id="hh-export-xlsx",
        ),
        dcc.Link(
            dmc.Button(t("hh.back_to_region"), variant="subtle"),
            href=f"/region/{code}",
        ),
    ]


def _header(unit: dict, code: str, preset: str, y: int, month: str, version):
    """The page's title with its bar of pickers and actions."""
    return dmc.Group(
        justify="space-between",
        mb="sm",
        align="flex-end",
        children=[
            dmc.Title(t("hh.title", region=unit["name"]), order=2, id="hh-title"),
            dmc.Group(
                gap="xs",
                align="flex-end",
                children=_period_pickers(preset, y, month, version) + _actions(code),
            ),
        ],
    )


def _grid():
    """The households' grid, rows fetched block by block from the server."""
    return dag.AgGrid(
        id="hh-grid",
        columnDefs=columns(),
        rowModelType="infinite",
        defaultColDef={"resizable": True, "sortable": True, "floatingFilter": False},
        dashGridOptions={
            "cacheBlockSize": 100,
            "maxBlocksInCache": 20,
            "suppressMultiSort": True,
            "rowBuffer": 0,
            "theme": GRID_THEME,
            "suppressCellFocus": True,
            "localeText": locale_text(get_lang()),
        },
        style={"height": "calc(100vh - 230px)", "minHeight": 420, "width": "100%"},
        className="jz-grid",
    )


def layout(code: str | None = None, preset: str | None = None, year=None, month=None, **_):
    scope = current_scope()
    code = code or scope.region_code
    wh = context.warehouse()
    try:
        unit = api.region(wh, scope, code)
        trail = api.ancestors(wh, scope, code)
        version = api.data_version(wh)
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    preset = preset if preset in PRESETS else "all"
    y, m = api.parse_year(year, version), api.parse_month(month, version)
    state = {"code": code, "preset": preset, "year": y, "month": m.strftime("%Y-%m")}
    return html.Div(
        className="jz-page",
        children=[
            breadcrumb(trail, lambda c: href(c, preset, y, state["month"])),
            _header(unit, code, preset, y, state["month"], version),
            dmc.Text(id="hh-count", size="sm", c="dimmed", mb="xs"),
            html.Div(id="hh-export-refused"),
            dcc.Store(id="hh-state", data=state),
            dcc.Store(id="hh-export-over"),
            _grid(),
        ],
    )


# ------------------------------------------------------------------ the grid's request
# AG Grid's getRowsRequest comes from the browser, so anything can: every part of it is
# checked here before it reaches the list's query, and a malformed one is refused with
# the reason on the page (an empty list), never an exception.
MAX_START = 10_000_000  # beyond the households of the whole province


class RowsRequest(NamedTuple):  # not a dataclass: Dash runs a page before registering it
    start: int
    limit: int
    filter_model: dict | None
    sort_model: list | None


def _row_number(value, default: int, lo: int, hi: int, name: str) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise BadRequest(N_("hh.err.row"), name=name, lo=f"{lo:,}", hi=f"{hi:,}")
    return value


def rows_request(request) -> RowsRequest:
    """AG Grid's getRowsRequest, checked: rows within bounds, sorting on a column of the
    allow-list, a filter of known columns at most two conditions deep with typed,
    bounded values. BadRequest says what is wrong."""
    if request is None:
        request = {}
    if not isinstance(request, dict):
        raise BadRequest(N_("hh.err.shape"))
    start = _row_number(request.get("startRow"), 0, 0, MAX_START, "startRow")
    end = _row_number(
        request.get("endRow"), start + 100, start + 1, MAX_START + hl.PAGE_MAX, "endRow"
    )
    return RowsRequest(
        start,
        min(end - start, hl.PAGE_MAX),
        grid.filter_model(request.get("filterModel")),
        grid.sort_model(request.get("sortModel")),
    )


def _refused(reason: str):
    """The grid's answer to a request it cannot serve: no rows, the reason in words."""
    return {"rowData": [], "rowCount": 0}, t("hh.bad_filter", reason=reason), None, None, None


@callback(
    Output("hh-grid", "getRowsResponse"),
    Output("hh-count", "children"),
    Output("hh-export-csv", "href"),
    Output("hh-export-xlsx", "href"),
    Output("hh-export-over", "data"),
    Input("hh-grid", "getRowsRequest"),
    State("hh-state", "data"),
    prevent_initial_call=True,
)
def get_rows(request, state):
    """A block of rows: the unit comes from the browser, so it goes through the gate."""
    scope = current_scope()
    wh = context.warehouse()
    version = api.data_version(wh)
    try:
        asked, q = _query(request, state, version)
    except BadRequest as exc:
        return _refused(t(exc.key, **exc.params))
    except hl.BadFilter as exc:
        return _refused(str(exc))
    n = hl.count(wh, scope, q)
    block = {
        "rowData": rows(hl.page(wh, scope, q, asked.start, asked.limit), _labels()),
        "rowCount": n,
    }
    return (block, *_export_links(q, asked, n, version))


def _query(request, state, version):
    """The grid's request and the list's state (both from the browser) as a block asked
    for and a checked list query; BadRequest or hl.BadFilter if they are not."""
    asked = rows_request(request)
    if not isinstance(state, dict):
        raise BadRequest(N_("hh.err.shape"))
    return asked, hl.build(
        str(state.get("code")),
        state.get("preset"),
        api.parse_year(state.get("year"), version),
        api.parse_month(state.get("month"), version),
        asked.filter_model,
        asked.sort_model,
    )


def _export_links(q, asked, n: int, version) -> tuple:
    """The count's words, the CSV and Excel links of the list as filtered, and (over the
    cap) what the buttons say instead of a link."""
    count_text = tn(
        "hh.count", "hh.count_plural", n, n=fmt_exact(n), period=list_period(q, version)
    )
    if n > hl.EXPORT_CAP:
        # No link to follow: the buttons say why on the page (the route refuses too).
        count_text += " · " + t("hh.export_cap", cap=fmt_exact(hl.EXPORT_CAP))
        return count_text, None, None, {"n": n, "cap": hl.EXPORT_CAP}
    export = urlencode(
        {
            "unit": q.unit,
            "preset": q.preset,
            "year": q.year,
            "month": q.month.strftime("%Y-%m"),
            "filter": json.dumps(asked.filter_model or {}),
            "sort": json.dumps(asked.sort_model or []),
        }
    )
    return (
        count_text,
        "/export/households.csv?" + export,
        "/export/households.xlsx?" + export,
        None,
    )


@callback(
    Output("hh-export-refused", "children"),
    Input("hh-export-csv", "n_clicks"),
    Input("hh-export-xlsx", "n_clicks"),
    State("hh-export-over", "data"),
    prevent_initial_call=True,
)
def export_refused(_csv, _xlsx, over):
    """An export of more rows than the cap is refused here, on the page, with the count
    (the browser's count only words the message; the export route checks again)."""
    current_scope()
    if not isinstance(over, dict) or not isinstance(over.get("n"), int):
        return None
    return dmc.Alert(
        t("export.too_many", n=fmt_exact(over["n"]), cap=fmt_exact(hl.EXPORT_CAP)),
        color="orange",
        variant="light",
        mb="xs",
        withCloseButton=True,
    )


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("hh-preset", "value"),
    Input("hh-year", "value"),
    Input("hh-month", "value"),
    State("hh-state", "data"),
    prevent_initial_call=True,
)
def change_list(preset, year, month, state):
    """A new preset or period: only the URL changes; the list is rebuilt from it (and
    nothing changes when Dash calls this as the controls first appear)."""
    state = state if isinstance(state, dict) else {}
    raise_for_region(current_scope(), state.get("code"))
    preset = preset if preset in PRESETS else "all"
    if (preset, str(year), month) == (
        state.get("preset"),
        str(state.get("year")),
        state.get("month"),
    ):
        return dash.no_update
    return href(str(state["code"]), preset, year, month)
