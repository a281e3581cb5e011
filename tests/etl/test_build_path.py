"""One build path: the generator writes the registry layout and the loader makes the
warehouse of it. The loaded tables hold exactly what the generator made (the loader
loses, adds and reorders nothing), apart from two columns it now computes itself."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from etl import generate as G
from etl import refdata, registry

AS_OF = date(2026, 10, 31)
PARAMS = G.Params(scale=0.004, seed=7, as_of=AS_OF)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("build-path")
    ref = refdata.load()
    tables = G.generate(ref, PARAMS)
    G.write_delivery(ref, PARAMS, tmp / "delivery", "csv")
    result = registry.load(tmp / "delivery", tmp / "w.duckdb", keep_ids=False)
    con = duckdb.connect(str(tmp / "w.duckdb"), read_only=True)
    yield tables, con, result
    con.close()


# Columns the loader computes from other columns rather than copying: age from the
# birth date and as-of day in whole years (the generator's is approximate), and a
# household's per-capita income from its income row of the as-of year.
COMPUTED = {"person": {"age"}, "household": {"per_capita_income"}}


@pytest.mark.parametrize(
    "name",
    [
        "household",
        "person",
        "income",
        "measure",
        "unit",
        "cadre",
        "pairing",
        "village",
        "population",
        "monitoring",
        "monitoring_risk",
        "condition_gap",
        "region",
        "dept_medical",
        "dept_education",
        "dept_disaster",
        "dept_vehicle",
        "dept_business",
        "dept_payroll",
        "dept_property",
        "dept_death",
        "dept_tax",
    ],
)
def test_the_loaded_table_is_the_generated_table(both, name):
    tables, con, _ = both
    made: pa.Table = tables[name]
    cols = [c for c in made.column_names if c not in COMPUTED.get(name, set())]
    assert con.execute(f"select count(*) from {name}").fetchall()[0][0] == made.num_rows
    con.register("made", made.select(cols))
    try:
        # Same rows in the same order (rowid order is the table's order).
        diff = con.execute(
            f"select count(*) from (select row_number() over () as n, * from made "
            f"except select row_number() over () as n, {', '.join(cols)} from {name})"
        ).fetchall()[0][0]
    finally:
        con.unregister("made")
    assert diff == 0


def test_nothing_is_rejected_and_the_version_names_the_source(both):
    _, con, result = both
    assert result.rejected == 0
    source, kind, layout = con.execute(
        "select source, kind, layout_version from data_version"
    ).fetchone()
    assert source == "Jingzhun synthetic generator, seed 7, scale 0.004"
    assert (kind, layout) == ("full", 1)


def test_computed_columns(both):
    _, con, _ = both
    # Age in whole years on the as-of day (for a member who left, on that day).
    wrong = con.execute("""
        with p as (select age, birth_date, coalesce(left_date, DATE '2026-10-31') as on_day
                   from person)
        select count(*) from p where age <> date_diff('year', birth_date, on_day)
            - (strftime(birth_date, '%m%d') > strftime(on_day, '%m%d'))::int""").fetchone()[0]
    assert wrong == 0
    # A household's per-capita income is its income row of the as-of year.
    wrong = con.execute("""
        select count(*) from household h left join income i
            on i.household_id = h.household_id and i.year = 2026
        where h.per_capita_income is distinct from i.per_capita""").fetchone()[0]
    assert wrong == 0
