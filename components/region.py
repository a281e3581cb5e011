"""The region page's pieces: cards, trend, ranked table and breakdowns, from a RegionView
(``queries.api.RegionView``, read by the page) and the language."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from components import charts, tables
from components.kpi import Kpi
from domain.codes import CODES
from domain.indicators import INDICATORS, Indicator, as_date
from i18n import (
    N_,
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
    is_partial_month,
    is_partial_year,
    points_shown,
    shown,
    t,
)

# Why an indicator not defined for a period shows "不适用": the legend's note and the
# card's (the indicators with an ``until_year``).
NOT_APPLICABLE_NOTE = {"poverty_incidence": N_("indicator.poverty_incidence.na")}
NOT_APPLICABLE_WHY = {"poverty_incidence": N_("indicator.poverty_incidence.why")}


def _missing(v) -> bool:
    return v is None or pd.isna(v)


def fmt_value(
    ind: Indicator, value, exact: bool = False, year: int | None = None, *, lang: str
) -> str:
    """An indicator's value as the card, map, legend and table show it ("不适用" for a
    year the indicator is not defined for, whatever the value)."""
    if not ind.applies(year):
        return t("data.not_applicable", lang)
    if _missing(value):
        return "—"
    if ind.kind == "ratio":
        return fmt_pct(value)
    if ind.kind in ("per1000", "money"):
        return fmt_number(value, ind.digits)
    return fmt_exact(value) if exact else fmt_count(value, lang)


def period_label(ind: Indicator, view, *, lang: str) -> str:
    """The moment an indicator's figures are of: a year's or a month's end, or the data's
    date while that year or month runs."""
    if ind.period == "month":
        return fmt_month_period(view.month, view.version.as_of, lang)
    return fmt_year_period(view.year, view.version.as_of, lang)


def applies(view, ind: Indicator) -> bool:
    """The indicator is defined for the view's period (incidence ends with 2020)."""
    return ind.period != "year" or ind.applies(view.year)


def map_values(view, ind: Indicator) -> pd.DataFrame:
    """The map's units with the indicator's values, blank where it is not applicable (so
    the units are grey, never coloured as 0)."""
    if applies(view, ind) or not len(view.children):
        return view.children
    return view.children.assign(**{ind.column: float("nan")})


def not_applicable_note(ind: Indicator, *, lang: str) -> str:
    """Why an indicator shows "不适用" (the legend's and the card's note)."""
    return t(NOT_APPLICABLE_NOTE.get(ind.key, N_("data.not_applicable")), lang)


def _series(view, ind: Indicator) -> dict:
    """period -> value of the unit for the indicator (periods as int years or dates)."""
    if ind.period == "year":
        keys = view.years["year"].astype(int).tolist()
        values = view.years[ind.column].tolist()
    else:
        keys = [m.date() for m in view.months["month"]]
        values = view.months[ind.column].tolist()
    return {k: (None if _missing(v) else v) for k, v in zip(keys, values)}


def _current_and_previous(view, ind: Indicator):
    s = _series(view, ind)
    if ind.period == "year":
        return s.get(view.year), s.get(view.year - 1)
    m = view.month
    prev = dt.date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1)
    return s.get(m), s.get(prev)


def card_for(view, ind: Indicator, *, lang: str) -> Kpi:
    """The card of ``ind`` for the view (a ``queries.api.RegionView``): its value, its
    change against the period before, and the period."""
    if not applies(view, ind):
        return Kpi(
            key=ind.key,
            label=t(ind.label_key, lang),
            value=t("data.not_applicable", lang),
            note=t(NOT_APPLICABLE_WHY.get(ind.key, N_("data.not_applicable")), lang),
            good_when=ind.good_when,
            period=period_label(ind, view, lang=lang),
        )
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
        delta_text = t("overview.change.none", lang)
    else:
        if ind.kind == "ratio":
            text = fmt_points(delta, lang)
        elif ind.kind in ("money", "per1000"):
            # No change reads "±0.00", like "±0.0个百分点" and a count's "0".
            text = fmt_signed_number(delta, ind.digits)
        else:
            text = ("+" if delta > 0 else "") + fmt_count(delta, lang)
        delta_text = fmt_change(ind.period, text, at, view.version.as_of, lang)
    direction = 0 if not delta else (1 if delta > 0 else -1)
    return Kpi(
        key=ind.key,
        label=t(ind.label_key, lang),
        value=fmt_value(ind, cur, lang=lang),
        unit=t(ind.unit_key, lang) if ind.unit_key else "",
        exact=fmt_value(ind, cur, exact=True, lang=lang) if ind.kind == "count" else "",
        delta=delta_text,
        direction=direction,
        good_when=ind.good_when,
        period=period_label(ind, view, lang=lang),
    )


