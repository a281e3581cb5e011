"""The overview page's pieces: cards, trend figures and the child table, from an Overview."""

from __future__ import annotations

import pandas as pd

import i18n
from components import charts, tables
from components.kpi import Kpi
from domain.indicators import INDICATORS
from i18n import (
    fmt_change,
    fmt_count,
    fmt_exact,
    fmt_month_period,
    fmt_pct,
    fmt_points,
    fmt_signed,
    fmt_year_period,
    is_partial_month,
    t,
)
from queries.api import Overview


def _direction(delta) -> int:
    if delta is None or pd.isna(delta) or delta == 0:
        return 0
    return 1 if delta > 0 else -1


def _count_kpi(key, label, cur, prev, unit_key, good_when, period, change, note="") -> Kpi:
    """``change`` words a formatted change ("较上月 +5", "较11月末 +5")."""
    value = cur if cur is not None else None
    delta = None if prev is None or value is None or pd.isna(value) or pd.isna(prev) \
        else int(value) - int(prev)
    return Kpi(key=key, label=label, value=fmt_count(value), unit=t(unit_key),
               exact=fmt_exact(value) if value is not None and not pd.isna(value) else "",
               delta=change(fmt_signed(delta)) if delta is not None
               else t("overview.change.none"),
               direction=_direction(delta), good_when=good_when, period=period, note=note)


def _ratio_kpi(key, label, cur, prev, good_when, period, change, note="") -> Kpi:
    delta = None if cur is None or prev is None or pd.isna(cur) or pd.isna(prev) \
        else i18n.points_shown(float(cur) - float(prev))  # as shown: rounded away is none
    return Kpi(key=key, label=label, value=fmt_pct(cur), exact="",
               delta=change(fmt_points(delta)) if delta is not None
               else t("overview.change.none"),
               direction=_direction(delta), good_when=good_when, period=period, note=note)


def _not_applicable_kpi(key, label, good_when, period) -> Kpi:
    """A card for a year its indicator is not defined for: "不适用" and why, no change."""
    return Kpi(key=key, label=label, value=t("data.not_applicable"),
               note=t(f"indicator.{key}.why"), good_when=good_when, period=period)


def _get(row, col):
    return None if row is None else row[col]


def cards(ov: Overview) -> list[Kpi]:
    """The overview's KPI cards, each with its change and its period."""
    y, y0 = ov.year_row(ov.year), ov.year_row(ov.year - 1)
    prev_month = (pd.Timestamp(ov.month) - pd.DateOffset(months=1)).date()
    m, m0 = ov.month_row(ov.month), ov.month_row(prev_month)
    as_of = ov.version.as_of
    year_period = fmt_year_period(ov.year, as_of)
    month_period = fmt_month_period(ov.month, as_of)

    def by_year(delta: str) -> str:
        return fmt_change("year", delta, ov.year, as_of)

    def by_month(delta: str) -> str:
        return fmt_change("month", delta, ov.month, as_of)

    incidence = INDICATORS["poverty_incidence"]
    line = _get(y, "monitoring_line")
    line_note = t("overview.kpi.line", line=fmt_exact(line)) if line is not None \
        and not pd.isna(line) else t("overview.kpi.no_line")
    monitored_note = t("overview.kpi.monitored_types", t1=fmt_count(_get(m, "hh_type1")),
                       t2=fmt_count(_get(m, "hh_type2")), t3=fmt_count(_get(m, "hh_type3"))) \
        if m is not None else ""
    return [
        _count_kpi("hh_registered", t("overview.kpi.registered_hh"), _get(y, "hh_registered"),
                   _get(y0, "hh_registered"), "unit.households", 0, year_period,
                   by_year),
        _count_kpi("pp_registered", t("overview.kpi.registered_pp"), _get(y, "pp_registered"),
                   _get(y0, "pp_registered"), "unit.people", 0, year_period,
                   by_year),
        # More people exited is good while people were still exiting (the poverty era);
        # after 2020 the count only moves with births, deaths and moves: neutral.
        _count_kpi("pp_exited", t("overview.kpi.exited_pp"), _get(y, "pp_exited"),
                   _get(y0, "pp_exited"), "unit.people",
                   1 if incidence.applies(ov.year) else 0, year_period, by_year),
        _count_kpi("pp_not_exited", t("overview.kpi.not_exited_pp"), _get(y, "pp_not_exited"),
                   _get(y0, "pp_not_exited"), "unit.people", -1, year_period,
                   by_year),
        _ratio_kpi("poverty_incidence", t("overview.kpi.incidence"),
                   _get(y, "poverty_incidence"), _get(y0, "poverty_incidence"), -1, year_period,
                   by_year) if incidence.applies(ov.year)
        else _not_applicable_kpi("poverty_incidence", t("overview.kpi.incidence"), -1,
                                 year_period),
        _count_kpi("hh_monitored", t("overview.kpi.monitored_hh"), _get(m, "hh_monitored"),
                   _get(m0, "hh_monitored"), "unit.households", -1, month_period,
                   by_month, note=monitored_note),
        _ratio_kpi("risk_eliminated_rate", t("overview.kpi.eliminated_rate"),
                   _get(m, "risk_eliminated_rate"), _get(m0, "risk_eliminated_rate"), 1,
                   month_period, by_month,
                   note=t("overview.kpi.unresolved", n=fmt_count(_get(m, "hh_unresolved")))
                   if m is not None else ""),
        _count_kpi("hh_below_monitoring_line", t("overview.kpi.below_line"),
                   _get(y, "hh_below_monitoring_line"), _get(y0, "hh_below_monitoring_line"),
                   "unit.households", -1, year_period, by_year, note=line_note),
    ]


