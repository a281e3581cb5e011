"""Plotly figures: data in, figure out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.theme import BAD, TEMPLATE, TYPE_COLOURS
from web.i18n import t


def poverty_trend(years: pd.DataFrame, region_name: str) -> go.Figure:
    """People not yet exited (bars) and poverty incidence (line) by year, 2014-2020."""
    df = years[years["year"] <= 2020]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=df["year"], y=df["pp_not_exited"], name=t("overview.trend.not_exited"),
                marker_color="#1c5fa8", secondary_y=False,
                hovertemplate="%{x}: %{y:,}<extra></extra>")
    fig.add_scatter(x=df["year"], y=df["poverty_incidence"] * 100, mode="lines+markers",
                    name=t("overview.trend.incidence"), line={"color": BAD, "width": 2},
                    secondary_y=True, hovertemplate="%{x}: %{y:.2f}%<extra></extra>")
    start, end = (int(df["year"].min()), int(df["year"].max())) if len(df) else (2014, 2020)
    fig.update_layout(template=TEMPLATE, height=340,
                      title=t("overview.trend.poverty", region=region_name, start=start, end=end))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(title_text=t("overview.trend.people"), tickformat=",", rangemode="tozero",
                     secondary_y=False)
    fig.update_yaxes(title_text=t("overview.trend.incidence"), ticksuffix="%", tickformat=".0f",
                     rangemode="tozero", showgrid=False, secondary_y=True)
    return fig


def monitoring_trend(year_end: pd.DataFrame, region_name: str) -> go.Figure:
    """Monitored households at each year's end by type (stacked), and those eliminated."""
    fig = go.Figure()
    for col, key, colour in (("hh_type1", "overview.trend.type1", TYPE_COLOURS[0]),
                             ("hh_type2", "overview.trend.type2", TYPE_COLOURS[1]),
                             ("hh_type3", "overview.trend.type3", TYPE_COLOURS[2])):
        fig.add_bar(x=year_end["year"], y=year_end[col], name=t(key), marker_color=colour,
                    hovertemplate="%{x}: %{y:,}<extra></extra>")
    fig.add_scatter(x=year_end["year"], y=year_end["hh_eliminated"], mode="lines+markers",
                    name=t("overview.trend.eliminated"), line={"color": "#2e7d32", "width": 2},
                    hovertemplate="%{x}: %{y:,}<extra></extra>")
    start, end = (int(year_end["year"].min()), int(year_end["year"].max())) \
        if len(year_end) else (2020, 2020)
    fig.update_layout(template=TEMPLATE, height=340, barmode="stack",
                      title=t("overview.trend.monitoring", region=region_name, start=start,
                              end=end))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(title_text=t("overview.trend.households"), tickformat=",",
                     rangemode="tozero")
    return fig
