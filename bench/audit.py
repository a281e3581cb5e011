"""Audit a built warehouse against the figures of issue #16: each one an auditor from the
State Council office would check. Prints one row per figure; with two warehouses, the
figure before and after side by side.

    python bench/audit.py data/warehouse.duckdb
    python bench/audit.py --before /tmp/main.duckdb --after data/warehouse.duckdb
    python bench/audit.py --json data/warehouse.duckdb      # machine-readable

Every figure is read with plain SQL from the warehouse's own tables, so it also works on
a warehouse built by an older version (a figure whose columns do not exist there is
shown as "—" with the reason). Nothing here is a test: tests/etl/test_truth.py asserts
the rules on hand-made data; this shows what they amount to at full scale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROVINCE = "610000000000"
FOPING = "610730000000"  # 佛坪县


def _one(con, sql: str, params=None):
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def _cols(con, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]
        ).fetchall()
    }


def _as_of(con) -> str:
    return str(_one(con, "select max(month) from rollup_month"))


def _pct(a, b) -> str:
    return f"{a:,} / {b:,} = {100 * a / b:.1f}%" if b else f"{a:,} / 0"


# ------------------------------------------------------------------ the figures
def coverage(con) -> str:
    """帮扶措施覆盖率, province, as-of month (monitored households with a monitoring
    measure / monitored households)."""
    row = con.execute(
        "select hh_with_measure, hh_monitored from rollup_month "
        "where region_code = ? order by month desc limit 1",
        [PROVINCE],
    ).fetchall()[0]
    return _pct(row[0], row[1])


def coverage_lifecycle(con) -> str:
    """The lifecycle's assisted ÷ identified (households identified with at least one
    monitoring measure on or after identification)."""
    a = _one(
        con,
        """select count(*) from monitoring m where m.identify_date is not null
        and exists (select 1 from measure x where x.household_id = m.household_id
                    and x.for_monitoring)""",
    )
    b = _one(con, "select count(*) from monitoring where identify_date is not null")
    return _pct(a, b)


def people_2014(con) -> str:
    """2014 not-exited people (rollup) and, of the people of those households, how many
    were born by the end of 2014."""
    shown = _one(
        con,
        "select pp_not_exited from rollup_year where region_code = ? and year = 2014",
        [PROVINCE],
    )
    cols = _cols(con, "person")
    present = "p.birth_date <= date '2014-12-31'"
    if "left_date" in cols:
        present += (
            " and coalesce(p.joined_date, p.birth_date) <= date '2014-12-31'"
            " and (p.left_date is null or p.left_date > date '2014-12-31')"
        )
    born = _one(
        con,
        f"""select count(*) from person p join household h using (household_id)
        where h.is_registered and h.identify_year <= 2014
          and (h.exit_year is null or h.exit_year > 2014) and {present}""",
    )
    return f"shown {shown:,}; present at the end of 2014 {born:,}; difference {shown - born:,}"


def reach_over_100(con) -> str:
    """Units whose 八个一批 reach (region page: rollup_channel.hh_reached over registered
    households of 2014) is above 100% for some channel."""
    pairs, n = con.execute(
        """select count(*), count(distinct c.region_code)
        from rollup_channel c
        join rollup_year y on y.region_code = c.region_code and y.year = 2014
        where c.hh_reached > y.hh_registered {year}""".format(
            year="and c.year = 2014" if "year" in _cols(con, "rollup_channel") else ""
        )
    ).fetchall()[0]
    total = _one(con, "select count(distinct region_code) from rollup_channel")
    return f"{pairs:,} unit-channel pairs in {n:,} of {total:,} units"


def fell_below(con) -> str:
    """The column once labelled 返贫/致贫, and the proper 返贫/致贫 figures if present."""
    cols = _cols(con, "rollup_year")
    name = next(
        (c for c in ("pp_fell_below_monitoring_line", "pp_fell_below_line") if c in cols), None
    )
    out = []
    if name:
        v = _one(
            con,
            f"select {name} from rollup_year where region_code = ? and year = "
            "(select max(year) from rollup_year)",
            [PROVINCE],
        )
        out.append(f"{name} (latest year) {v:,}")
    mcols = _cols(con, "rollup_month")
    for c in ("pp_returned", "pp_newly_poor"):
        if c in mcols:
            v = _one(
                con,
                f"select {c} from rollup_month where region_code = ? order by month desc limit 1",
                [PROVINCE],
            )
            out.append(f"{c} {v:,}")
    return "; ".join(out) or "—"


def incidence_after_2020(con) -> str:
    """Poverty incidence 2021-2026 in indicator_year for the province."""
    rows = con.execute(
        "select year, poverty_incidence from indicator_year where "
        "region_code = ? and year > 2020 order by year",
        [PROVINCE],
    ).fetchall()
    vals = {("NULL (不适用)" if v is None else f"{100 * v:.1f}%") for _, v in rows}
    return f"{rows[0][0]}–{rows[-1][0]}: " + ", ".join(sorted(vals))


def rule_hits(con) -> str:
    """Rule hits (预警线索): all, undecided, undecided older than 15 days, households. A
    hit counts as decided as the warning queue counts it, without the operational
    store's decisions (a fresh deployment has none)."""
    as_of = _as_of(con)
    mcols = _cols(con, "monitoring")
    checked = (
        "or (m.check_date is not null and m.check_date >= w.warned_on)"
        if "check_result" in mcols
        else ""
    )
    row = con.execute(f"""with w as (
        select w.*, (m.identify_date is not null and m.identify_date >= w.warned_on)
                    {checked} as handled
        from warning w left join monitoring m using (household_id))
        select count(*), count(distinct household_id),
               count(*) filter (where not coalesce(handled, false)),
               count(*) filter (where not coalesce(handled, false)
                                  and (select max(warned_on) from warning) - warned_on > 15),
               count(distinct household_id) filter (where not coalesce(handled, false))
        from w""").fetchall()[0]
    return (
        f"{row[0]:,} hits in {row[1]:,} households; undecided {row[2]:,} "
        f"({row[3]:,} older than 15 days) in {row[4]:,} households (as of {as_of})"
    )


