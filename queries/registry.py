"""What /admin/registry asks the warehouse for: the registry delivery it holds (data
version, day, source, kind), the last load's rows per file, and the rows that load
reported (masked in SQL, queries/sql/registry.sql). The callers are behind the province
administrator's gate (web/registry.py); these tables belong to no region."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from queries.runner import Warehouse

COUNTS = ("accepted", "rejected", "added", "changed", "removed")


@dataclass(frozen=True)
class Current:
    version: str
    as_of: object  # a date
    built_at: object  # a UTC time
    source: str
    kind: str  # "full" or "increment" ("" for a warehouse from before the layout)
    rejected: int | None
    files: pd.DataFrame  # file, accepted, rejected, added, changed, removed


def current(wh: Warehouse) -> Current:
    """The registry the warehouse holds and its last load's summary (WarehouseUnavailable
    when there is no warehouse)."""
    try:
        v = wh.run("registry_version", None).iloc[0].to_dict()
    except duckdb.Error:  # a warehouse built before the registry layout
        base = wh.version
        v = {**base, "source": "", "kind": "", "rejected": None}
    try:
        files = wh.run("registry_load_summary", None)
    except duckdb.Error:
        files = pd.DataFrame(columns=["file", *COUNTS])
    rejected = v.get("rejected")
    return Current(
        str(v["version"]),
        pd.Timestamp(v["as_of"]).date(),
        v.get("built_at"),
        str(v.get("source") or ""),
        str(v.get("kind") or ""),
        None if rejected is None or pd.isna(rejected) else int(rejected),
        files,
    )


def rejected(wh: Warehouse) -> pd.DataFrame | None:
    """The rows the last load reported, in report order, ID and phone numbers masked;
    None when the warehouse keeps none (one from before the registry layout)."""
    try:
        return wh.run("registry_rejected", None)
    except duckdb.Error:
        return None
