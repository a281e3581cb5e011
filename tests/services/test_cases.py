"""Monitoring cases (services/cases.py, domain/cases.py, ops/cases.py): the identification
procedure from the opening to the county's decision, each step by its level and within
its scope; bad input, a step out of order and a stale version change nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from types import SimpleNamespace

import duckdb
import pytest
import sqlalchemy as sa

from access import Scope
from domain import cases as D
from exports import notice
from ops import cases as O
from ops import db, migrations
from ops.schema import case_events, monitoring_cases
from queries.runner import Warehouse
from services import cases as S
from services import schedule

NOW = dt.datetime(2026, 7, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shaanxi: today is 07-20
WARNED = dt.date(2026, 7, 1)


@pytest.fixture(scope="module")
def homes(warehouse_path) -> list[tuple[int, str]]:
    """Households of one village of the tiny warehouse without a monitoring record."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    village = con.execute(
        "select h.village_code from household h left join monitoring m using (household_id) "
        "where m.household_id is null group by 1 having count(*) >= 4 order by 1 limit 1"
    ).fetchone()[0]
    rows = con.execute(
        "select h.household_id, h.village_code from household h "
        "left join monitoring m using (household_id) "
        "where m.household_id is null and h.village_code = ? order by 1 limit 4",
        [village],
    ).fetchall()
    other = con.execute(
        "select code from region where level = 5 and code[1:9] <> ? order by code limit 1",
        [village[:9]],
    ).fetchone()[0]
    con.close()
    return rows + [(0, other)]


@pytest.fixture(scope="module")
def warehouse(warehouse_path):
    return Warehouse(warehouse_path, cache_dir=None, reload_seconds=3600)


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def people(village: str) -> dict[str, Scope]:
    return {
        "village": Scope("v_cadre", "cadre", village),
        "township": Scope("t_cadre", "cadre", village[:9] + "000"),
        "county": Scope("c_manager", "manager", village[:6] + "000000"),
        "leader": Scope("c_leader", "leader", village[:6] + "000000"),
    }


STEPS = [  # (who, data) from the opening to the township's pass
    ("village", {"step": "home_check", "date": "2026-07-02", "outcome": "proceed"}),
    ("village", {"step": "consent", "date": "2026-07-03"}),
    ("village", {"step": "comparison", "date": "2026-07-04", "note": "医保、民政比对无异常"}),
    (
        "village",
        {"step": "village_review", "date": "2026-07-06", "notice_start": "2026-07-07"},
    ),
    ("village", {"step": "notice_end", "date": "2026-07-12", "objections": "无异议"}),
    ("township", {"step": "township_review", "date": "2026-07-14", "outcome": "pass"}),
]
INCLUDE = {
    "step": "county_decision",
    "date": "2026-07-15",
    "outcome": "include",
    "monitor_type": 2,
    "risks": [1, 7],
}


def opened(store, warehouse, scope, household_id, **kw) -> dict:
    kw.setdefault("warned_on", WARNED)
    return S.open_case(store, warehouse, scope, household_id, 2, now=NOW, **kw)


def walk(store, who, case, steps=STEPS) -> dict:
    for role, data in steps:
        case = S.record_step(store, who[role], case["id"], case["version"], data, NOW)
    return case


def refused(status: int, key: str, fn, *args, **kw) -> D.CaseError:
    with pytest.raises(D.CaseError) as exc:
        fn(*args, **kw)
    assert (exc.value.status, exc.value.key) == (status, key)
    return exc.value


