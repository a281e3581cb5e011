"""The query runner: named queries, the scope rule, reloading a rebuilt warehouse."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from access import Scope, level_of, prefix_of
from queries.runner import Warehouse, WarehouseUnavailable, parse
from tests.conftest import build_warehouse

PROVINCE = Scope("p", "leader", "610000000000")


def test_parse():
    qs = parse(
        "-- name: a\n-- One thing.\nselect 1 where starts_with(x, $_scope_prefix) "
        "and y = $code;\n\n-- name: b\n-- Another.\n-- scope: public\nselect 2;\n",
        "t.sql",
    )
    assert [(q.name, q.description, q.public, sorted(q.user_params)) for q in qs] == [
        ("a", "One thing.", False, ["code"]),
        ("b", "Another.", True, []),
    ]


def test_a_query_without_the_scope_is_refused():
    with pytest.raises(ValueError, match="does not use \\$_scope_prefix"):
        parse("-- name: leaky\n-- Everything.\nselect * from household;\n", "t.sql")


@pytest.mark.parametrize(
    "code,level,prefix",
    [
        ("610000000000", 1, "61"),
        ("610700000000", 2, "6107"),
        ("610924000000", 3, "610924"),
        ("610924100000", 4, "610924100"),
        ("610924100001", 5, "610924100001"),
    ],
)
def test_levels_and_prefixes(code, level, prefix):
    assert (level_of(code), prefix_of(code)) == (level, prefix)


def test_missing_warehouse(tmp_path):
    wh = Warehouse(tmp_path / "none.duckdb")
    assert not wh.available()
    with pytest.raises(WarehouseUnavailable):
        wh.run("region_get", PROVINCE, code="610000000000")


def test_switches_to_a_rebuilt_warehouse_without_failing(warehouse_path, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_path, path)
    wh = Warehouse(path, tmp_path / "cache", reload_seconds=0.1)
    before = wh.version["version"]
    households = wh.run("unit_years", PROVINCE, code="610000000000")["hh_registered"].iloc[-1]
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    registered = con.execute("select count(*) from household where is_registered").fetchall()
    con.close()
    assert households == registered[0][0] > 0  # not a round number since issue #16
    # Queries keep running in another thread while the file is replaced under them.
    errors, stop = [], threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                wh.run("unit_years", PROVINCE, code="610000000000")
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        new = build_warehouse(tmp_path / "new.duckdb", scale=0.002, seed=5)
        os.replace(new, path)
        deadline = time.monotonic() + 60
        while wh.version["version"] == before and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join()
    assert errors == []
    assert wh.version["version"] != before
    after = wh.run("unit_years", PROVINCE, code="610000000000")["hh_registered"].iloc[-1]
    con = duckdb.connect(str(path), read_only=True)
    rebuilt = con.execute("select count(*) from household where is_registered").fetchall()
    con.close()
    assert after == rebuilt[0][0] and after != households  # the new build's figure


def test_run_many_gives_what_run_gives_and_keeps_the_rules(warehouse_path, tmp_path):
    wh = Warehouse(warehouse_path)
    asked = {
        "years": ("unit_years", {"code": "610900000000"}),
        "children": ("children_geometry", {"code": "610900000000"}),
        "trail": ("region_ancestors", {"code": "610924000000"}),
    }
    together = wh.run_many(PROVINCE, asked)
    assert set(together) == set(asked)
    for key, (name, params) in asked.items():
        assert together[key].equals(wh.run(name, PROVINCE, **params))
    # The scope still decides: a county user sees only its own county of the city.
    ziyang = Scope("z", "manager", "610924000000")
    assert list(wh.run_many(ziyang, asked)["children"]["code"]) == ["610924000000"]
    assert wh.run_many(None, asked)["years"].empty  # deny by default
    # A query the runner refuses fails the whole call, as run() would.
    with pytest.raises(ValueError, match="takes"):
        wh.run_many(PROVINCE, {**asked, "bad": ("unit_years", {"code": "x", "year": 1})})
