"""Plotly figures as plain dicts (see theme.figure): data in, figure out."""

from __future__ import annotations

import pandas as pd

from components.theme import BAD, MONTH_AXIS, SERIES, TYPE_COLOURS, figure
from web.i18n import t


def _list(series: pd.Series, scale: float = 1.0) -> list:
    return [None if pd.isna(v) else float(v) * scale for v in series]


def poverty_trend(years: pd.DataFrame, region_name: str) -> dict:
    """People not yet exited (bars) and poverty incidence (line) by year, 2014-2020."""
    df = years[years["year"] <= 2020]
    start, end = (int(df["year"].min()), int(df["year"].max())) if len(df) else (2014, 2020)
    return figure([
        {"type": "bar", "x": df["year"].tolist(), "y": _list(df["pp_not_exited"]),
         "name": t("overview.trend.not_exited"), "marker": {"color": "#1c5fa8"},
         "hovertemplate": "%{x}: %{y:,}<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "x": df["year"].tolist(),
         "y": _list(df["poverty_incidence"], 100), "yaxis": "y2",
         "name": t("overview.trend.incidence"), "line": {"color": BAD, "width": 2},
         "hovertemplate": "%{x}: %{y:.2f}%<extra></extra>"},
    ], {
        "height": 340,
        "title": {"text": t("overview.trend.poverty", region=region_name, start=start,
                            end=end)},
        "xaxis": {"dtick": 1},
        "yaxis": {"title": {"text": t("overview.trend.people")}, "tickformat": ",",
                  "rangemode": "tozero"},
        "yaxis2": {"title": {"text": t("overview.trend.incidence")}, "ticksuffix": "%",
                   "tickformat": ".0f", "rangemode": "tozero", "overlaying": "y",
                   "side": "right", "showgrid": False},
    })


def monitoring_trend(year_end: pd.DataFrame, region_name: str) -> dict:
    """Monitored households at each year's end by type (stacked), and those eliminated."""
    data = [{"type": "bar", "x": year_end["year"].tolist(), "y": _list(year_end[col]),
             "name": t(key), "marker": {"color": colour},
             "hovertemplate": "%{x}: %{y:,}<extra></extra>"}
            for col, key, colour in (("hh_type1", "overview.trend.type1", TYPE_COLOURS[0]),
                                     ("hh_type2", "overview.trend.type2", TYPE_COLOURS[1]),
                                     ("hh_type3", "overview.trend.type3", TYPE_COLOURS[2]))]
    data.append({"type": "scatter", "mode": "lines+markers", "x": year_end["year"].tolist(),
                 "y": _list(year_end["hh_eliminated"]), "name": t("overview.trend.eliminated"),
                 "line": {"color": "#2e7d32", "width": 2},
                 "hovertemplate": "%{x}: %{y:,}<extra></extra>"})
    start, end = (int(year_end["year"].min()), int(year_end["year"].max())) \
        if len(year_end) else (2020, 2020)
    return figure(data, {
        "height": 340, "barmode": "stack",
        "title": {"text": t("overview.trend.monitoring", region=region_name, start=start,
                            end=end)},
        "xaxis": {"dtick": 1},
        "yaxis": {"title": {"text": t("overview.trend.households")}, "tickformat": ",",
                  "rangemode": "tozero"},
    })


def series(x: list, y: list, title: str, bars: bool, percent: bool) -> dict:
    """One indicator over time: bars by year, a line by month."""
    trace = {"type": "bar", "marker": {"color": SERIES[0]}} if bars else \
        {"type": "scatter", "mode": "lines", "line": {"color": SERIES[0], "width": 2}}
    return figure([{**trace, "x": x, "y": y, "name": title}], {
        "height": 300, "showlegend": False, "title": {"text": title},
        "xaxis": {"dtick": 1} if bars else MONTH_AXIS,
        "yaxis": {"ticksuffix": "%" if percent else "", "tickformat": ",",
                  "rangemode": "tozero"},
    })


def hbar(labels: list[str], values: list, title: str, percent: bool) -> dict:
    """A horizontal bar chart, first item on top."""
    return figure([{
        "type": "bar", "orientation": "h", "x": values[::-1], "y": labels[::-1],
        "marker": {"color": SERIES[0]},
        "hovertemplate": "%{y}: %{x:,.1f}" + ("%" if percent else "") + "<extra></extra>"}], {
        "height": max(220, 28 * len(labels) + 90), "title": {"text": title},
        "margin": {"l": 150, "r": 24, "t": 56, "b": 32},
        "xaxis": {"ticksuffix": "%" if percent else "", "tickformat": ",",
                  "rangemode": "tozero"},
    })


def income(income: pd.DataFrame, title: str) -> dict:
    """A household's income per head by year against the poverty or monitoring line."""
    line = income["monitoring_line"].astype("Float64").fillna(
        income["poverty_line"].astype("Float64"))
    return figure([
        {"type": "bar", "x": income["year"].tolist(),
         "y": [float(v) for v in income["per_capita"]], "name": t("hhd.per_capita"),
         "marker": {"color": SERIES[0]}},
        {"type": "scatter", "mode": "lines+markers", "x": income["year"].tolist(),
         "y": [None if pd.isna(v) else float(v) for v in line], "name": t("hhd.line"),
         "line": {"color": BAD, "dash": "dash"}},
    ], {"height": 300, "title": {"text": title}, "xaxis": {"dtick": 1},
        "yaxis": {"tickformat": ",", "title": {"text": t("unit.yuan")}}})