def test_a_case_runs_from_the_opening_to_the_county_decision(store, warehouse, homes):
    hid, village = homes[0]
    who = people(village)
    case = opened(store, warehouse, who["village"], hid, note="走访发现家中有重病患者")
    assert (case["state"], case["due_on"], case["days_left"], case["overdue"]) == (
        "opened",
        dt.date(2026, 7, 16),
        -4,
        True,
    )
    assert case["next_step"] == "home_check" and case["responsible"] == village
    case = walk(store, who, case)
    assert (case["state"], case["next_step"]) == ("passed", None)  # a village cadre's view
    assert S.get(store, who["county"], case["id"], NOW)["next_step"] == "county_decision"
    case = S.record_step(store, who["county"], case["id"], case["version"], INCLUDE, NOW)
    row = {k: case[k] for k in ("state", "monitor_type", "risks", "open_household", "version")}
    assert row == {
        "state": "included",
        "monitor_type": 2,
        "risks": "1,7",
        "open_household": hid,  # monitored: still its open case
        "version": 8,
    }
    assert [case[k] for k in list(D.DATE_COLUMN.values())[:7]] == [
        dt.date(2026, 7, d) for d in (2, 3, 4, 6, 12, 14, 15)
    ]
    assert case["notice_date"] == dt.date(2026, 7, 7) and case["days_left"] is None
    assert [(e["kind"], e["from_state"], e["to_state"], e["actor"]) for e in case["events"]] == [
        ("opened", None, "opened", "v_cadre"),
        ("home_check", "opened", "checked", "v_cadre"),
        ("consent", "checked", "consented", "v_cadre"),
        ("comparison", "consented", "compared", "v_cadre"),
        ("village_review", "compared", "noticed_open", "v_cadre"),
        ("notice_end", "noticed_open", "noticed", "v_cadre"),
        ("township_review", "noticed", "passed", "t_cadre"),
        ("county_decision", "passed", "included", "c_manager"),
    ]
    assert case["events"][5]["data"] == {"objections": "无异议"}
    assert case["events"][7]["data"] == {"outcome": "include", "monitor_type": 2, "risks": [1, 7]}


def test_each_step_only_by_its_level(store, warehouse, homes):
    hid, village = homes[0]
    who = people(village)
    case = opened(store, warehouse, who["township"], hid)  # a township may open a case
    home = STEPS[0][1]
    refused(
        403,
        "case.err.village_level",
        S.record_step,
        store,
        who["township"],
        case["id"],
        1,
        home,
        NOW,
    )
    refused(
        403, "case.err.village_level", S.record_step, store, who["county"], case["id"], 1, home, NOW
    )
    case = walk(store, who, case, STEPS[:5])
    review = STEPS[5][1]
    refused(
        403,
        "case.err.township_level",
        S.record_step,
        store,
        who["village"],
        case["id"],
        case["version"],
        review,
        NOW,
    )
    case = walk(store, who, case, STEPS[5:])
    refused(
        403,
        "case.err.county_level",
        S.record_step,
        store,
        who["township"],
        case["id"],
        case["version"],
        INCLUDE,
        NOW,
    )
    wall = Scope("w", "wall", "610000000000")
    refused(
        403, "error.role", S.record_step, store, wall, case["id"], case["version"], INCLUDE, NOW
    )
    # A county leader decides as a county manager does.
    done = S.record_step(store, who["leader"], case["id"], case["version"], INCLUDE, NOW)
    assert done["state"] == "included"  # fmt: skip


def test_outside_the_scope_a_case_is_not_found(store, warehouse, homes):
    hid, village = homes[0]
    stranger = people(homes[-1][1])
    case = opened(store, warehouse, people(village)["village"], hid)
    refused(404, "case.err.not_found", S.get, store, stranger["village"], case["id"], NOW)
    refused(
        404,
        "case.err.not_found",
        S.record_step,
        store,
        stranger["village"],
        case["id"],
        1,
        STEPS[0][1],
        NOW,
    )
    refused(404, "case.err.household", opened, store, warehouse, stranger["village"], homes[1][0])
    assert S.cases_of(store, stranger["county"], now=NOW) == []
    assert [c["id"] for c in S.cases_of(store, people(village)["county"], now=NOW)] == [case["id"]]


def _unchanged(store, case_id) -> tuple:
    with store.connect() as conn:
        row = conn.execute(
            sa.select(monitoring_cases).where(monitoring_cases.c.id == case_id)
        ).one()
        n = conn.execute(sa.select(sa.func.count()).select_from(case_events)).scalar()
    return tuple(row), n


