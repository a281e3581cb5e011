"""The region page's pieces: cards, trend, ranked table and breakdowns, from a RegionView."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from components import charts, tables
from components.kpi import Kpi
from etl.codes import CODES
from queries.api import RegionView
from queries.indicators import INDICATORS, Indicator
from web.i18n import fmt_count, fmt_exact, fmt_month, fmt_pct, fmt_points, get_lang, points_shown, t


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


def _series(view: RegionView, ind: Indicator) -> dict:
    """period -> value of the unit for the indicator (periods as int years or dates)."""
    if ind.period == "year":
        keys = view.years["year"].astype(int).tolist()
        values = view.years[ind.column].tolist()
    else:
        keys = [m.date() for m in view.months["month"]]
        values = view.months[ind.column].tolist()
    return {k: (None if _missing(v) else v) for k, v in zip(keys, values)}


def _current_and_previous(view: RegionView, ind: Indicator):
    s = _series(view, ind)
    if ind.period == "year":
        return s.get(view.year), s.get(view.year - 1)
    m = view.month
    prev = dt.date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1)
    return s.get(m), s.get(prev)


def card_for(view: RegionView, ind: Indicator) -> Kpi:
    cur, prev = _current_and_previous(view, ind)
    delta = None if cur is None or prev is None else cur - prev
    if delta is not None and ind.kind in ("per1000", "money"):
        # As shown (two decimals, whole yuan): a change that rounds away is no change,
        # not "-0.00".
        delta = round(delta, 2 if ind.kind == "per1000" else 0) + 0.0
    elif delta is not None and ind.kind == "ratio":
        delta = points_shown(delta)  # one decimal of a percentage point, as shown
    change_key = "overview.change.month" if ind.period == "month" else "overview.change.year"
    if delta is None:
        delta_text = t("overview.change.none")
    elif ind.kind == "ratio":
        delta_text = t(change_key, delta=fmt_points(delta))
    elif ind.kind in ("money", "per1000"):
        shown = f"{delta:+,.2f}" if ind.kind == "per1000" else f"{delta:+,.0f}"
        # No change reads "±0.00", like "±0.0个百分点" and a count's "0".
        delta_text = t(change_key, delta="±" + shown[1:] if delta == 0 else shown)
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


def trend(view: RegionView, ind: Indicator) -> dict:
    s = {k: v for k, v in _series(view, ind).items() if v is not None}
    if ind.poverty_era:  # nothing to draw after the last poor exited
        s = {k: v for k, v in s.items() if k <= 2020}
    scale = 100 if ind.kind == "ratio" else 1
    return charts.series(list(s), [float(v) * scale for v in s.values()],
                         t("region.trend", region=view.unit["name"], indicator=t(ind.label_key)),
                         bars=ind.period == "year", percent=ind.kind == "ratio")


def _labels(domain: str) -> dict:
    lang = 0 if get_lang() == "zh" else 1
    return {int(k) if str(k).isdigit() else k: v[lang] for k, v in CODES[domain].items()}


def breakdown(df: pd.DataFrame, value_col: str, domain: str, title: str,
              ratio: bool = False) -> dict:
    """A horizontal bar chart of a breakdown (causes, risks, channels), largest on top."""
    labels = _labels(domain)
    d = df.sort_values(value_col, ascending=False)
    return charts.hbar([labels.get(int(c), str(c)) for c in d["item"]],
                       [None if _missing(v) else float(v) * (100 if ratio else 1)
                        for v in d[value_col]], title, percent=ratio)


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
