"""The risk heatmaps page's figures and tables: data in, components out."""

from __future__ import annotations

import datetime as dt

import dash_mantine_components as dmc
import numpy as np
import pandas as pd
from dash import dcc, html

from components import charts, tables
from components.theme import MONTH_AXIS, SERIES, TYPE_COLOURS, figure
from domain.codes import CODES
from i18n import (
    N_,
    fmt_day_month,
    fmt_exact,
    fmt_month,
    fmt_number,
    fmt_pct,
    is_partial_month,
    shown,
    t,
)

YLORRD = [[0, "#ffffb2"], [0.25, "#fecc5c"], [0.5, "#fd8d3c"], [0.75, "#f03b20"], [1, "#bd0026"]]
BLUES = [[0, "#eff3ff"], [0.5, "#6baed6"], [1, "#08519c"]]


def risk_label(code: int, lang: str) -> str:
    """A risk type's name in ``lang``."""
    return CODES["risk"][int(code)][0 if lang == "zh" else 1]


def matrix_keys(matrix: pd.DataFrame, units: pd.DataFrame) -> dict:
    """The matrix's rows (unit codes) and columns (risk types), in the figure's order."""
    risks = sorted(int(r) for r in matrix["risk_type"].unique()) if len(matrix) else []
    return {"codes": [str(c) for c in units["code"]], "risks": risks}


def clicked_cell(click, keys) -> tuple[str | None, int | None]:
    """The unit code and risk type of a clicked cell, or (None, None).

    The axes are positions, not labels: dcc.Graph does not pass a heatmap's customdata
    on, and names need not be unique. Both arguments come from the browser, so the
    caller still puts the code through the gate.
    """
    try:
        point = click["points"][0]
        row, col = int(point["y"]), int(point["x"])
        if row < 0 or col < 0:
            return None, None
        code, risk = str(keys["codes"][row]), int(keys["risks"][col])
        return (code, risk) if risk in CODES["risk"] else (None, None)
    except (KeyError, IndexError, TypeError, ValueError):
        return None, None


def matrix_figure(matrix: pd.DataFrame, units: pd.DataFrame, region: str, *, lang: str) -> dict:
    """Units below × risk types, households with risk not eliminated per 1,000 people.

    Rows and columns are positions (labelled with names); ``matrix_keys`` maps them
    back to unit codes and risk types, so a click can list the households.
    """
    keys = matrix_keys(matrix, units)
    codes, risks = keys["codes"], keys["risks"]
    names = list(units["name"])
    labels = [risk_label(r, lang) for r in risks]
    cell = {(r.code, int(r.risk_type)): r for r in matrix.itertuples(index=False)}
    z, text, custom = [], [], []
    for code, name in zip(codes, names):
        row_z, row_t, row_c = [], [], []
        for risk, label in zip(risks, labels):
            c = cell.get((code, risk))
            row_z.append(None if c is None or pd.isna(c.per_1000) else shown(c.per_1000, 2))
            row_t.append(fmt_exact(c.hh_unresolved) if c is not None else "0")
            row_c.append([name, label])
        z.append(row_z)
        text.append(row_t)
        custom.append(row_c)
    return figure(
        [
            {
                "type": "heatmap",
                "z": z,
                "x": list(range(len(risks))),
                "y": list(range(len(codes))),
                "text": text,
                "texttemplate": "%{text}",
                "customdata": custom,
                "colorscale": YLORRD,
                "hoverongaps": False,
                "xgap": 1,
                "ygap": 1,
                "colorbar": {"title": {"text": t("mon.per_1000", lang)}, "thickness": 12},
                "hovertemplate": "%{customdata[0]} · %{customdata[1]}<br>"
                + t("mon.matrix_hover", lang)
                + "<extra></extra>",
            }
        ],
        {
            "height": max(260, 26 * len(names) + 120),
            "title": {"text": t("mon.matrix_title", lang, region=region)},
            "margin": {"l": 110, "r": 20, "t": 56, "b": 90},
            "xaxis": {
                "side": "bottom",
                "tickangle": -35,
                "tickmode": "array",
                "tickvals": list(range(len(risks))),
                "ticktext": labels,
                "showgrid": False,
            },
            "yaxis": {
                "autorange": "reversed",
                "tickmode": "array",
                "tickvals": list(range(len(codes))),
                "ticktext": names,
                "showgrid": False,
            },
        },
    )


