"""The built warehouse: tables, level counts, determinism and exact reconciliation."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import build_warehouse

REQUIRED_TABLES = {
    "region",
    "household",
    "person",
    "income",
    "measure",
    "cadre",
    "unit",
    "monitoring",
    "data_version",
    "rollup_year",
    "rollup_month",
}
LEVELS = {1: 1, 2: 10, 3: 107, 4: 1335, 5: 20356}


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}


def _checksums(path) -> dict[str, str]:
    """An exact checksum of every table's rows (order-independent), but data_version."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for t in sorted(_tables(con) - {"data_version"}):
            out[t] = con.execute(
                f"select count(*) || ':' || md5(coalesce(string_agg(x, '|' order by x), '')) "
                f"from (select cast(t as varchar) as x from {t} as t)"
            ).fetchone()[0]
        return out
    finally:
        con.close()


def test_required_tables(wh):
    assert REQUIRED_TABLES <= _tables(wh)


def test_level_counts(wh):
    rows = wh.execute("select level, count(*) from region group by level order by level").fetchall()
    assert dict(rows) == LEVELS


def test_region_columns(wh):
    row = wh.execute(
        "select name, level, parent_code, path, is_poverty_county, exit_year, is_schematic "
        "from region where code = '610924100001'"
    ).fetchone()
    assert row == (
        "东城门社区居委会",
        5,
        "610924100000",
        "610000000000/610900000000/610924000000/610924100000/610924100001",
        False,
        None,
        True,
    )
    county = wh.execute(
        "select is_poverty_county, exit_year, is_schematic from region where code = '610924000000'"
    ).fetchone()
    assert county == (True, 2019, False)


def test_data_version(wh):
    seed, scale, as_of, counts = wh.execute(
        "select seed, scale, as_of::varchar, row_counts from data_version"
    ).fetchone()
    assert (seed, scale, as_of) == (42, 0.01, "2026-10-31")
    assert '"household": 10159' in counts


@pytest.fixture(scope="module")
def second_build(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("again") / "warehouse.duckdb")


def test_deterministic(warehouse_path, second_build):
    first, second = _checksums(warehouse_path), _checksums(second_build)
    assert set(first) == set(second)
    assert {t for t in first if first[t] != second[t]} == set()


def test_other_seed_differs_and_keeps_the_levels(tmp_path):
    path = build_warehouse(tmp_path / "w.duckdb", scale=0.002, seed=7)
    con = duckdb.connect(str(path), read_only=True)
    try:
        levels = dict(con.execute("select level, count(*) from region group by 1").fetchall())
        assert levels == LEVELS
        # Every unit has its rollup rows, even when it has no households at this scale.
        assert con.execute("select count(distinct region_code) from rollup_year").fetchone()[
            0
        ] == sum(LEVELS.values())
        assert con.execute("select count(*) from household").fetchone()[0] == 2008
    finally:
        con.close()


def _count_columns(con, table: str, keys: set[str]) -> list[str]:
    rows = con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = ?", [table]
    ).fetchall()
    return [c for c, t in rows if c not in keys and t in ("BIGINT", "INTEGER", "HUGEINT")]


ROLLUPS = [
    ("rollup_year", "year"),
    ("rollup_month", "month"),
    ("rollup_cause", "cause"),
    ("rollup_risk", "risk_type"),
    ("rollup_channel", "channel, year"),
]


@pytest.mark.parametrize("table,key", ROLLUPS)
def test_parents_equal_the_sum_of_their_children(wh, table, key):
    keys = [k.strip() for k in key.split(",")]  # rollup_channel: by channel and year
    columns = _count_columns(wh, table, {"region_code", *keys})
    assert columns
    diffs = " or ".join(f"p.{c} is distinct from ch.{c}" for c in columns)
    sums = ", ".join(f"sum(c.{c}) as {c}" for c in columns)
    cks = ", ".join(f"c.{k}" for k in keys)
    on = " and ".join(f"ch.{k} = p.{k}" for k in keys)
    xon = " and ".join(f"x.{k} = p.{k}" for k in keys)
    compared, bad = wh.execute(f"""
        with ch as (
            select r.parent_code, {cks}, {sums}
            from {table} as c join region as r on r.code = c.region_code
            group by r.parent_code, {cks}
        )
        select count(*), count(*) filter (where {diffs})
        from {table} as p
        join ch on ch.parent_code = p.region_code and {on}
    """).fetchone()
    assert bad == 0
    parents = wh.execute(f"""
        select count(*) from {table} as p join region as r on r.code = p.region_code
        where r.level < 5 and exists (
            select 1 from region as c join {table} as x on x.region_code = c.code
            where c.parent_code = r.code and {xon})
    """).fetchone()[0]
    assert compared == parents > 0