def poverty_figure(ov: Overview):
    return charts.poverty_trend(ov.years, ov.unit["name"])


def monitoring_figure(ov: Overview):
    """Year-end monitoring counts: December of each year, or the as-of month."""
    months = ov.months.copy()
    months["year"] = months["month"].dt.year
    year_end = months.sort_values("month").groupby("year").tail(1)
    # The last year's bar is of its last month: the as-of month ("截至12月1日"), or the
    # month a briefing ends at ("2026年6月 末"); either way not a year's end, and said.
    partial = None
    if len(year_end):
        last = pd.Timestamp(year_end["month"].iloc[-1])
        if is_partial_month(last, ov.version.as_of):
            partial = charts.partial_label(ov.version.as_of)
        elif last.month != 12:
            partial = fmt_month_period(last, ov.version.as_of)
    return charts.monitoring_trend(year_end, ov.unit["name"], partial=partial)


CHILD_COLUMNS = [
    ("hh_registered", "count"), ("pp_registered", "count"), ("pp_not_exited", "count"),
    ("poverty_incidence", "pct"), ("hh_monitored", "count"), ("hh_unresolved", "count"),
    ("risk_eliminated_rate", "pct"), ("hh_below_monitoring_line", "count"),
]


def children_title(ov: Overview) -> str:
    """The child table's title names its one period: the year's end (its monitoring
    columns are of December), or the data's date in the as-of year."""
    return t("overview.children.title", period=fmt_year_period(ov.year, ov.version.as_of))


def children_table(ov: Overview, href):
    """The units below, sortable; names link to their own overview. Every column is of
    the period of ``children_title``: the year's figures and the monitoring figures of
    the month that ends it (``DataVersion.month_for_year``)."""
    rows = []
    for rec in ov.children.to_dict("records"):
        row = {"code": rec["code"], "name": f"[{rec['name']}]({href(rec['code'])})"}
        for col, kind in CHILD_COLUMNS:
            value = rec.get(col)
            value = None if value is None or pd.isna(value) else value
            ind = INDICATORS.get(col)
            if ind is not None and not ind.applies(ov.year):
                row[col], row[f"{col}_fmt"] = None, t("data.not_applicable")
                continue
            row[col] = value
            row[f"{col}_fmt"] = fmt_pct(value) if kind == "pct" else fmt_exact(value)
        rows.append(row)
    columns = [{"field": "name", "headerName": t("overview.col.name"), "pinned": "left",
                "cellRenderer": "markdown", "width": 170}]
    columns += [tables.number_column(col, t(f"overview.col.{col}")) for col, _ in CHILD_COLUMNS]
    return tables.grid("overview-children", columns, rows,
                       height=tables.fit_height(len(rows), 480))