def test_bad_input_changes_nothing(store, warehouse, homes):
    hid, village = homes[0]
    v = people(village)["village"]
    case = opened(store, warehouse, v, hid)
    before = _unchanged(store, case["id"])
    cid = case["id"]
    refused(409, "case.err.order", S.record_step, store, v, cid, 1, STEPS[1][1], NOW)
    e = refused(
        400,
        "case.err.invalid",
        S.record_step,
        store,
        v,
        cid,
        1,
        {"step": "home_check", "date": "2026-07-21", "outcome": "proceed"},
        NOW,
    )
    assert e.fields == {"date": "case.err.future"}
    e = refused(
        400,
        "case.err.invalid",
        S.record_step,
        store,
        v,
        cid,
        1,
        {"step": "home_check", "date": "2026-06-30", "outcome": "proceed"},
        NOW,
    )
    assert e.fields == {"date": "case.err.before_last"}
    e = refused(
        400,
        "case.err.invalid",
        S.record_step,
        store,
        v,
        cid,
        1,
        {"step": "home_check", "date": "2026-07-02", "outcome": "exclude"},
        NOW,
    )
    assert e.fields == {
        "exclude_reason": "case.err.exclude_reason",
        "note": "case.err.reason_needed",
    }
    e = refused(
        400,
        "case.err.invalid",
        S.record_step,
        store,
        v,
        cid,
        1,
        {"step": "teleport", "date": "2026-07-02"},
        NOW,
    )
    assert e.fields == {"step": "case.err.unknown_step"}
    e = refused(400, "case.err.invalid", S.record_step, store, v, cid, "1", STEPS[0][1], NOW)
    assert e.fields == {"version": "case.err.version"}
    refused(400, "case.err.invalid", S.record_step, store, v, cid, 1, ["step"], NOW)
    refused(
        404, "case.err.not_found", S.record_step, store, v, "1; drop table", 1, STEPS[0][1], NOW
    )
    assert _unchanged(store, cid) == before


def test_a_stale_version_is_a_conflict_and_nothing_is_lost(store, warehouse, homes):
    hid, village = homes[0]
    v = people(village)["village"]
    case = opened(store, warehouse, v, hid)
    first = S.record_step(store, v, case["id"], 1, STEPS[0][1], NOW)
    e = refused(409, "case.err.conflict", S.record_step, store, v, case["id"], 1, STEPS[0][1], NOW)
    assert e.current["version"] == 2 and e.current["state"] == "checked"
    assert S.get(store, v, case["id"], NOW)["events"] == first["events"]


def test_the_notice_runs_five_days_and_a_return_is_reviewed_again(store, warehouse, homes):
    hid, village = homes[0]
    who = people(village)
    case = walk(store, who, opened(store, warehouse, who["village"], hid), STEPS[:4])
    short = {"step": "notice_end", "date": "2026-07-11"}  # 4 days after 07-07
    e = refused(
        400,
        "case.err.invalid",
        S.record_step,
        store,
        who["village"],
        case["id"],
        case["version"],
        short,
        NOW,
    )
    assert e.fields == {"date": "case.err.notice_short"}
    case = walk(store, who, case, STEPS[4:5])
    back = {"step": "township_review", "date": "2026-07-13", "outcome": "return"}
    e = refused(
        400,
        "case.err.invalid",
        S.record_step,
        store,
        who["township"],
        case["id"],
        case["version"],
        back,
        NOW,
    )
    assert e.fields == {"note": "case.err.reason_needed"}
    case = S.record_step(
        store, who["township"], case["id"], case["version"], {**back, "note": "收入核算有误"}, NOW
    )
    assert case["state"] == "compared"
    assert S.get(store, who["village"], case["id"], NOW)["next_step"] == "village_review"


def test_a_home_check_or_the_county_may_exclude_with_a_reason(store, warehouse, homes):
    who = people(homes[0][1])
    case = opened(store, warehouse, who["village"], homes[0][0])
    out = {
        "step": "home_check",
        "date": "2026-07-02",
        "outcome": "exclude",
        "exclude_reason": 1,
        "note": "收入高于监测范围",
    }
    case = S.record_step(store, who["village"], case["id"], 1, out, NOW)
    assert (case["state"], case["exclude_reason"], case["decision_note"]) == (
        "not_included",
        1,
        "收入高于监测范围",
    )
    # Decided: the household may have a new case.
    again = opened(store, warehouse, who["village"], homes[0][0], warned_on="2026-07-10")
    assert again["state"] == "opened"
    refused(409, "case.err.open_exists", opened, store, warehouse, who["village"], homes[0][0])


def test_an_included_household_gets_no_second_case(store, warehouse, homes):
    who = people(homes[0][1])
    case = walk(store, who, opened(store, warehouse, who["village"], homes[0][0]))
    S.record_step(store, who["county"], case["id"], case["version"], INCLUDE, NOW)
    refused(409, "case.err.monitored", opened, store, warehouse, who["village"], homes[0][0])


def test_opening_needs_a_channel_a_day_and_the_right_role(store, warehouse, homes):
    hid, village = homes[0]
    who = people(village)
    e = refused(
        400, "case.err.invalid", S.open_case, store, warehouse, who["village"], hid, 9, now=NOW
    )
    assert e.fields == {"channel": "case.err.channel"}
    e = refused(
        400,
        "case.err.invalid",
        opened,
        store,
        warehouse,
        who["village"],
        hid,
        warned_on="2026-07-21",
    )
    assert e.fields == {"warned_on": "case.err.date"}
    city = Scope("city", "manager", village[:4] + "00000000")
    refused(403, "case.err.open_level", opened, store, warehouse, city, hid)
    dept = Scope("d", "department", village[:6] + "000000", "health")
    refused(404, "case.err.household", opened, store, warehouse, dept, hid)
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(monitoring_cases)).scalar() == 0


