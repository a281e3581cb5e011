"""The national system's export: layout, figures equal to the warehouse, the scope, who
may make it, and the command line."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest

import manage
from access import AccessDenied, Scope
from exchange import national as exchange

ZIYANG = Scope("ziyang_manager", "manager", "610924000000")


@pytest.fixture(scope="module")
def ctx(app_module):
    from web import context

    return context.get()


def test_the_zip_holds_the_units_records_in_the_documented_layout(ctx, wh):
    name, body = exchange.build(
        ctx.warehouse, ZIYANG, "610924000000", dt.date(2026, 9, 1), "紫阳（ziyang_manager）"
    )
    assert name == "exchange-610924000000-2026-09.zip"
    z = zipfile.ZipFile(io.BytesIO(body))
    assert sorted(z.namelist()) == [
        "households.csv",
        "manifest.json",
        "members.csv",
        "monitoring.csv",
        "monitoring_risks.csv",
    ]
    m = json.loads(z.read("manifest.json"))
    assert (m["layout"], m["version"], m["kind"], m["as_of"]) == (
        "jingzhun-registry",
        1,
        "full",
        "2026-09-30",
    )
    assert (m["exchange"], m["region"], m["period"], m["period_end"]) == (
        {"layout": "jingzhun-national-exchange", "version": 2},
        "610924000000",
        "2026-09",
        "2026-09-30",
    )
    expected = {
        "households.csv": wh.execute(
            "select count(*) from household where county_code = '610924000000'"
        ).fetchone()[0],
        # Members as they stood on the period's last day: born and joined by then.
        "members.csv": wh.execute(
            "select count(*) from person join household using "
            "(household_id) where county_code = '610924000000' "
            "and coalesce(joined_date, birth_date) <= "
            "date '2026-09-30' and birth_date <= date '2026-09-30'"
        ).fetchone()[0],
        "monitoring.csv": wh.execute(
            "select count(*) from monitoring where starts_with("
            "village_code, '610924') and warning_date <= "
            "date '2026-09-30'"
        ).fetchone()[0],
        "monitoring_risks.csv": wh.execute(
            "select count(*) from monitoring_risk join monitoring using (monitoring_id) "
            "where starts_with(village_code, '610924') and warning_date <= "
            "date '2026-09-30'"
        ).fetchone()[0],
    }
    for f, rows in expected.items():
        data = z.read(f)
        assert m["files"][f]["rows"] == rows == data.decode().count("\n") - 1
        assert m["files"][f]["sha256"] == hashlib.sha256(data).hexdigest()
        assert data.decode().splitlines()[0].split(",") == m["files"][f]["columns"]
    members = z.read("members.csv").decode().splitlines()
    assert all(line.split(",")[0].startswith("610924") for line in members[1:])
    assert members[0].split(",")[:3] == ["id_number", "household_no", "name"]
    assert "*" not in z.read("members.csv").decode()  # full ID numbers, for the system
    # The dated membership and the check outcome travel with the records (docs/registry.md).
    from etl import layout

    for f in ("households", "members", "monitoring"):
        cols = m["files"][f"{f}.csv"]["columns"]
        assert set(cols) <= {c.name for c in layout.BY_NAME[f].columns} | set(
            layout.BY_NAME[f].informational
        ), f
    assert {"joined_date", "join_reason", "left_date", "left_reason"} <= set(
        m["files"]["members.csv"]["columns"]
    )
    assert {"check_result", "exclude_reason"} <= set(m["files"]["monitoring.csv"]["columns"])
    # Nobody left after the period's end is shown as gone; no date is after as_of.
    import csv as _csv

    rows = list(_csv.DictReader(io.StringIO(z.read("members.csv").decode())))
    assert all(r["left_date"] <= "2026-09-30" for r in rows if r["left_date"])
    assert all((r["left_date"] == "") == (r["left_reason"] == "") for r in rows)
    mon = list(_csv.DictReader(io.StringIO(z.read("monitoring.csv").decode())))
    assert all((r["exclude_reason"] != "") == (r["check_result"] == "2") for r in mon)
    assert all(r["check_result"] == "1" for r in mon if r["identify_date"])


def test_who_may_make_it(ctx):
    for scope in (
        Scope("province_leader", "leader", "610000000000"),
        Scope("ankang_leader", "leader", "610900000000"),
        Scope("province_health", "department", "610000000000", "health"),
    ):
        with pytest.raises(AccessDenied):
            exchange.build(ctx.warehouse, scope, scope.region_code, dt.date(2026, 10, 1), "x")
    with pytest.raises(AccessDenied):
        exchange.build(ctx.warehouse, ZIYANG, "610902000000", dt.date(2026, 10, 1), "x")


def test_the_command_line(app_module, tmp_path, capsys):
    out = tmp_path / "x.zip"
    assert (
        manage.main(
            [
                "exchange",
                "--region",
                "610924000000",
                "--period",
                "2026-10",
                "--out",
                str(out),
                "--as",
                "ziyang_manager",
            ]
        )
        == 0
    )
    assert zipfile.ZipFile(out).namelist()
    assert capsys.readouterr().out.startswith(f"exchange file written to {out}")
    for args, message in (
        (["--region", "610000000000", "--as", "ziyang_manager"], "may not export"),
        (["--region", "610924000000", "--as", "province_leader"], "may not export"),
        (["--region", "610924999999", "--as", "ziyang_manager"], "no such unit"),
        (["--region", "610924000000", "--as", "nobody"], "no active user"),
    ):
        assert (
            manage.main(
                ["exchange", "--period", "2026-10", "--out", str(tmp_path / "y.zip"), *args]
            )
            == 1
        )
        assert message in capsys.readouterr().err
    assert not (tmp_path / "y.zip").exists()


def test_an_export_loads_into_another_instance(ctx, wh, tmp_path):
    """The export is a full registry delivery: loaded elsewhere, it gives that instance
    the unit's households, members and monitoring records as the sender held them."""
    from etl import registry

    _, body = exchange.build(
        ctx.warehouse, ZIYANG, "610924000000", dt.date(2026, 10, 1), "紫阳（ziyang_manager）"
    )
    (tmp_path / "x.zip").write_bytes(body)
    result = registry.load(tmp_path / "x.zip", tmp_path / "other.duckdb")
    assert result.rejected == 0 and result.kind == "full"
    import duckdb

    other = duckdb.connect(str(tmp_path / "other.duckdb"), read_only=True)
    sql = {
        "household": "select household_no, village_code, head_name, is_registered, "
        "household_type, identify_year, exit_year, main_cause, members, "
        "no_labour from household",
        "person": "select id_number, name, relation, sex, birth_date, labour from person",
        "monitoring": "select monitoring_id, warning_date, identify_date, eliminate_date, "
        "eliminate_method, state, main_risk, risk_count from monitoring",
    }
    where = {
        "household": " where county_code = '610924000000'",
        "person": " where household_id in (select household_id from household "
        "where county_code = '610924000000')",
        "monitoring": " where starts_with(village_code, '610924') and "
        "warning_date <= date '2026-10-31'",
    }
    for table, q in sql.items():
        mine = sorted(wh.execute(q + where[table]).fetchall(), key=repr)
        theirs = sorted(other.execute(q).fetchall(), key=repr)
        assert len(theirs) > 0 and theirs == mine, table
    other.close()