CARD_KEYS = ("hh_registered", "hh_not_exited", "hh_monitored", "risk_eliminated_rate")


def cards(view, ind: Indicator, *, lang: str) -> list[Kpi]:
    """The selected indicator first, then the core figures."""
    keys = [ind.key] + [k for k in CARD_KEYS if k != ind.key][:3]
    return [card_for(view, INDICATORS[k], lang=lang) for k in keys]


def trend(view, ind: Indicator, *, lang: str) -> dict:
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
    running = last is not None and (
        is_partial_year(last, as_of) if ind.period == "year" else is_partial_month(last, as_of)
    )
    return charts.series(
        list(s),
        [float(v) * scale for v in s.values()],
        t("region.trend", lang, region=view.unit["name"], indicator=t(ind.label_key, lang)),
        bars=ind.period == "year",
        percent=ind.kind == "ratio",
        partial=charts.partial_label(as_of, lang=lang) if running else None,
    )


def _labels(domain: str, lang: str) -> dict:
    i = 0 if lang == "zh" else 1
    return {int(k) if str(k).isdigit() else k: v[i] for k, v in CODES[domain].items()}


def breakdown(
    df: pd.DataFrame, value_col: str, domain: str, title: str, ratio: bool = False, *, lang: str
) -> dict:
    """A horizontal bar chart of a breakdown (causes, risks, channels), largest on top."""
    labels = _labels(domain, lang)
    d = df.sort_values(value_col, ascending=False)
    return charts.hbar(
        [labels.get(int(c), str(c)) for c in d["item"]],
        [None if _missing(v) else float(v) * (100 if ratio else 1) for v in d[value_col]],
        title,
        percent=ratio,
    )


# The ranked table's other columns. All of a table's columns are of the period in its
# title: a year's figures and the monthly ones of the month that ends it (December, or
# the as-of month) are of one moment; otherwise only columns of the indicator's period.
RANK_EXTRA = ("hh_registered", "hh_not_exited", "hh_monitored", "hh_unresolved")
RANK_EXTRA_YEAR = ("hh_registered", "hh_not_exited", "pp_not_exited", "hh_below_monitoring_line")
RANK_EXTRA_MONTH = (
    "hh_monitored",
    "hh_unresolved",
    "hh_unresolved_per_1000",
    "risk_eliminated_rate",
)


def rank_indicators(view, ind: Indicator) -> list[Indicator]:
    """The ranked table's columns: the indicator, then three or four of the same period."""
    if view.month == view.version.month_for_year(view.year):
        pool = RANK_EXTRA
    else:
        pool = RANK_EXTRA_YEAR if ind.period == "year" else RANK_EXTRA_MONTH
    return [ind] + [INDICATORS[k] for k in pool if k != ind.key]


def ranked_table(view, ind: Indicator, href, *, lang: str):
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
            row[f"{i.key}_fmt"] = fmt_value(
                i, v, exact=True, year=view.year if i.period == "year" else None, lang=lang
            )
        rows.append(row)
    columns = [
        {"field": "rank", "headerName": "#", "width": 64, "type": "rightAligned"},
        {
            "field": "name",
            "headerName": t("overview.col.name", lang),
            "cellRenderer": "markdown",
            "width": 170,
            "pinned": "left",
        },
    ]
    columns += [tables.number_column(i.key, t(i.label_key, lang), 150) for i in inds]
    return tables.grid(
        "region-ranking", columns, rows, height=tables.fit_height(len(rows), 460), lang=lang
    )


def month_label(m: dt.date, as_of=None, *, lang: str) -> str:
    """A month as a choice: "2026年11月", and the running one "2026年12月（截至1日）"."""
    if as_of is not None and is_partial_month(m, as_of):
        # Within its own month the day is enough in Chinese ("截至1日").
        day = f"{as_date(as_of).day}日" if lang == "zh" else fmt_day_month(as_of, lang)
        return t("period.month_to_date", lang, month=fmt_month(m, lang), date=day)
    return fmt_month(m, lang)


def month_options(months: list[dt.date], as_of=None, *, lang: str) -> list[dict]:
    return [
        {"value": m.strftime("%Y-%m"), "label": month_label(m, as_of, lang=lang)}
        for m in reversed(months)
    ]