def warned_households(con) -> str:
    """Households that entered the procedure (预警户): all monitoring rows, and how they
    stand."""
    cols = _cols(con, "monitoring")
    cleared = ", count(*) filter (where state = 4)" if "check_result" in cols else ", null"
    row = con.execute(f"""select count(*), count(identify_date){cleared},
        count(*) filter (where identify_date is null and state = 1) from monitoring""").fetchall()[
        0
    ]
    extra = f", checked and not included {row[2]:,}" if row[2] is not None else ""
    return f"{row[0]:,} warned, {row[1]:,} identified{extra}, undecided {row[3]:,}"


def totals(con) -> str:
    """Registered households and warned households (round numbers are a sign of a
    generator that hits exact targets)."""
    reg = _one(con, "select count(*) from household where is_registered")
    mon = _one(con, "select count(*) from monitoring")
    return f"registered {reg:,}; warned {mon:,}"


def foping(con) -> str:
    """佛坪县: rural registered population (population table) against the 2020 census
    resident population (data/reference/county_population.csv)."""
    pop = _one(
        con,
        """select sum(p.rural_population) from population p
        join region r on r.code = p.village_code
        where r.county_code = ? and p.year = 2020""",
        [FOPING],
    )
    census = None
    path = ROOT / "data" / "reference" / "county_population.csv"
    if path.is_file():
        census = _one(
            con,
            "select population from read_csv(?, header = true, all_varchar = true) where code = ?",
            [str(path), FOPING],
        )
    return f"rural registered 2020 {pop:,}; census total {census or '—'}"


def counties_over_census(con) -> str:
    """Counties whose rural registered population (2020) is above their 2020 census
    population."""
    path = ROOT / "data" / "reference" / "county_population.csv"
    if not path.is_file():
        return "— (no census table)"
    n = _one(
        con,
        """with c as (select code, population::bigint as census from
            read_csv(?, header = true, all_varchar = true)),
        r as (select g.county_code as code, sum(p.rural_population) as rural
              from population p join region g on g.code = p.village_code
              where p.year = 2020 group by 1)
        select count(*) from r join c using (code) where r.rural > c.census""",
        [str(path)],
    )
    return f"{n} of 107"


