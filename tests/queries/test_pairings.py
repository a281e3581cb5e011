"""Pairings (queries/sql/pairings.sql, queries/pairings.py, /pairings) on hand-made data:
a copy of the tiny warehouse where some households lose their cadre and one cadre takes
many, then every figure is checked against the rows and within the scope."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from access import AccessDenied, Scope
from queries import pairings as P
from queries.runner import Warehouse


@pytest.fixture(scope="module")
def made(warehouse_path, tmp_path_factory):
    """In one township: the current pairings of three households that need a cadre ended;
    one cadre given ten more of its households."""
    path = tmp_path_factory.mktemp("pair") / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, path)
    con = duckdb.connect(str(path))
    township = con.execute(
        "select h.township_code from household h left join monitoring m using (household_id) "
        "where h.is_registered or m.state = 2 group by 1 order by count(*) desc limit 1"
    ).fetchone()[0]
    needing = [
        r[0]
        for r in con.execute(
            "select h.household_id from household h left join monitoring m using (household_id) "
            "where h.township_code = ? and (h.is_registered or m.state = 2) order by 1",
            [township],
        ).fetchall()
    ]
    lost, extra = needing[:3], needing[3:13]
    con.execute(
        "update pairing set end_date = date '2026-09-30' "
        "where end_date is null and list_contains(?, household_id)",
        [lost],
    )
    (cadre,) = con.execute(
        "select p.cadre_id from pairing p join household h using (household_id) "
        "where p.end_date is null and h.township_code = ? order by 1 limit 1",
        [township],
    ).fetchone()
    con.execute(
        "update pairing set cadre_id = ? where end_date is null and list_contains(?, household_id)",
        [cadre, extra],
    )
    con.close()
    return {"path": path, "township": township, "lost": lost, "cadre": cadre}


@pytest.fixture(scope="module")
def wh(made, tmp_path_factory):
    return Warehouse(made["path"], tmp_path_factory.mktemp("cache"))


def _direct(path, sql, *params):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_a_townships_pairings_given_expect(made, wh):
    code = made["township"][:9] + "000"
    scope = Scope("t", "cadre", code)
    (load,) = _direct(
        made["path"],
        "select count(*) from pairing p join household h using (household_id) "
        "where p.end_date is null and p.cadre_id = ? and h.township_code = ?",
        made["cadre"],
        made["township"],
    )[0]
    assert load >= 8
    v = P.unit_view(wh, scope, code, load - 1)
    (needing,) = _direct(
        made["path"],
        "select count(*) from household h left join monitoring m using (household_id) "
        "where h.township_code = ? and (h.is_registered or m.state = 2)",
        made["township"],
    )[0]
    assert v.summary["needing"] == needing
    assert v.summary["unpaired"] == 3
    assert sorted(v.unpaired["household_id"]) == sorted(made["lost"])
    assert list(v.overloaded["cadre_id"]) == [made["cadre"]]
    assert int(v.overloaded["households"].iloc[0]) == load == v.summary["most"]
    assert v.summary["overloaded"] == 1
    assert int(v.assisting["households"].sum()) >= needing - 3
    teams = _direct(
        made["path"],
        "select village_code, team_unit_id, first_secretary_id from village "
        "where starts_with(village_code, ?) order by 1",
        code[:9],
    )
    got = v.teams[["village_code", "unit_id", "secretary_id"]].astype(object)
    got = got.where(got.notna(), None).values.tolist()
    assert [
        tuple(None if x is None else (str(x) if i == 0 else int(x)) for i, x in enumerate(r))
        for r in got
    ] == teams
    many = P.unit_view(wh, scope, code, 1000)
    assert (many.summary["overloaded"], len(many.overloaded)) == (0, 0)


def test_outside_the_scope_nothing(made, wh):
    code = made["township"][:9] + "000"
    elsewhere = Scope(
        "o", "manager", "610700000000" if not code.startswith("6107") else "610900000000"
    )
    with pytest.raises(AccessDenied):
        P.unit_view(wh, elsewhere, code, 5)
    assert P.cadre_households(wh, elsewhere, made["cadre"]).empty
    assert P.cadre_households(wh, None, made["cadre"]).empty
    assert P.cadre_households(wh, Scope("t", "cadre", code), "x; drop table pairing").empty
    mine = P.cadre_households(wh, Scope("t", "cadre", code), made["cadre"])
    assert len(mine) >= 5 and all(v.startswith(code[:9]) for v in mine["village_code"])
    unit = int(mine["unit_id"].iloc[0])
    cadres = P.unit_cadres(wh, Scope("t", "cadre", code), unit)
    assert made["cadre"] in set(cadres["cadre_id"])
    assert (
        P.unit_cadres(wh, elsewhere, unit)["village_code"]
        .map(lambda v: v.startswith(elsewhere.region_code[:4]))
        .all()
    )


def test_the_page(server):
    from pages import pairings
    from tests.web.test_overview import _props, _text, logged_in

    with logged_in(server, "ziyang_manager"):
        page = pairings.layout()
        far = pairings.layout(unit="610700000000")
    props = list(_props(json.loads(_text(page))))
    ids = {p.get("id") for p in props}
    assert {
        "pair-summary",
        "pair-unpaired",
        "pair-overloaded",
        "pair-assisting",
        "pair-teams",
    } <= ids
    assert "紫阳县 结对帮扶" in _text(page)
    assert "pair-summary" not in _text(far)  # refused, not shown
