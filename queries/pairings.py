"""Pairings (结对帮扶) for pages: a unit's households without a cadre, its overloaded
cadres and assisting units (queries/sql/pairings.sql), one cadre's households and one
assisting unit's cadres, all within the scope."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from access import Scope, prefix_of, raise_for_region
from queries.runner import Warehouse

MAX_ID = 2**31


@dataclass(frozen=True)
class PairingView:
    code: str
    max_households: int
    summary: dict  # needing, unpaired, cadres, overloaded, most
    unpaired: pd.DataFrame
    overloaded: pd.DataFrame
    assisting: pd.DataFrame
    teams: pd.DataFrame  # the villages' work teams and first secretaries


def unit_view(wh: Warehouse, scope: Scope, code: str, max_households: int) -> PairingView:
    """The pairings of a unit within the scope (AccessDenied / RegionNotFound for any
    other)."""
    raise_for_region(scope, code)
    unit, most = {"unit_prefix": prefix_of(code)}, {"max_households": int(max_households)}
    r = wh.run_many(
        scope,
        {
            "summary": ("pairing_summary", unit | most),
            "unpaired": ("unpaired_households", unit),
            "overloaded": ("overloaded_cadres", unit | most),
            "assisting": ("assisting_units", unit),
            "teams": ("village_teams", unit),
        },
    )
    row = r["summary"].iloc[0].to_dict() if len(r["summary"]) else {}
    summary = {k: int(row.get(k) or 0) for k in ("needing", "unpaired", "cadres", "overloaded")}
    summary["most"] = int(row.get("most") or 0)
    return PairingView(
        code,
        int(max_households),
        summary,
        r["unpaired"],
        r["overloaded"],
        r["assisting"],
        r["teams"],
    )


def _id(value) -> int | None:
    try:
        n = int(str(value))
    except ValueError:
        return None
    return n if 0 < n < MAX_ID else None


def cadre_households(wh: Warehouse, scope: Scope, cadre_id) -> pd.DataFrame:
    """A cadre's current households within the scope (empty for a cadre with none there,
    as for none)."""
    cid = _id(cadre_id)
    if cid is None or scope is None:
        return pd.DataFrame()
    return wh.run("cadre_households", scope, cadre_id=cid)


def unit_cadres(wh: Warehouse, scope: Scope, unit_id) -> pd.DataFrame:
    """An assisting unit's cadres with households within the scope."""
    uid = _id(unit_id)
    if uid is None or scope is None:
        return pd.DataFrame()
    return wh.run("unit_cadres", scope, unit_id=uid)