def calendar_figure(
    calendar: pd.DataFrame, metric: str, region: str, as_of=None, *, title: str, lang: str
) -> dict:
    """Units below × months: new warnings, identifications or eliminations (``metric``,
    titled by the msgid ``title``: the chart registry's); the as-of month (days 1 to
    ``as_of`` only) named over its column."""
    if calendar.empty:
        return figure([], {"height": 200, "title": {"text": t("data.no_data", lang)}})
    # A plain numpy pivot: pandas' pivot_table costs ~15 ms per figure at this size.
    codes, row = np.unique(calendar["code"].to_numpy(), return_inverse=True)
    months, col = np.unique(calendar["month"].to_numpy(), return_inverse=True)
    z = np.zeros((len(codes), len(months)), dtype=np.int64)
    np.add.at(z, (row, col), calendar[metric].fillna(0).to_numpy(dtype=np.int64))
    names = dict(zip(calendar["code"], calendar["name"]))
    x = [f"{pd.Timestamp(m):%Y-%m}" for m in months]
    running = as_of is not None and is_partial_month(pd.Timestamp(months[-1]), as_of)
    return figure(
        [
            {
                "type": "heatmap",
                "z": z.tolist(),
                "x": x,
                "y": [names[c] for c in codes],
                "colorscale": BLUES,
                "xgap": 1,
                "ygap": 1,
                "colorbar": {"title": {"text": t("unit.households", lang)}, "thickness": 12},
                "hovertemplate": "%{y} · %{x}: %{z}<extra></extra>",
            }
        ],
        {
            "height": max(240, 24 * len(codes) + 110),
            "title": {"text": t(title, lang, region=region)},
            "margin": {"l": 110, "r": 20, "t": 56, "b": 60},
            "xaxis": MONTH_AXIS,
            "yaxis": {"autorange": "reversed"},
            "annotations": [
                {
                    **charts.partial_annotation(x[-1], charts.partial_label(as_of, lang=lang)),
                    "xanchor": "right",
                }
            ]
            if running
            else [],
        },
    )


STAGES = [
    ("warned", None),
    ("checked", "days_to_check"),
    ("identified", "days_to_identify"),
    ("cleared", "days_to_clear"),
    ("assisted", "days_to_assist"),
    ("eliminated", "days_to_eliminate"),
]
# The stages whose platform cases /cases lists (domain/cases.py STAGE_STATES).
CASE_STAGES = ("warned", "checked", "identified", "cleared", "eliminated")
STAGE_LABEL = {
    "warned": N_("mon.stage.warned"),
    "checked": N_("mon.stage.checked"),
    "identified": N_("mon.stage.identified"),
    "cleared": N_("mon.stage.cleared"),
    "assisted": N_("mon.stage.assisted"),
    "eliminated": N_("mon.stage.eliminated"),
}
# The median days of a stage (the first stage has none).
STAGE_MEDIAN = {
    "checked": N_("mon.median.checked"),
    "identified": N_("mon.median.identified"),
    "cleared": N_("mon.median.cleared"),
    "assisted": N_("mon.median.assisted"),
    "eliminated": N_("mon.median.eliminated"),
}


def _cases_link(stage: str, unit: str | None, lang: str):
    """The platform's cases in a stage, of the unit (None: no link)."""
    if unit is None or stage not in CASE_STAGES:
        return None
    return dcc.Link(
        t("mon.stage.cases", lang),
        href=f"/cases?stage={stage}&unit={unit}",
        className="jz-stage-cases",
        style={"fontSize": "12px"},
    )


def lifecycle(lc: dict, *, lang: str, cases_of: str | None = None) -> html.Div:
    """Warned households → home checks → identified or checked and not included →
    assisted → eliminated, with median days, and how many still await a decision;
    ``cases_of``: the unit whose platform cases each stage links to (None: no links)."""
    cards = []
    for stage, days in STAGES:
        n = lc.get(stage)
        d = lc.get(days) if days else None
        cards.append(
            dmc.Paper(
                withBorder=True,
                p="sm",
                className="jz-stage",
                **{"data-stage": stage},
                children=[
                    dmc.Text(t(STAGE_LABEL[stage], lang), size="sm", c="dimmed"),
                    dmc.Text(fmt_exact(n), fw=700, size="xl", className="jz-stage-count"),
                    dmc.Text(
                        t(STAGE_MEDIAN[stage], lang, days=_days(d)) if days else " ",
                        size="xs",
                        c="dimmed",
                    ),
                    _cases_link(stage, cases_of, lang),
                ],
            )
        )
    return html.Div(
        [
            dmc.SimpleGrid(cols={"base": 2, "sm": 3, "lg": 6}, spacing="xs", children=cards),
            dmc.Text(
                t("mon.pending", lang, n=fmt_exact(lc.get("pending"))),
                size="sm",
                mt="xs",
                id="mon-pending",
            ),
            dmc.Text(timely_note(lc, lang=lang), size="sm", id="mon-timely"),
        ],
        id="mon-lifecycle",
    )


