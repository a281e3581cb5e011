"""The region page's pieces: cards, trend, ranked table and breakdowns, from a RegionView."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from components import charts, tables
from components.kpi import Kpi
from domain.codes import CODES
from domain.indicators import INDICATORS, Indicator, as_date
from i18n import (
    fmt_change,
    fmt_count,
    fmt_day_month,
    fmt_exact,
    fmt_month,
    fmt_month_period,
    fmt_number,
    fmt_pct,
    fmt_points,
    fmt_signed_number,
    fmt_year_period,
    get_lang,
    is_partial_month,
    is_partial_year,
    points_shown,
    shown,
    t,
)
from queries.api import RegionView


def _missing(v) -> bool:
    return v is None or pd.isna(v)


def fmt_value(ind: Indicator, value, exact: bool = False, year: int | None = None) -> str:
    """An indicator's value as the card, map, legend and table show it ("不适用" for a
    year the indicator is not defined for, whatever the value)."""
    if not ind.applies(year):
        return t("data.not_applicable")
    if _missing(value):
        return "—"
    if ind.kind == "ratio":
        return fmt_pct(value)
    if ind.kind in ("per1000", "money"):
        return fmt_number(value, ind.digits)
    return fmt_exact(value) if exact else fmt_count(value)


def period_label(ind: Indicator, view: RegionView) -> str:
    """The moment an indicator's figures are of: a year's or a month's end, or the data's
    date while that year or month runs."""
    if ind.period == "month":
        return fmt_month_period(view.month, view.version.as_of)
    return fmt_year_period(view.year, view.version.as_of)


def applies(view: RegionView, ind: Indicator) -> bool:
    """The indicator is defined for the view's period (incidence ends with 2020)."""
    return ind.period != "year" or ind.applies(view.year)


def map_values(view: RegionView, ind: Indicator) -> pd.DataFrame:
    """The map's units with the indicator's values, blank where it is not applicable (so
    the units are grey, never coloured as 0)."""
    if applies(view, ind) or not len(view.children):
        return view.children
    return view.children.assign(**{ind.column: float("nan")})


def not_applicable_note(ind: Indicator) -> str:
    """Why an indicator shows "不适用" (the legend's and the card's note)."""
    return t(f"indicator.{ind.key}.na")


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
    if not applies(view, ind):
        return Kpi(key=ind.key, label=t(ind.label_key), value=t("data.not_applicable"),
                   note=t(f"indicator.{ind.key}.why"), good_when=ind.good_when,
                   period=period_label(ind, view))
    cur, prev = _current_and_previous(view, ind)
    delta = None if cur is None or prev is None else cur - prev
    if delta is not None and ind.kind in ("per1000", "money"):
        # As shown (two decimals, whole yuan): a change that rounds away is no change,
        # not "-0.00".
        delta = shown(delta, ind.digits)
    elif delta is not None and ind.kind == "ratio":
        delta = points_shown(delta)  # one decimal of a percentage point, as shown
    at = view.month if ind.period == "month" else view.year
    if delta is None:
        delta_text = t("overview.change.none")
    else:
        if ind.kind == "ratio":
            text = fmt_points(delta)
        elif ind.kind in ("money", "per1000"):
            # No change reads "±0.00", like "±0.0个百分点" and a count's "0".
            text = fmt_signed_number(delta, ind.digits)
        else:
            text = ("+" if delta > 0 else "") + fmt_count(delta)
        delta_text = fmt_change(ind.period, text, at, view.version.as_of)
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
    if ind.until_year is not None:  # not applicable after its last year
        s = {k: v for k, v in s.items() if k <= ind.until_year}
    scale = 100 if ind.kind == "ratio" else 1
    # The last period still running (the as-of year or month) is marked, not shown as if
    # complete.
    last = max(s) if s else None
    as_of = view.version.as_of
    running = last is not None and (is_partial_year(last, as_of) if ind.period == "year"
                                    else is_partial_month(last, as_of))
    return charts.series(list(s), [float(v) * scale for v in s.values()],
                         t("region.trend", region=view.unit["name"], indicator=t(ind.label_key)),
                         bars=ind.period == "year", percent=ind.kind == "ratio",
                         partial=charts.partial_label(as_of) if running else None)


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


# The ranked table's other columns. All of a table's columns are of the period in its
# title: a year's figures and the monthly ones of the month that ends it (December, or
# the as-of month) are of one moment; otherwise only columns of the indicator's period.
RANK_EXTRA = ("hh_registered", "hh_not_exited", "hh_monitored", "hh_unresolved")
RANK_EXTRA_YEAR = ("hh_registered", "hh_not_exited", "pp_not_exited",
                   "hh_below_monitoring_line")
RANK_EXTRA_MONTH = ("hh_monitored", "hh_unresolved", "hh_unresolved_per_1000",
                    "risk_eliminated_rate")


def rank_indicators(view: RegionView, ind: Indicator) -> list[Indicator]:
    """The ranked table's columns: the indicator, then three or four of the same period."""
    if view.month == view.version.month_for_year(view.year):
        pool = RANK_EXTRA
    else:
        pool = RANK_EXTRA_YEAR if ind.period == "year" else RANK_EXTRA_MONTH
    return [ind] + [INDICATORS[k] for k in pool if k != ind.key]


def ranked_table(view: RegionView, ind: Indicator, href):
    """The map's units ranked by the selected indicator: the same numbers as the map,
    every column of the period in the table's title (``period_label``)."""
    df = map_values(view, ind).copy()
    df = df.sort_values(ind.column, ascending=ind.good_when > 0, na_position="last")
    inds = rank_indicators(view, ind)
    rows = []
    for rank, rec in enumerate(df.to_dict("records"), start=1):
        row = {"rank": rank, "code": rec["code"], "name": f"[{rec['name']}]({href(rec['code'])})"}
        for i in inds:
            v = rec.get(i.column)
            ok = applies(view, i)
            row[i.key] = None if _missing(v) or not ok else v
            row[f"{i.key}_fmt"] = fmt_value(i, v, exact=True,
                                            year=view.year if i.period == "year" else None)
        rows.append(row)
    columns = [{"field": "rank", "headerName": "#", "width": 64, "type": "rightAligned"},
               {"field": "name", "headerName": t("overview.col.name"), "cellRenderer": "markdown",
                "width": 170, "pinned": "left"}]
    columns += [tables.number_column(i.key, t(i.label_key), 150) for i in inds]
    return tables.grid("region-ranking", columns, rows,
                       height=tables.fit_height(len(rows), 460))


def month_label(m: dt.date, as_of=None) -> str:
    """A month as a choice: "2026年11月", and the running one "2026年12月（截至1日）"."""
    if as_of is not None and is_partial_month(m, as_of):
        # Within its own month the day is enough in Chinese ("截至1日").
        day = f"{as_date(as_of).day}日" if get_lang() == "zh" else fmt_day_month(as_of)
        return t("period.month_to_date", month=fmt_month(m), date=day)
    return fmt_month(m)


def month_options(months: list[dt.date], as_of=None) -> list[dict]:
    return [{"value": m.strftime("%Y-%m"), "label": month_label(m, as_of)}
            for m in reversed(months)]
