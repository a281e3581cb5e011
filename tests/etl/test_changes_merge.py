"""Approved change requests applied over the registry (etl/changes.py): given the
hand-made base delivery of tests/etl/test_registry.py and a request of every kind, the
warehouse holds the new values and their derived columns, keeps the registry's value,
refuses a request the registry has moved past, and applies each request once — on a
copy of the warehouse (the refresh) and again over a fresh delivery (a registry load)."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from domain.changes import AMOUNTS as D_AMOUNTS
from etl import changes as E
from etl import registry
from etl import warehouse as W
from tests.etl.test_registry import M1, M2, _cached_reference, base, deliver, idn, income

NEW = idn("2026-03-01", 71)  # a boy born in H003 this year


def request(id_, no, kind, values, original, person_key=""):
    return {
        "id": id_,
        "household_no": no,
        "kind": kind,
        "person_key": person_key,
        "values": values,
        "original": original,
    }


REQUESTS = [
    request(1, "H001", "phone", {"phone": "13900139000"}, {"phone": "13800138000"}),
    request(2, "H003", "conditions", {"housing_grade": "D"}, {"housing_grade": "B"}),
    request(3, "H001", "member", {"labour": "4"}, {"labour": "1"}, M1),
    request(
        4,
        "H001",
        "member_left",
        {"left_date": "2026-09-30", "left_reason": "2"},
        {"left_date": None, "left_reason": None},
        M2,
    ),
    request(
        5,
        "H003",
        "member_new",
        {
            "name": "赵宝",
            "id_number": NEW,
            "relation": "40",
            "join_reason": "2",
            "joined_date": "2026-03-01",
        },
        {},
        NEW,
    ),
    request(
        6,
        "H001",
        "income",
        {
            "year": "2026",
            "wages": "30000",
            "business": "0",
            "property": "0",
            "transfers": "2000",
            "production_costs": "0",
        },
        {"wages": "20000", "business": "3000", "property": "0", "transfers": "1000"}
        | {"production_costs": "1000"},
    ),
    # The registry holds no phone for H002, not the one the request saw: it moved on.
    request(7, "H002", "phone", {"phone": "13700137000"}, {"phone": "15000150000"}),
    request(8, "H999", "phone", {"phone": "13700137000"}, {"phone": None}),  # not held
    # H004 has no income row of 2026: the declaration adds one.
    request(
        9,
        "H004",
        "income",
        {"year": "2026", "wages": "8000", "business": "0", "property": "0"}
        | {"transfers": "500", "production_costs": "500"},
        {k: None for k in ("wages", "business", "property", "transfers", "production_costs")},
    ),
]
OUTCOMES = {
    1: "applied",
    2: "applied",
    3: "applied",
    4: "applied",
    5: "applied",
    6: "applied",
    7: "superseded:registry",
    8: "superseded:missing",
    9: "applied",
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The base delivery loaded twice: as it is, and with the requests applied."""
    root = tmp_path_factory.mktemp("changes")
    d = deliver(root / "delivery", base())
    plain, changed = root / "plain" / "wh.duckdb", root / "changed" / "wh.duckdb"
    plain.parent.mkdir()
    changed.parent.mkdir()
    with _cached_reference():
        registry.load(d, plain)
        registry.load(d, changed, changes=REQUESTS)
    return plain, changed