def timely_note(lc: dict, *, lang: str) -> str:
    """Identified within 15 days of the warning: the share, and of how many."""
    timely = lc.get("identified_timely") or 0
    identified = lc.get("identified") or 0
    rate = timely / identified if identified else None
    return t("mon.timely", lang, rate=fmt_pct(rate), n=fmt_exact(timely), of=fmt_exact(identified))


def _days(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    if isinstance(value, dt.timedelta):
        value = value.days
    return fmt_number(float(value))


def timely_figure(children: pd.DataFrame, region: str, *, lang: str) -> dict:
    """Identification within 15 days, as a rate, by unit below."""
    d = children.dropna(subset=["identification_timeliness"]).sort_values(
        "identification_timeliness"
    )
    return figure(
        [
            {
                "type": "bar",
                "orientation": "h",
                "x": [float(v) * 100 for v in d["identification_timeliness"]],
                "y": list(d["name"]),
                "marker": {"color": SERIES[0]},
                "hovertemplate": "%{y}: %{x:.1f}%<extra></extra>",
            }
        ],
        {
            "height": max(220, 24 * len(d) + 90),
            "title": {"text": t("mon.timely_title", lang, region=region)},
            "margin": {"l": 110, "r": 24, "t": 56, "b": 32},
            "xaxis": {"ticksuffix": "%", "range": [0, 100]},
        },
    )


def _trend_windows(months: pd.DataFrame) -> tuple[pd.Timestamp, pd.DataFrame, pd.DataFrame]:
    """The trend's last month, its twelve months up to it, and the twelve before those."""
    m = months.copy()
    m["month"] = pd.to_datetime(m["month"])
    last = m["month"].max()
    this_year = m[m["month"] > last - pd.DateOffset(months=12)]
    year_before = m[
        (m["month"] > last - pd.DateOffset(months=24))
        & (m["month"] <= last - pd.DateOffset(months=12))
    ]
    return last, this_year, year_before


def _type_bars(this_year: pd.DataFrame, x: list[str], pattern: dict, lang: str) -> list[dict]:
    """The stacked bars of monitored households by type (hatched for a running month)."""
    return [
        {
            "type": "bar",
            "x": x,
            "y": [int(v) for v in this_year[col]],
            "name": t(key, lang),
            "marker": {"color": colour, **pattern},
            "hovertemplate": "%{x}: %{y:,}<extra></extra>",
        }
        for col, key, colour in (
            ("hh_type1", N_("overview.trend.type1"), TYPE_COLOURS[0]),
            ("hh_type2", N_("overview.trend.type2"), TYPE_COLOURS[1]),
            ("hh_type3", N_("overview.trend.type3"), TYPE_COLOURS[2]),
        )
    ]


def _flow_lines(
    this_year: pd.DataFrame, year_before: pd.DataFrame, x: list[str], running: bool, lang: str
) -> list[dict]:
    """New and eliminated households on the right axis: this year's line (its running
    month's point open) followed by the dotted line of the year before, for each."""
    lines = []
    for col, key, colour, dash in (
        ("hh_new_identified", N_("mon.new"), "#c62828", "solid"),
        ("hh_new_eliminated", N_("mon.eliminated"), "#2e7d32", "solid"),
    ):
        open_last = (
            {
                "marker": {
                    "symbol": ["circle"] * (len(x) - 1) + ["circle-open"],
                    "size": [6] * (len(x) - 1) + [10],
                }
            }
            if running
            else {}
        )
        lines.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": x,
                "yaxis": "y2",
                "y": [int(v) for v in this_year[col]],
                "name": t(key, lang),
                "line": {"color": colour, "dash": dash},
                **open_last,
            }
        )
        lines.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x[-len(year_before) :],
                "yaxis": "y2",
                "y": [int(v) for v in year_before[col]],
                "name": t(key, lang) + t("mon.year_before", lang),
                "line": {"color": colour, "dash": "dot"},
            }
        )
    return lines


