"""The platform's monitoring cases merged over the registry's records (etl/cases.py,
etl/warehouse.refresh_cases): the figures count what was done in the platform, once."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from etl import cases as platform
from etl import warehouse as W

DAYS = {
    "check_date": dt.date(2026, 7, 2),
    "consent_date": dt.date(2026, 7, 3),
    "comparison_date": dt.date(2026, 7, 4),
    "village_review_date": dt.date(2026, 7, 6),
    "notice_date": dt.date(2026, 7, 7),
    "notice_end_date": dt.date(2026, 7, 12),
    "township_review_date": dt.date(2026, 7, 14),
    "county_decision_date": dt.date(2026, 7, 15),
}


def case(id_: int, household_no: str, state: str = "included", **kw) -> dict:
    days = DAYS if state in ("included", "not_included") else {}
    return {
        "id": id_,
        "household_no": household_no,
        "channel": 2,
        "state": state,
        "warned_on": dt.date(2026, 7, 1),
        **days,
        "monitor_type": 2 if state == "included" else None,
        "risks": "1,7" if state == "included" else "",
        "exclude_reason": 1 if state == "not_included" else None,
        **kw,
    }


@pytest.fixture
def copy(warehouse_path, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, path)
    return path


def _households(path) -> dict[str, tuple]:
    """Two households of one county without a monitoring record, and one warned only."""
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute(
        "select h.household_no, h.household_id, h.county_code from household h "
        "left join monitoring m using (household_id) where m.household_id is null "
        "and h.county_code = (select county_code from household group by 1 order by "
        "count(*) desc limit 1) order by 2 limit 2"
    ).fetchall()
    warned = con.execute(
        "select h.household_no, h.household_id, m.monitoring_id from household h "
        "join monitoring m using (household_id) where m.state = 1 order by 2 limit 1"
    ).fetchone()
    con.close()
    return {"new": rows, "warned": warned}


def _figures(path, county: str) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    month = con.execute(
        "select hh_monitored, hh_new_identified, hh_identified_timely from indicator_month "
        "where region_code = ? and month = (select max(month) from indicator_month)",
        [county],
    ).fetchone()
    july = con.execute(
        "select hh_new_identified, hh_new_warned from indicator_month "
        "where region_code = ? and month = date '2026-07-01'",
        [county],
    ).fetchone()
    con.close()
    return {"monitored": month[0], "july_identified": july[0], "july_warned": july[1]}


def _record(path, household_id: int) -> dict | None:
    con = duckdb.connect(str(path), read_only=True)
    cur = con.execute("select * from monitoring where household_id = ?", [household_id])
    row = cur.fetchone()
    cols = [d[0] for d in cur.description]
    risks = con.execute(
        "select list(risk_type order by seq) from monitoring_risk where household_id = ?",
        [household_id],
    ).fetchone()[0]
    con.close()
    return None if row is None else dict(zip(cols, row)) | {"risks": risks}


def test_an_included_case_becomes_a_record_and_counts_once(copy):
    homes = _households(copy)
    (no, hid, county), _ = homes["new"]
    before = _figures(copy, county)
    merged, _ = W.refresh_cases(copy, [case(1, no)])
    assert merged == 1
    rec = _record(copy, hid)
    assert {k: rec[k] for k in ("state", "discovery", "warning_date", "identify_date")} == {
        "state": 2,
        "discovery": 2,
        "warning_date": dt.date(2026, 7, 1),
        "identify_date": dt.date(2026, 7, 15),
    }
    assert (rec["monitor_type"], rec["risk_count"], rec["main_risk"], rec["risks"]) == (
        2,
        2,
        1,
        [1, 7],
    )
    after = _figures(copy, county)
    assert after == {
        "monitored": before["monitored"] + 1,
        "july_identified": before["july_identified"] + 1,
        "july_warned": before["july_warned"] + 1,
    }
    # The same cases merged again (and after another refresh) count once.
    W.refresh_cases(copy, [case(1, no)])
    assert _figures(copy, county) == after


def test_a_case_on_a_warned_record_replaces_its_procedure(copy):
    no, hid, monitoring_id = _households(copy)["warned"]
    W.refresh_cases(copy, [case(7, no, warned_on=dt.date(2026, 7, 1))])
    rec = _record(copy, hid)
    assert (rec["monitoring_id"], rec["state"], rec["check_result"]) == (monitoring_id, 2, 1)
    con = duckdb.connect(str(copy), read_only=True)
    assert con.execute(
        "select count(*) from monitoring where household_id = ?", [hid]
    ).fetchone() == (1,)
    assert con.execute("select case_id, state from platform_cases").fetchall() == [(7, "included")]
    con.close()


def test_the_newest_case_of_a_household_wins_and_an_exclusion_is_state_4(copy):
    (no, hid, _), (no2, hid2, _) = _households(copy)["new"]
    older = case(1, no, warned_on=dt.date(2026, 6, 1))
    newer = case(2, no, state="not_included", decision_note="收入高于监测范围")
    open_ = case(3, no2, state="checked", check_date=dt.date(2026, 7, 2))
    assert W.refresh_cases(copy, [older, newer, open_])[0] == 2
    rec = _record(copy, hid)
    assert (rec["state"], rec["check_result"], rec["exclude_reason"], rec["identify_date"]) == (
        4,
        2,
        1,
        None,
    )
    rec2 = _record(copy, hid2)
    assert (rec2["state"], rec2["check_date"], rec2["monitor_type"], rec2["risk_count"]) == (
        1,
        dt.date(2026, 7, 2),
        None,
        0,
    )


def test_no_cases_leave_the_records_as_they_were(copy):
    con = duckdb.connect(str(copy), read_only=True)
    before = con.execute("select * from monitoring order by monitoring_id").fetchall()
    con.close()
    assert W.refresh_cases(copy, [case(1, "NO-SUCH-HOUSEHOLD")])[0] == 0
    con = duckdb.connect(str(copy), read_only=True)
    assert con.execute("select * from monitoring order by monitoring_id").fetchall() == before
    con.close()


def _month(path, county: str, month: dt.date) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    cur = con.execute(
        "select hh_monitored, hh_eliminated, hh_new_eliminated, hh_with_measure, hh_unresolved "
        "from indicator_month where region_code = ? and month = ?",
        [county, month],
    )
    row, cols = cur.fetchone(), [d[0] for d in cur.description]
    con.close()
    return dict(zip(cols, row))


def test_an_elimination_and_its_measures_count_in_the_month_they_were_done(copy):
    """A case eliminated in December (after the registry's as-of day, 2026-10-31) moves the
    warehouse's as-of on, counts in December's figures, and its measure counts once."""
    (no, hid, county), _ = _households(copy)["new"]
    before = _month(copy, county, dt.date(2026, 10, 1))
    measure = {
        "done_on": dt.date(2026, 8, 1),
        "category": 7,
        "amount": 3000.0,
        "department": "medins",
    }
    done = case(
        1,
        no,
        "eliminated",
        **DAYS,
        monitor_type=2,
        risks="1,7",
        assist_date=dt.date(2026, 8, 1),
        eliminate_date=dt.date(2026, 12, 1),
        elim_method=1,
        last_on=dt.date(2026, 12, 1),
        measures=[measure],
    )
    for _ in range(2):  # a second refresh replaces the platform's measures, never adds
        W.refresh_cases(copy, [done])
        rec = _record(copy, hid)
        keys = ("state", "identify_date", "assist_date", "eliminate_date", "eliminate_method")
        assert {k: rec[k] for k in keys} == {
            "state": 3,
            "identify_date": dt.date(2026, 7, 15),
            "assist_date": dt.date(2026, 8, 1),
            "eliminate_date": dt.date(2026, 12, 1),
            "eliminate_method": 1,
        }
        con = duckdb.connect(str(copy), read_only=True)
        rows = con.execute(
            "select category, start_date, amount, for_monitoring, channel from measure "
            "where household_id = ? and for_monitoring",
            [hid],
        ).fetchall()
        as_of = con.execute("select as_of from data_version").fetchone()[0]
        con.close()
        assert rows == [(7, dt.date(2026, 8, 1), 3000, True, 6)]
        assert as_of == dt.date(2026, 12, 1)
        december = _month(copy, county, dt.date(2026, 12, 1))
        assert december == {
            "hh_monitored": before["hh_monitored"] + 1,
            "hh_eliminated": before["hh_eliminated"] + 1,
            "hh_new_eliminated": 1,
            "hh_with_measure": before["hh_with_measure"] + 1,
            "hh_unresolved": before["hh_unresolved"],
        }


def test_the_as_of_day_moves_on_only_to_a_recorded_day_with_a_line():
    con = duckdb.connect()
    con.execute("create table lines as select 2026 as year, 7900 as monitoring_line")
    as_of, today = dt.date(2026, 10, 31), dt.date(2027, 1, 9)
    dec = [{"last_on": dt.date(2026, 12, 1)}]
    jan = [{"last_on": dt.date(2027, 1, 5), "measures": [{"done_on": dt.date(2027, 1, 6)}]}]
    assert platform.as_of_after(con, [], as_of, today) == as_of
    assert platform.as_of_after(con, dec, as_of, today) == dt.date(2026, 12, 1)
    assert platform.as_of_after(con, jan, as_of, today) == dt.date(2026, 12, 31)  # no 2027 line
    con.execute("insert into lines values (2027, 8200)")
    assert platform.as_of_after(con, jan, as_of, today) == dt.date(2027, 1, 6)
    assert platform.as_of_after(con, jan, as_of, dt.date(2027, 1, 5)) == dt.date(2027, 1, 5)
    assert platform.as_of_after(con, dec, dt.date(2026, 12, 20), today) == dt.date(2026, 12, 20)
