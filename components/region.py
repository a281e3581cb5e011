"""The region page's pieces: cards, trend, ranked table and breakdowns, from a RegionView."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from components import tables
from components.kpi import Kpi
from components.theme import SERIES, TEMPLATE
from etl.codes import CODES
from queries.api import RegionView
from queries.indicators import INDICATORS, Indicator
from web.i18n import fmt_count, fmt_exact, fmt_month, fmt_pct, fmt_points, get_lang, t


def _missing(v) -> bool:
    return v is None or pd.isna(v)


def fmt_value(ind: Indicator, value, exact: bool = False) -> str:
    """An indicator's value as the card, map, legend and table show it."""
    if _missing(value):
        return "—"
    if ind.kind == "ratio":
        return fmt_pct(value)
    if ind.kind == "per1000":
        return f"{value:.2f}"
    if ind.kind == "money":
        return f"{value:,.0f}"
    return fmt_exact(value) if exact else fmt_count(value)


def period_label(ind: Indicator, view: RegionView) -> str:
    if ind.period == "month":
        return t("overview.period.month_end", month=fmt_month(view.month))
    return t("overview.period.year_end", year=view.year)


def _series(view: RegionView, ind: Indicator) -> pd.DataFrame:
    """(period, value) of the unit for the indicator, oldest first."""
    if ind.period == "year":
        df = view.years[["year", ind.column]].rename(columns={"year": "period"})
    else:
        df = view.months[["month", ind.column]].rename(columns={"month": "period"})
    return df.rename(columns={ind.column: "value"})


def _current_and_previous(view: RegionView, ind: Indicator):
    s = _series(view, ind)
    if ind.period == "year":
        cur = s[s["period"] == view.year]["value"]
        prev = s[s["period"] == view.year - 1]["value"]
    else:
        m = pd.Timestamp(view.month)
        cur = s[s["period"] == m]["value"]
        prev = s[s["period"] == m - pd.DateOffset(months=1)]["value"]
    first = lambda x: None if x.empty or _missing(x.iloc[0]) else x.iloc[0]  # noqa: E731
    return first(cur), first(prev)


def card_for(view: RegionView, ind: Indicator) -> Kpi:
    cur, prev = _current_and_previous(view, ind)
    delta = None if cur is None or prev is None else cur - prev
    change_key = "overview.change.month" if ind.period == "month" else "overview.change.year"
    if delta is None:
        delta_text = t("overview.change.none")
    elif ind.kind == "ratio":
        delta_text = t(change_key, delta=fmt_points(delta))
    elif ind.kind in ("money", "per1000"):
        delta_text = t(change_key, delta=f"{delta:+,.2f}" if ind.kind == "per1000"
                       else f"{delta:+,.0f}")
    else:
        delta_text = t(change_key, delta=("+" if delta > 0 else "") + fmt_count(delta))
    direction = 0 if not delta else (1 if delta > 0 else -1)
    return Kpi(key=ind.key, label=t(ind.label_key), value=fmt_value(ind, cur),
               unit=t(ind.unit_key) if ind.unit_key else "",
               exact=fmt_value(ind, cur, exact=True) if ind.kind == "count" else "",
               delta=delta_text, direction=direction, good_when=ind.good_when,
               period=period_label(ind, view))


CARD_KEYS = ("hh_registered", "hh_not_exited", "hh_monitored", "risk_eliminated_rate")


def cards(view: RegionView, ind: Indicator) -> list[Kpi]:
    """The selected indicator first, then the core figures."""
    keys = [ind.key] + [k for k in CARD_KEYS if k != ind.key][:3]
    return [card_for(view, INDICATORS[k]) for k in keys]


def trend(view: RegionView, ind: Indicator) -> go.Figure:
    s = _series(view, ind).dropna()
    if ind.poverty_era:  # nothing to draw after the last poor exited
        s = s[s["period"] <= 2020]
    y = s["value"] * (100 if ind.kind == "ratio" else 1)
    fig = go.Figure()
    if ind.period == "year":
        fig.add_bar(x=s["period"], y=y, marker_color=SERIES[0], name=t(ind.label_key))
        fig.update_xaxes(dtick=1)
    else:
        fig.add_scatter(x=s["period"], y=y, mode="lines", line={"color": SERIES[0], "width": 2},
                        name=t(ind.label_key))
    fig.update_layout(template=TEMPLATE, height=300, showlegend=False,
                      title=t("region.trend", region=view.unit["name"],
                              indicator=t(ind.label_key)))
    fig.update_yaxes(ticksuffix="%" if ind.kind == "ratio" else "", tickformat=",",
                     rangemode="tozero")
    return fig


def _labels(domain: str) -> dict:
    lang = 0 if get_lang() == "zh" else 1
    return {int(k) if str(k).isdigit() else k: v[lang] for k, v in CODES[domain].items()}


def breakdown(df: pd.DataFrame, code_col: str, value_col: str, domain: str, title: str,
              ratio: bool = False) -> go.Figure:
    """A horizontal bar chart of a breakdown (causes, risks, channels), largest on top."""
    labels = _labels(domain)
    d = df.sort_values(value_col)
    x = d[value_col] * (100 if ratio else 1)
    fig = go.Figure(go.Bar(x=x, y=[labels.get(int(c), str(c)) for c in d[code_col]],
                           orientation="h", marker_color=SERIES[0],
                           hovertemplate="%{y}: %{x:,.1f}" + ("%" if ratio else "")
                           + "<extra></extra>"))
    fig.update_layout(template=TEMPLATE, height=max(220, 28 * len(d) + 90), title=title,
                      margin={"l": 150, "r": 24, "t": 56, "b": 32})
    fig.update_xaxes(ticksuffix="%" if ratio else "", tickformat=",", rangemode="tozero")
    return fig


RANK_EXTRA = ("hh_registered", "hh_not_exited", "hh_monitored", "hh_unresolved")


def ranked_table(view: RegionView, ind: Indicator, href):
    """The map's units ranked by the selected indicator: the same numbers as the map."""
    df = view.children.copy()
    df = df.sort_values(ind.column, ascending=ind.good_when > 0, na_position="last")
    extra = [INDICATORS[k] for k in RANK_EXTRA if k != ind.key]
    rows = []
    for rank, rec in enumerate(df.to_dict("records"), start=1):
        row = {"rank": rank, "code": rec["code"], "name": f"[{rec['name']}]({href(rec['code'])})"}
        for i in [ind, *extra]:
            v = rec.get(i.column)
            row[i.key] = None if _missing(v) else v
            row[f"{i.key}_fmt"] = fmt_value(i, v, exact=True)
        rows.append(row)
    columns = [{"field": "rank", "headerName": "#", "width": 64, "type": "rightAligned"},
               {"field": "name", "headerName": t("overview.col.name"), "cellRenderer": "markdown",
                "width": 170, "pinned": "left"}]
    columns += [tables.number_column(i.key, t(i.label_key), 150) for i in [ind, *extra]]
    return tables.grid("region-ranking", columns, rows,
                       height=tables.fit_height(len(rows), 460))


def month_options(months: list[dt.date]) -> list[dict]:
    return [{"value": m.strftime("%Y-%m"), "label": fmt_month(m)} for m in reversed(months)]