def test_the_county_decides_a_list_at_once_or_not_at_all(store, warehouse, homes):
    who = people(homes[0][1])
    cases = [walk(store, who, opened(store, warehouse, who["village"], h)) for h, _ in homes[:3]]
    pairs = [[c["id"], c["version"]] for c in cases]
    stale = [*pairs[:2], [pairs[2][0], 1]]
    e = refused(409, "case.err.conflict", S.decide_many, store, who["county"], stale, INCLUDE, NOW)
    assert e.params["case"] == cases[2]["id"]
    assert {c["state"] for c in S.cases_of(store, who["county"], now=NOW)} == {"passed"}
    assert S.decide_many(store, who["county"], pairs, INCLUDE, NOW) == [c["id"] for c in cases]
    assert {c["state"] for c in S.cases_of(store, who["county"], now=NOW)} == {"included"}
    refused(400, "case.err.invalid", S.decide_many, store, who["county"], [], INCLUDE, NOW)


def test_an_overdue_case_escalates_once_to_the_unit_above(store, warehouse, homes):
    hid, village = homes[0]
    who = people(village)
    case = opened(store, warehouse, who["village"], hid)
    assert O.escalate(store, dt.date(2026, 7, 16), NOW) == 0  # due on 07-16: not yet late
    assert O.escalate(store, dt.date(2026, 7, 17), NOW) == 1
    assert O.escalate(store, dt.date(2026, 7, 17), NOW) == 0
    case = S.get(store, who["village"], case["id"], NOW)
    assert case["escalated_to"] == village[:9] + "000"
    assert case["events"][-1]["kind"] == "escalated" and case["events"][-1]["actor"] == "system"
    case = walk(store, who, case, STEPS)  # now the county's step is late: the city hears
    assert O.escalate(store, dt.date(2026, 7, 17), NOW) == 1
    assert S.get(store, who["county"], case["id"], NOW)["escalated_to"] == village[:4] + "00000000"
    assert O.counts(store, who["county"], dt.date(2026, 7, 17))["overdue"] == 1


def test_a_warning_opens_a_case_that_counts_from_the_warning(store, warehouse, warehouse_path):
    con = duckdb.connect(str(warehouse_path), read_only=True)
    key, hid, village, warned = con.execute(
        "select w.rule_id || ':' || w.household_id || ':' || w.warned_on, w.household_id, "
        "w.village_code, w.warned_on from warning w left join monitoring m using (household_id) "
        "where m.household_id is null or m.state <> 2 order by 1 limit 1"
    ).fetchone()
    con.close()
    county = people(village)["county"]
    now = dt.datetime.combine(warned, dt.time(4), dt.UTC)
    case = S.open_from_warning(store, warehouse, county, key, now)
    assert (case["channel"], case["source_ref"], case["warned_on"], case["household_id"]) == (
        5,
        f"warning:{key}",
        warned,
        hid,
    )
    refused(
        404,
        "case.err.warning",
        S.open_from_warning,
        store,
        warehouse,
        county,
        "x:1:2026-01-01",
        now,
    )


def test_case_events_are_append_only(store, warehouse, homes):
    opened(store, warehouse, people(homes[0][1])["village"], homes[0][0])
    for verb in ("update case_events set body = 'x'", "delete from case_events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with store.begin() as conn:
                conn.exec_driver_sql(verb)


def test_the_schedule_escalates_cases_and_the_refresh_merges_them(
    store, warehouse, homes, warehouse_path, tmp_path
):
    hid, village = homes[0]
    who = people(village)
    case = opened(store, warehouse, who["village"], hid)
    late = dt.datetime(2026, 7, 17, 4, 0, tzinfo=dt.UTC)
    assert schedule.tick(store, late)["cases_escalated"] == 1
    assert schedule.tick(store, late)["cases_escalated"] == 0
    case = walk(store, who, S.get(store, who["village"], case["id"], NOW))
    S.record_step(store, who["county"], case["id"], case["version"], INCLUDE, NOW)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, copy)
    merged, _ = S.refresh(store, SimpleNamespace(warehouse=copy))
    assert merged == 1
    con = duckdb.connect(str(copy), read_only=True)
    row = con.execute(
        "select state, identify_date, monitor_type from monitoring where household_id = ?", [hid]
    ).fetchone()
    con.close()
    assert row == (2, dt.date(2026, 7, 15), 2)


