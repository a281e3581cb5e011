"""What pages ask the warehouse for: typed results over the named queries.

Every function takes the user's Scope and checks the region through the gate before
it runs anything; the SQL applies the scope again, so a forgotten check still returns
nothing from outside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from access import AccessDenied, RegionNotFound, Scope, raise_for_region
from i18n import N_
from queries.runner import Warehouse

FIRST_YEAR = 2014
FIRST_MONTH = dt.date(2020, 1, 1)


@dataclass(frozen=True)
class DataVersion:
    version: str
    as_of: dt.date
    scale: float | None  # the generator's scale; None for a province's own registry

    @property
    def synthetic(self) -> bool:
        """The delivery came from the synthetic generator (its manifest says so)."""
        return self.scale is not None

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
    """The build of the warehouse this process reads (read once per connection)."""
    v = wh.version
    scale = v.get("scale")
    return DataVersion(
        str(v["version"]),
        pd.Timestamp(v["as_of"]).date(),
        None if scale is None or pd.isna(scale) else float(scale),
    )


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
    r = wh.run_many(
        scope,
        {
            "years": ("unit_years", {"code": code}),
            "months": ("unit_months", {"code": code}),
            "children": ("children_indicators", {"code": code, "year": year, "month": month}),
        },
    )
    return Overview(unit, version, year, month, r["years"], r["months"], r["children"])


# ------------------------------------------------------------------ the region page
def months(version: DataVersion) -> list[dt.date]:
    """Every month with monitoring data, oldest first."""
    out, m = [], FIRST_MONTH
    while m <= version.last_month:
        out.append(m)
        m = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def parse_month(value, version: DataVersion) -> dt.date:
    """A month from the URL or the browser (YYYY-MM); anything else means the latest."""
    try:
        y, m = str(value)[:7].split("-")
        month = dt.date(int(y), int(m), 1)
    except (ValueError, TypeError):
        return version.last_month
    return month if FIRST_MONTH <= month <= version.last_month else version.last_month


def parse_year(value, version: DataVersion) -> int:
    """A year from the URL or the browser; anything else means the latest."""
    try:
        year = int(str(value))
    except (ValueError, TypeError):
        return version.last_year
    return year if year in version.years() else version.last_year


@dataclass(frozen=True)
class RegionView:
    unit: dict
    version: DataVersion
    year: int
    month: dt.date
    trail: list[dict]
    outline: dict  # the unit's own geometry row
    map_parent: dict  # the unit whose children the map shows (the unit, or a village's township)
    children: pd.DataFrame  # indicator values of the map's units
    geometry: pd.DataFrame  # geometry of the map's units
    years: pd.DataFrame
    months: pd.DataFrame
    breakdowns: pd.DataFrame  # breakdown (cause, risk, channel), item, households, people, share

    def breakdown(self, kind: str) -> pd.DataFrame:
        return self.breakdowns[self.breakdowns["breakdown"] == kind]

    @property
    def is_village(self) -> bool:
        return int(self.unit["level"]) == 5


def region_view(
    wh: Warehouse,
    scope: Scope,
    code: str,
    year,
    month,
    breakdowns: bool = True,
    period: str | None = None,
) -> RegionView:
    """Everything the region page shows for one unit and period (the breakdowns by
    cause, risk and channel only when asked for).

    ``period`` ("year" or "month", the indicator's) makes the view of one moment: a
    year's view takes the month that ends it (December, or the as-of month), a month's
    view its year, so that every figure of the page's table is of the period in its
    title. Without it the year and the month are taken as given."""
    plan = _RegionPlan.make(wh, scope, code, year, month, breakdowns, period)
    return plan.view(wh.run_many(scope, plan.queries))


@dataclass(frozen=True)
class _RegionPlan:
    """The unit and period settled, and the region page's queries still to run: a page
    that shows more (the heatmaps) adds its own and runs them all together."""

    unit: dict
    version: DataVersion
    year: int
    month: dt.date
    map_parent: dict
    queries: dict

    @classmethod
    def make(
        cls,
        wh: Warehouse,
        scope: Scope,
        code: str,
        year,
        month,
        breakdowns: bool,
        period: str | None = None,
    ) -> _RegionPlan:
        unit = region(wh, scope, code)
        version = data_version(wh)
        year, month = parse_year(year, version), parse_month(month, version)
        if period == "year":
            month = version.month_for_year(year)  # may precede monitoring (no figures)
        elif period == "month":
            year = month.year
        # A village has no units below: its map shows the villages of its township.
        map_code = code
        if int(unit["level"]) == 5 and scope.contains(unit["parent_code"]):
            map_code = unit["parent_code"]
        map_parent = unit if map_code == code else region(wh, scope, map_code)
        queries = {
            "outline": ("region_geometry", {"code": map_code}),
            "trail": ("region_ancestors", {"code": code}),
            "children": ("children_indicators", {"code": map_code, "year": year, "month": month}),
            "geometry": ("children_geometry", {"code": map_code}),
            "years": ("unit_years", {"code": code}),
            "months": ("unit_months", {"code": code}),
        }
        if breakdowns:
            queries["breakdowns"] = ("unit_breakdowns", {"code": code, "year": year})
        return cls(unit, version, year, month, map_parent, queries)

    def view(self, r: dict[str, pd.DataFrame]) -> RegionView:
        outline = r["outline"]
        return RegionView(
            unit=self.unit,
            version=self.version,
            year=self.year,
            month=self.month,
            trail=r["trail"].to_dict("records"),
            outline=outline.iloc[0].to_dict() if len(outline) else {},
            map_parent=self.map_parent,
            children=r["children"],
            geometry=r["geometry"],
            years=r["years"],
            months=r["months"],
            breakdowns=r["breakdowns"]
            if "breakdowns" in r
            else pd.DataFrame(columns=["breakdown", "item", "households", "people", "share"]),
        )


# ------------------------------------------------------------------ one household
@dataclass(frozen=True)
class HouseholdView:
    household: dict
    members: pd.DataFrame  # ID and phone numbers masked unless revealed
    income: pd.DataFrame
    measures: pd.DataFrame
    cadres: pd.DataFrame
    monitoring: dict | None
    revealed: bool
    risk: dict | None = None  # score, rules_fired, factors (JSON) when a rule fired


def _record(df: pd.DataFrame) -> dict | None:
    """The first row as plain Python values: a list column (DuckDB's ``list()``) comes
    back from pandas as a numpy array, whose truth value is ambiguous; callers get a
    list."""
    if df.empty:
        return None
    out = {}
    for key, value in df.iloc[0].to_dict().items():
        out[key] = (
            list(value.tolist())
            if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0
            else value
        )
    return out


def household_view(
    wh: Warehouse, scope: Scope, household_id, reveal: bool = False
) -> HouseholdView:
    """A household if its village lies within the scope, and for a department account if
    its own data raised a case or warning about it (RegionNotFound otherwise, AccessDenied
    from the gate).

    ID and phone numbers leave this function masked unless ``reveal`` is asked for and
    the role may see them (``ids.reveal``): then the members and the household's phone
    are read past the cache, and the caller logs the reveal.
    """
    from access import Resource, raise_for
    from queries.privacy import can_reveal

    try:
        hid = int(str(household_id))
    except ValueError:
        raise RegionNotFound(str(household_id)[:20]) from None
    if scope is None:
        raise AccessDenied("login required")
    if not -(2**63) <= hid < 2**63:
        raise RegionNotFound(str(hid)[:20])
    row = wh.run("household_get", scope, household_id=hid)
    if row.empty:
        raise RegionNotFound(str(hid))
    raise_for(
        scope,
        "household.view",
        Resource(
            region=str(row["village_code"].iloc[0]),
            departments=household_departments(wh, scope, hid),
        ),
    )
    revealed = reveal and can_reveal(scope)
    members = wh.run("household_members", scope, household_id=hid, unmasked=revealed)
    household = _record(
        wh.run("household_get", scope, household_id=hid, unmasked=True) if revealed else row
    )
    mon = wh.run("household_monitoring", scope, household_id=hid)
    risk = wh.run("household_score", scope, household_id=hid)
    return HouseholdView(
        household=household,
        members=members,
        income=wh.run("household_income", scope, household_id=hid),
        measures=wh.run("household_measures", scope, household_id=hid),
        cadres=wh.run("household_cadres", scope, household_id=hid),
        monitoring=_record(mon),
        revealed=revealed,
        risk=_record(risk),
    )


def case_household(wh: Warehouse, scope: Scope, household_id=None, household_no=None):
    """A household of the scope (by its id, or by its number 户编号) with its registry
    monitoring record, for a monitoring case; None for one the scope does not hold, as
    for none."""
    try:
        hid = -1 if household_id is None else int(str(household_id))
    except ValueError:
        return None
    number = household_no.strip() if isinstance(household_no, str) else ""
    if scope is None or not (0 < hid < 2**31 or (hid == -1 and 0 < len(number) <= 20)):
        return None
    row = _record(wh.run("case_household", scope, household_id=hid, household_no=number))
    if row is None:
        return None
    # Plain Python values, None for a household without a monitoring record.
    return {k: None if pd.isna(v) else getattr(v, "item", lambda v=v: v)() for k, v in row.items()}


def elimination_evidence(wh: Warehouse, scope: Scope, household_id, year: int, since):
    """The warehouse's side of the risk elimination standard for one household of the
    scope (``elimination_evidence`` in household.sql), as plain values; None outside it."""
    if scope is None:
        return None
    row = _record(
        wh.run(
            "elimination_evidence", scope, household_id=int(household_id), year=year, since=since
        )
    )
    if row is None:
        return None
    out = {}
    for k, v in row.items():
        if isinstance(v, list | tuple) or hasattr(v, "tolist"):
            out[k] = [getattr(x, "item", lambda x=x: x)() for x in v]
        else:
            out[k] = None if pd.isna(v) else getattr(v, "item", lambda v=v: v)()
    return out


def household_departments(wh: Warehouse, scope: Scope, household_id: int) -> frozenset[str]:
    """The departments whose data raised a case or a warning about the household (for a
    department account, at most its own: the query applies its subject)."""
    df = wh.run("household_subjects", scope, household_id=int(household_id))
    kinds = dict.fromkeys(("check", "rule"), ())
    for kind in kinds:
        kinds[kind] = tuple(df.loc[df["kind"] == kind, "id"]) if len(df) else ()
    return wh.subjects().departments_of(kinds["check"], kinds["rule"])


def subject(wh: Warehouse, scope: Scope):
    """A department account's subject (queries/subject.py), None for other accounts."""
    if scope is None or scope.role != "department" or not scope.department:
        return None
    return wh.subjects().subject(scope.department)


# ------------------------------------------------------------------ monitoring
@dataclass(frozen=True)
class MonitoringView:
    region: RegionView  # the unit, its map units, trends (as on the region page)
    matrix: pd.DataFrame  # unit below × risk type: hh_unresolved, per_1000
    lifecycle: dict  # counts and median days per stage
    calendar: pd.DataFrame  # unit below × month: new warned, identified, eliminated
    warnings: dict  # rule hits of the unit and their households (undecided, overdue, ...)
    # New warned, identified and eliminated households in days 1..D of a running as-of
    # month and the same days of the month before (with the spans); None for a full month.
    to_day: dict | None = None


def equal_spans(as_of: dt.date) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """Days 1..D of the as-of month and days 1..D of the month before (cut at its last
    day): the spans a running month is compared over."""
    start = as_of.replace(day=1)
    prev_start = (start - dt.timedelta(days=1)).replace(day=1)
    prev_end = min(prev_start + dt.timedelta(days=as_of.day - 1), start - dt.timedelta(days=1))
    return start, as_of, prev_start, prev_end


def monitoring_view(
    wh: Warehouse, scope: Scope, code: str, decided: list[str], months_back: int = 24
) -> MonitoringView:
    """Everything the risk heatmaps page shows for one unit (at the as-of month)."""
    from access import prefix_of
    from domain.indicators import is_partial_month

    plan = _RegionPlan.make(wh, scope, code, None, None, breakdowns=False)
    since = dt.date(plan.month.year - (months_back // 12), plan.month.month, 1)
    unit_prefix, parent = prefix_of(code), plan.map_parent["code"]
    as_of = plan.version.as_of
    queries = {
        **plan.queries,
        "matrix": ("risk_matrix", {"code": parent, "year": plan.year}),
        "lifecycle": ("lifecycle", {"unit_prefix": unit_prefix}),
        "calendar": ("children_months", {"code": parent, "since": since}),
        "warnings": (
            "warning_counts",
            {"unit_prefix": unit_prefix, "decided": decided, "as_of": as_of},
        ),
    }
    spans = equal_spans(as_of) if is_partial_month(plan.month, as_of) else None
    if spans:
        queries["to_day"] = (
            "flows_to_day",
            {
                "unit_prefix": unit_prefix,
                **dict(zip(("day_from", "day_to", "prev_from", "prev_to"), spans)),
            },
        )
    r = wh.run_many(scope, queries)
    to_day = None
    if spans:
        to_day = {
            **r["to_day"].iloc[0].to_dict(),
            "from": spans[0],
            "to": spans[1],
            "prev_from": spans[2],
            "prev_to": spans[3],
        }
    return MonitoringView(
        region=plan.view(r),
        matrix=r["matrix"],
        lifecycle=r["lifecycle"].iloc[0].to_dict(),
        calendar=r["calendar"],
        warnings=r["warnings"].iloc[0].to_dict(),
        to_day=to_day,
    )


def risk_households(wh: Warehouse, scope: Scope, code: str, risk_type: int) -> pd.DataFrame:
    """The households behind one cell of the risk matrix."""
    from access import prefix_of

    raise_for_region(scope, code)
    return wh.run("risk_households", scope, unit_prefix=prefix_of(code), risk_type=int(risk_type))


def warning_queue(
    wh: Warehouse, scope: Scope, code: str, rule: str, decided: list[str], limit: int = 300
) -> pd.DataFrame:
    """The oldest undecided warnings of a unit."""
    from access import prefix_of

    raise_for_region(scope, code)
    return wh.run(
        "warning_queue",
        scope,
        unit_prefix=prefix_of(code),
        rule=rule or "",
        decided=decided,
        as_of=data_version(wh).as_of,
        limit=limit,
    )


def warning_by_key(wh: Warehouse, scope: Scope, key: str) -> dict | None:
    """One warning of the scope by its key (rule:household:date), undecided or not."""
    try:
        rule, household, day = str(key).split(":")
        household_id, warned_on = int(household), dt.date.fromisoformat(day)
    except ValueError:
        return None
    df = wh.run("warning_get", scope, rule_id=rule, household_id=household_id, warned_on=warned_on)
    return df.iloc[0].to_dict() if len(df) else None


def household_numbers(wh: Warehouse, scope: Scope, household_ids) -> dict[int, str]:
    """household_id -> household number (户编号) of the households of the scope named."""
    ids = sorted({int(h) for h in household_ids})
    if not ids:
        return {}
    df = wh.run("household_numbers", scope, household_ids=ids)
    return {int(h): str(n) for h, n in zip(df["household_id"], df["household_no"])}


def rule_names(wh: Warehouse, lang: str) -> dict[str, str]:
    """Rule id -> its name in ``lang`` (zh or en), for the rules in force."""
    import json

    row = wh.run("rules_in_force", None)
    key = "zh" if lang == "zh" else "en"
    return {r["id"]: r[key] for r in json.loads(row["rules"].iloc[0])} if len(row) else {}


# ------------------------------------------------------------------ the wall
@dataclass(frozen=True)
class WallView:
    region: RegionView  # the unit, its map units, trends (as on the region page)
    overview: Overview  # the same figures as the overview page's cards
    ranking: pd.DataFrame  # units most at risk (hh_unresolved_per_1000)
    ranking_level: int
    latest: pd.DataFrame  # newest warnings: where and which rule
    matrix: pd.DataFrame  # unit below × risk type (as on the heatmaps page)


def ranking_level(level: int) -> int:
    """The level a unit's wall ranks: counties under a province or city, townships
    under a county, villages under a township."""
    return min(max(level + 1, 3), 5)


def wall_view(
    wh: Warehouse, scope: Scope, code: str, ranking: int = 20, latest: int = 30
) -> WallView:
    """Everything one wall view shows for one unit, at the as-of month."""
    from access import prefix_of

    plan = _RegionPlan.make(wh, scope, code, None, None, breakdowns=False)
    level = ranking_level(int(plan.unit["level"]))
    unit_prefix = prefix_of(code)
    r = wh.run_many(
        scope,
        {
            **plan.queries,
            "matrix": ("risk_matrix", {"code": plan.map_parent["code"], "year": plan.year}),
            "ranking": (
                "wall_ranking",
                {"unit_prefix": unit_prefix, "level": level, "month": plan.month, "limit": ranking},
            ),
            "latest": ("wall_latest_warnings", {"unit_prefix": unit_prefix, "limit": latest}),
        },
    )
    view = plan.view(r)
    ov = Overview(
        view.unit, view.version, view.year, view.month, view.years, view.months, view.children
    )
    return WallView(view, ov, r["ranking"], level, r["latest"], r["matrix"])


# ------------------------------------------------------------------ briefings
class BadPeriod(ValueError):
    """A briefing period that is not a month of the data: an English message for the
    command line, and a catalog key with its parameters for the pages."""

    def __init__(self, message: str, key: str, **params) -> None:
        super().__init__(message)
        self.key, self.params = key, params


def strict_month(value, version: DataVersion) -> dt.date:
    """A period YYYY-MM that must be a month of the data (no silent fallback: a briefing
    for the wrong month is worse than none)."""
    import re

    text = str(value or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}", text) or not 1 <= int(text[5:]) <= 12:
        raise BadPeriod(
            f"malformed period {text[:20]!r} (expected YYYY-MM)",
            N_("period.malformed"),
            value=text[:20],
        )
    month = dt.date(int(text[:4]), int(text[5:]), 1)
    if not FIRST_MONTH <= month <= version.last_month:
        raise BadPeriod(
            f"no data for {text}: periods run from {FIRST_MONTH:%Y-%m} "
            f"to {version.last_month:%Y-%m}",
            N_("period.outside"),
            value=text,
            first=f"{FIRST_MONTH:%Y-%m}",
            last=f"{version.last_month:%Y-%m}",
        )
    return month


def briefing_units(wh: Warehouse, scope: Scope) -> pd.DataFrame:
    """The units a user can brief on: their own, and two levels below it (the counties
    for a province)."""
    max_level = 3 if scope.level == 1 else min(scope.level + 2, 5)
    return wh.run("units_within", scope, max_level=max_level)


@dataclass(frozen=True)
class BriefingView:
    region: RegionView  # the unit, its map units, trends and breakdowns for the period
    overview: Overview  # the same unit and period, as the overview page's charts take it
    lifecycle: dict  # monitoring objects through the procedure (as on the heatmaps page)
    ranking: pd.DataFrame  # units most at risk in the period (as on the wall)
    ranking_level: int


def briefing_view(
    wh: Warehouse, scope: Scope, code: str, month: dt.date, ranking: int = 15
) -> BriefingView:
    """Everything a briefing of one unit and month shows, from the same queries as the
    region page, the heatmaps and the wall."""
    from access import prefix_of

    plan = _RegionPlan.make(wh, scope, code, month.year, month, breakdowns=True)
    level = ranking_level(int(plan.unit["level"]))
    r = wh.run_many(
        scope,
        {
            **plan.queries,
            "lifecycle": ("lifecycle", {"unit_prefix": prefix_of(code)}),
            "ranking": (
                "wall_ranking",
                {
                    "unit_prefix": prefix_of(code),
                    "level": level,
                    "month": plan.month,
                    "limit": ranking,
                },
            ),
        },
    )
    view = plan.view(r)
    ov = Overview(
        view.unit, view.version, view.year, view.month, view.years, view.months, view.children
    )
    return BriefingView(view, ov, r["lifecycle"].iloc[0].to_dict(), r["ranking"], level)


# ------------------------------------------------------------------ cross-checks
@dataclass(frozen=True)
class CrosscheckView:
    region: RegionView  # the unit and its map units (as on the region page)
    summary: pd.DataFrame  # check_id, cases, undecided (households, per check)
    totals: dict  # households, open_households: distinct households (any check)
    children: pd.DataFrame  # code, name, undecided (distinct households), hh_registered
    cases: pd.DataFrame  # the list (undecided first)


def check_names(wh: Warehouse, lang: str) -> dict[str, str]:
    """Check id -> what a hit suggests, in ``lang``, for the checks in force."""
    import json

    row = wh.run("checks_in_force", None)
    key = "zh" if lang == "zh" else "en"
    return {c["id"]: c[key] for c in json.loads(row["checks"].iloc[0])} if len(row) else {}


def crosscheck_view(
    wh: Warehouse, scope: Scope, code: str, check: str, decided: list[str], limit: int = 500
) -> CrosscheckView:
    """Everything the cross-check page shows for one unit (one check, or all)."""
    from access import prefix_of

    plan = _RegionPlan.make(wh, scope, code, None, None, breakdowns=False)
    parent = plan.map_parent["code"]
    r = wh.run_many(
        scope,
        {
            "outline": plan.queries["outline"],
            "trail": plan.queries["trail"],
            "geometry": plan.queries["geometry"],
            "summary": ("doubt_summary", {"unit_prefix": prefix_of(code), "decided": decided}),
            "totals": (
                "doubt_totals",
                {"unit_prefix": prefix_of(code), "check": check, "decided": decided},
            ),
            "children": (
                "doubt_children",
                {"code": parent, "check": check, "decided": decided, "year": plan.year},
            ),
            "cases": (
                "doubt_list",
                {
                    "unit_prefix": prefix_of(code),
                    "check": check,
                    "decided": decided,
                    "limit": limit,
                },
            ),
        },
    )
    children = r["children"]
    view = RegionView(
        unit=plan.unit,
        version=plan.version,
        year=plan.year,
        month=plan.month,
        trail=r["trail"].to_dict("records"),
        outline=r["outline"].iloc[0].to_dict() if len(r["outline"]) else {},
        map_parent=plan.map_parent,
        children=children,
        geometry=r["geometry"],
        years=pd.DataFrame(),
        months=pd.DataFrame(),
        breakdowns=pd.DataFrame(),
    )
    return CrosscheckView(view, r["summary"], r["totals"].iloc[0].to_dict(), children, r["cases"])


def undecided_doubts(
    wh: Warehouse, scope: Scope, code: str, check: str, decided: list[str], limit: int
) -> pd.DataFrame:
    from access import prefix_of

    raise_for_region(scope, code)
    return wh.run(
        "doubt_undecided",
        scope,
        unit_prefix=prefix_of(code),
        check=check,
        decided=decided,
        limit=limit,
    )


def doubt_by_key(wh: Warehouse, scope: Scope, key: str) -> dict | None:
    df = wh.run("doubt_get", scope, doubt_key=str(key)[:80])
    return df.iloc[0].to_dict() if len(df) else None
