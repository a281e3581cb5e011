"""Every registered query, run as a county user, returns nothing from another county."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from access import Scope
from queries.runner import QUERIES, Warehouse

ZIYANG = Scope("ziyang_manager", "manager", "610924000000")
PROVINCE = Scope("province_leader", "leader", "610000000000")
# Values each parameter is tried with: the county's own units and units elsewhere.
SAMPLES: dict[str, list] = {
    "code": [
        "610924000000",
        "610924100000",
        "610924100001",
        "610000000000",
        "610900000000",
        "610902000000",
        "610700000000",
        "611026000000",
    ],
    "year": [2016, 2020, 2026],
    "month": [dt.date(2020, 12, 1), dt.date(2026, 10, 1)],
    # Households: filled from the warehouse (some in Ziyang, some elsewhere).
    "household_id": [],
    "household_ids": [],  # one list of them all
    "household_no": [""],  # and their numbers ("": by id only)
    "offset": [0],
    "limit": [100_000],
    "unit_prefix": ["610924", "610902", "6107", "61"],
    "risk_type": [1, 7],
    "level": [3, 4, 5],
    "max_level": [3, 5],
    "check": ["", "private_vehicle"],
    "until": [dt.date(2026, 10, 31)],
    "doubt_key": [],
    "since": [dt.date(2024, 10, 1)],
    # Days 1..D of a month and of the month before (flows_to_day).
    "day_from": [dt.date(2026, 10, 1)],
    "day_to": [dt.date(2026, 10, 31)],
    "prev_from": [dt.date(2026, 9, 1)],
    "prev_to": [dt.date(2026, 9, 30)],
    "decided": [[]],
    "as_of": [dt.date(2026, 10, 31)],
    "rule": ["", "medical_costs"],
    # A warning in Ziyang and one elsewhere: filled from the warehouse.
    "rule_id": [],
    "warned_on": [],
    # Pairings: a cadre and an assisting unit with households in Ziyang and elsewhere.
    "max_households": [0, 10],
    # A change request's member (services/changes.py): any member of the household.
    "person_id": [None],
    "id_number": [None],
    "cadre_id": [],
    "unit_id": [],
}
# Queries whose rows in the county depend on the data: every alert of the county may be
# handled (checked, included or not) in the tiny warehouse.
MAY_BE_EMPTY_IN_COUNTY = {"warning_queue"}
# Queries that may return nothing anywhere in a generated warehouse: the generator pairs
# every household that needs a cadre (tests/queries/test_pairings.py makes some unpaired).
MAY_BE_EMPTY_EVERYWHERE = {"unpaired_households"}
# The units a list is asked for; the list's own parameters come from queries/households.py.
LIST_UNITS = ["610924000000", "610924100000", "610902000000", "610700000000", "610000000000"]
LIST_PRESETS = ["all", "registered", "not_exited", "monitored", "unresolved", "below_line"]


@pytest.fixture(scope="module", autouse=True)
def household_samples(wh_con):
    ids = [
        r[0]
        for r in wh_con.execute("""
        (select household_id from household where county_code = '610924000000'
         and monitor_type is not null order by household_id limit 2)
        union all
        (select household_id from household where county_code != '610924000000'
         and monitor_type is not null order by household_id limit 3)""").fetchall()
    ]
    SAMPLES["household_id"] = ids
    for where in ("starts_with(village_code, '610924')", "not starts_with(village_code, '610924')"):
        rule, household, day = wh_con.execute(
            f"select rule_id, household_id, warned_on from warning where {where} "
            "order by warning_id limit 1"
        ).fetchone()
        SAMPLES["rule_id"].append(rule)
        SAMPLES["doubt_key"].append(
            wh_con.execute(
                f"select doubt_key from doubt where {where} order by doubt_key limit 1"
            ).fetchone()[0]
        )
        SAMPLES["warned_on"].append(day)
        SAMPLES["household_id"].append(household)
    SAMPLES["household_ids"] = [list(SAMPLES["household_id"])]
    for where in (
        "starts_with(h.village_code, '610924')",
        "not starts_with(h.village_code, '6109')",
    ):
        cadre, unit = wh_con.execute(
            "select p.cadre_id, c.unit_id from pairing p join household h using (household_id) "
            f"join cadre c on c.cadre_id = p.cadre_id where p.end_date is null and {where} "
            "order by p.cadre_id limit 1"
        ).fetchone()
        SAMPLES["cadre_id"].append(int(cadre))
        SAMPLES["unit_id"].append(int(unit))
    SAMPLES["household_no"] = [""] + [
        r[0]
        for r in wh_con.execute(
            "select household_no from household where list_contains(?, household_id) "
            "order by household_id",
            [SAMPLES["household_id"]],
        ).fetchall()
    ]
    global HOUSEHOLD_VILLAGE
    HOUSEHOLD_VILLAGE = dict(
        wh_con.execute("select household_id, village_code from household").fetchall()
    )


HOUSEHOLD_VILLAGE: dict[int, str] = {}


def _combinations(params: frozenset[str]) -> list[dict]:
    combos: list[dict] = [{}]
    for p in sorted(params):
        combos = [{**c, p: v} for c in combos for v in SAMPLES[p]]
    return combos


def _calls(query) -> list[tuple[dict | None, dict]]:
    """(fragments, params) to try a query with: lists through their builder."""
    if not query.slots:
        return [(None, c) for c in _combinations(query.user_params)]
    from queries import households as hl

    out = []
    for unit in LIST_UNITS:
        for preset in LIST_PRESETS:
            q = hl.build(
                unit,
                preset,
                2018,
                dt.date(2026, 10, 1),
                {"members": {"filterType": "number", "type": "greaterThan", "filter": 1}},
                [{"colId": "members", "sort": "desc"}],
            )
            frags = {k: v for k, v in q.fragments().items() if k in query.slots}
            extra = {"offset": 0, "limit": 100_000} if "order" in query.slots else {}
            out.append((frags, {**q.values(), **extra}))
    return out


@pytest.fixture(scope="module")
def wh(warehouse_path, tmp_path_factory):
    return Warehouse(warehouse_path, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def wh_con(warehouse_path):
    import duckdb

    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()


def _codes(df: pd.DataFrame) -> set[str]:
    """The units a result's rows belong to: every code column but the references up the
    tree (``parent_code``, ``city_code``, ``path``), which name ancestors by their public
    codes."""
    out: set[str] = set()
    for col in df.columns:
        if col.endswith("code") and col not in ("parent_code", "city_code", "province_code"):
            out.update(str(v) for v in df[col].dropna())
    if "household_id" in df.columns:  # a household belongs to its village
        out.update(HOUSEHOLD_VILLAGE[int(h)] for h in df["household_id"].dropna())
    return out


def test_every_parameter_has_samples():
    needed = {p for q in QUERIES.values() if not q.slots for p in q.user_params}
    assert needed <= set(SAMPLES), needed - set(SAMPLES)


@pytest.mark.parametrize("name", sorted(n for n, q in QUERIES.items() if not q.public))
def test_no_rows_outside_the_county(wh, name):
    query = QUERIES[name]
    seen_rows = 0
    for fragments, params in _calls(query):
        df = wh.run(name, ZIYANG, fragments=fragments, **params)
        codes = _codes(df)
        assert all(c.startswith("610924") for c in codes), (name, params, codes)
        seen_rows += len(df)
    if name in MAY_BE_EMPTY_IN_COUNTY and seen_rows == 0:
        # Nothing of the county to show in this warehouse: the query is still exercised,
        # on the province.
        seen_rows = sum(len(wh.run(name, PROVINCE, fragments=f, **p)) for f, p in _calls(query))
    if name in MAY_BE_EMPTY_EVERYWHERE:
        return
    assert seen_rows > 0, f"{name} returned nothing even inside the county"


@pytest.mark.parametrize("name", sorted(n for n, q in QUERIES.items() if not q.public))
def test_deny_by_default(wh, name):
    fragments, params = _calls(QUERIES[name])[0]
    assert wh.run(name, None, fragments=fragments, **params).empty


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
