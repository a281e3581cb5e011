"""Households' feedback (services/feedback.py, domain/feedback.py): the card's signed code,
the public form that answers the same to everything and stores only valid feedback of a
valid code, its rate limits, a cadre's and the hotline's intake, the township's actions
with their events, the deadlines, and the hotline's CSV (all rows or none, each record
once)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlalchemy as sa

from access import Scope
from domain import feedback as D
from ops import db, migrations
from ops.schema import feedback_events, feedback_tickets
from queries.runner import Warehouse
from services import feedback as F

NOW = dt.datetime(2026, 7, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shaanxi: today is 07-20
TODAY = dt.date(2026, 7, 20)
SECRET = "test-secret"
GOOD = {"type": "2", "text": "希望安排公益岗位", "contact": "13800000000"}


@pytest.fixture(scope="module")
def place(warehouse_path) -> dict:
    con = duckdb.connect(str(warehouse_path), read_only=True)
    hid, no, village = con.execute(
        "select household_id, household_no, village_code from household "
        "where is_registered order by household_id limit 1"
    ).fetchone()
    other_no = con.execute(
        "select household_no from household where village_code[1:6] <> ? order by 1 limit 1",
        [village[:6]],
    ).fetchone()[0]
    con.close()
    return {"id": hid, "no": no, "village": village, "other_no": other_no}


@pytest.fixture(scope="module")
def warehouse(warehouse_path):
    return Warehouse(warehouse_path, cache_dir=None, reload_seconds=3600)


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def tickets(store) -> list[dict]:
    with store.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(feedback_tickets)).mappings()]


def refused(call, status: int, key: str, fields: dict | None = None) -> None:
    with pytest.raises(D.CaseError) as caught:
        call()
    assert (caught.value.status, caught.value.key) == (status, key)
    if fields is not None:
        assert caught.value.fields == fields


def township(place) -> Scope:
    return Scope("t_cadre", "cadre", place["village"][:9] + "000")


# ------------------------------------------------------------------ the card's code
def test_the_cards_code_names_its_household_and_cannot_be_guessed():
    code = F.card_code(SECRET, 123456)
    assert len(code) == 24 and F.household_of_code(SECRET, code) == 123456
    assert F.household_of_code("another-secret", code) is None
    flipped = code[:-1] + ("a" if code[-1] != "a" else "b")
    assert F.household_of_code(SECRET, flipped) is None
    assert F.household_of_code(SECRET, F.card_code(SECRET, 123457)) == 123457
    for junk in ("", "x" * 24, code.upper(), code + "a", None, 123):
        assert F.household_of_code(SECRET, junk) is None


def test_deadlines_by_type():
    assert D.deadline_days("") == {1: 3, 2: 7, 3: 5, 4: 10}
    assert D.deadline_days("1:2, 4:30") == {1: 2, 2: 7, 3: 5, 4: 30}
    for bad in ("5:3", "1:0", "1:61", "x", "1-3"):
        with pytest.raises(ValueError):
            D.deadline_days(bad)
    assert D.deadline(TODAY, 2) == dt.date(2026, 7, 27)
    ticket = {"state": "handling", "deadline": dt.date(2026, 7, 19)}
    assert D.is_overdue(ticket, TODAY) and not D.is_overdue({**ticket, "state": "replied"}, TODAY)
    assert not D.is_overdue({**ticket, "deadline": TODAY}, TODAY)


def test_what_a_household_may_send():
    assert D.feedback_input(GOOD, public=True) == D.Feedback(2, "希望安排公益岗位", "13800000000")
    cases = [
        ({"type": "9", "text": " "}, {"type": "fb.err.type", "text": "fb.err.text_empty"}),
        ({**GOOD, "text": "字" * 1001}, {"text": "fb.err.text_long"}),
        ({**GOOD, "text": "<script>alert(1)</script>"}, {"text": "fb.err.text_markup"}),
        ({**GOOD, "text": "点这里 javascript:alert(1)"}, {"text": "fb.err.text_markup"}),
        ({**GOOD, "text": "<img src=x onerror=alert(1)>"}, {"text": "fb.err.text_markup"}),
        ({**GOOD, "contact": "1" * 41}, {"contact": "fb.err.contact"}),
    ]
    for fields, errors in cases:
        refused(lambda f=fields: D.feedback_input(f, public=True), 400, "fb.err.invalid", errors)
    # "3 < 5" is not markup; a cadre may write longer notes.
    assert D.feedback_input({**GOOD, "text": "收入 3 < 5 千"}, public=True).text == "收入 3 < 5 千"
    assert len(D.feedback_input({**GOOD, "text": "字" * 1500}, public=False).text) == 1500


# ------------------------------------------------------------------ the public form
def test_the_public_form_stores_valid_feedback_of_a_valid_code_only(store, warehouse, place):
    code = F.card_code(SECRET, place["id"])

    def send(c, fields, ip="10.0.0.1"):
        return F.submit_public(store, warehouse, SECRET, c, fields, ip, now=NOW)

    assert send(code, GOOD) == "received"
    [t] = tickets(store)
    assert (t["household_id"], t["household_no"], t["region_code"]) == (
        place["id"],
        place["no"],
        place["village"],
    )
    assert (t["unit_code"], t["channel"], t["type"], t["state"]) == (
        place["village"][:9] + "000",
        1,
        2,
        "received",
    )
    assert (t["received_on"], t["deadline"], t["created_by"]) == (TODAY, dt.date(2026, 7, 27), "-")
    # Everything else gets the same answer, and nothing is stored.
    guessed = F.card_code("not-the-secret", place["id"])
    for c, fields in [
        (guessed, GOOD),
        ("a" * 24, GOOD),
        ("", GOOD),
        (code, {**GOOD, "text": ""}),
        (code, {**GOOD, "text": "字" * 5000}),
        (code, {**GOOD, "text": "<script>alert(1)</script>"}),
        (code, {**GOOD, "type": "x"}),
    ]:
        assert send(c, fields, ip="10.0.0.2") == "received"
    assert len(tickets(store)) == 1
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(feedback_events)).scalar() == 1


def test_the_public_form_is_limited_per_card_and_per_address(store, warehouse, place):
    code = F.card_code(SECRET, place["id"])
    answers = [
        F.submit_public(store, warehouse, SECRET, code, GOOD, f"10.1.0.{i}", now=NOW)
        for i in range(F.PER_CODE_DAY + 1)
    ]
    assert answers == ["received"] * F.PER_CODE_DAY + ["limited"]
    assert len(tickets(store)) == F.PER_CODE_DAY
    # A day later the card may send again.
    later = NOW + dt.timedelta(days=1, minutes=1)
    assert (
        F.submit_public(store, warehouse, SECRET, code, GOOD, "10.1.1.1", now=later) == "received"
    )
    # One address guessing codes is stopped after PER_ADDRESS_HOUR tries in an hour.
    guesses = [
        F.submit_public(store, warehouse, SECRET, f"{i:0>24}"[:24], GOOD, "10.9.9.9", now=NOW)
        for i in range(F.PER_ADDRESS_HOUR + 1)
    ]
    assert guesses[-1] == "limited" and set(guesses[:-1]) == {"received"}


# ------------------------------------------------------------------ tickets
def test_a_ticket_runs_from_the_cadres_intake_to_its_close(store, warehouse, place):
    village_cadre = Scope("v_cadre", "cadre", place["village"])
    tk = F.intake(store, warehouse, village_cadre, place["id"], 2, GOOD, now=NOW)
    assert (tk["channel"], tk["state"], tk["version"], tk["created_by"]) == (
        2,
        "received",
        1,
        "v_cadre",
    )
    assert tk["actions"] == []  # the village enters it; the township handles it
    refused(
        lambda: F.act(store, village_cadre, tk["id"], 1, "assign", "", now=NOW),
        403,
        "fb.err.handle_level",
    )
    me = township(place)
    tk = F.get(store, me, tk["id"], now=NOW)
    assert tk["actions"] == ["assign", "reply"]
    tk = F.act(store, me, tk["id"], 1, "assign", "村第一书记", now=NOW)
    refused(lambda: F.act(store, me, tk["id"], 1, "start", "", now=NOW), 409, "case.err.conflict")
    refused(lambda: F.act(store, me, tk["id"], 2, "close", "", now=NOW), 409, "fb.err.order")
    refused(lambda: F.act(store, me, tk["id"], 2, "fly", "", now=NOW), 400, "fb.err.action")
    tk = F.act(store, me, tk["id"], 2, "start", "", now=NOW)
    refused(
        lambda: F.act(store, me, tk["id"], 3, "reply", "  ", now=NOW),
        400,
        "fb.err.invalid",
        {"note": "fb.err.note_empty"},
    )
    tk = F.act(store, me, tk["id"], 3, "reply", "已安排村保洁公益岗位", now=NOW)
    tk = F.act(store, me, tk["id"], 4, "return", "农户表示岗位太远", now=NOW)
    tk = F.act(store, me, tk["id"], 5, "reply", "改为本组护林岗位", now=NOW)
    refused(
        lambda: F.act(store, me, tk["id"], 6, "close", "", satisfaction="7", now=NOW),
        400,
        "fb.err.invalid",
        {"satisfaction": "fb.err.satisfaction"},
    )
    tk = F.act(store, me, tk["id"], 6, "close", "电话回访", satisfaction="1", now=NOW)
    assert (tk["state"], tk["satisfaction"], tk["version"], tk["actions"]) == ("closed", 1, 7, [])
    assert [(e["action"], e["to_state"], e["actor"]) for e in tk["events"]] == [
        ("receive", "received", "v_cadre"),
        ("assign", "assigned", "t_cadre"),
        ("start", "handling", "t_cadre"),
        ("reply", "replied", "t_cadre"),
        ("return", "handling", "t_cadre"),
        ("reply", "replied", "t_cadre"),
        ("close", "closed", "t_cadre"),
    ]
    # Another region does not see it; a leader of the county reads it, acts on nothing.
    refused(
        lambda: F.get(store, Scope("x", "cadre", "611026000000"), tk["id"], now=NOW),
        404,
        "fb.err.not_found",
    )
    leader = Scope("c_leader", "leader", place["village"][:6] + "000000")
    assert F.get(store, leader, tk["id"], now=NOW)["actions"] == []


def test_lists_counts_and_the_clock(store, warehouse, place):
    me = township(place)
    old = NOW - dt.timedelta(days=10)
    late = F.intake(store, warehouse, me, place["id"], 3, {**GOOD, "type": "1"}, now=old)
    fresh = F.intake(store, warehouse, me, place["id"], 2, GOOD, now=NOW)
    F.act(store, me, fresh["id"], 1, "reply", "已答复", now=NOW)
    rows = F.tickets(store, me, now=NOW)
    assert [(r["id"], r["overdue"]) for r in rows] == [(late["id"], True), (fresh["id"], False)]
    assert F.tickets(store, me, states=("replied",), now=NOW)[0]["id"] == fresh["id"]
    assert F.tickets(store, me, unit="611026000000", now=NOW) == []
    assert F.tickets(store, me, household_id=place["id"], now=NOW)[0]["household_id"] == place["id"]
    assert F.counts(store, me, now=NOW) == {
        "total": 2,
        "open": 1,
        "overdue": 1,
        "by_state": {"received": 1, "assigned": 0, "handling": 0, "replied": 1, "closed": 0},
        "by_type": {1: 1, 2: 1},
    }
    wall = Scope("w", "wall", place["village"][:6] + "000000")
    assert F.counts(store, wall, now=NOW)["open"] == 1
    dept = Scope("d", "department", "610000000000", department="health")
    assert F.counts(store, dept, now=NOW)["total"] == 0
    refused(
        lambda: F.intake(store, warehouse, me, place["id"], 1, GOOD, now=NOW),
        400,
        "fb.err.invalid",
        {"channel": "fb.err.channel"},
    )
    refused(
        lambda: F.intake(
            store, warehouse, Scope("x", "cadre", "611026000000"), place["id"], 2, GOOD, now=NOW
        ),
        404,
        "field.err.household",
    )


# ------------------------------------------------------------------ the hotline's file
def test_the_hotline_file_loads_all_rows_or_none_and_each_record_once(store, warehouse, place):
    county = Scope("c_staff", "manager", place["village"][:6] + "000000")
    head = ",".join(F.HOTLINE_COLUMNS)
    good = f"{head}\nH-001,{place['no']},3,反映低保未落实,2026-07-18,\nH-002,{place['no']},1,咨询医保报销,2026-07-19,139\n"
    assert F.import_hotline(store, warehouse, county, good.encode(), now=NOW) == {
        "created": 2,
        "skipped": 0,
    }
    assert F.import_hotline(store, warehouse, county, good.encode(), now=NOW) == {
        "created": 0,
        "skipped": 2,
    }
    rows = tickets(store)
    assert sorted(
        (r["source_ref"], r["channel"], r["received_on"], r["deadline"]) for r in rows
    ) == [
        ("12317:H-001", 4, dt.date(2026, 7, 18), dt.date(2026, 7, 23)),
        ("12317:H-002", 4, dt.date(2026, 7, 19), dt.date(2026, 7, 22)),
    ]
    bad = (
        f"{head}\nH-003,{place['no']},2,新诉求,2026-07-19,\n"
        f"H-004,{place['other_no']},2,别县的户,2026-07-19,\n"  # outside the county
        f"H-005,{place['no']},2,,2026-07-19,\n"  # no text
        f"H-006,{place['no']},2,明天的来电,2026-07-21,\n"
    )
    refused(
        lambda: F.import_hotline(store, warehouse, county, bad.encode(), now=NOW),
        400,
        "fb.err.csv_rows_bad",
        {"3": "fb.err.csv_row", "4": "fb.err.csv_row", "5": "fb.err.csv_row"},
    )
    refused(
        lambda: F.import_hotline(store, warehouse, county, b"a,b\n1,2\n", now=NOW),
        400,
        "fb.err.csv_header",
    )
    refused(
        lambda: F.import_hotline(store, warehouse, county, "户".encode("gbk"), now=NOW),
        400,
        "fb.err.csv_encoding",
    )
    assert len(tickets(store)) == 2


def test_the_limits_count_an_ipv6_network_and_bad_input_is_a_message(store, warehouse, place):
    assert (
        F.address_of("2001:db8:1:2::1") == F.address_of("2001:db8:1:2:ffff::9") == "2001:db8:1:2::"
    )
    assert F.address_of("10.0.0.1") == "10.0.0.1" and F.address_of("::ffff:10.0.0.1") == "10.0.0.1"
    assert F.address_of("not an address") == "not an address"
    me = township(place)
    tk = F.intake(store, warehouse, me, place["id"], 2, GOOD, now=NOW)
    for version in ("9" * 30, 2**31, True, None, "x", -1):
        refused(
            lambda v=version: F.act(store, me, tk["id"], v, "reply", "答复", now=NOW),
            409,
            "case.err.conflict",
        )
    county = Scope("c_staff", "manager", place["village"][:6] + "000000")
    head = ",".join(F.HOTLINE_COLUMNS)
    huge = f'{head}\nH-9,{place["no"]},1,"{"字" * 140_000}",2026-07-19,\n'
    refused(
        lambda: F.import_hotline(store, warehouse, county, huge.encode(), now=NOW),
        400,
        "fb.err.csv_broken",
    )


def test_a_card_sent_while_the_warehouse_is_away_gets_the_same_answer(
    store, warehouse, place, monkeypatch
):
    from queries.runner import WarehouseUnavailable

    def away(*_a, **_k):
        raise WarehouseUnavailable("swapping")

    monkeypatch.setattr(warehouse, "run", away)
    code = F.card_code(SECRET, place["id"])
    assert F.submit_public(store, warehouse, SECRET, code, GOOD, "10.0.0.5", now=NOW) == "received"
    assert tickets(store) == []
