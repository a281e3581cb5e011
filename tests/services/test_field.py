"""Field work (services/field.py, domain/field.py): a visit checked and stored once per
idempotency key with its photos, a risk report opening a case with the channel
干部走访排查, a unit's households with what is due on each, and the scope of all of it."""

from __future__ import annotations

import datetime as dt
import io

import duckdb
import pytest
import sqlalchemy as sa
from PIL import Image

from access import Scope
from config import load
from domain import field as D
from ops import cases as O
from ops import db, migrations
from ops.schema import field_submissions, visit_files, visits
from queries.runner import Warehouse
from services import field as F
from services.attachments import MAX_BYTES

NOW = dt.datetime(2026, 7, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shaanxi: today is 07-20
TODAY = dt.date(2026, 7, 20)
KEY = "0123456789abcdef0123456789abcdef"
VISIT = {"visited_on": "2026-07-19", "kind": "1", "notes": "入户查看住房和饮水，情况稳定"}


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def place(warehouse_path) -> dict:
    """A village of the tiny warehouse with the households cadres visit there, one of them
    without a monitoring record, and a household of another township."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    visited = (
        "from household h left join monitoring m using (household_id) "
        "where (h.is_registered or coalesce(m.state, 4) <> 4)"
    )
    village = con.execute(
        f"select h.village_code {visited} group by 1 having count(*) >= 3 "
        "and count(*) filter (where m.household_id is null) >= 1 order by 1 limit 1"
    ).fetchone()[0]
    ids = [
        r[0]
        for r in con.execute(
            f"select h.household_id {visited} and h.village_code = ?", [village]
        ).fetchall()
    ]
    fresh = con.execute(
        "select h.household_id from household h left join monitoring m using (household_id) "
        "where m.household_id is null and h.village_code = ? and h.is_registered order by 1",
        [village],
    ).fetchone()[0]
    elsewhere = con.execute(
        "select household_id from household where village_code[1:9] <> ? order by 1 limit 1",
        [village[:9]],
    ).fetchone()[0]
    con.close()
    return {"village": village, "ids": sorted(ids), "fresh": fresh, "elsewhere": elsewhere}


@pytest.fixture(scope="module")
def warehouse(warehouse_path):
    return Warehouse(warehouse_path, cache_dir=None, reload_seconds=3600)


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def cadre(place, name="v_cadre") -> Scope:
    return Scope(name, "cadre", place["village"])


def count(store, table) -> int:
    with store.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def refused(call, status: int, key: str, fields: dict | None = None) -> None:
    with pytest.raises(D.CaseError) as caught:
        call()
    assert (caught.value.status, caught.value.key) == (status, key)
    if fields is not None:
        assert caught.value.fields == fields


# ------------------------------------------------------------------ domain
def test_a_visit_is_checked_field_by_field():
    assert D.visit_input({**VISIT, "lat": "32.55", "lon": "108.53"}, TODAY) == D.VisitInput(
        dt.date(2026, 7, 19), 1, "入户查看住房和饮水，情况稳定", 32.55, 108.53
    )
    with pytest.raises(D.CaseError) as caught:
        D.visit_input(
            {"visited_on": "2026-07-21", "kind": "9", "notes": " ", "lat": "91", "lon": "1"},
            TODAY,
        )
    assert caught.value.fields == {
        "visited_on": "field.err.date",
        "kind": "field.err.kind",
        "notes": "field.err.notes_empty",
        "position": "field.err.position",
    }
    too_old = {**VISIT, "visited_on": "2026-05-20"}  # 61 days before
    refused(
        lambda: D.visit_input(too_old, TODAY),
        400,
        "field.err.invalid",
        {"visited_on": "field.err.date"},
    )
    assert D.visit_input({**VISIT, "visited_on": "2026-05-21"}, TODAY).visited_on == dt.date(
        2026, 5, 21
    )
    half = {**VISIT, "lat": "32.5"}  # a latitude without its longitude
    refused(
        lambda: D.visit_input(half, TODAY),
        400,
        "field.err.invalid",
        {"position": "field.err.position"},
    )
    long_notes = {**VISIT, "notes": "字" * 2001}
    refused(
        lambda: D.visit_input(long_notes, TODAY),
        400,
        "field.err.invalid",
        {"notes": "field.err.notes_long"},
    )
    nan = {**VISIT, "lat": "nan", "lon": "1"}
    refused(
        lambda: D.visit_input(nan, TODAY),
        400,
        "field.err.invalid",
        {"position": "field.err.position"},
    )


def test_when_the_next_visit_is_due():
    # Under monitoring (risk not eliminated) every 30 days, others every 90.
    assert D.visit_due(None, 2, TODAY, 30, 90) == (None, True)
    assert D.visit_due(dt.date(2026, 6, 20), 2, TODAY, 30, 90) == (dt.date(2026, 7, 20), False)
    assert D.visit_due(dt.date(2026, 6, 19), 2, TODAY, 30, 90) == (dt.date(2026, 7, 19), True)
    assert D.visit_due(dt.date(2026, 6, 19), 3, TODAY, 30, 90) == (dt.date(2026, 9, 17), False)
    assert D.visit_due(dt.date(2026, 6, 19), None, TODAY, 30, 90) == (dt.date(2026, 9, 17), False)


def test_the_idempotency_key():
    assert D.key_of(KEY) == KEY
    assert D.key_of("a" * 15) is None
    assert D.key_of("a" * 65) is None
    assert D.key_of("abc def ghi jkl mno") is None
    assert D.key_of(12345678901234567890) is None


# ------------------------------------------------------------------ visits
def test_a_visit_is_stored_once_however_often_it_is_sent(store, warehouse, place):
    me = cadre(place)
    hid = place["ids"][0]
    visit, again = F.record_visit(
        store,
        warehouse,
        me,
        KEY,
        hid,
        {**VISIT, "lat": "32.5", "lon": "108.5"},
        [F.Photo("入户.png", png())],
        now=NOW,
    )
    assert again is False
    assert (visit["household_id"], visit["region_code"], visit["kind"]) == (
        hid,
        place["village"],
        1,
    )
    assert (visit["visited_on"], visit["lat"], visit["lon"]) == (dt.date(2026, 7, 19), 32.5, 108.5)
    assert (visit["created_by"], len(visit["photos"])) == ("v_cadre", 1)
    # The queue sends it again (its answer was lost): the same visit, nothing more stored.
    second, again = F.record_visit(store, warehouse, me, KEY, hid, VISIT, [], now=NOW)
    assert (second["id"], again) == (visit["id"], True)
    assert (count(store, visits), count(store, visit_files), count(store, field_submissions)) == (
        1,
        1,
        1,
    )
    # Another account cannot use (or probe) the key.
    other = cadre(place, "v_other")
    refused(
        lambda: F.record_visit(store, warehouse, other, KEY, hid, VISIT, now=NOW),
        409,
        "field.err.key_used",
    )
    assert F.visits_of(store, me, hid)[0]["id"] == visit["id"]
    assert F.photo(store, me, visit["photos"][0])["content"] == png()


@pytest.mark.parametrize(
    "photos,error",
    [
        ([F.Photo("a.pdf", b"%PDF-1.4\n%%EOF\n")], "field.err.photo_type"),
        ([F.Photo("a.png", png()[:40])], "field.err.photo_type"),
        ([F.Photo("a.png", b"")], "field.err.photo_empty"),
        ([F.Photo("a.png", png())] * 5, "field.err.photo_many"),
        ([F.Photo("a.png", png() + b"\0" * MAX_BYTES)], "field.err.photo_big"),
    ],
)
def test_a_photo_that_is_not_one_stores_nothing(store, warehouse, place, photos, error):
    refused(
        lambda: F.record_visit(
            store, warehouse, cadre(place), KEY, place["ids"][0], VISIT, photos, now=NOW
        ),
        400,
        "field.err.invalid",
        {"photos": error},
    )
    assert (count(store, visits), count(store, visit_files), count(store, field_submissions)) == (
        0,
        0,
        0,
    )


def test_bad_input_and_other_places_store_nothing(store, warehouse, place):
    me = cadre(place)
    hid = place["ids"][0]
    refused(
        lambda: F.record_visit(store, warehouse, me, "short", hid, VISIT, now=NOW),
        400,
        "field.err.invalid",
        {"key": "field.err.key"},
    )
    refused(
        lambda: F.record_visit(store, warehouse, me, KEY, hid, {**VISIT, "notes": ""}, now=NOW),
        400,
        "field.err.invalid",
    )
    # A household of another township: as for none.
    refused(
        lambda: F.record_visit(store, warehouse, me, KEY, place["elsewhere"], VISIT, now=NOW),
        404,
        "field.err.household",
    )
    refused(
        lambda: F.record_visit(store, warehouse, me, KEY, "9" * 30, VISIT, now=NOW),
        404,
        "field.err.household",
    )
    # A leader of the county and a department account do not do field work.
    leader = Scope("c_leader", "leader", place["village"][:6] + "000000")
    refused(
        lambda: F.record_visit(store, warehouse, leader, KEY, hid, VISIT, now=NOW),
        403,
        "field.err.level",
    )
    dept = Scope("d", "department", "610000000000", department="health")
    with pytest.raises(D.CaseError) as caught:
        F.record_visit(store, warehouse, dept, KEY, hid, VISIT, now=NOW)
    assert caught.value.status == 403
    assert count(store, visits) == 0 and count(store, field_submissions) == 0
    # Nor can the township's photos or visits be read from another region.
    assert F.visits_of(store, Scope("x", "cadre", "611026000000"), hid) == []


# ------------------------------------------------------------------ risk reports
def test_a_risk_report_opens_a_case_found_on_a_visit(store, warehouse, place):
    me = cadre(place)
    case, again = F.report_risk(
        store, warehouse, me, KEY, place["fresh"], "户主住院，医疗支出大", now=NOW
    )
    assert again is False
    assert (case["household_id"], case["channel"], case["source_ref"], case["state"]) == (
        place["fresh"],
        2,
        "field",
        "opened",
    )
    assert (case["warned_on"], case["next_step"]) == (TODAY, "home_check")
    same, again = F.report_risk(store, warehouse, me, KEY, place["fresh"], "再次发送", now=NOW)
    assert (same["id"], again) == (case["id"], True)
    assert len(O.list_cases(store, O.SYSTEM, household_id=place["fresh"])) == 1
    # A second report (a new key) on the household: its case is open already.
    refused(
        lambda: F.report_risk(store, warehouse, me, KEY[::-1], place["fresh"], "又发现", now=NOW),
        409,
        "case.err.open_exists",
    )
    refused(
        lambda: F.report_risk(store, warehouse, me, "k" * 20, place["fresh"], "  ", now=NOW),
        400,
        "field.err.invalid",
        {"note": "field.err.risk_empty"},
    )
    assert count(store, field_submissions) == 1


# ------------------------------------------------------------------ my households
def test_a_units_households_with_what_is_due(store, warehouse, place):
    me = cadre(place)
    settings = load({})
    seen = next(h for h in place["ids"] if h != place["fresh"])
    F.record_visit(store, warehouse, me, KEY, seen, {**VISIT, "visited_on": "2026-07-20"}, now=NOW)
    F.report_risk(store, warehouse, me, "r" * 20, place["fresh"], "收入骤降", now=NOW)
    items = F.households(warehouse, store, me, settings, now=NOW)
    assert sorted(i["household_id"] for i in items) == place["ids"]
    by_id = {i["household_id"]: i for i in items}
    visited = by_id[seen]
    days = 30 if visited["monitor_state"] == 2 else 90
    assert (visited["last_visit"], visited["visit_due"], visited["visit_overdue"]) == (
        TODAY,
        TODAY + dt.timedelta(days=days),
        False,
    )
    reported = by_id[place["fresh"]]
    assert (reported["case_step"], reported["visit_overdue"], reported["due_count"]) == (
        "home_check",
        True,
        2,
    )
    assert items[0]["household_id"] == place["fresh"]  # the most due first
    assert items[-1]["household_id"] == seen  # nothing due
    rows = F.overdue_by_village(items)
    assert rows == [
        {
            "code": place["village"],
            "name": items[0]["village_name"],
            "households": len(place["ids"]),
            "overdue": len(place["ids"]) - 1,
            "never": len(place["ids"]) - 1,
        }
    ]
    # The township's list holds the village's; a unit outside the scope is refused.
    township = Scope("t_cadre", "cadre", place["village"][:9] + "000")
    assert {i["household_id"] for i in items} <= {
        i["household_id"] for i in F.households(warehouse, store, township, settings, now=NOW)
    }
    here = [v for v in F.villages(warehouse, township) if v["code"] == place["village"]]
    assert here == [
        {
            "code": place["village"],
            "name": items[0]["village_name"],
            "households": len(place["ids"]),
        }
    ]
    refused(
        lambda: F.households(warehouse, store, me, settings, unit="611026000000", now=NOW),
        404,
        "field.err.unit",
    )
    refused(
        lambda: F.households(warehouse, store, me, settings, unit=["x"], now=NOW),
        404,
        "field.err.unit",
    )


def test_a_linked_cadre_sees_the_households_paired_with_them(store, warehouse, warehouse_path):
    """An account linked to its registry cadre lists that cadre's current households of
    its township; a cadre with none there cannot be linked; the link is audited."""
    import duckdb as db_

    from ops.schema import audit_log

    con = db_.connect(str(warehouse_path), read_only=True)
    cadre_id, township = con.execute(
        "select p.cadre_id, h.township_code from pairing p join household h using (household_id) "
        "where p.end_date is null group by 1, 2 having count(*) >= 2 order by "
        "(select count(*) from household t where t.township_code = h.township_code) desc, 1 "
        "limit 1"
    ).fetchone()
    expected = [
        r[0]
        for r in con.execute(
            "select distinct h.household_id from pairing p join household h using (household_id) "
            "left join monitoring m using (household_id) where p.cadre_id = ? and p.end_date "
            "is null and h.township_code = ? and (h.is_registered or coalesce(m.state, 4) <> 4) "
            "order by 1",
            [cadre_id, township],
        ).fetchall()
    ]
    elsewhere = con.execute(
        "select p.cadre_id from pairing p join household h using (household_id) "
        "where p.end_date is null group by 1 having bool_and(h.township_code <> ?) "
        "order by 1 limit 1",
        [township],
    ).fetchone()[0]
    con.close()
    me = Scope("pair_cadre", "cadre", township)
    settings = load({})
    assert F.my_cadre(store, me) is None
    refused(
        lambda: F.link_cadre(store, warehouse, "cli", me, elsewhere),
        400,
        "field.err.invalid",
        {"cadre": "field.err.cadre"},
    )
    refused(lambda: F.link_cadre(store, warehouse, "cli", me, "x"), 400, "field.err.invalid")
    assert F.link_cadre(store, warehouse, "cli", me, cadre_id) >= len(expected) > 0
    assert F.my_cadre(store, me) == cadre_id
    mine = F.households(warehouse, store, me, settings, cadre_id=cadre_id, now=NOW)
    assert sorted(i["household_id"] for i in mine) == expected
    everyone = F.households(warehouse, store, me, settings, now=NOW)
    assert len(everyone) > len(mine)
    with store.connect() as conn:
        logged = conn.execute(
            sa.select(audit_log.c.actor, audit_log.c.target).where(
                audit_log.c.action == "user_link_cadre"
            )
        ).all()
    assert logged == [("cli", "pair_cadre")]
