"""Calibration of the synthetic registry against docs/domain.md, on a scale-0.05 build."""

from __future__ import annotations

import duckdb
import pytest

from etl import idnumber
from tests.conftest import build_warehouse


@pytest.fixture(scope="module")
def cal(tmp_path_factory):
    path = build_warehouse(tmp_path_factory.mktemp("cal") / "w.duckdb", scale=0.05)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()[0]


def test_size(cal):
    # A random number around the target (issue #16: totals are not round).
    n = one(cal, "select count(*) from household where is_registered")
    assert n != 50_000 and abs(n - 50_000) < 1_000
    # About 3.0 people at identification; fewer today (deaths, daughters married out).
    people = one(cal, "select sum(members) from household where is_registered")
    assert 2.7 <= people / n <= 3.0


def test_concentrated_in_the_poverty_counties(cal):
    share = one(
        cal,
        """
        select avg(r.is_poverty_county::int) from household as h
        join region as r on r.code = h.county_code where h.is_registered""",
    )
    assert 0.84 <= share <= 0.92


def test_south_and_north_hold_most_of_the_rest(cal):
    by_region = dict(
        cal.execute("""
        select case when city_code in ('610700000000', '610900000000', '611000000000')
                    then 'south'
                    when city_code in ('610600000000', '610800000000') then 'north'
                    else 'guanzhong' end, count(*)
        from household where is_registered group by 1""").fetchall()
    )
    # The north's counties have small census populations (county caps, issue #16):
    # fewer registered households than Guanzhong's many people, still a good share.
    total = sum(by_region.values())
    assert by_region["south"] > by_region["guanzhong"] > by_region["north"] > 0.1 * total


def test_urban_communities_get_few(cal):
    share = one(
        cal,
        """
        select avg((r.kind = 'community')::int) from household as h
        join region as r on r.code = h.village_code where h.is_registered""",
    )
    assert share < 0.02
    # Inner-city districts of Xi'an have no rural poor at all.
    assert (
        one(
            cal,
            "select count(*) from household where county_code in "
            "('610102000000', '610103000000', '610104000000')",
        )
        == 0
    )


def test_poverty_counties_below_three_percent_in_their_exit_year(cal):
    rows = cal.execute("""
        select r.name, y.poverty_incidence
        from region as r
        join indicator_year as y on y.region_code = r.code and y.year = r.exit_year
        where r.is_poverty_county""").fetchall()
    assert len(rows) == 56
    assert [name for name, inc in rows if inc >= 0.03] == []


def test_exit_years(cal):
    assert (
        one(
            cal,
            """select count(*) from household where is_registered
                       and not (exit_year between identify_year and 2020)""",
        )
        == 0
    )
    # None left poor at the end of 2020; most exits 2016-2019, the peak in 2018.
    assert (
        one(
            cal,
            "select pp_not_exited from rollup_year "
            "where region_code = '610000000000' and year = 2020",
        )
        == 0
    )
    exits = dict(
        cal.execute("""select exit_year, sum(members) from household
                                where is_registered group by 1""").fetchall()
    )
    total = sum(exits.values())
    assert max(exits, key=exits.get) == 2018
    assert sum(exits[y] for y in (2016, 2017, 2018, 2019)) / total >= 0.75


def test_income_consistent_with_status(cal):
    # Before exit below the poverty line, in the exit year above it.
    bad = one(
        cal,
        """
        select count(*) from income as i
        join household as h using (household_id)
        join lines as l using (year)
        where h.is_registered and (
            (i.year < h.exit_year and i.per_capita >= l.poverty_line)
            or (i.year = h.exit_year and i.per_capita < l.poverty_line))""",
    )
    assert bad == 0


def test_monitored_households_near_the_line(cal):
    # Monitoring objects (identified); households checked and not included are not.
    share = one(
        cal,
        """
        select avg((i.per_capita between 0.7 * l.monitoring_line
                                      and 1.1 * l.monitoring_line)::int)
        from monitoring as m
        join income as i on i.household_id = m.household_id
                        and i.year = year(m.warning_date)
        join lines as l on l.year = i.year
        where m.identify_date is not null""",
    )
    assert share >= 0.95


def test_monitoring_share(cal):
    overall = one(
        cal,
        """
        select sum(members) filter (where monitor_type is not null)
               / sum(members) filter (where is_registered) from household""",
    )
    assert 0.045 <= overall <= 0.055
    worst = one(
        cal,
        """
        with c as (
            select county_code,
                   sum(members) filter (where monitor_type is not null) as mon,
                   sum(members) filter (where is_registered) as reg
            from household group by 1)
        select max(mon / reg) from c where reg >= 3000""",
    )
    assert worst <= 0.10


def test_monitoring_records(cal):
    types = dict(cal.execute("select monitor_type, count(*) from monitoring group by 1").fetchall())
    assert set(types) == {1, 2, 3}
    assert one(cal, "select min(warning_date) from monitoring") >= one(
        cal, "select date '2020-03-01'"
    )
    # One to five distinct risk types per household.
    assert cal.execute("""select min(n), max(n), bool_and(n = d) from (
        select count(*) as n, count(distinct risk_type) as d from monitoring_risk
        group by monitoring_id)""").fetchone() == (1, 5, True)
    order_bad = one(
        cal,
        """select count(*) from monitoring where
        identify_date < warning_date or eliminate_date < identify_date
        or (eliminate_date is not null and identify_date is null)""",
    )
    assert order_bad == 0
    # Monthly: identifications in every month since the mechanism began.
    months = one(
        cal,
        """select count(distinct date_trunc('month', identify_date))
                         from monitoring where identify_date >= '2020-04-01'""",
    )
    assert months >= 78


def test_id_numbers(cal):
    rows = cal.execute("""
        select p.id_number, p.sex, p.birth_date::varchar, h.county_code
        from person as p join household as h using (household_id)""").fetchall()
    assert all(idnumber.is_valid(i) for i, *_ in rows)
    assert all(i[:6] == county[:6] for i, _, _, county in rows)
    assert all(i[6:14] == birth.replace("-", "") for i, _, birth, _ in rows)
    assert all(idnumber.sex_of(i) == sex for i, sex, _, _ in rows)
    assert len({i for i, *_ in rows}) == len(rows)


def test_department_records_have_a_small_share_of_hits(cal):
    people = one(cal, "select count(*) from person")
    current = one(cal, "select count(*) from person where left_date is null")
    for table, low, high in (
        ("dept_vehicle", 0.003, 0.02),
        ("dept_business", 0.001, 0.01),
        ("dept_payroll", 0.0005, 0.006),
        ("dept_death", 0.00002, 0.002),
    ):
        # Deaths: of current members (those not yet recorded in the registry); the
        # members who died are listed with left_reason 1 and are not hits.
        where = "where p.left_date is null" if table == "dept_death" else ""
        hits = one(
            cal,
            f"select count(distinct d.id_number) from {table} as d "
            f"join person as p using (id_number) {where}",
        )
        assert low <= hits / (current if where else people) <= high, table
        # Departments also hold people outside the registry.
        assert (
            one(cal, f"select count(*) from {table} as d anti join person as p using (id_number)")
            > 0
        )


def test_every_registered_household_has_a_cadre(cal):
    assert (
        one(
            cal,
            """select count(*) from household as h
                       left join cadre as c using (cadre_id)
                       where c.cadre_id is null""",
        )
        == 0
    )
    # A cadre helps households of one township.
    assert (
        one(
            cal,
            """select count(*) from household as h join cadre as c using (cadre_id)
                       where c.township_code != h.township_code""",
        )
        == 0
    )
