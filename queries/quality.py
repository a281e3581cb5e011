"""What the data-quality page (and its CSV export) asks the warehouse for: the checks in
force, a unit's issues by check, the units below and a league of units, and the rows
behind each count, with ID and phone numbers masked. Every function goes through the
gate first; the SQL (queries/sql/quality.sql) applies the scope again."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from access import Scope, prefix_of, raise_for_region
from queries import api
from queries.privacy import mask_id, mask_phone
from queries.runner import Warehouse

LIST_LIMIT = 500  # rows on the page; the CSV has them all (up to EXPORT_CAP)
EXPORT_CAP = 100_000
LEAGUE_LIMIT = 200


@dataclass(frozen=True)
class QualityView:
    region: api.RegionView  # the unit, its trail and the map's units (geometry, values)
    check: str  # the check shown ('' for all)
    checks: pd.DataFrame  # the checks in force, with the unit's issues and per 1,000
    totals: dict  # the unit's all-checks row: households, issues, households_flagged
    by_child: pd.DataFrame  # the map's units × checks: code, check_id, issues
    league: pd.DataFrame  # units of league_level, most issues per 1,000 first
    league_level: int
    issues: pd.DataFrame  # the first LIST_LIMIT rows behind the count, masked


def checks(wh: Warehouse) -> pd.DataFrame:
    """The checks the warehouse was evaluated with (empty when it never was)."""
    return wh.run("quality_checks", None)


def check_or_all(wh: Warehouse, check) -> str:
    """A check id of the checks in force, or '' (all) for anything else."""
    df = checks(wh)
    ids = set(df["id"]) if len(df) else set()
    return check if isinstance(check, str) and check in ids else ""


def _masked(df: pd.DataFrame) -> pd.DataFrame:
    """The runner masked the numbers before caching them; masking again keeps them and
    shows a missing ID number as an empty cell."""
    df = df.copy()
    df["id_number"] = df["id_number"].map(lambda v: "" if mask_id(v) == "—" else mask_id(v))
    df["phone"] = df["phone"].map(mask_phone)
    return df


def _queries(plan, code: str, check: str, level: int) -> dict:
    """The page's queries: the map's outline, trail and geometry (the plan's), the unit's
    issues by check, the units below (all checks and by check), the league and the rows."""
    parent = plan.map_parent["code"]
    return {
        "outline": plan.queries["outline"],
        "trail": plan.queries["trail"],
        "geometry": plan.queries["geometry"],
        "unit": ("quality_unit", {"code": code}),
        "children": ("quality_children", {"code": parent, "check": check}),
        "by_child": ("quality_children_checks", {"code": parent}),
        "league": (
            "quality_league",
            {
                "unit_prefix": prefix_of(parent),
                "level": level,
                "check": check,
                "limit": LEAGUE_LIMIT,
            },
        ),
        "issues": (
            "quality_issues",
            {"unit_prefix": prefix_of(code), "check": check, "limit": LIST_LIMIT},
        ),
    }


def _with_counts(every: pd.DataFrame, unit: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The checks in force with the unit's issues, households flagged and issues per
    1,000 households (None for a check that could not be evaluated), and the unit's
    all-checks row."""
    by_check = unit[unit["check_id"] != ""].set_index("check_id")
    every = every.assign(
        issues=[
            int(by_check["issues"].get(c, 0)) if e else None
            for c, e in zip(every["id"], every["evaluable"])
        ],
        households_flagged=[
            int(by_check["households_flagged"].get(c, 0)) if e else None
            for c, e in zip(every["id"], every["evaluable"])
        ],
    )
    total = unit[unit["check_id"] == ""]
    totals = (
        total.iloc[0].to_dict()
        if len(total)
        else {"households": 0, "issues": 0, "households_flagged": 0, "per_1000": None}
    )
    households = int(totals["households"] or 0)
    every["per_1000"] = [
        None if v is None or not households else 1000.0 * v / households for v in every["issues"]
    ]
    return every, totals


def _region_view(plan, r: dict) -> api.RegionView:
    """The unit, its trail and the map's units, as a region view without the region
    page's series."""
    return api.RegionView(
        unit=plan.unit,
        version=plan.version,
        year=plan.year,
        month=plan.month,
        trail=r["trail"].to_dict("records"),
        outline=r["outline"].iloc[0].to_dict() if len(r["outline"]) else {},
        map_parent=plan.map_parent,
        children=r["children"],
        geometry=r["geometry"],
        years=pd.DataFrame(),
        months=pd.DataFrame(),
        breakdowns=pd.DataFrame(),
    )


def quality_view(wh: Warehouse, scope: Scope, code: str, check: str) -> QualityView:
    """Everything /quality/<code> shows for one unit and check ('' for all)."""
    plan = api._RegionPlan.make(wh, scope, code, None, None, breakdowns=False)  # the gate
    check = check_or_all(wh, check)
    # The league ranks the units the map shows (a village's: its township's villages).
    level = api.ranking_level(int(plan.map_parent["level"]))
    r = wh.run_many(scope, _queries(plan, code, check, level))
    every, totals = _with_counts(checks(wh), r["unit"])
    return QualityView(
        _region_view(plan, r),
        check,
        every,
        totals,
        r["by_child"],
        r["league"],
        level,
        _masked(r["issues"]),
    )


def issue_rows(
    wh: Warehouse, scope: Scope, code: str, check: str, limit: int = EXPORT_CAP
) -> pd.DataFrame:
    """The rows behind a unit's count (for the CSV), masked."""
    raise_for_region(scope, code)
    api.region(wh, scope, code)  # RegionNotFound for a code that names no unit
    df = wh.run(
        "quality_issues",
        scope,
        unit_prefix=prefix_of(code),
        check=check_or_all(wh, check),
        limit=max(1, min(int(limit), EXPORT_CAP)),
    )
    return _masked(df)


def issue_count(wh: Warehouse, scope: Scope, code: str, check: str) -> int:
    """How many rows stand behind a unit's count for one check ('' for all)."""
    api.region(wh, scope, code)  # the gate (AccessDenied, RegionNotFound)
    df = wh.run("quality_unit", scope, code=code)
    row = df[df["check_id"] == check_or_all(wh, check)]
    return int(row["issues"].iloc[0]) if len(row) else 0


def unit_counts(wh: Warehouse, scope: Scope, code: str) -> tuple[dict, pd.DataFrame]:
    """A unit's name and the checks in force with its issues (for the chart's PNG)."""
    unit = api.region(wh, scope, code)  # the gate
    df = wh.run("quality_unit", scope, code=code)
    counts = dict(zip(df["check_id"], df["issues"]))
    every = checks(wh)
    every = every.assign(
        issues=[
            int(counts.get(c, 0)) if e else None for c, e in zip(every["id"], every["evaluable"])
        ]
    )
    return unit, every
