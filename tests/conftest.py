"""Shared fixtures: tiny deterministic warehouses built once per session."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl import warehouse

AS_OF = date(2026, 10, 31)
TINY_SCALE = 0.01


def build_warehouse(path: Path, scale: float = TINY_SCALE, seed: int = 42) -> Path:
    warehouse.build(path, scale=scale, seed=seed, as_of=AS_OF, progress=False)
    return path


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory) -> Path:
    """The tiny warehouse (scale 0.01, seed 42) most tests read."""
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def wh(warehouse_path):
    """A read-only connection to the tiny warehouse."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()