def rows(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def household(path, no):
    return rows(
        path,
        "select phone, housing_grade, members, no_labour, per_capita_income from household "
        "where household_no = ?",
        [no],
    )[0]


def test_a_registry_load_applies_every_kind_of_request(loaded):
    plain, changed = loaded
    assert household(plain, "H001") == ("13800138000", None, 2, False, 11500)
    assert E.outcomes(changed) == OUTCOMES
    # phone and income (30000 + 2000 over the income row's 2 members); the spouse left
    # and the head lost his labour: nobody can work.
    assert household(changed, "H001") == ("13900139000", None, 1, True, 16000)
    assert household(changed, "H003")[1:3] == ("D", 3)
    assert rows(changed, "select count(*) from household_list where members = 3") == [(1,)]
    people = rows(
        changed,
        "select p.name, p.labour, p.left_date, p.left_reason, p.age, p.sex, p.birth_date, "
        "p.relation from person p join household h using (household_id) "
        "where h.household_no in ('H001', 'H003') order by p.person_id",
    )
    assert people == [
        ("张三", 4, None, None, 56, 1, dt.date(1970, 3, 5), "01"),
        ("王芳", 3, dt.date(2026, 9, 30), 2, 54, 2, dt.date(1972, 6, 10), "10"),
        ("赵六", 1, None, None, 67, 1, dt.date(1958, 11, 11), "01"),
        ("赵小", 5, None, None, 16, 2, dt.date(2010, 9, 1), "30"),
        ("赵宝", None, None, None, 0, 1, dt.date(2026, 3, 1), "40"),
    ]
    incomes = rows(
        changed,
        "select h.household_no, i.members, i.wages, i.net_income, i.per_capita from income i "
        "join household h using (household_id) where i.year = 2026 order by 1",
    )
    assert incomes == [("H001", 2, 30000, 32000, 16000), ("H003", 2, 20000, 23000, 11500)] + [
        ("H004", 1, 8000, 8000, 8000)
    ]


def test_the_registry_value_is_kept_beside_the_new_one(loaded):
    _, changed = loaded
    kept = rows(
        changed,
        "select change_id, field, registry_value, value, outcome from platform_changes "
        "where change_id in (1, 2, 7) order by 1, 2",
    )
    assert kept == [
        (1, "phone", "13800138000", "13900139000", "applied"),
        (2, "housing_grade", "B", "D", "applied"),
        (7, "phone", None, "13700137000", "superseded:registry"),
    ]
    assert rows(changed, "select phone from household where household_no = 'H002'") == [(None,)]


def test_a_refresh_applies_only_what_it_has_not_seen(loaded, tmp_path):
    """On a copy (the refresh): the requests applied already are not applied twice, a
    new one is; the rollups count it."""
    _, changed = loaded
    path = tmp_path / "wh.duckdb"
    shutil.copyfile(changed, path)
    before = rows(path, "select count(*) from platform_changes")[0][0]
    more = [
        *REQUESTS,
        request(10, "H002", "conditions", {"road_access": "false"}, {"road_access": "true"}),
    ]
    W.refresh_cases(path, [], more)
    assert E.outcomes(path) == {**OUTCOMES, 10: "applied"}
    assert rows(path, "select count(*) from platform_changes")[0][0] == before + 1
    assert rows(path, "select road_access from household where household_no = 'H002'") == [(False,)]
    assert household(path, "H001") == ("13900139000", None, 1, True, 16000)  # once


def test_a_delivery_that_holds_the_new_value_keeps_the_request_applied(tmp_path):
    """The national system took the change up: the next delivery holds the new phone, and
    the request stays applied (the registry's value is the new one)."""
    tables = base()
    tables["households.csv"][0]["phone"] = "13900139000"
    d = deliver(tmp_path / "delivery", tables)
    out = tmp_path / "wh.duckdb"
    with _cached_reference():
        registry.load(d, out, changes=REQUESTS[:1])
    assert E.outcomes(out) == {1: "applied"}
    assert rows(out, "select registry_value, value from platform_changes") == [
        ("13900139000", "13900139000")
    ]


def test_a_new_member_held_in_another_household_is_not_added(tmp_path):
    tables = base()
    d = deliver(tmp_path / "delivery", tables)
    out = tmp_path / "wh.duckdb"
    moved = request(
        1,
        "H003",
        "member_new",
        {"name": "王芳", "id_number": M2, "relation": "10"}
        | {"join_reason": "3", "joined_date": "2026-05-01"},
        {},
        M2,
    )
    with _cached_reference():
        registry.load(d, out, changes=[moved])
    assert E.outcomes(out) == {1: "superseded:registry"}
    assert rows(out, "select count(*) from person where id_number = ?", [M2]) == [(1,)]


def test_a_second_load_into_the_same_warehouse_applies_them_again(tmp_path):
    """A load over a warehouse that holds applied requests (the old one attached): the
    requests apply again, the new member keeps their number, and a member the next
    delivery brings is numbered after them."""
    out = tmp_path / "wh.duckdb"
    with _cached_reference():
        registry.load(deliver(tmp_path / "d1", base()), out, changes=REQUESTS)
        first = rows(out, "select person_id from person where id_number = ?", [NEW])
        tables = base()
        newcomer = idn("2026-06-01", 81)
        tables["members.csv"].append(
            {**tables["members.csv"][0], "id_number": newcomer, "name": "李小"}
            | {
                "relation": "40",
                "birth_date": "2026-06-01",
                "sex": "1",
                "joined_date": "2026-06-01",
            }
            | {"join_reason": "2", "labour": "5"}
        )
        registry.load(deliver(tmp_path / "d2", tables), out, changes=REQUESTS)
    assert E.outcomes(out) == OUTCOMES
    assert rows(out, "select person_id from person where id_number = ?", [NEW]) == first
    (li,) = rows(out, "select person_id from person where id_number = ?", [newcomer])
    assert li[0] > first[0][0]
    assert household(out, "H001") == ("13900139000", None, 2, True, 16000)  # + 李小


def test_a_chain_of_changes_applies_in_order(tmp_path):
    """Over a delivery that holds the first number: the first request, then the one made
    after it, apply in turn; one that saw the first number after it was changed is
    superseded — in one load, as the requests come."""
    chain = [
        request(1, "H001", "phone", {"phone": "13900139000"}, {"phone": "13800138000"}),
        request(2, "H001", "phone", {"phone": "13600136000"}, {"phone": "13900139000"}),
        request(3, "H001", "phone", {"phone": "13500135000"}, {"phone": "13800138000"}),
        request(4, "H003", "member_new", REQUESTS[4]["values"], {}, NEW),
        request(5, "H003", "member_new", REQUESTS[4]["values"], {}, NEW),  # sent twice
    ]
    out = tmp_path / "wh.duckdb"
    with _cached_reference():
        registry.load(deliver(tmp_path / "d", base()), out, changes=chain)
    assert E.outcomes(out) == {
        1: "applied",
        2: "applied",
        3: "superseded:registry",
        4: "applied",
        5: "applied",
    }
    assert household(out, "H001")[0] == "13600136000"
    assert rows(out, "select count(*) from person where id_number = ?", [NEW]) == [(1,)]
    assert household(out, "H003")[2] == 3


def test_what_is_not_applied_leaves_the_registry_as_delivered(tmp_path):
    """A superseded declaration and a superseded departure change no derived figure: the
    delivered income row (its net income as delivered, inconsistent or not) and the
    household's members stay."""
    tables = base()
    tables["income.csv"][4] = income("H001", 2026, 2, net=99999)
    out = tmp_path / "wh.duckdb"
    stale = [
        request(1, "H001", "income", REQUESTS[5]["values"], {k: "1" for k in D_AMOUNTS}),
        request(
            2,
            "H001",
            "member_left",
            {"left_date": "2026-09-30", "left_reason": "2"},
            {"left_date": "2026-01-01", "left_reason": "1"},
            M2,
        ),
    ]
    with _cached_reference():
        registry.load(deliver(tmp_path / "d", tables), out, changes=stale)
    assert E.outcomes(out) == {1: "superseded:registry", 2: "superseded:registry"}
    assert rows(
        out,
        "select i.wages, i.net_income, i.per_capita from income i join household h "
        "using (household_id) where h.household_no = 'H001' and i.year = 2026",
    ) == [(20000, 99999, 49999.5)]
    assert household(out, "H001")[2:4] == (2, False)


def test_a_child_born_after_the_as_of_day_is_0_years_old(tmp_path):
    """The phone may report a birth the warehouse's as-of day has not reached yet."""
    late = idn("2026-11-10", 91)
    values = {**REQUESTS[4]["values"], "id_number": late, "joined_date": "2026-11-10"}
    out = tmp_path / "wh.duckdb"
    with _cached_reference():
        registry.load(
            deliver(tmp_path / "d", base()),
            out,
            changes=[request(1, "H003", "member_new", values, {}, late)],
        )
    assert rows(out, "select age from person where id_number = ?", [late]) == [(0,)]
