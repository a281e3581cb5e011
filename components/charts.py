"""Plotly figures as plain dicts (see theme.figure): data in, figure out."""

from __future__ import annotations

import pandas as pd

from components.theme import BAD, MONTH_AXIS, MUTED, SERIES, TYPE_COLOURS, figure
from i18n import N_, fmt_to_date, t

# A period still running (the as-of month or year) is drawn hatched and named "截至12月1日"
# above it: its figures run to the data's date, and a month's new cases after one day
# are not a collapse to zero.
PARTIAL_PATTERN = {
    "shape": "/",
    "fillmode": "overlay",
    "fgcolor": "#ffffff",
    "fgopacity": 0.8,
    "size": 7,
    "solidity": 0.35,
}


def partial_label(as_of, *, lang: str) -> str:
    """What a chart writes over a running period: "截至12月1日"."""
    return fmt_to_date(as_of, lang)


def partial_annotation(x, label: str, colour: str = MUTED, y=None, yref: str = "y") -> dict:
    """The note over the running period ``x`` of a chart: just above its bar or point
    at ``y`` (on axis ``yref``), or above the plot when there is no ``y``."""
    at = {"y": 1.0, "yref": "paper"} if y is None else {"y": y, "yref": yref}
    # Right-aligned on the period: the note stays over the plot (and the axis range).
    return {
        "x": x,
        **at,
        "xanchor": "right",
        "yanchor": "bottom",
        "text": label,
        "showarrow": False,
        "font": {"size": 11, "color": colour},
        "bgcolor": "rgba(255,255,255,0.8)",
        "name": "partial-period",
    }


def partial_bars(n: int, last_partial: bool) -> dict:
    """A bar trace's pattern: the last of ``n`` bars hatched when its period runs."""
    if not last_partial or n == 0:
        return {}
    return {"pattern": {**PARTIAL_PATTERN, "shape": [""] * (n - 1) + ["/"]}}


def _list(series: pd.Series, scale: float = 1.0) -> list:
    return [None if pd.isna(v) else float(v) * scale for v in series]


def poverty_trend(years: pd.DataFrame, region_name: str, *, lang: str) -> dict:
    """People not yet exited (bars) and poverty incidence (line) by year, 2014-2020."""
    df = years[years["year"] <= 2020]
    start, end = (int(df["year"].min()), int(df["year"].max())) if len(df) else (2014, 2020)
    return figure(
        [
            {
                "type": "bar",
                "x": df["year"].tolist(),
                "y": _list(df["pp_not_exited"]),
                "name": t("overview.trend.not_exited", lang),
                "marker": {"color": "#1c5fa8"},
                "hovertemplate": "%{x}: %{y:,}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": df["year"].tolist(),
                "y": _list(df["poverty_incidence"], 100),
                "yaxis": "y2",
                "name": t("overview.trend.incidence", lang),
                "line": {"color": BAD, "width": 2},
                "hovertemplate": "%{x}: %{y:.2f}%<extra></extra>",
            },
        ],
        {
            "height": 340,
            "title": {
                "text": t("overview.trend.poverty", lang, region=region_name, start=start, end=end)
            },
            "xaxis": {"dtick": 1},
            "yaxis": {
                "title": {"text": t("overview.trend.people", lang)},
                "tickformat": ",",
                "rangemode": "tozero",
            },
            "yaxis2": {
                "title": {"text": t("overview.trend.incidence", lang)},
                "ticksuffix": "%",
                "tickformat": ".0f",
                "rangemode": "tozero",
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
            },
        },
    )


