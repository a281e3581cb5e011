"""manage.py import and refresh-imports: a department file reaches the warehouse without a
rebuild, its records raise doubtful cases, and nothing is added twice."""

from __future__ import annotations

import shutil

import duckdb
import pytest

import manage


@pytest.fixture
def env(tmp_path, warehouse_path, monkeypatch):
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, wh)
    monkeypatch.setenv("JZ_WAREHOUSE", str(wh))
    monkeypatch.setenv("JZ_OPS_DB", f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    monkeypatch.setenv("JZ_IMPORT_DIR", str(tmp_path / "imports"))
    # `import --as` names an account the access table lets import the department's files.
    from ops import db, migrations, users

    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    users.create(
        engine, "province_police", "police-import-2026", "department", "610000000000", 1, "police"
    )
    return wh


def _person_without_vehicle(wh) -> tuple[str, int]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute("""
            select p.id_number, p.household_id from person as p
            where p.household_id not in (select household_id from doubt
                                         where check_id = 'private_vehicle')
            order by p.person_id limit 1""").fetchone()
    finally:
        con.close()


def test_import_then_refresh(env, tmp_path, capsys):
    id_number, household = _person_without_vehicle(env)
    f = tmp_path / "vehicles.csv"
    f.write_bytes(
        (
            "身份证号,姓名,号牌号码,车辆类型,登记日期,登记地区划代码\n"
            f"{id_number},某某,陕G9X999,1,2026-05-01,610924000000\n"
            f"{id_number},某某,陕G9X999,1,2026-05-01,610924000000\n"
        ).encode("gbk")
    )
    before = duckdb.connect(str(env), read_only=True)
    rows0, version0 = before.execute(
        "select (select count(*) from dept_vehicle), (select version from data_version)"
    ).fetchone()
    before.close()
    assert (
        manage.main(
            ["import", "--department", "police", "--file", str(f), "--as", "province_police"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "batch 1 (vehicle): 2 rows, 1 accepted, 1 rejected",
        "  rejected 1: duplicate",
    ]
    assert manage.main(["refresh-imports"]) == 0
    assert capsys.readouterr().out.startswith("1 batches, 1 rows added to ")
    con = duckdb.connect(str(env), read_only=True)
    rows1, version1 = con.execute(
        "select (select count(*) from dept_vehicle), (select version from data_version)"
    ).fetchone()
    case = con.execute(
        "select members from doubt where doubt_key = ?", [f"private_vehicle:{household}"]
    ).fetchone()
    merged = con.execute("select * from import_merged").fetchall()
    con.close()
    assert rows1 == rows0 + 1 and version1 != version0
    assert case is not None and merged == [(1, "vehicle", 1)]
    # Again: nothing more is added.
    assert manage.main(["refresh-imports"]) == 0
    assert capsys.readouterr().out.startswith("0 batches, 0 rows added to ")
    con = duckdb.connect(str(env), read_only=True)
    assert con.execute("select count(*) from dept_vehicle").fetchone()[0] == rows1
    con.close()
    # The same file again is refused, with the batch that has it.
    assert manage.main(["import", "--department", "police", "--file", str(f)]) == 1
    assert "imported already as batch 1 by province_police" in capsys.readouterr().err


def test_import_bad_input(env, tmp_path, capsys):
    f = tmp_path / "x.csv"
    f.write_bytes("身份证号,车牌\n1,2\n".encode())
    assert manage.main(["import", "--department", "nope", "--file", str(f)]) == 1
    assert "unknown department 'nope'" in capsys.readouterr().err
    assert manage.main(["import", "--department", "health", "--file", str(f)]) == 1
    assert "department 'health' sends no data feed" in capsys.readouterr().err
    assert manage.main(["import", "--department", "police", "--file", str(f)]) == 1
    assert "x.csv: the columns are not the layout of" in capsys.readouterr().err
    assert (
        manage.main(["import", "--department", "police", "--file", str(tmp_path / "missing.csv")])
        == 1
    )
    assert not (tmp_path / "imports").exists() or not list((tmp_path / "imports").glob("batch-*"))


def test_a_corrected_file_replaces_rows_with_the_same_key(env, tmp_path, capsys):
    id_number, _ = _person_without_vehicle(env)
    head = "身份证号,姓名,号牌号码,车辆类型,登记日期,登记地区划代码\n"
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    a.write_text(head + f"{id_number},某,陕G1Q111,2,2026-01-01,610924000000\n")
    b.write_text(head + f"{id_number},某,陕G1Q111,1,2026-02-01,610924000000\n")
    c.write_text(head + f"{id_number[:17]}Z,某,陕G1Q112,1,2026-02-01,610924000000\n")
    for f in (a, b, c):
        assert manage.main(["import", "--department", "police", "--file", str(f)]) == 0
        assert manage.main(["refresh-imports"]) == 0
    con = duckdb.connect(str(env), read_only=True)
    rows = con.execute(
        "select vehicle_type, registered_on from dept_vehicle where id_number = ?", [id_number]
    ).fetchall()
    con.close()
    assert [(t, str(d)) for t, d in rows] == [(1, "2026-02-01")]
    from ops import db
    from ops import imports as ledger
    from ops.scoped import SYSTEM

    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    assert [b["status"] for b in ledger.batches(engine, SYSTEM)] == ["merged"] * 3
