"""The indicators a user can map and rank (docs/domain.md §5), defined once.

Each indicator is a column of ``indicator_year`` or ``indicator_month`` (views whose
ratios are defined in etl/sql/views.sql), so a map colour, a card, a table cell and an
export all read the same figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def N_(msgid: str) -> str:
    """Marks a msgid for the message extractor (i18n.N_; the domain imports no layer
    above it, and the extractor goes by the name)."""
    return msgid


# The msgid of each indicator's name, literal so the extractor finds it (i18n/README.md):
# the indicators below, and those pages and components define for themselves.
LABEL_KEYS = {
    "hh_monitored_per_1000": N_("indicator.hh_monitored_per_1000"),
    "poverty_incidence": N_("indicator.poverty_incidence"),
    "pp_not_exited": N_("indicator.pp_not_exited"),
    "hh_not_exited": N_("indicator.hh_not_exited"),
    "hh_registered": N_("indicator.hh_registered"),
    "hh_monitored": N_("indicator.hh_monitored"),
    "hh_unresolved": N_("indicator.hh_unresolved"),
    "hh_unresolved_per_1000": N_("indicator.hh_unresolved_per_1000"),
    "risk_eliminated_rate": N_("indicator.risk_eliminated_rate"),
    "hh_below_monitoring_line": N_("indicator.hh_below_monitoring_line"),
    "inc_mean_per_capita": N_("indicator.inc_mean_per_capita"),
    "inc_median_per_capita": N_("indicator.inc_median_per_capita"),
    "measure_coverage": N_("indicator.measure_coverage"),
    "identification_timeliness": N_("indicator.identification_timeliness"),
    "open_tasks": N_("indicator.open_tasks"),
    "overdue_rate": N_("indicator.overdue_rate"),
    "overdue_feedback": N_("indicator.overdue_feedback"),
    "doubts_undecided": N_("indicator.doubts_undecided"),
    "quality_per_1000": N_("indicator.quality_per_1000"),
}


@dataclass(frozen=True)
class Indicator:
    key: str
    column: str
    period: str  # "year" or "month"
    kind: str  # count, ratio, money, per1000
    good_when: int  # +1 a rise is good, -1 a rise is bad
    unit_key: str = ""
    # The household list filter whose row count equals this indicator (count indicators).
    household_filter: str | None = None
    # Poverty-era indicators (registered poverty, 2014-2020): nothing to show after 2020.
    poverty_era: bool = False
    # The last year the indicator is defined for (poverty incidence: the poverty line
    # ended with 2020); after it the figure is "not applicable", never 0.
    until_year: int | None = None

    @property
    def label_key(self) -> str:
        """The msgid of the indicator's name (``LABEL_KEYS``)."""
        return LABEL_KEYS[self.key]

    @property
    def digits(self) -> int:
        """Decimals of the value as shown (a ratio shows as a percentage with one)."""
        return {"ratio": 3, "per1000": 2}.get(self.kind, 0)

    def applies(self, year: int | None) -> bool:
        """False for a year the indicator is not defined for (incidence after 2020)."""
        return self.until_year is None or year is None or int(year) <= self.until_year


# The national poverty line's last year: poverty incidence is not defined after it.
POVERTY_LINE_LAST_YEAR = 2020

INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator("hh_monitored_per_1000", "hh_monitored_per_1000", "month", "per1000", -1),
        Indicator(
            "poverty_incidence",
            "poverty_incidence",
            "year",
            "ratio",
            -1,
            poverty_era=True,
            until_year=POVERTY_LINE_LAST_YEAR,
        ),
        Indicator(
            "pp_not_exited",
            "pp_not_exited",
            "year",
            "count",
            -1,
            N_("unit.people"),
            poverty_era=True,
        ),
        Indicator(
            "hh_not_exited",
            "hh_not_exited",
            "year",
            "count",
            -1,
            N_("unit.households"),
            "not_exited",
            poverty_era=True,
        ),
        Indicator(
            "hh_registered",
            "hh_registered",
            "year",
            "count",
            0,
            N_("unit.households"),
            "registered",
        ),
        Indicator(
            "hh_monitored", "hh_monitored", "month", "count", -1, N_("unit.households"), "monitored"
        ),
        Indicator(
            "hh_unresolved",
            "hh_unresolved",
            "month",
            "count",
            -1,
            N_("unit.households"),
            "unresolved",
        ),
        Indicator("hh_unresolved_per_1000", "hh_unresolved_per_1000", "month", "per1000", -1),
        Indicator("risk_eliminated_rate", "risk_eliminated_rate", "month", "ratio", 1),
        Indicator(
            "hh_below_monitoring_line",
            "hh_below_monitoring_line",
            "year",
            "count",
            -1,
            N_("unit.households"),
            "below_line",
        ),
        Indicator(
            "inc_mean_per_capita", "inc_mean_per_capita", "year", "money", 1, N_("unit.yuan")
        ),
        Indicator(
            "inc_median_per_capita", "inc_median_per_capita", "year", "money", 1, N_("unit.yuan")
        ),
        Indicator("measure_coverage", "measure_coverage", "month", "ratio", 1),
        Indicator("identification_timeliness", "identification_timeliness", "month", "ratio", 1),
    )
}
DEFAULT = "hh_monitored_per_1000"
# The year a poverty-era indicator opens on: the last year anyone was still poor.
POVERTY_ERA_DEFAULT_YEAR = 2019

YEAR_COLUMNS = sorted({i.column for i in INDICATORS.values() if i.period == "year"})
MONTH_COLUMNS = sorted({i.column for i in INDICATORS.values() if i.period == "month"})


def get(key: str | None) -> Indicator:
    """The indicator ``key``, or the default for anything unknown."""
    return INDICATORS.get(key or "", INDICATORS[DEFAULT])


def as_date(d) -> dt.date:
    """A date from a date, a datetime, a pandas Timestamp or ISO text."""
    if isinstance(d, str):
        return dt.date.fromisoformat(d[:10])
    if hasattr(d, "date") and callable(d.date):  # datetime, pandas Timestamp
        return d.date()
    return d


def is_partial_month(month, as_of) -> bool:
    """The month of the data's date, unless that date is the month's last day: its
    figures run to ``as_of`` only (stocks on that day, flows from day 1 to it)."""
    m, a = as_date(month), as_date(as_of)
    return (m.year, m.month) == (a.year, a.month) and (a + dt.timedelta(days=1)).day != 1


def is_partial_year(year: int, as_of) -> bool:
    """The year of the data's date, unless that date is 31 December."""
    a = as_date(as_of)
    return int(year) == a.year and (a.month, a.day) != (12, 31)
