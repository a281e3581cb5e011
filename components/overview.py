"""The overview page's pieces: cards, trend figures and the child table, from an Overview."""

from __future__ import annotations

import pandas as pd

import i18n
from components import charts, tables
from components.kpi import Kpi
from components.region import NOT_APPLICABLE_WHY
from domain.indicators import INDICATORS
from i18n import (
    N_,
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


def _direction(delta) -> int:
    if delta is None or pd.isna(delta) or delta == 0:
        return 0
    return 1 if delta > 0 else -1


def _count_kpi(
    key, label, cur, prev, unit_key, good_when, period, change, note="", *, lang: str
) -> Kpi:
    """``change`` words a formatted change ("较上月 +5", "较11月末 +5")."""
    value = cur if cur is not None else None
    delta = (
        None
        if prev is None or value is None or pd.isna(value) or pd.isna(prev)
        else int(value) - int(prev)
    )
    return Kpi(
        key=key,
        label=label,
        value=fmt_count(value, lang),
        unit=t(unit_key, lang),
        exact=fmt_exact(value) if value is not None and not pd.isna(value) else "",
        delta=change(fmt_signed(delta, lang))
        if delta is not None
        else t("overview.change.none", lang),
        direction=_direction(delta),
        good_when=good_when,
        period=period,
        note=note,
    )


def _ratio_kpi(key, label, cur, prev, good_when, period, change, note="", *, lang: str) -> Kpi:
    delta = (
        None
        if cur is None or prev is None or pd.isna(cur) or pd.isna(prev)
        else i18n.points_shown(float(cur) - float(prev))
    )  # as shown: rounded away is none
    return Kpi(
        key=key,
        label=label,
        value=fmt_pct(cur),
        exact="",
        delta=change(fmt_points(delta, lang))
        if delta is not None
        else t("overview.change.none", lang),
        direction=_direction(delta),
        good_when=good_when,
        period=period,
        note=note,
    )


def _not_applicable_kpi(key, label, good_when, period, *, lang: str) -> Kpi:
    """A card for a year its indicator is not defined for: "不适用" and why, no change."""
    return Kpi(
        key=key,
        label=label,
        value=t("data.not_applicable", lang),
        note=t(NOT_APPLICABLE_WHY.get(key, N_("data.not_applicable")), lang),
        good_when=good_when,
        period=period,
    )


def _get(row, col):
    return None if row is None else row[col]


def _registered_cards(y, y0, period: str, change, *, lang: str) -> list[Kpi]:
    """The year's registered households and people, against the year before."""
    return [
        _count_kpi(
            "hh_registered",
            t("overview.kpi.registered_hh", lang),
            _get(y, "hh_registered"),
            _get(y0, "hh_registered"),
            N_("unit.households"),
            0,
            period,
            change,
            lang=lang,
        ),
        _count_kpi(
            "pp_registered",
            t("overview.kpi.registered_pp", lang),
            _get(y, "pp_registered"),
            _get(y0, "pp_registered"),
            N_("unit.people"),
            0,
            period,
            change,
            lang=lang,
        ),
    ]


def _exit_cards(year: int, y, y0, period: str, change, *, lang: str) -> list[Kpi]:
    """The year's people exited and not exited, and the poverty incidence ("不适用" for a
    year it is not defined for), against the year before."""
    incidence = INDICATORS["poverty_incidence"]
    return [
        # More people exited is good while people were still exiting (the poverty era);
        # after 2020 the count only moves with births, deaths and moves: neutral.
        _count_kpi(
            "pp_exited",
            t("overview.kpi.exited_pp", lang),
            _get(y, "pp_exited"),
            _get(y0, "pp_exited"),
            N_("unit.people"),
            1 if incidence.applies(year) else 0,
            period,
            change,
            lang=lang,
        ),
        _count_kpi(
            "pp_not_exited",
            t("overview.kpi.not_exited_pp", lang),
            _get(y, "pp_not_exited"),
            _get(y0, "pp_not_exited"),
            N_("unit.people"),
            -1,
            period,
            change,
            lang=lang,
        ),
        _ratio_kpi(
            "poverty_incidence",
            t("overview.kpi.incidence", lang),
            _get(y, "poverty_incidence"),
            _get(y0, "poverty_incidence"),
            -1,
            period,
            change,
            lang=lang,
        )
        if incidence.applies(year)
        else _not_applicable_kpi(
            "poverty_incidence", t("overview.kpi.incidence", lang), -1, period, lang=lang
        ),
    ]


def _monitoring_cards(m, m0, period: str, change, *, lang: str) -> list[Kpi]:
    """The month's monitored households (by type in the note) and the rate of risk
    eliminated (the unresolved in the note), against the month before."""
    monitored_note = (
        t(
            "overview.kpi.monitored_types",
            lang,
            t1=fmt_count(_get(m, "hh_type1"), lang),
            t2=fmt_count(_get(m, "hh_type2"), lang),
            t3=fmt_count(_get(m, "hh_type3"), lang),
        )
        if m is not None
        else ""
    )
    return [
        _count_kpi(
            "hh_monitored",
            t("overview.kpi.monitored_hh", lang),
            _get(m, "hh_monitored"),
            _get(m0, "hh_monitored"),
            N_("unit.households"),
            -1,
            period,
            change,
            note=monitored_note,
            lang=lang,
        ),
        _ratio_kpi(
            "risk_eliminated_rate",
            t("overview.kpi.eliminated_rate", lang),
            _get(m, "risk_eliminated_rate"),
            _get(m0, "risk_eliminated_rate"),
            1,
            period,
            change,
            note=t("overview.kpi.unresolved", lang, n=fmt_count(_get(m, "hh_unresolved"), lang))
            if m is not None
            else "",
            lang=lang,
        ),
    ]


def _below_line_card(y, y0, period: str, change, *, lang: str) -> Kpi:
    """The year's households below the monitoring line, the line in the note."""
    line = _get(y, "monitoring_line")
    line_note = (
        t("overview.kpi.line", lang, line=fmt_exact(line))
        if line is not None and not pd.isna(line)
        else t("overview.kpi.no_line", lang)
    )
    return _count_kpi(
        "hh_below_monitoring_line",
        t("overview.kpi.below_line", lang),
        _get(y, "hh_below_monitoring_line"),
        _get(y0, "hh_below_monitoring_line"),
        N_("unit.households"),
        -1,
        period,
        change,
        note=line_note,
        lang=lang,
    )


def cards(ov, *, lang: str) -> list[Kpi]:
    """The overview's KPI cards (of a ``queries.api.Overview``), each with its change and
    its period."""
    y, y0 = ov.year_row(ov.year), ov.year_row(ov.year - 1)
    prev_month = (pd.Timestamp(ov.month) - pd.DateOffset(months=1)).date()
    m, m0 = ov.month_row(ov.month), ov.month_row(prev_month)
    as_of = ov.version.as_of
    year_period = fmt_year_period(ov.year, as_of, lang)
    month_period = fmt_month_period(ov.month, as_of, lang)

    def by_year(delta: str) -> str:
        return fmt_change("year", delta, ov.year, as_of, lang)

    def by_month(delta: str) -> str:
        return fmt_change("month", delta, ov.month, as_of, lang)

    return [
        *_registered_cards(y, y0, year_period, by_year, lang=lang),
        *_exit_cards(ov.year, y, y0, year_period, by_year, lang=lang),
        *_monitoring_cards(m, m0, month_period, by_month, lang=lang),
        _below_line_card(y, y0, year_period, by_year, lang=lang),
    ]


def poverty_figure(ov, *, lang: str):
    return charts.poverty_trend(ov.years, ov.unit["name"], lang=lang)


def monitoring_figure(ov, *, lang: str):
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
            partial = charts.partial_label(ov.version.as_of, lang=lang)
        elif last.month != 12:
            partial = fmt_month_period(last, ov.version.as_of, lang)
    return charts.monitoring_trend(year_end, ov.unit["name"], partial=partial, lang=lang)


CHILD_COLUMNS = [
    ("hh_registered", "count"),
    ("pp_registered", "count"),
    ("pp_not_exited", "count"),
    ("poverty_incidence", "pct"),
    ("hh_monitored", "count"),
    ("hh_unresolved", "count"),
    ("risk_eliminated_rate", "pct"),
    ("hh_below_monitoring_line", "count"),
]
CHILD_HEADERS = {
    "hh_registered": N_("overview.col.hh_registered"),
    "pp_registered": N_("overview.col.pp_registered"),
    "pp_not_exited": N_("overview.col.pp_not_exited"),
    "poverty_incidence": N_("overview.col.poverty_incidence"),
    "hh_monitored": N_("overview.col.hh_monitored"),
    "hh_unresolved": N_("overview.col.hh_unresolved"),
    "risk_eliminated_rate": N_("overview.col.risk_eliminated_rate"),
    "hh_below_monitoring_line": N_("overview.col.hh_below_monitoring_line"),
}


def children_title(ov, *, lang: str) -> str:
    """The child table's title names its one period: the year's end (its monitoring
    columns are of December), or the data's date in the as-of year."""
    return t(
        "overview.children.title", lang, period=fmt_year_period(ov.year, ov.version.as_of, lang)
    )


def children_table(ov, href, *, lang: str):
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
                row[col], row[f"{col}_fmt"] = None, t("data.not_applicable", lang)
                continue
            row[col] = value
            row[f"{col}_fmt"] = fmt_pct(value) if kind == "pct" else fmt_exact(value)
        rows.append(row)
    columns = [
        {
            "field": "name",
            "headerName": t("overview.col.name", lang),
            "pinned": "left",
            "cellRenderer": "markdown",
            "width": 170,
        }
    ]
    columns += [tables.number_column(col, t(CHILD_HEADERS[col], lang)) for col, _ in CHILD_COLUMNS]
    return tables.grid(
        "overview-children", columns, rows, height=tables.fit_height(len(rows), 480), lang=lang
    )
