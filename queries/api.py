"""What pages ask the warehouse for: typed results over the named queries.

Every function takes the user's Scope and checks the region through the gate before
it runs anything; the SQL applies the scope again, so a forgotten check still returns
nothing from outside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from queries.runner import Warehouse
from queries.scope import RegionNotFound, Scope, raise_for_region

FIRST_YEAR = 2014
FIRST_MONTH = dt.date(2020, 1, 1)


@dataclass(frozen=True)
class DataVersion:
    version: str
    as_of: dt.date
    scale: float

    @property
    def last_year(self) -> int:
        return self.as_of.year

    @property
    def last_month(self) -> dt.date:
        return self.as_of.replace(day=1)

    def years(self) -> list[int]:
        return list(range(FIRST_YEAR, self.last_year + 1))

    def month_for_year(self, year: int) -> dt.date:
        """The month whose end stands for a year: December, or the as-of month."""
        return self.last_month if year == self.last_year else dt.date(year, 12, 1)


def data_version(wh: Warehouse) -> DataVersion:
    row = wh.run("data_version", None).iloc[0]
    as_of = pd.Timestamp(row["as_of"]).date()
    return DataVersion(str(row["version"]), as_of, float(row["scale"]))


def region(wh: Warehouse, scope: Scope, code: str) -> dict:
    """The unit ``code`` if the scope may see it (AccessDenied, RegionNotFound)."""
    raise_for_region(scope, code)
    df = wh.run("region_get", scope, code=code)
    if df.empty:
        raise RegionNotFound(code)
    return df.iloc[0].to_dict()


def ancestors(wh: Warehouse, scope: Scope, code: str) -> list[dict]:
    """The breadcrumb: from the scope's own unit down to ``code``."""
    raise_for_region(scope, code)
    return wh.run("region_ancestors", scope, code=code).to_dict("records")


@dataclass(frozen=True)
class Overview:
    unit: dict
    version: DataVersion
    year: int
    month: dt.date
    years: pd.DataFrame  # indicator_year rows of the unit, by year
    months: pd.DataFrame  # indicator_month rows of the unit, by month
    children: pd.DataFrame  # the units below, for the year and month

    def year_row(self, year: int) -> pd.Series | None:
        rows = self.years[self.years["year"] == year]
        return rows.iloc[0] if len(rows) else None

    def month_row(self, month: dt.date) -> pd.Series | None:
        rows = self.months[self.months["month"] == pd.Timestamp(month)]
        return rows.iloc[0] if len(rows) else None


def overview(wh: Warehouse, scope: Scope, code: str, year: int | None) -> Overview:
    """Cards, trends and the breakdown by child unit for one unit and year (default and
    for any year outside the data: the latest)."""
    unit = region(wh, scope, code)
    version = data_version(wh)
    if year not in version.years():
        year = version.last_year
    month = version.month_for_year(year)
    years = wh.run("unit_years", scope, code=code)
    months = wh.run("unit_months", scope, code=code)
    children = wh.run("children_overview", scope, code=code, year=year, month=month)
    return Overview(unit, version, year, month, years, months, children)
