"""Change requests (services/changes.py, domain/changes.py): a cadre's report checked and
stored once per idempotency key with the registry's values, the township's review (never
one's own, a rejection with its reason), the scope of it all, and the refresh that
applies what was approved and marks each request applied or superseded."""

from __future__ import annotations

import datetime as dt
import shutil
from types import SimpleNamespace

import duckdb
import pytest
import sqlalchemy as sa

from access import Scope
from domain import changes as D
from domain.idnumber import check_digit
from ops import db, migrations
from ops.schema import change_events, change_requests, field_submissions
from queries.runner import Warehouse
from services import cases as case_service
from services import changes as S

NOW = dt.datetime(2026, 10, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shaanxi: 2026-10-20
TODAY = dt.date(2026, 10, 20)
KEY, KEY2 = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"


@pytest.fixture(scope="module")
def home(warehouse_path) -> dict:
    """A household of a village with two present members and a phone, its members, a
    household of another county, and a member of another household."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    hid, no, village, phone, grade = con.execute(
        "select household_id, household_no, village_code, phone, housing_grade from household h "
        "where phone is not null and members >= 2 and is_registered "
        "and county_code = '610924000000' order by household_id limit 1"
    ).fetchone()
    members = con.execute(
        "select person_id, id_number, name, labour, birth_date from person "
        "where household_id = ? and left_date is null order by person_id",
        [hid],
    ).fetchall()
    other = con.execute(
        "select household_id from household where county_code <> '610924000000' "
        "order by household_id limit 1"
    ).fetchone()[0]
    head = con.execute(
        "select person_id from person where household_id = ? and relation = '01'", [hid]
    ).fetchone()[0]
    stranger = con.execute(
        "select person_id from person where household_id <> ? order by person_id limit 1",
        [hid],
    ).fetchone()[0]
    con.close()
    return {
        "id": hid,
        "no": no,
        "village": village,
        "phone": phone,
        "grade": grade,
        "members": members,
        "other": other,
        "stranger": stranger,
        "head": head,
    }


@pytest.fixture(scope="module")
def warehouse(warehouse_path):
    return Warehouse(warehouse_path, cache_dir=None, reload_seconds=3600)


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def village(home, name="v_cadre") -> Scope:
    return Scope(name, "cadre", home["village"])


def township(home, name="t_cadre") -> Scope:
    return Scope(name, "cadre", home["village"][:9] + "000")


def count(store, table=change_requests) -> int:
    with store.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def refused(call, status: int, key: str, fields: dict | None = None) -> None:
    with pytest.raises(D.CaseError) as caught:
        call()
    assert (caught.value.status, caught.value.key) == (status, key)
    if fields is not None:
        assert caught.value.fields == fields


def phone_request(store, warehouse, home, key=KEY, phone="13912345678", who=None):
    return S.submit(
        store,
        warehouse,
        who or village(home),
        key,
        home["id"],
        "phone",
        {"phone": phone},
        now=NOW,
    )


# ------------------------------------------------------------------ domain
def test_each_kind_is_checked_field_by_field():
    req = D.request_input("conditions", {"housing_grade": "C", "road_access": "0"}, TODAY)
    assert req == D.Request("conditions", {"housing_grade": "C", "road_access": "false"}, "")
    with pytest.raises(D.CaseError) as caught:
        D.request_input(
            "income",
            {"year": "2024", "wages": "-5", "business": "1.5", "property": "0"},
            TODAY,
        )
    assert caught.value.fields == {
        "year": "chg.err.value",  # only this year or the last
        "wages": "chg.err.value",
        "business": "chg.err.value",
        "transfers": "chg.err.required",
        "production_costs": "chg.err.required",
    }
    first = "61092420260301001"
    boy = first + check_digit(first)
    new = {"name": "王宝", "id_number": boy, "relation": "01", "join_reason": "2"}
    with pytest.raises(D.CaseError) as caught:
        D.request_input("member_new", {**new, "joined_date": "2026-02-28"}, TODAY)
    assert caught.value.fields == {
        "joined_date": "chg.err.before_birth",
        "relation": "chg.err.head",
    }
    bad_id = boy[:-1] + ("0" if boy[-1] != "0" else "1")
    with pytest.raises(D.CaseError) as caught:
        D.request_input(
            "member_new",
            {**new, "relation": "40", "id_number": bad_id, "joined_date": "2026-03-01"},
            TODAY,
        )
    assert caught.value.fields == {"id_number": "chg.err.value"}
    # "a member when registered" is not a joining; no control characters in a name or note
    with pytest.raises(D.CaseError) as caught:
        D.request_input(
            "member_new",
            {**new, "relation": "40", "join_reason": "1", "name": "王\x00宝"}
            | {"joined_date": "2026-03-01"},
            TODAY,
        )
    assert caught.value.fields == {"join_reason": "chg.err.value", "name": "chg.err.value"}
    refused(
        lambda: D.request_input("member", {}, TODAY),
        400,
        "chg.err.invalid",
        {"kind": "chg.err.nothing"},
    )
    refused(
        lambda: D.request_input("houses", {}, TODAY),
        400,
        "chg.err.invalid",
        {"kind": "chg.err.kind"},
    )
    script = {"phone": "13912345678", "note": "<script>alert(1)</script>"}
    refused(
        lambda: D.request_input("phone", script, TODAY),
        400,
        "chg.err.invalid",
        {"note": "chg.err.note"},
    )
    assert (
        D.net_income(
            {"wages": "100", "business": "20", "property": "3", "transfers": "4"}
            | {"production_costs": "27"}
        )
        == 100
    )


# ------------------------------------------------------------------ submitting
def test_a_change_is_stored_once_with_the_registry_value(store, warehouse, home):
    made, again = phone_request(store, warehouse, home)
    assert again is False
    assert {
        k: made[k] for k in ("household_id", "household_no", "region_code", "kind", "state")
    } == {
        "household_id": home["id"],
        "household_no": home["no"],
        "region_code": home["village"],
        "kind": "phone",
        "state": "submitted",
    }
    # The full number, as the warehouse holds it: the refresh compares with it.
    assert (made["values"], made["original"]) == (
        {"phone": "13912345678"},
        {"phone": home["phone"]},
    )
    assert [e["action"] for e in made["events"]] == ["submit"]
    same, again = phone_request(store, warehouse, home)  # the queue sent it twice
    assert (same["id"], again) == (made["id"], True)
    assert count(store) == 1 and count(store, field_submissions) == 1
    # Another account's key is never answered with this account's request.
    refused(
        lambda: phone_request(store, warehouse, home, who=village(home, "other")),
        409,
        "field.err.key_used",
    )


def test_a_member_change_names_a_present_member(store, warehouse, home):
    pid, number, name, labour, born = home["members"][1]
    made, _ = S.submit(
        store,
        warehouse,
        village(home),
        KEY,
        home["id"],
        "member",
        {"labour": "4" if labour != 4 else "1", "health": ""},
        member=str(pid),
        now=NOW,
    )
    assert (made["person_key"], made["person_name"]) == (number, name)
    assert made["original"]["labour"] == str(labour)
    left, _ = S.submit(
        store,
        warehouse,
        village(home),
        KEY2,
        home["id"],
        "member_left",
        {"left_date": "2026-10-01", "left_reason": "2"},
        member=pid,
        now=NOW,
    )
    assert left["values"] == {"left_date": "2026-10-01", "left_reason": "2"}
    assert left["original"] == {"left_date": None, "left_reason": None}


def test_bad_requests_change_nothing(store, warehouse, home):
    who = village(home)
    pid, number, *_ = home["members"][0]
    calls = [
        (lambda: phone_request(store, warehouse, home, phone="12345"), 400, "chg.err.invalid"),
        (
            lambda: phone_request(store, warehouse, home, phone=home["phone"]),
            400,
            "chg.err.invalid",
        ),
        (
            lambda: S.submit(
                store,
                warehouse,
                who,
                KEY,
                home["id"],
                "member",
                {"labour": "2"},
                member=home["stranger"],
                now=NOW,
            ),
            404,
            "chg.err.member",
        ),
        (
            lambda: S.submit(
                store,
                warehouse,
                who,
                KEY,
                home["id"],
                "member",
                {"labour": "2"},
                member="1 or 1=1",
                now=NOW,
            ),
            404,
            "chg.err.member",
        ),
        (
            lambda: S.submit(
                store,
                warehouse,
                who,
                KEY,
                home["id"],
                "member_left",
                {"left_date": "2026-10-01", "left_reason": "7"},
                member=pid,
                now=NOW,
            ),
            400,
            "chg.err.invalid",
        ),
        (
            lambda: S.submit(
                store,
                warehouse,
                who,
                KEY,
                home["id"],
                "member_new",
                {
                    "name": "某某",
                    "id_number": number,
                    "relation": "20",
                    "join_reason": "4",
                    "joined_date": "2026-10-01",
                },
                now=NOW,
            ),
            400,
            "chg.err.invalid",
        ),  # already a member
        (
            lambda: S.submit(
                store,
                warehouse,
                who,
                KEY,
                home["other"],
                "phone",
                {"phone": "13912345678"},
                now=NOW,
            ),
            404,
            "field.err.household",
        ),
        (
            lambda: S.submit(
                store,
                warehouse,
                who,
                "short",
                home["id"],
                "phone",
                {"phone": "13912345678"},
                now=NOW,
            ),
            400,
            "field.err.invalid",
        ),
        (
            lambda: S.submit(
                store,
                warehouse,
                Scope("l", "leader", home["village"][:6] + "000000"),
                KEY,
                home["id"],
                "phone",
                {"phone": "13912345678"},
                now=NOW,
            ),
            403,
            "field.err.level",
        ),
    ]
    head_left = {"left_date": "2026-10-01", "left_reason": "1"}
    calls.append(
        (
            lambda: S.submit(
                store,
                warehouse,
                who,
                KEY,
                home["id"],
                "member_left",
                head_left,
                member=home["head"],
                now=NOW,
            ),
            400,
            "chg.err.invalid",
        )
    )
    for call, status, key in calls:
        refused(call, status, key)
    assert count(store) == 0 and count(store, field_submissions) == 0


# ------------------------------------------------------------------ the review
def test_the_township_reviews_and_never_its_own(store, warehouse, home):
    made, _ = phone_request(store, warehouse, home)
    cadre, town = village(home), township(home)
    assert S.get(store, cadre, made["id"])["actions"] == ["withdraw"]
    assert S.get(store, town, made["id"])["actions"] == ["approve", "reject"]
    refused(
        lambda: S.act(store, cadre, made["id"], 1, "approve", "", NOW), 403, "chg.err.review_level"
    )
    refused(
        lambda: S.act(store, town, made["id"], 1, "reject", " ", NOW),
        400,
        "chg.err.invalid",
        {"note": "chg.err.reason"},
    )
    refused(
        lambda: S.act(store, town, made["id"], 1, "withdraw", "", NOW), 403, "chg.err.not_yours"
    )
    refused(lambda: S.act(store, town, made["id"], 7, "approve", "", NOW), 409, "case.err.conflict")
    done = S.act(store, town, made["id"], 1, "approve", "核实无误", NOW)
    assert (done["state"], done["version"], done["actions"]) == ("approved", 2, [])
    assert [(e["action"], e["actor"], e["note"]) for e in done["events"]] == [
        ("submit", "v_cadre", ""),
        ("approve", "t_cadre", "核实无误"),
    ]
    refused(
        lambda: S.act(store, town, made["id"], 2, "reject", "晚了", NOW), 409, "case.err.conflict"
    )
    # The township's own request waits for another reviewer.
    # One open request of a kind on a household at a time.
    refused(
        lambda: phone_request(store, warehouse, home, key=KEY2, phone="13900001111", who=town),
        409,
        "chg.err.open",
    )
    own, _ = S.submit(
        store, warehouse, town, KEY2, home["id"], "conditions", {"housing_grade": "D"}, now=NOW
    )
    refused(lambda: S.act(store, town, own["id"], 1, "approve", "", NOW), 403, "chg.err.own")
    assert S.act(store, town, own["id"], 1, "withdraw", "", NOW)["state"] == "withdrawn"
    assert count(store, change_events) == 4


def test_requests_are_read_within_the_scope(store, warehouse, home):
    made, _ = phone_request(store, warehouse, home)
    elsewhere = Scope("x", "cadre", "611026000000")
    refused(lambda: S.get(store, elsewhere, made["id"]), 404, "chg.err.not_found")
    refused(
        lambda: S.act(store, elsewhere, made["id"], 1, "approve", "", NOW), 404, "chg.err.not_found"
    )
    assert S.requests(store, elsewhere) == []
    assert [r["id"] for r in S.requests(store, township(home))] == [made["id"]]
    assert [r["id"] for r in S.requests(store, township(home), household_id=home["id"])] == [
        made["id"]
    ]
    assert S.requests(store, township(home), mine=True) == []
    dept = Scope("d", "department", "610000000000", department="health")
    assert S.requests(store, dept) == []
    assert S.counts(store, township(home)) == dict.fromkeys(D.STATES, 0) | {"submitted": 1}
    assert S.counts(store, elsewhere)["submitted"] == 0
    assert S.counts(store, dept)["submitted"] == 0


# ------------------------------------------------------------------ the refresh
def test_the_refresh_applies_what_was_approved(store, warehouse, home, warehouse_path, tmp_path):
    town = township(home)
    applied, _ = phone_request(store, warehouse, home)
    S.act(store, town, applied["id"], 1, "approve", "", NOW)
    grade, _ = S.submit(
        store,
        warehouse,
        village(home),
        KEY2,
        home["id"],
        "conditions",
        {"housing_grade": "C" if home["grade"] != "C" else "B"},
        now=NOW,
    )
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, copy)
    case_service.refresh(store, SimpleNamespace(warehouse=copy))
    con = duckdb.connect(str(copy), read_only=True)
    phone = con.execute(
        "select phone from household where household_id = ?", [home["id"]]
    ).fetchone()
    con.close()
    assert phone == ("13912345678",)
    after = S.get(store, town, applied["id"])
    assert after["state"] == "applied"
    assert [(e["action"], e["actor"]) for e in after["events"]][-1] == ("apply", "system")
    assert S.get(store, town, grade["id"])["state"] == "submitted"  # not yet reviewed
    # Made on a phone that still saw the old number (the warehouse it read was not yet
    # refreshed): the registry has moved past it.
    late, _ = phone_request(
        store, warehouse, home, key="0" * 32, phone="13900002222", who=village(home, "v2")
    )
    assert late["original"] == {"phone": home["phone"]}
    S.act(store, town, late["id"], 1, "approve", "", NOW)
    case_service.refresh(store, SimpleNamespace(warehouse=copy))
    late = S.get(store, town, late["id"])
    assert (late["state"], late["events"][-1]["note"]) == ("superseded", "registry")
    assert S.get(store, town, applied["id"])["state"] == "applied"  # stays


def test_a_load_that_finds_the_registry_moved_supersedes_an_applied_request(store, warehouse, home):
    """The national system's delivery later holds a third number: the load says so, the
    request moves from applied to superseded and is no longer applied again."""
    from ops import changes as O

    made, _ = phone_request(store, warehouse, home)
    S.act(store, township(home), made["id"], 1, "approve", "", NOW)
    assert O.mark(store, {made["id"]: "applied"}, NOW) == 1
    assert O.mark(store, {made["id"]: "applied"}, NOW) == 0  # already applied
    assert [c["id"] for c in S.for_warehouse(store)] == [made["id"]]
    assert O.mark(store, {made["id"]: "superseded:registry", 10**6: "applied"}, NOW) == 1
    after = S.get(store, township(home), made["id"])
    assert [e["action"] for e in after["events"]] == ["submit", "approve", "apply", "supersede"]
    assert S.for_warehouse(store) == []


def test_a_request_is_shown_field_by_field_with_numbers_masked():
    from components.field import change_lines, change_summary

    income = {
        "kind": "income",
        "person_name": "",
        "values": {"year": "2026", "wages": "12000", "production_costs": "0"},
        "original": {"wages": "27843", "production_costs": None},
    }
    assert [(r["label"], r["old"], r["new"]) for r in change_lines(income, "zh")] == [
        ("年度", None, "2026"),
        ("工资性收入(元)", "27,843元", "12,000元"),
        ("生产经营性支出(元)", "—", "0元"),
    ]
    member = {
        "kind": "member",
        "person_name": "王燕",
        "values": {"disability_grade": "2", "medical_insurance": "false"},
        "original": {"disability_grade": None, "medical_insurance": "true"},
    }
    assert (
        change_summary(member, "zh")
        == "成员情况变化 · 王燕：残疾等级 无 → 2级；参加基本医疗保险 是 → 否"
    )
    phone = {"kind": "phone", "person_name": "", "values": {"phone": "13912345678"}}
    phone["original"] = {"phone": "15800001111"}
    assert change_summary(phone, "en") == "Phone number: Phone 158****1111 → 139****5678"
