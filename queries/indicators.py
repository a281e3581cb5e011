"""The indicators a user can map and rank (domain.md §4), defined once.

Each indicator is a column of ``indicator_year`` or ``indicator_month`` (views whose
ratios are defined in etl/sql/views.sql), so a map colour, a card, a table cell and an
export all read the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def label_key(self) -> str:
        return f"indicator.{self.key}"


INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    Indicator("hh_monitored_per_1000", "hh_monitored_per_1000", "month", "per1000", -1),
    Indicator("poverty_incidence", "poverty_incidence", "year", "ratio", -1, poverty_era=True),
    Indicator("pp_not_exited", "pp_not_exited", "year", "count", -1, "unit.people",
              poverty_era=True),
    Indicator("hh_not_exited", "hh_not_exited", "year", "count", -1, "unit.households",
              "not_exited", poverty_era=True),
    Indicator("hh_registered", "hh_registered", "year", "count", 0, "unit.households",
              "registered"),
    Indicator("hh_monitored", "hh_monitored", "month", "count", -1, "unit.households",
              "monitored"),
    Indicator("hh_unresolved", "hh_unresolved", "month", "count", -1, "unit.households",
              "unresolved"),
    Indicator("hh_unresolved_per_1000", "hh_unresolved_per_1000", "month", "per1000", -1),
    Indicator("risk_eliminated_rate", "risk_eliminated_rate", "month", "ratio", 1),
    Indicator("hh_below_monitoring_line", "hh_below_monitoring_line", "year", "count", -1,
              "unit.households", "below_line"),
    Indicator("inc_mean_per_capita", "inc_mean_per_capita", "year", "money", 1, "unit.yuan"),
    Indicator("inc_median_per_capita", "inc_median_per_capita", "year", "money", 1,
              "unit.yuan"),
    Indicator("measure_coverage", "measure_coverage", "month", "ratio", 1),
    Indicator("identification_timeliness", "identification_timeliness", "month", "ratio", 1),
)}
DEFAULT = "hh_monitored_per_1000"
# The year a poverty-era indicator opens on: the last year anyone was still poor.
POVERTY_ERA_DEFAULT_YEAR = 2019

YEAR_COLUMNS = sorted({i.column for i in INDICATORS.values() if i.period == "year"})
MONTH_COLUMNS = sorted({i.column for i in INDICATORS.values() if i.period == "month"})


def get(key: str | None) -> Indicator:
    """The indicator ``key``, or the default for anything unknown."""
    return INDICATORS.get(key or "", INDICATORS[DEFAULT])
