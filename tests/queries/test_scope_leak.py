"""Every registered query, run as a county user, returns nothing from another county."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from queries.runner import QUERIES, Warehouse
from queries.scope import Scope

ZIYANG = Scope("ziyang_manager", "manager", "610924000000")
PROVINCE = Scope("province_leader", "leader", "610000000000")
# Values each parameter is tried with: the county's own units and units elsewhere.
SAMPLES: dict[str, list] = {
    "code": ["610924000000", "610924100000", "610924100001", "610000000000", "610900000000",
             "610902000000", "610700000000", "611026000000"],
    "year": [2016, 2020, 2026],
    "month": [dt.date(2020, 12, 1), dt.date(2026, 10, 1)],
}


def _combinations(params: frozenset[str]) -> list[dict]:
    combos: list[dict] = [{}]
    for p in sorted(params):
        combos = [{**c, p: v} for c in combos for v in SAMPLES[p]]
    return combos


@pytest.fixture(scope="module")
def wh(warehouse_path, tmp_path_factory):
    return Warehouse(warehouse_path, tmp_path_factory.mktemp("cache"))


def _codes(df: pd.DataFrame) -> set[str]:
    """The units a result's rows belong to: every code column but the references up the
    tree (``parent_code``, ``path``), which name ancestors by their public codes."""
    out: set[str] = set()
    for col in df.columns:
        if col.endswith("code") and col != "parent_code":
            out.update(str(v) for v in df[col].dropna())
    return out


def test_every_parameter_has_samples():
    needed = {p for q in QUERIES.values() for p in q.user_params}
    assert needed <= set(SAMPLES), needed - set(SAMPLES)


@pytest.mark.parametrize("name", sorted(n for n, q in QUERIES.items() if not q.public))
def test_no_rows_outside_the_county(wh, name):
    query = QUERIES[name]
    seen_rows = 0
    for params in _combinations(query.user_params):
        df = wh.run(name, ZIYANG, **params)
        codes = _codes(df)
        assert all(c.startswith("610924") for c in codes), (name, params, codes)
        seen_rows += len(df)
    assert seen_rows > 0, f"{name} returned nothing even inside the county"


@pytest.mark.parametrize("name", sorted(n for n, q in QUERIES.items() if not q.public))
def test_deny_by_default(wh, name):
    params = _combinations(QUERIES[name].user_params)[0]
    assert wh.run(name, None, **params).empty


def test_cache_is_keyed_by_scope(wh):
    """The province's cached answer is never served to the county (Superset PR #18924)."""
    province = wh.run("region_children", PROVINCE, code="610900000000")
    county = wh.run("region_children", ZIYANG, code="610900000000")
    assert len(province) == 10
    # Of Ankang's counties, the county user sees only itself.
    assert list(county["code"]) == ["610924000000"]


def test_parameters_are_checked(wh):
    with pytest.raises(ValueError, match="filled by the server"):
        wh.run("region_get", ZIYANG, code="610924000000", _scope_prefix="61")
    with pytest.raises(ValueError, match="takes"):
        wh.run("region_get", ZIYANG, code="610924000000", year=2020)
    with pytest.raises(ValueError, match="takes"):
        wh.run("region_get", ZIYANG)