def test_villages_equal_the_household_rows(wh):
    bad = wh.execute("""
        with present as (  -- the members present at the end of 2025
            select household_id, count(*) as n from person
            where birth_date <= date '2025-12-31'
              and coalesce(joined_date, birth_date) <= date '2025-12-31'
              and (left_date is null or left_date > date '2025-12-31')
            group by 1
        ), direct as (
            select village_code, count(*) as hh, sum(coalesce(p.n, 0)) as pp,
                   count(*) filter (where exit_year <= 2025) as exited
            from household left join present as p using (household_id)
            where is_registered group by village_code
        )
        select count(*) from rollup_year as y
        left join direct as d on d.village_code = y.region_code
        join region as r on r.code = y.region_code
        where r.level = 5 and y.year = 2025 and (
            y.hh_registered != coalesce(d.hh, 0) or y.pp_registered != coalesce(d.pp, 0)
            or y.hh_exited != coalesce(d.exited, 0))
    """).fetchone()[0]
    assert bad == 0


@pytest.mark.parametrize(
    "sql_total,sql_rollup",
    [
        (
            "select count(*) from household where is_registered",
            "select hh_registered from rollup_year where region_code = '610000000000' and year = 2026",
        ),
        (
            "select sum(members) from household where is_registered",
            "select pp_registered from rollup_year where region_code = '610000000000' and year = 2026",
        ),
        (
            "select count(*) from monitoring where identify_date is not null",
            "select hh_monitored from rollup_month "
            "where region_code = '610000000000' and month = '2026-10-01'",
        ),
        (
            "select count(*) from monitoring where eliminate_date is not null",
            "select hh_eliminated from rollup_month "
            "where region_code = '610000000000' and month = '2026-10-01'",
        ),
        (
            "select count(*) from monitoring",
            "select hh_warned from rollup_month "
            "where region_code = '610000000000' and month = '2026-10-01'",
        ),
        (
            "select count(*) from income where year = 2024",
            "select inc_households from rollup_year where region_code = '610000000000' and year = 2024",
        ),
        (
            "select sum(rural_population) from population where year = 2020",
            "select rural_population from rollup_year where region_code = '610000000000' and year = 2020",
        ),
        (
            "select count(*) from household where is_registered and main_cause = 1",
            "select hh_registered from rollup_cause where region_code = '610000000000' and cause = 1",
        ),
    ],
)
def test_province_equals_the_count_of_rows(wh, sql_total, sql_rollup):
    assert wh.execute(sql_total).fetchone()[0] == wh.execute(sql_rollup).fetchone()[0]


def test_indicator_views(wh):
    inc, pp_not, pop = wh.execute(
        "select poverty_incidence, pp_not_exited, rural_population from indicator_year "
        "where region_code = '610000000000' and year = 2016"
    ).fetchone()
    assert inc == pp_not / pop
    # A ratio with a zero denominator is NULL ("no data"), never 0.
    empty = wh.execute("""
        select count(*) from indicator_month
        where hh_monitored = 0 and risk_eliminated_rate is not null""").fetchone()[0]
    assert empty == 0
    below = wh.execute(
        "select hh_below_monitoring_line, hh_below_poverty_line from indicator_year "
        "where region_code = '610000000000' and year = 2016"
    ).fetchone()
    assert below[0] is None and below[1] > 0


def test_income_components_add_up(wh):
    bad = wh.execute("""
        select count(*) from income
        where wages + business + property + transfers - production_costs != net_income
           or per_capita != round(net_income / members, 2)
    """).fetchone()[0]
    assert bad == 0


def test_members_match_people(wh):
    bad = wh.execute("""
        select count(*) from household as h
        left join (select household_id, count(*) as n from person where left_date is null
                   group by 1) as p using (household_id)
        where h.members != coalesce(p.n, 0)
    """).fetchone()[0]
    assert bad == 0


def _dictionary() -> dict[str, set[str]]:
    """Columns documented per table in data/README.md (`### table` + a markdown table)."""
    from etl.refdata import REFERENCE_DIR

    text = (REFERENCE_DIR.parent / "README.md").read_text(encoding="utf-8")
    documented: dict[str, set[str]] = {}
    table = None
    for line in text.splitlines():
        if line.startswith("### "):
            table = line[4:].strip()
            documented[table] = set()
        elif table and line.startswith("| ") and not line.startswith("| column"):
            cell = line.split("|")[1].strip()
            if cell.startswith("(all columns of "):
                documented[table] |= documented[cell[len("(all columns of ") : -1]]
            else:
                documented[table].add(cell)
    return documented


def test_data_dictionary_documents_every_column(wh):
    documented = _dictionary()
    actual: dict[str, set[str]] = {}
    for table, column in wh.execute("""
            select c.table_name, c.column_name from duckdb_columns() as c
            where not c.internal and c.schema_name = 'main'""").fetchall():
        actual.setdefault(table, set()).add(column)
    assert set(actual) == set(documented)
    missing = {t: cols - documented[t] for t, cols in actual.items() if cols - documented[t]}
    extra = {t: documented[t] - cols for t, cols in actual.items() if documented[t] - cols}
    assert missing == {} and extra == {}
