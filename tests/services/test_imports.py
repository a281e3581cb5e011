"""Department files (etl/imports.py checks them, services/imports.py loads them): every rejection reason, GBK, whole-file refusals, an all-bad file, the
same file twice, and a batch that fails half-way leaving nothing."""

from __future__ import annotations

import os

import pytest

from etl import feeds as F
from etl import imports as I
from etl.idnumber import check_digit
from ops import db, migrations
from ops import imports as ledger
from ops.scoped import SYSTEM
from services import imports as S

REGIONS = {"610924000000", "610924100000", "610000000000"}
FEEDS = F.load()
POLICE = F.of_department(FEEDS, "police")
HEADER = "身份证号,姓名,号牌号码,车辆类型,登记日期,登记地区划代码"


def ident(seq: int, born: str = "19800101", area: str = "610924") -> str:
    first = f"{area}{born}{seq:03d}"
    return first + check_digit(first)


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def _csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *rows]).encode(encoding)


GOOD = f"{ident(1)},张三,陕G12345,1,2025-03-01,610924000000"


def test_every_rejection_reason_with_its_row(tmp_path, store):
    bad_check = ident(2)[:17] + ("0" if ident(2)[17] != "0" else "1")
    data = _csv(
        GOOD,  # row 2: accepted
        f"{bad_check},李四,陕G00001,1,2025-01-01,610924000000",  # 3: check digit
        "61092419801301003X,王五,陕G00002,1,2025-01-01,610924000000",  # 4: no 13th month
        f"{ident(3)},赵六,陕G00003,9,2025-01-01,610924000000",  # 5: code
        f"{ident(4)},钱七,陕G00004,1,2025-02-30,610924000000",  # 6: date
        f"{ident(5)},孙八,陕G00005,1,2025-01-01,619999999999",  # 7: region
        ",周九,陕G00006,1,2025-01-01,610924000000",  # 8: missing
        f"{ident(6)},吴十,{'陕' * 20},1,2025-01-01,610924000000",  # 9: too long
        GOOD,  # 10: duplicate
        f"{ident(7)},郑一,陕G00007,1,2025/1/1,610924000000",  # 11: accepted
    )
    batch = S.load(store, tmp_path, POLICE, "v.csv", data, "tester", REGIONS)
    assert (batch.feed.id, batch.total, batch.accepted, batch.rejected) == ("vehicle", 10, 2, 8)
    got = [(r["row"], r["reason"], r["column"]) for r in batch.rejected_rows.to_dict("records")]
    assert got == [
        (3, "bad_id", "身份证号"),
        (4, "bad_id", "身份证号"),
        (5, "bad_code", "车辆类型"),
        (6, "bad_date", "登记日期"),
        (7, "unknown_region", "登记地区划代码"),
        (8, "missing", "身份证号"),
        (9, "too_long", "号牌号码"),
        (10, "duplicate", "身份证号、号牌号码"),
    ]
    # The report: Chinese headers and reasons, ID numbers masked.
    report = I.report_file(tmp_path, batch.id).read_bytes().decode("utf-8-sig").splitlines()
    assert report[0] == "行号,原因,列,值"
    assert report[1] == f"3,身份证号格式或校验位错误,身份证号,610***********{bad_check[-4:]}"
    assert (
        report[8]
        == f"10,与前面的行重复,身份证号、号牌号码,610***********{ident(1)[-4:]} / 陕G12345"
    )
    import pyarrow.parquet as pq

    rows = pq.read_table(I.data_file(tmp_path, batch.id)).to_pylist()
    assert [r["id_number"] for r in rows] == [ident(1), ident(7)]
    assert str(rows[1]["registered_on"]) == "2025-01-01"
    b = ledger.get(store, SYSTEM, batch.id)
    assert (
        b["rows_total"],
        b["rows_accepted"],
        b["rows_rejected"],
        b["status"],
        b["imported_by"],
        b["department"],
    ) == (10, 2, 8, "loaded", "tester", "police")


def test_numbers_and_booleans(tmp_path, store):
    header = "身份证号,姓名,学年（起始年）,学段,就学费用（元）,是否辍学,学校所在地区划代码"
    data = _csv(
        f'{ident(1)},甲,2025,2,"1,500",否,610924000000',
        f"{ident(2)},乙,2025,2,-5,否,610924000000",
        f"{ident(3)},丙,1999,2,100,否,610924000000",
        f"{ident(4)},丁,2025,2,100,也许,610924000000",
        f"{ident(5)},戊,2025,3,12.5,是,610924000000",
        header=header,
    )
    batch = S.load(
        store, tmp_path, F.of_department(FEEDS, "education"), "e.csv", data, "t", REGIONS
    )
    assert [(r["row"], r["reason"]) for r in batch.rejected_rows.to_dict("records")] == [
        (3, "bad_number"),
        (4, "bad_number"),
        (5, "bad_bool"),
        (6, "bad_number"),
    ]
    assert batch.accepted == 1