def test_the_province_refreshes_in_the_background_audited(
    store, warehouse, homes, warehouse_path, tmp_path
):
    hid, village = homes[0]
    who = people(village)
    case = walk(store, who, opened(store, warehouse, who["village"], hid))
    S.record_step(store, who["county"], case["id"], case["version"], INCLUDE, NOW)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, copy)
    settings = SimpleNamespace(warehouse=copy)
    refused(403, "case.err.refresh_level", S.start_refresh, store, settings, who["county"])
    cadre = Scope("p_cadre", "cadre", "610000000000")
    refused(403, "error.role", S.start_refresh, store, settings, cadre)
    province = Scope("p_manager", "manager", "610000000000")
    assert S.start_refresh(store, settings, province, "10.0.0.9") is True
    assert S.start_refresh(store, settings, province) is False  # one at a time
    for _ in range(600):
        with store.connect() as conn:
            done = conn.execute(
                sa.text("select actor, outcome, detail, ip from audit_log where action = :a"),
                {"a": "cases_refresh"},
            ).all()
        if done:
            break
        time.sleep(0.1)
    ((actor, outcome, detail, ip),) = done
    assert (actor, outcome, json.loads(detail)["households"], ip) == (
        "p_manager",
        "ok",
        1,
        "10.0.0.9",
    )
    con = duckdb.connect(str(copy), read_only=True)
    assert con.execute("select state from monitoring where household_id = ?", [hid]).fetchone() == (
        2,
    )
    con.close()


# ------------------------------------------------------------------ the public notice
SETTINGS = SimpleNamespace(cjk_font="Noto Sans CJK SC")


def test_the_notice_lists_the_villages_households_without_ids_or_phones(
    store, warehouse, homes, warehouse_path
):
    who = people(homes[0][1])
    reviewed = {**STEPS[3][1], "note": "家庭成员患重病，医疗支出大"}
    cases = []
    for hid, _ in homes[:2]:
        case = walk(store, who, opened(store, warehouse, who["village"], hid), STEPS[:3])
        cases.append(
            S.record_step(store, who["village"], case["id"], case["version"], reviewed, NOW)
        )
    waiting = opened(store, warehouse, who["village"], homes[2][0])  # not under notice
    name, title, html = notice.notice_html(
        store, warehouse, who["village"], cases[0]["id"], SETTINGS, "村干部", "zh", NOW
    )
    con = duckdb.connect(str(warehouse_path), read_only=True)
    people_rows = con.execute(
        "select h.household_no, h.head_name, h.phone, p.id_number from household h "
        "join person p using (household_id) where h.household_id in (?, ?, ?)",
        [homes[0][0], homes[1][0], homes[2][0]],
    ).fetchall()
    con.close()
    assert name == f"notice-{homes[0][1]}-2026-07-07.pdf" and "公示" in title
    body = re.sub(r"<[^>]+>", " ", html)
    listed = {no for no, *_ in people_rows if no in body}
    assert listed == {c["household_no"] for c in cases}
    assert waiting["household_no"] not in body
    assert all(head in body for no, head, *_ in people_rows if no in listed)
    assert body.count("家庭成员患重病，医疗支出大") == 2
    for _, _, phone, id_number in people_rows:
        assert id_number not in html and (not phone or phone not in html)
    # Household numbers are 16 digits; an ID number is 18 (the last may be X), a mobile 11.
    assert re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", body) is None
    assert re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", body) is None
    assert "2026年7月7日" in body and "2026年7月12日" in body


def test_no_notice_before_the_village_review_or_outside_the_scope(store, warehouse, homes):
    who = people(homes[0][1])
    case = opened(store, warehouse, who["village"], homes[0][0])
    refused(
        409,
        "case.err.no_notice",
        notice.notice_html,
        store,
        warehouse,
        who["village"],
        case["id"],
        SETTINGS,
        "x",
        "zh",
    )
    stranger = people(homes[-1][1])["village"]
    refused(
        404,
        "case.err.not_found",
        notice.notice_html,
        store,
        warehouse,
        stranger,
        case["id"],
        SETTINGS,
        "x",
        "zh",
    )
    with pytest.raises(S.CaseError):
        notice.notice_html(store, warehouse, who["village"], "x", SETTINGS, "x", "zh")