def sex_ratio(con) -> str:
    """Men per 100 women by age band (current members)."""
    cols = _cols(con, "person")
    cur = "where left_date is null" if "left_date" in cols else ""
    rows = con.execute(f"""select case when age < 15 then '0-14' when age < 65 then '15-64'
            when age < 80 then '65-79' else '80+' end as band,
            round(100.0 * count(*) filter (where sex = 1)
                  / nullif(count(*) filter (where sex = 2), 0), 1)
        from person {cur} group by 1 order by 1""").fetchall()
    return ", ".join(f"{b}: {r}" for b, r in rows)


def surnames(con) -> str:
    """Distinct surnames of current members (a compound surname is two characters from
    the compound list)."""
    from etl import names

    compound = [s for s in names.SURNAMES if len(s) == 2]
    if compound:
        first = (
            "case when "
            + " or ".join(f"starts_with(name, '{s}')" for s in compound)
            + " then left(name, 2) else left(name, 1) end"
        )
    else:
        first = "left(name, 1)"
    n, k = con.execute(f"""select count(distinct s), count(distinct s) filter
        (where length(s) = 2) from (select {first} as s from person)""").fetchall()[0]
    return f"{n:,} surnames, {k:,} compound"


def deaths_in_registry(con) -> str:
    """Department death records of people still current members (quality check Q18)."""
    cols = _cols(con, "person")
    cur = "and p.left_date is null" if "left_date" in cols else ""
    n = _one(
        con,
        f"""select count(distinct p.person_id) from dept_death d
        join person p using (id_number) where d.death_date <= (select max(month) + 31
        from rollup_month) {cur}""",
    )
    return f"{n:,} people"


def quality(con) -> str:
    """Data-quality issues (the /quality page) and the households they touch."""
    if "count" not in _cols(con, "quality_check"):
        return "— (no quality tables)"
    total = _one(con, "select sum(count) from quality_check")
    hh = _one(con, "select count(distinct household_id) from quality_issue")
    n = _one(con, "select count(*) from household")
    top = con.execute(
        "select id, count from quality_check where count > 0 order by count desc limit 6"
    ).fetchall()
    return f"{total:,} issues in {hh:,} of {n:,} households; " + ", ".join(
        f"{i} {c:,}" for i, c in top
    )


FIGURES: list[tuple[str, Callable]] = [
    ("1 measure coverage (province)", coverage),
    ("1 lifecycle assisted ÷ identified", coverage_lifecycle),
    ("1 2014 not-exited people vs present", people_2014),
    ("1 八个一批 reach > 100% (2014)", reach_over_100),
    ("1 返贫/致贫 columns", fell_below),
    ("1 incidence after 2020", incidence_after_2020),
    ("2 rule hits (预警线索)", rule_hits),
    ("2 warned households (预警户)", warned_households),
    ("3 totals", totals),
    ("3 佛坪 population", foping),
    ("3 counties above the census", counties_over_census),
    ("3 sex ratio by age", sex_ratio),
    ("3 surnames", surnames),
    ("3 dead but still members", deaths_in_registry),
    ("3 data-quality issues", quality),
]


def audit(path: str) -> dict[str, str]:
    con = duckdb.connect(path, read_only=True)
    out = {}
    try:
        for name, fn in FIGURES:
            try:
                out[name] = fn(con)
            except duckdb.Error as exc:
                out[name] = f"— ({str(exc).splitlines()[0][:80]})"
    finally:
        con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", nargs="?")
    ap.add_argument("--before")
    ap.add_argument("--after")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    runs = {}
    if a.before:
        runs["before"] = audit(a.before)
    if a.after or a.warehouse:
        runs["after" if a.before else "figure"] = audit(a.after or a.warehouse)
    if not runs:
        ap.error("give a warehouse, or --before and --after")
    if a.json:
        print(json.dumps(runs, ensure_ascii=False, indent=2))
        return
    for name, _ in FIGURES:
        print(f"## {name}")
        for label, res in runs.items():
            print(f"  {label:>7}: {res[name]}")


if __name__ == "__main__":
    main()