def test_gbk_and_utf8_read_alike(tmp_path, store):
    rows = (GOOD, f"{ident(8)},欧阳修,陕G88888,3,2024-12-31,610924100000")
    df = I.read("a.csv", _csv(*rows, encoding="gbk"))
    assert list(df.columns) == HEADER.split(",")
    a = I.check(df, I.match(df, POLICE), REGIONS)
    df = I.read("b.csv", _csv(*rows, encoding="utf-8-sig"))
    b = I.check(df, I.match(df, POLICE), REGIONS)
    assert a.accepted.equals(b.accepted) and len(a.accepted) == 2
    assert a.accepted["name"].tolist() == ["张三", "欧阳修"]


def test_excel(tmp_path, store):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(GOOD.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    batch = S.load(store, tmp_path, POLICE, "v.xlsx", buf.getvalue(), "t", REGIONS)
    assert (batch.accepted, batch.rejected) == (1, 0)


@pytest.mark.parametrize(
    "name,data,key",
    [
        ("x.csv", b"", "import.empty"),
        ("x.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "import.not_table"),
        ("x.csv", b"\x80\x80\x80abc\n1,2\n", "import.encoding"),
        ("x.xls", b"\xd0\xcf\x11\xe0", "import.old_excel"),
        ("x.xlsx", b"PK\x03\x04 not really a zip", "import.bad_excel"),
        ("x.csv", HEADER.encode(), "import.no_rows"),
        ("x.csv", "身份证号,姓名,车牌\n1,2,3\n".encode(), "import.columns"),
        ("x.csv", (HEADER + ",备注\n" + GOOD + ",x\n").encode(), "import.columns"),
    ],
)
def test_files_refused_whole(tmp_path, store, name, data, key):
    with pytest.raises(I.Refused) as exc:
        S.load(store, tmp_path, POLICE, name, data, "t", REGIONS)
    assert exc.value.key == key
    assert ledger.batches(store, SYSTEM) == [] and list(tmp_path.glob("batch-*")) == []


def test_wrong_columns_say_what_is_missing_and_extra(tmp_path, store):
    with pytest.raises(I.Refused) as exc:
        S.load(
            store, tmp_path, POLICE, "x.csv", "身份证号,姓名,车牌\n1,2,3\n".encode(), "t", REGIONS
        )
    assert exc.value.params == {
        "feed": "死亡注销登记",
        "missing": "死亡日期、户籍地区划代码",
        "unknown": "车牌",
    }


def test_an_all_bad_file_is_a_batch_with_its_report(tmp_path, store):
    data = _csv(
        f"{ident(1)[:17]}Z,甲,陕G1,1,2025-01-01,610924000000",
        f"{ident(2)},乙,陕G2,1,2025-13-01,610924000000",
    )
    batch = S.load(store, tmp_path, POLICE, "bad.csv", data, "t", REGIONS)
    assert (batch.accepted, batch.rejected) == (0, 2)
    assert I.report_file(tmp_path, batch.id).is_file()
    assert ledger.loaded(store) == []  # nothing to bring into the warehouse


def test_the_same_file_twice(tmp_path, store):
    data = _csv(GOOD)
    first = S.load(store, tmp_path, POLICE, "v.csv", data, "alice", REGIONS)
    with pytest.raises(I.Refused) as exc:
        S.load(store, tmp_path, POLICE, "renamed.csv", data, "bob", REGIONS)
    assert exc.value.key == "import.same_file"
    assert exc.value.params["batch"] == first.id and exc.value.params["by"] == "alice"
    assert len(ledger.batches(store, SYSTEM)) == 1


def test_a_batch_that_fails_half_way_leaves_nothing(tmp_path, store, monkeypatch):
    """The second rename fails after the ledger row was written in the transaction: the
    row is rolled back and the first file removed."""
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError):
        S.load(store, tmp_path, POLICE, "v.csv", _csv(GOOD), "t", REGIONS)
    assert ledger.batches(store, SYSTEM) == []
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("ops.")) == []
    monkeypatch.setattr(os, "replace", real)
    # The same file can be imported once the failure is gone.
    assert S.load(store, tmp_path, POLICE, "v.csv", _csv(GOOD), "t", REGIONS).accepted == 1


def test_valid_ids_vectorised():
    import pandas as pd

    ids = pd.Series(
        [
            ident(1),
            ident(2).lower(),
            ident(3)[:17] + "X",
            "123",
            "",
            "610924190002300011",
            ident(9, born="18991231"),
        ]
    )
    assert I.valid_ids(ids).tolist() == [
        True,
        True,
        ident(3)[17] == "X",
        False,
        False,
        False,
        False,
    ]