def monitoring_trend(
    year_end: pd.DataFrame, region_name: str, partial: str | None = None, *, lang: str
) -> dict:
    """Monitored households at each year's end by type (stacked), and those eliminated;
    the last year hatched and named (``partial``, "截至12月1日") while it runs."""
    pattern = partial_bars(len(year_end), partial is not None)
    data = [
        {
            "type": "bar",
            "x": year_end["year"].tolist(),
            "y": _list(year_end[col]),
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
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": year_end["year"].tolist(),
            "y": _list(year_end["hh_eliminated"]),
            "name": t("overview.trend.eliminated", lang),
            "line": {"color": "#2e7d32", "width": 2},
            "hovertemplate": "%{x}: %{y:,}<extra></extra>",
        }
    )
    start, end = (
        (int(year_end["year"].min()), int(year_end["year"].max()))
        if len(year_end)
        else (2020, 2020)
    )
    top = (
        float(year_end[["hh_type1", "hh_type2", "hh_type3"]].iloc[-1].fillna(0).sum())
        if len(year_end)
        else None
    )
    return figure(
        data,
        {
            "height": 340,
            "barmode": "stack",
            "title": {
                "text": t(
                    "overview.trend.monitoring", lang, region=region_name, start=start, end=end
                )
            },
            # The years' range fixed: the running year's note must not widen it.
            "xaxis": {"dtick": 1, "range": [start - 0.5, end + 0.5]},
            "yaxis": {
                "title": {"text": t("overview.trend.households", lang)},
                "tickformat": ",",
                "rangemode": "tozero",
            },
            "annotations": [partial_annotation(end + 0.4, partial, y=top)]
            if partial and len(year_end)
            else [],
        },
    )


def series(
    x: list, y: list, title: str, bars: bool, percent: bool, partial: str | None = None
) -> dict:
    """One indicator over time: bars by year, a line by month; the last period hatched
    (bars) or drawn as an open point (line) and named (``partial``) while it runs."""
    running = partial is not None and len(x) > 0
    if bars:
        trace = {"type": "bar", "marker": {"color": SERIES[0], **partial_bars(len(x), running)}}
    else:
        trace = {
            "type": "scatter",
            "mode": "lines+markers" if running else "lines",
            "line": {"color": SERIES[0], "width": 2},
            **(
                {
                    "marker": {
                        "size": [0] * (len(x) - 1) + [9],
                        "symbol": "circle-open",
                        "line": {"width": 2},
                    }
                }
                if running
                else {}
            ),
        }
    return figure(
        [{**trace, "x": x, "y": y, "name": title}],
        {
            "height": 300,
            "showlegend": False,
            "title": {"text": title},
            "xaxis": (
                {"dtick": 1, "range": [min(x) - 0.5, max(x) + 0.5]} if running else {"dtick": 1}
            )
            if bars
            else MONTH_AXIS,
            "yaxis": {
                "ticksuffix": "%" if percent else "",
                "tickformat": ",",
                "rangemode": "tozero",
            },
            "annotations": [partial_annotation(x[-1] + 0.4 if bars else x[-1], partial, y=y[-1])]
            if running
            else [],
        },
    )


def hbar(labels: list[str], values: list, title: str, percent: bool) -> dict:
    """A horizontal bar chart, first item on top."""
    return figure(
        [
            {
                "type": "bar",
                "orientation": "h",
                "x": values[::-1],
                "y": labels[::-1],
                "marker": {"color": SERIES[0]},
                "hovertemplate": "%{y}: %{x:,.1f}" + ("%" if percent else "") + "<extra></extra>",
            }
        ],
        {
            "height": max(220, 28 * len(labels) + 90),
            "title": {"text": title},
            "margin": {"l": 150, "r": 24, "t": 56, "b": 32},
            "xaxis": {
                "ticksuffix": "%" if percent else "",
                "tickformat": ",",
                "rangemode": "tozero",
            },
        },
    )


def income(income: pd.DataFrame, title: str, *, lang: str) -> dict:
    """A household's income per head by year against the poverty or monitoring line."""
    line = (
        income["monitoring_line"].astype("Float64").fillna(income["poverty_line"].astype("Float64"))
    )
    return figure(
        [
            {
                "type": "bar",
                "x": income["year"].tolist(),
                "y": [float(v) for v in income["per_capita"]],
                "name": t("hhd.per_capita", lang),
                "marker": {"color": SERIES[0]},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": income["year"].tolist(),
                "y": [None if pd.isna(v) else float(v) for v in line],
                "name": t("hhd.line", lang),
                "line": {"color": BAD, "dash": "dash"},
            },
        ],
        {
            "height": 300,
            "title": {"text": title},
            "xaxis": {"dtick": 1},
            "yaxis": {"tickformat": ",", "title": {"text": t("unit.yuan", lang)}},
        },
    )