def _trend_layout(
    this_year: pd.DataFrame,
    x: list[str],
    last: pd.Timestamp,
    running: bool,
    as_of,
    peak: int,
    region: str,
    lang: str,
) -> dict:
    """The trend's layout: its title (of the last month, or of the as-of day), the running
    month's note over its bar, and the two count axes."""
    return {
        "height": 340,
        "barmode": "stack",
        "title": {
            "text": t(
                "mon.trend_title",
                lang,
                region=region,
                month=fmt_month(last, lang) if not running else fmt_day_month(as_of, lang),
            )
        },
        "annotations": [
            charts.partial_annotation(
                x[-1],
                charts.partial_label(as_of, lang=lang),
                y=float(this_year[["hh_type1", "hh_type2", "hh_type3"]].iloc[-1].sum()),
            )
        ]
        if running
        else [],
        "xaxis": MONTH_AXIS,
        "yaxis": {"title": {"text": t("mon.monitored", lang)}, "tickformat": ","},
        # Counts of households: whole-number ticks, not the left axis's grid divided up.
        "yaxis2": {
            "title": {"text": t("mon.per_month", lang)},
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "rangemode": "tozero",
            "tickmode": "auto",
            "tickformat": ",d",
            **({"dtick": 1} if peak <= 6 else {}),
        },
    }


def trend_figure(months: pd.DataFrame, region: str, as_of=None, *, lang: str) -> dict:
    """Monitored households by type (stacked), and new and eliminated this year against
    the same months of the year before. The as-of month runs to ``as_of`` only: its bars
    are hatched, its points open and the chart says "截至12月1日" over it (a month of a
    few days is not a collapse)."""
    last, this_year, year_before = _trend_windows(months)
    x = [f"{d:%Y-%m}" for d in this_year["month"]]
    running = as_of is not None and len(x) > 0 and is_partial_month(last, as_of)
    pattern = charts.partial_bars(len(x), running)
    data = _type_bars(this_year, x, pattern, lang)
    data += _flow_lines(this_year, year_before, x, running, lang)
    peak = max((v for d in data if d.get("yaxis") == "y2" for v in d["y"]), default=0)
    return figure(data, _trend_layout(this_year, x, last, running, as_of, peak, region, lang))


def to_day_note(to_day: dict | None, *, lang: str):
    """A running month against the same days of the month before (equal spans): new
    warned, identified and eliminated households. Nothing for a full month."""
    if not to_day:
        return None
    span = f"{fmt_day_month(to_day['prev_from'], lang)}–{fmt_day_month(to_day['prev_to'], lang)}"
    return dmc.Text(
        t(
            "mon.to_day",
            lang,
            date=fmt_day_month(to_day["to"], lang),
            days=(to_day["to"] - to_day["from"]).days + 1,
            prev=span,
            **{
                k: fmt_exact(to_day[k])
                for k in (
                    "warned",
                    "identified",
                    "eliminated",
                    "warned_before",
                    "identified_before",
                    "eliminated_before",
                )
            },
        ),
        size="sm",
        c="dimmed",
        id="mon-to-day",
        px="xs",
    )


def cell_households(unit_name: str, risk, df: pd.DataFrame, lang: str) -> html.Div:
    """The households behind a cell of the matrix, with which unit and risk type the
    list is of (a click on the matrix says neither)."""
    rows = [
        {
            "household": f"[{r['household_no']}](/household/{r['household_id']})",
            "head_name": r["head_name"],
            "place": f"{r['township_name']} · {r['village_name']}",
            "members": int(r["members"]),
            "identified": str(r["identify_date"])[:10],
        }
        for r in df.to_dict("records")
    ]
    cols = [
        {
            "field": "household",
            "headerName": t("hh.col.household_no", lang),
            "cellRenderer": "markdown",
            "width": 180,
        },
        {"field": "head_name", "headerName": t("hh.col.head_name", lang), "width": 110},
        {"field": "place", "headerName": t("hh.col.village", lang), "flex": 1},
        {"field": "members", "headerName": t("hh.col.members", lang), "width": 90},
        {"field": "identified", "headerName": t("mon.identified_on", lang), "width": 130},
    ]
    return html.Div(
        [
            dmc.Text(
                t(
                    "mon.cell",
                    lang,
                    unit=unit_name,
                    n=fmt_exact(len(rows)),
                    risk=risk_label(risk, lang),
                ),
                size="sm",
                fw=600,
                mt="sm",
                id="mon-cell-count",
            ),
            tables.grid(
                "mon-cell-grid", cols, rows, height=tables.fit_height(len(rows), 320), lang=lang
            ),
        ]
    )