def test_excel_cells_as_people_type_them(tmp_path, store):
    """Real date cells and numbers, as Excel stores them (not text)."""
    import datetime as dt
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append("身份证号,姓名,费用月份,医疗总费用（元）,个人自付（元）,参保地区划代码".split(","))
    ws.append([ident(1), "甲", dt.datetime(2026, 3, 1), 12000, 3000.0, 610924000000])
    ws.append([ident(2), "乙", dt.date(2026, 4, 1), 500.5, 100, "610924000000"])
    buf = io.BytesIO()
    wb.save(buf)
    batch = S.load(
        store, tmp_path, F.of_department(FEEDS, "medins"), "m.xlsx", buf.getvalue(), "t", REGIONS
    )
    assert (batch.accepted, batch.rejected) == (1, 1)
    assert batch.rejected_rows.to_dict("records")[0]["reason"] == "bad_number"


def test_odd_cells_are_row_rejections_not_failures(tmp_path, store):
    fullwidth = "６１０９２４１９８００１０１００１Ｘ"
    data = _csv(
        f"{fullwidth},甲,陕G1,1,2025-01-01,610924000000",  # 2
        "",  # 3 (blank)
        f"{ident(1)},乙,陕G2,1,2025-01-01,619999999999",  # 4 region
        f"{ident(1)},乙,陕G2,1,2025-01-01,610924000000",  # 5 accepted
        f"{ident(2)},丙,=1+2,1,2025-01-01,610924000000",  # 6 accepted
        ",,,,,",  # 7 (empty)
        f"{ident(3)},丁,陕G3,99999999999999999999,2025-01-01,610924000000",  # 8 code
    )
    batch = S.load(store, tmp_path, POLICE, "v.csv", data, "t", REGIONS)
    got = [(r["row"], r["reason"]) for r in batch.rejected_rows.to_dict("records")]
    # The valid row 5 is not a duplicate of the rejected row 4; blank rows keep numbers.
    assert got == [(2, "bad_id"), (4, "unknown_region"), (8, "bad_code")]
    assert batch.accepted == 2


def test_property_area_beyond_an_integer_is_rejected(tmp_path, store):
    header = (
        "身份证号,姓名,房屋所在城市,备案日期,建筑面积（平方米）,成交价（元）,房屋所在地区划代码"
    )
    data = _csv(
        f"{ident(1)},甲,西安市,2025-01-01,3000000000,900000,610924000000",
        f"{ident(2)},乙,西安市,2025-01-01,90,900000000000,610924000000",
        header=header,
    )
    batch = S.load(store, tmp_path, F.of_department(FEEDS, "housing"), "p.csv", data, "t", REGIONS)
    assert [(r["row"], r["reason"]) for r in batch.rejected_rows.to_dict("records")] == [
        (2, "bad_number")
    ]


def test_trailing_commas_and_formulas_in_the_report(tmp_path, store):
    data = (HEADER + ",\n" + f"{ident(1)},甲,=1+1,9,2025-01-01,610924000000,\n").encode()
    batch = S.load(store, tmp_path, POLICE, "v.csv", data, "t", REGIONS)
    assert batch.rejected == 1
    report = I.report_file(tmp_path, batch.id).read_bytes().decode("utf-8-sig")
    assert report.splitlines()[1] == "2,代码不在取值范围内,车辆类型,9"
    bad = S.report_csv(
        I.pd.DataFrame(
            {"row": [2], "reason": ["too_long"], "column": ["号牌号码"], "value": ["=1+1"]}
        )
    )
    assert bad.decode("utf-8-sig").splitlines()[1] == "2,内容过长,号牌号码,'=1+1"


def test_a_batch_carries_the_importers_region_and_is_read_within_it(tmp_path, store):
    """The ledger is scoped like the warehouse: a batch is of its importer's region (''
    if the importer is no account: the province's only) and of its department."""
    import datetime as dt

    from access import Scope
    from ops.schema import users

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with store.begin() as conn:
        conn.execute(
            users.insert().values(
                username="ziyang_police",
                password_hash="x",
                display_name="p",
                role="department",
                region_code="610924000000",
                department="police",
                active=True,
                failed_logins=0,
                created_at=now,
                password_changed_at=now,
            )
        )
    mine = S.load(store, tmp_path, POLICE, "v.csv", _csv(GOOD), "ziyang_police", REGIONS)
    orphan = S.load(store, tmp_path, POLICE, "w.csv", _csv(GOOD, GOOD), "gone", REGIONS)
    assert ledger.get(store, SYSTEM, mine.id)["region_code"] == "610924000000"
    assert ledger.get(store, SYSTEM, orphan.id)["region_code"] == ""

    def ids(scope):
        return [b["id"] for b in ledger.batches(store, scope)]

    assert ids(Scope("z", "department", "610924000000", "police")) == [mine.id]
    assert ids(Scope("z", "department", "610924000000", "medins")) == []  # another subject
    assert ids(Scope("h", "department", "610902000000", "police")) == []  # another county
    assert ids(Scope("a", "admin", "610900000000")) == [mine.id]
    assert ids(Scope("p", "admin", "610000000000")) == [orphan.id, mine.id]
    assert ledger.get(store, Scope("a", "admin", "610900000000"), orphan.id) is None
