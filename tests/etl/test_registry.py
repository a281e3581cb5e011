"""The registry loader (docs/registry.md, etl/registry.py): whole-file refusals, row
reasons, the report, formats and encodings, increments, atomic replacement, stable
household numbers and the two commands.

Every delivery here is written by hand: a few households in two villages of 紫阳县
(Ziyang, Ankang), ID numbers made with the GB 11643 check digit. One small valid base
delivery is loaded once (module fixture); each test copies that warehouse and mutates
one thing.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import functools
import hashlib
import json
import shutil
import tempfile
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl import layout as L
from etl import refdata, registry
from etl.delivery import sha256
from etl.idnumber import check_digit

AS_OF = "2026-10-31"
AREA = "610924"  # 紫阳县
V1 = "610924100200"  # 新桃村委会 (level 5)
V2 = "610924100201"  # 新田村委会 (level 5)
TOWNSHIP = "610924100000"  # 城关镇 (level 4)
COUNTY = "610924000000"


# ------------------------------------------------------------------------- helpers
def idn(birth: str, seq: int, area: str = AREA) -> str:
    """A valid ID number: area, birth date YYYYMMDD, 3-digit sequence (odd = male)."""
    first = f"{area}{birth.replace('-', '')}{seq:03d}"
    return first + check_digit(first)


def wrong_check(id_number: str) -> str:
    good = id_number[-1]
    return id_number[:-1] + ("0" if good != "0" else "1")


M1, M2 = idn("1970-03-05", 11), idn("1972-06-10", 22)  # H001: head (m), spouse (f)
M3 = idn("1965-01-20", 31)  # H002
M4, M5 = idn("1958-11-11", 41), idn("2010-09-01", 52)  # H003: head (m), daughter (f)
M6 = idn("1980-07-15", 62)  # H004 (f)


def hh(no, head, village=V1, registered=True, **kw) -> dict:
    row = {
        "household_no": no,
        "village_code": village,
        "head_name": head,
        "phone": "",
        "is_registered": "是" if registered else "否",
        "household_type": "1" if registered else "9",
        "identify_year": "2014" if registered else "",
        "exit_year": "",
        "main_cause": "1" if registered else "",
        "relocated": "否",
        "sanitary_toilet": "1",
        "road_access": "Y",
        "farmland_mu": "2.5",
    }
    row.update(kw)
    return row


def member(id_number, no, name, relation, sex, birth, **kw) -> dict:
    row = {
        "id_number": id_number,
        "household_no": no,
        "name": name,
        "relation": relation,
        "sex": sex,
        "birth_date": birth,
        "ethnicity": "1",
        "health": "1",
        "labour": "1",
    }
    row.update(kw)
    return row


def income(
    no, year, members, wages=20000, business=3000, prop=0, transfers=1000, costs=1000, net=None
) -> dict:
    net = wages + business + prop + transfers - costs if net is None else net
    return {
        "household_no": no,
        "year": str(year),
        "members": str(members),
        "wages": str(wages),
        "business": str(business),
        "property": str(prop),
        "transfers": str(transfers),
        "production_costs": str(costs),
        "net_income": str(net),
    }


def monitoring(mid, no, **kw) -> dict:
    row = {
        "monitoring_id": str(mid),
        "household_no": no,
        "monitor_type": "2",
        "discovery": "2",
        "warning_date": "2025-03-01",
        "check_date": "2025-03-05",
        "notice_date": "2025-03-20",
        "notice_end_date": "2025-03-27",
        "county_decision_date": "2025-03-30",
        "identify_date": "2025-04-01",
        "eliminate_date": "",
        "eliminate_method": "",
    }
    row.update(kw)
    return row


def base() -> dict[str, list[dict]]:
    """The valid base delivery: 4 households (two villages), 6 members, and a row or two
    of every other table."""
    return copy.deepcopy(
        {
            "households.csv": [
                hh("H001", "张三", phone="13800138000"),
                hh("H002", "李四", exit_year="2019", exit_type="1", main_cause="2"),
                hh(
                    "H003",
                    "赵六",
                    village=V2,
                    housing_grade="B",
                    relocated="是",
                    relocation_year="2018",
                    forest_mu="10",
                ),
                hh("H004", "钱七", village=V2, registered=False, monitor_type="2"),
            ],
            "members.csv": [
                member(M1, "H001", "张三", "01", "1", "1970-03-05"),
                member(M2, "H001", "王芳", "10", "2", "1972-06-10", labour="3"),
                member(M3, "H002", "李四", "01", "1", "1965-01-20"),
                member(M4, "H003", "赵六", "01", "1", "1958-11-11", health="2"),
                member(
                    M5,
                    "H003",
                    "赵小",
                    "30",
                    "2",
                    "2010-09-01",
                    in_school="是",
                    school_stage="3",
                    education="2",
                    labour="5",
                ),
                member(M6, "H004", "钱七", "01", "2", "1980-07-15"),
            ],
            "income.csv": [
                income("H001", 2025, 2),
                income("H002", 2025, 1),
                income("H003", 2025, 2),
                income("H004", 2025, 1),
                income("H001", 2026, 2),
                income("H003", 2026, 2),
            ],
            "measures.csv": [
                {
                    "measure_id": "1",
                    "household_no": "H001",
                    "year": "2025",
                    "start_date": "2025-04-01",
                    "channel": "1",
                    "category": "1",
                    "amount": "3000",
                    "department": "agri",
                    "for_monitoring": "否",
                },
                {
                    "measure_id": "2",
                    "household_no": "H003",
                    "year": "2025",
                    "start_date": "2025-04-10",
                    "channel": "6",
                    "category": "7",
                    "amount": "5000",
                    "department": "health",
                    "for_monitoring": "是",
                },
            ],
            "units.csv": [
                {
                    "unit_id": "1",
                    "name": "紫阳县农业农村局",
                    "level": "3",
                    "region_code": COUNTY,
                    "unit_type": "机关",
                }
            ],
            "cadres.csv": [
                {
                    "cadre_id": "1",
                    "name": "周干部",
                    "sex": "1",
                    "unit_id": "1",
                    "township_code": TOWNSHIP,
                    "position": "帮扶责任人",
                    "phone": "13900139000",
                }
            ],
            "pairings.csv": [
                {
                    "household_no": "H001",
                    "cadre_id": "1",
                    "start_date": "2021-01-01",
                    "end_date": "",
                },
                {
                    "household_no": "H003",
                    "cadre_id": "1",
                    "start_date": "2021-03-01",
                    "end_date": "",
                },
            ],
            "villages.csv": [
                {
                    "village_code": V1,
                    "kind": "village",
                    "natural_villages": "5",
                    "team_unit_id": "1",
                    "first_secretary_id": "1",
                    "poor_village": "是",
                    "poor_village_exit_year": "2019",
                },
                {
                    "village_code": V2,
                    "kind": "village",
                    "natural_villages": "3",
                    "poor_village": "否",
                },
            ],
            "population.csv": [
                {"village_code": V1, "year": "2025", "rural_population": "1200"},
                {"village_code": V2, "year": "2025", "rural_population": "800"},
            ],
            "monitoring.csv": [monitoring(1, "H003")],
            "monitoring_risks.csv": [{"monitoring_id": "1", "seq": "1", "risk_type": "1"}],
            "guarantee_gaps.csv": [
                {"household_no": "H003", "item": "housing", "from_year": "2019", "to_year": "2020"}
            ],
            "dept_tax.csv": [{"id_number": M1, "tax_year": "2025", "tax_paid": "0"}],
        }
    )


def spec_of(name: str) -> L.File:
    return L.BY_NAME[name.split(".")[0]]


def columns(rows: list[dict]) -> list[str]:
    """Every key of the rows, in the order first seen."""
    return list(dict.fromkeys(k for r in rows for k in r))


def write_csv(
    path: Path,
    rows: list[dict],
    encoding: str = "utf-8",
    zh: bool = False,
    header: list[str] | None = None,
) -> None:
    keys = header or columns(rows) or [c.name for c in spec_of(path.name).columns if c.required]
    names = keys
    if zh:
        names = [spec_of(path.name).by_name[k].zh for k in keys]
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for r in rows:
            w.writerow([r.get(k, "") for k in keys])


def write_xlsx(path: Path, rows: list[dict], dates: tuple[str, ...] = ()) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    keys = columns(rows)
    ws.append(keys)
    for r in rows:
        out = []
        for k in keys:
            v = r.get(k, "")
            if k in dates and v:
                v = datetime.strptime(v, "%Y-%m-%d")  # a real Excel date cell
            elif isinstance(v, str) and v.isdigit() and not v.startswith("0") and len(v) < 15:
                v = int(v)  # a number cell (codes like "01" and ID numbers stay text)
            out.append(None if v == "" else v)
        ws.append(out)
    wb.save(path)


def write_parquet(path: Path, rows: list[dict]) -> None:
    """Typed columns, as another system would write them: ints as int64, decimals as
    double, bools as bool, dates as date32, the rest as text."""
    spec = spec_of(path.name)
    arrays = {}
    for k in columns(rows):
        col = spec.by_name[k]
        values = [r.get(k) or None for r in rows]
        if col.type == "int":
            arrays[k] = pa.array([None if v is None else int(v) for v in values], pa.int64())
        elif col.type == "decimal":
            arrays[k] = pa.array([None if v is None else float(v) for v in values], pa.float64())
        elif col.type == "bool":
            arrays[k] = pa.array(
                [None if v is None else v in ("是", "1", "Y") for v in values], pa.bool_()
            )
        elif col.type == "date":
            arrays[k] = pa.array(
                [None if v is None else date.fromisoformat(v) for v in values], pa.date32()
            )
        else:
            arrays[k] = pa.array(values, pa.string())
    pq.write_table(pa.table(arrays), path)


def write_manifest(
    d: Path, rows: dict[str, int], kind: str = "full", as_of: str = AS_OF, **extra
) -> Path:
    files = {n: {"rows": rows[n], "sha256": sha256(d / n)} for n in sorted(rows)}
    m = {
        "layout": L.LAYOUT,
        "version": L.VERSION,
        "kind": kind,
        "as_of": as_of,
        **extra,
        "files": files,
    }
    (d / L.MANIFEST).write_text(json.dumps(m, ensure_ascii=False, indent=1), encoding="utf-8")
    return d


def deliver(
    d: Path,
    tables: dict[str, list[dict]],
    kind: str = "full",
    as_of: str = AS_OF,
    encoding: dict[str, str] | None = None,
    zh: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    **extra,
) -> Path:
    """Write ``tables`` (file name -> rows) as a delivery in ``d`` with a correct
    manifest. The file name's extension picks the format."""
    d.mkdir(parents=True, exist_ok=True)
    encoding = encoding or {}
    for name, rows in tables.items():
        path = d / name
        if name.endswith(".csv"):
            write_csv(path, rows, encoding.get(name, "utf-8"), zh=name in zh)
        elif name.endswith(".xlsx"):
            write_xlsx(path, rows, dates)
        elif name.endswith(".parquet"):
            write_parquet(path, rows)
        else:
            path.write_text("x")
    return write_manifest(d, {n: len(r) for n, r in tables.items()}, kind, as_of, **extra)


def edit_manifest(d: Path, fn) -> None:
    m = json.loads((d / L.MANIFEST).read_text(encoding="utf-8"))
    fn(m)
    (d / L.MANIFEST).write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")


def relist(d: Path, name: str, rows: int | None = None) -> None:
    """After rewriting ``name``, list it in the manifest again (sha256, rows)."""

    def fn(m):
        old = m["files"].get(name, {})
        m["files"][name] = {
            "rows": old.get("rows", 0) if rows is None else rows,
            "sha256": sha256(d / name),
        }

    edit_manifest(d, fn)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def report_rows(path: Path) -> list[tuple]:
    """(file, row, column, reason) of each row of a report CSV."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["文件", "行号", "字段", "值", "原因代码", "原因"]  # docs/registry.md §2
    return [(r[0], int(r[1]), r[2], r[4]) for r in rows[1:]]


def households(path: Path) -> list[tuple]:
    return query(
        path,
        "select household_id, household_no, head_name, members "
        "from household order by household_id",
    )


# ------------------------------------------------------------------------- fixtures
@functools.lru_cache(maxsize=2)
def _reference(ref_dir: Path) -> refdata.Reference:
    return _real_load(ref_dir)


_real_load = refdata.load


@contextlib.contextmanager
def _cached_reference():
    """For module fixtures (no monkeypatch there): the cached reference meanwhile."""
    previous = refdata.load
    refdata.load = lambda ref_dir=refdata.REFERENCE_DIR: _reference(Path(ref_dir))
    try:
        yield
    finally:
        refdata.load = previous


@pytest.fixture(autouse=True)
def _fast(monkeypatch, tmp_path):
    """Read the reference data once for the module (the loader reads it on every call),
    and give every test its own temporary directory, so leftovers can be seen."""
    monkeypatch.setattr(
        refdata, "load", lambda ref_dir=refdata.REFERENCE_DIR: _reference(Path(ref_dir))
    )
    private = tmp_path / "systmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    yield private


@pytest.fixture(scope="module")
def base_loaded(tmp_path_factory) -> tuple[Path, Path, registry.Loaded]:
    """The base delivery and the warehouse it loads into (do not modify: copy it)."""
    root = tmp_path_factory.mktemp("base")
    d = deliver(
        root / "delivery",
        base(),
        source="紫阳县乡村振兴局",
        period="2026-10",
        note={"kept": "and ignored"},
    )
    out = root / "wh" / "warehouse.duckdb"
    out.parent.mkdir()
    with _cached_reference():
        result = registry.load(d, out, report=root / "report.csv")
    return d, out, result


@pytest.fixture
def existing(base_loaded, tmp_path) -> Path:
    """A copy of the base warehouse, alone in its directory."""
    out = tmp_path / "wh" / "warehouse.duckdb"
    out.parent.mkdir()
    shutil.copyfile(base_loaded[1], out)
    return out


@pytest.fixture
def delivery(tmp_path) -> Path:
    """A fresh copy of the base delivery to mutate."""
    return deliver(tmp_path / "delivery", base())


def leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("jz-"))


# ------------------------------------------------------------------------- the base
def test_the_base_delivery_loads_whole(base_loaded):
    d, out, result = base_loaded
    assert result.rejected == 0 and result.kind == "full"
    assert result.as_of == date(2026, 10, 31)
    assert report_rows(d.parent / "report.csv") == []
    expected = {
        "households": 4,
        "members": 6,
        "income": 6,
        "measures": 2,
        "units": 1,
        "cadres": 1,
        "pairings": 2,
        "villages": 2,
        "population": 2,
        "monitoring": 1,
        "monitoring_risks": 1,
        "guarantee_gaps": 1,
        "dept_tax": 1,
    }
    for name, c in result.files.items():
        n = expected.get(name, 0)
        assert c == {"accepted": n, "rejected": 0, "added": n, "changed": 0, "removed": 0}, name
    assert households(out) == [
        (1, "H001", "张三", 2),
        (2, "H002", "李四", 1),
        (3, "H003", "赵六", 2),
        (4, "H004", "钱七", 1),
    ]
    counts = {
        t: query(out, f"select count(*) from {t}")[0][0]
        for t in (
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
            "dept_tax",
        )
    }
    assert counts == {
        "person": 6,
        "income": 6,
        "measure": 2,
        "unit": 1,
        "cadre": 1,
        "pairing": 2,
        "village": 2,
        "population": 2,
        "monitoring": 1,
        "monitoring_risk": 1,
        "condition_gap": 1,
        "dept_tax": 1,
    }
    assert query(
        out,
        "select household_no, township_code, county_code, cadre_id, "
        "per_capita_income from household order by 1",
    ) == [
        ("H001", TOWNSHIP, COUNTY, 1, 11500),
        ("H002", TOWNSHIP, COUNTY, None, None),
        ("H003", TOWNSHIP, COUNTY, 1, 11500),
        ("H004", TOWNSHIP, COUNTY, None, None),
    ]
    assert query(out, "select kind, as_of, rejected, source, version from data_version") == [
        ("full", date(2026, 10, 31), 0, "紫阳县乡村振兴局", result.version)
    ]
    assert result.row_counts["household"] == 4 and result.row_counts["person"] == 6


# ------------------------------------------------------------------------- 1. refusals
def _drop_file(name):
    def fn(d):
        (d / name).unlink()
        edit_manifest(d, lambda m: m["files"].pop(name))

    return fn


def _rewrite_households(
    rows=None, header=None, encoding="utf-8", raw: bytes | None = None, count: int | None = None
):
    def fn(d):
        path = d / "households.csv"
        if raw is not None:
            path.write_bytes(raw)
        else:
            write_csv(
                path,
                rows if rows is not None else base()["households.csv"],
                encoding,
                header=header,
            )
        relist(d, "households.csv", count)

    return fn


def _add_file(name, content: bytes, rows=1):
    def fn(d):
        (d / name).write_bytes(content)
        relist(d, name, rows)

    return fn


def _set(field, value):
    def fn(d):
        edit_manifest(d, lambda m: m.__setitem__(field, value))

    return fn


def _extra_column(d):
    rows = base()["households.csv"]
    for r in rows:
        r["remark"] = "x"
    _rewrite_households(rows)(d)


def _utf16(d):
    text = (d / "households.csv").read_text(encoding="utf-8")
    _rewrite_households(raw=text.encode("utf-16"))(d)


def _bad_bytes(d):
    text = (d / "households.csv").read_bytes()
    _rewrite_households(raw=text.replace("张三".encode(), b"\x80\xff\x81 "))(d)


def _removal_in_full(d):
    write_csv(d / "households.removed.csv", [{"household_no": "H002"}])
    relist(d, "households.removed.csv", 1)


def _manifest_bytes(content: bytes):
    def fn(d):
        (d / L.MANIFEST).write_bytes(content)

    return fn


HH_KEYS = columns(base()["households.csv"])
TOMORROW = (date.today() + timedelta(days=1)).isoformat()

REFUSALS = [
    ("no manifest", lambda d: (d / L.MANIFEST).unlink(), "the delivery has no manifest.json"),
    ("manifest not JSON", _manifest_bytes(b"{layout: jingzhun"), "manifest.json is not valid JSON"),
    ("manifest a list", _manifest_bytes(b"[1, 2]"), "manifest.json is not a JSON object"),
    (
        "wrong layout",
        _set("layout", "other-layout"),
        "manifest.json: layout is 'other-layout', expected 'jingzhun-registry'",
    ),
    ("wrong version", _set("version", 2), "manifest.json: version 2 is not supported"),
    ("version as text", _set("version", "1"), "manifest.json: version '1' is not supported"),
    (
        "wrong kind",
        _set("kind", "monthly"),
        "manifest.json: kind must be full or increment, not 'monthly'",
    ),
    ("as_of malformed", _set("as_of", "2026-13-01"), "manifest.json: as_of must be a date"),
    (
        "as_of missing",
        lambda d: edit_manifest(d, lambda m: m.pop("as_of")),
        "manifest.json: as_of must be a date",
    ),
    ("as_of not YYYY-MM-DD", _set("as_of", "20261031"), "manifest.json: as_of must be a date"),
    ("as_of future", _set("as_of", TOMORROW), f"manifest.json: as_of {TOMORROW} is in the future"),
    (
        "file without sha256",
        lambda d: edit_manifest(d, lambda m: m["files"]["income.csv"].pop("sha256")),
        "manifest.json: income.csv needs rows (a whole number) and sha256",
    ),
    (
        "listed file missing",
        lambda d: (d / "income.csv").unlink(),
        "income.csv is listed in manifest.json but not in the delivery",
    ),
    (
        "file not listed",
        lambda d: edit_manifest(d, lambda m: m["files"].pop("income.csv")),
        "income.csv is not listed in manifest.json",
    ),
    (
        "unknown table",
        _add_file("readme.csv", b"a,b\n1,2\n"),
        "readme.csv: not a file of the registry layout",
    ),
    (
        "unknown extension",
        _add_file("households.txt", b"household_no\nH001\n"),
        "households.txt: not a file of the registry layout",
    ),
    (
        "sha256 mismatch",
        lambda d: (d / "income.csv").write_bytes(
            (d / "income.csv").read_bytes().replace(b"20000", b"20001", 1)
        ),
        "income.csv: SHA-256 ",
    ),
    (
        "row count mismatch",
        lambda d: edit_manifest(d, lambda m: m["files"]["income.csv"].__setitem__("rows", 7)),
        "income.csv: 6 data rows, but the manifest says 7",
    ),
    (
        "unknown column",
        _extra_column,
        "households.csv: column 'remark' is not in the layout of households",
    ),
    (
        "repeated column",
        _rewrite_households(header=HH_KEYS + ["head_name"]),
        "households.csv: column head_name appears twice",
    ),
    (
        "repeated column, key and Chinese name",
        lambda d: (
            _rewrite_households()(d),
            (d / "households.csv").write_bytes(
                (d / "households.csv").read_bytes().replace(b"farmland_mu", "户主姓名".encode(), 1)
            ),
            relist(d, "households.csv"),
        ),
        "households.csv: column head_name appears twice",
    ),
    (
        "required column missing",
        _rewrite_households(header=[k for k in HH_KEYS if k != "village_code"]),
        "households.csv: required column(s) missing: village_code",
    ),
    ("UTF-16", _utf16, "households.csv: the file is neither UTF-8 nor GBK"),
    ("invalid bytes", _bad_bytes, "households.csv: the file is neither UTF-8 nor GBK"),
    (
        "CSV row with an extra field",
        _rewrite_households(
            raw=(
                ",".join(HH_KEYS) + "\n" + ",".join(["H001"] + ["x"] * len(HH_KEYS)) + "\n"
            ).encode(),
            count=1,
        ),
        "households.csv: cannot be read as csv",
    ),
    (
        "xlsx not readable",
        lambda d: (
            _drop_file("members.csv")(d),
            _add_file("members.xlsx", b"PK not a workbook", 6)(d),
        ),
        "members.xlsx: not a readable .xlsx file",
    ),
    (
        "parquet not readable",
        lambda d: (
            _drop_file("income.csv")(d),
            _add_file("income.parquet", b"PAR1 nonsense", 6)(d),
        ),
        "income.parquet: cannot be read as parquet",
    ),
    ("full without households", _drop_file("households.csv"), "a full delivery needs households"),
    ("full without members", _drop_file("members.csv"), "a full delivery needs members"),
    (
        "removal in a full delivery",
        _removal_in_full,
        "households.removed.csv: removals come only in an increment",
    ),
    (
        "removal of department records",
        lambda d: (
            _set("kind", "increment")(d),
            (d / "dept_tax.removed.csv").write_text(f"id_number\n{M1}\n"),
            relist(d, "dept_tax.removed.csv", 1),
        ),
        "dept_tax.removed.csv: department records have no key to remove by",
    ),
]


@pytest.mark.parametrize("mutate,message", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_refused_delivery_changes_nothing(existing, delivery, _fast, mutate, message):
    before = digest(existing)
    mutate(delivery)
    with pytest.raises(registry.Refused) as e:
        registry.load(delivery, existing, report=existing.parent.parent / "r.csv")
    assert message in str(e.value)
    assert e.value.zh  # a Chinese message for the page
    assert digest(existing) == before
    assert sorted(p.name for p in existing.parent.iterdir()) == ["warehouse.duckdb"]
    assert leftovers(_fast) == []
    assert not (existing.parent.parent / "r.csv").exists()


def test_an_increment_needs_a_warehouse(delivery, tmp_path, _fast):
    edit_manifest(delivery, lambda m: m.__setitem__("kind", "increment"))
    out_dir = tmp_path / "empty"
    out_dir.mkdir()
    with pytest.raises(registry.Refused, match="an increment needs a warehouse with a registry at"):
        registry.load(delivery, out_dir / "warehouse.duckdb")
    assert list(out_dir.iterdir()) == []
    assert leftovers(_fast) == []


@pytest.mark.parametrize("content", [b"this is not a zip", b""])
def test_a_zip_that_is_not_one(existing, tmp_path, _fast, content):
    before = digest(existing)
    bad = tmp_path / "delivery.zip"
    bad.write_bytes(content)
    with pytest.raises(
        registry.Refused, match="delivery.zip is neither a directory nor a ZIP file"
    ):
        registry.load(bad, existing)
    assert digest(existing) == before
    assert sorted(p.name for p in existing.parent.iterdir()) == ["warehouse.duckdb"]
    assert leftovers(_fast) == []


def test_a_delivery_that_is_not_there(existing, tmp_path):
    with pytest.raises(registry.Refused, match="no delivery at"):
        registry.load(tmp_path / "nowhere", existing)


# ------------------------------------------------------------------------- 2. row reasons
LOWER_X = "61092419750505019X"  # check digit X
BAD_ID_DATE = "610924" + "19701332" + "013"
BAD_ID_DATE += check_digit(BAD_ID_DATE)
DUP = idn("1985-05-05", 72)


def bad_delivery() -> dict[str, list[dict]]:
    t = base()
    t["households.csv"] += [
        hh("", "无户号"),  # 6
        hh("H101", ""),  # 7
        hh("H102", "甲", farmland_mu="abc"),  # 8
        hh("H103", "乙", farmland_mu="1.234"),  # 9
        hh("H104", "丙", exit_year="2027", exit_type="1"),  # 10
        hh("H105", "丁", relocated="maybe"),  # 11
        hh("H106", "戊", household_type="5"),  # 12
        hh("H107", "己", housing_grade="E"),  # 13
        hh("H108", "庚", farmland_mu="-1"),  # 14
        hh("H109", "辛", identify_year="1999"),  # 15
        hh("H110", "长" * 31),  # 16
        hh("H111", "京", village="110101001001"),  # 17
        hh("H112", "镇", village=TOWNSHIP),  # 18
        hh("H113", "重一"),  # 19
        hh("H113", "重二"),  # 20
        hh("H114", "壬", identify_year=""),  # 21
        hh("H115", "癸", identify_year="2016", exit_year="2015"),  # 22
        hh("H116", "电", phone="138001380001234567890"),  # 23
        hh("H117", "代", main_cause="x"),  # 24
    ]
    members = t.pop("members.csv") + [member(DUP, "H004", "钱小", "30", "2", "1985-05-05")]
    t["members.01.csv"] = members  # rows 2-8
    t["members.02.csv"] = [
        member("", "H001", "无号", "20", "1", "1995-01-01"),  # 2
        member(idn("1970-02-28", 81), "H001", "错日", "20", "1", "1970-02-30"),  # 3
        member("61092419700101", "H001", "短号", "20", "1", "1970-01-01"),  # 4
        member(BAD_ID_DATE, "H001", "坏日", "20", "1", "1970-01-01"),  # 5
        member(wrong_check(idn("1990-04-04", 91)), "H001", "校验", "20", "1", "1990-04-04"),  # 6
        member(idn("1990-03-05", 93), "H001", "生日", "20", "1", "1990-03-06"),  # 7
        member(idn("1991-03-05", 95), "H001", "性别", "30", "2", "1991-03-05"),  # 8
        member(idn("1992-01-01", 97), "H999", "无户", "20", "1", "1992-01-01"),  # 9
        member(idn("1993-01-01", 99), "H101", "拒户", "01", "1", "1993-01-01"),  # 10
        member(
            idn("1994-01-01", 101), "H001", "务工", "20", "1", "1994-01-01", migrant_months="13"
        ),  # 11
        member(DUP, "H004", "钱小", "30", "2", "1985-05-05"),  # 12
        member(idn("2026-11-01", 103), "H001", "未生", "20", "1", "2026-11-01"),  # 13
        member(
            idn("1996-01-01", 105), "H001", "文化", "20", "1", "1996-01-01", education="8"
        ),  # 14
    ]
    t["income.csv"] += [
        income("H001", 2024, 2, wages=-100),  # 8
        dict(income("H001", 2023, 2), members="two"),
    ]  # 9
    t["measures.csv"] += [
        {
            "measure_id": "3",
            "household_no": "H001",
            "year": "2025",
            "start_date": "2025-05-01",
            "amount": "100",
            "department": "xx",
            "for_monitoring": "否",
        },  # 4
        {
            "measure_id": "4",
            "household_no": "H001",
            "year": "2025",
            "start_date": "2025-05-01",
            "amount": "100",
            "department": "agri",
            "for_monitoring": "",
        },  # 5
    ]
    t["pairings.csv"] += [
        {
            "household_no": "H002",
            "cadre_id": "1",
            "start_date": "2022-05-01",
            "end_date": "2022-04-01",
        },  # 4
        {"household_no": "H002", "cadre_id": "99", "start_date": "2022-05-01"},  # 5
    ]
    t["cadres.csv"] += [
        {
            "cadre_id": "2",
            "name": "吴干部",
            "unit_id": "1",
            "township_code": V1,
            "position": "第一书记",
        }
    ]  # 3
    t["monitoring.csv"] += [
        monitoring(
            2,
            "H001",
            warning_date="2025-05-01",
            check_date="",
            notice_date="",
            notice_end_date="",
            county_decision_date="2025-04-01",
            identify_date="",
        ),  # 3
        monitoring(3, "H002", eliminate_method="1"),  # 4
        monitoring(
            4,
            "H004",
            warning_date="2026-11-05",
            check_date="",
            notice_date="",
            notice_end_date="",
            county_decision_date="",
            identify_date="",
        ),  # 5
    ]
    t["monitoring_risks.csv"] += [
        {"monitoring_id": "99", "seq": "1", "risk_type": "1"},  # 3
        {"monitoring_id": "2", "seq": "1", "risk_type": "2"},
    ]  # 4
    t["guarantee_gaps.csv"] += [
        {"household_no": "H001", "item": "water", "from_year": "2020", "to_year": "2019"}
    ]  # 3
    return t


EXPECTED_REPORT = [
    ("cadres.csv", 3, "township_code", "unknown_region"),
    ("guarantee_gaps.csv", 3, "to_year", "out_of_order"),
    ("households.csv", 6, "household_no", "missing_key"),
    ("households.csv", 7, "head_name", "missing"),
    ("households.csv", 8, "farmland_mu", "bad_number"),
    ("households.csv", 9, "farmland_mu", "bad_number"),
    ("households.csv", 10, "exit_year", "future_date"),
    ("households.csv", 11, "relocated", "bad_bool"),
    ("households.csv", 12, "household_type", "bad_code"),
    ("households.csv", 13, "housing_grade", "bad_code"),
    ("households.csv", 14, "farmland_mu", "negative"),
    ("households.csv", 15, "identify_year", "out_of_range"),
    ("households.csv", 16, "head_name", "too_long"),
    ("households.csv", 17, "village_code", "unknown_region"),
    ("households.csv", 18, "village_code", "unknown_region"),
    ("households.csv", 19, "household_no", "duplicate"),
    ("households.csv", 20, "household_no", "duplicate"),
    ("households.csv", 21, "identify_year", "inconsistent"),
    ("households.csv", 22, "exit_year", "out_of_order"),
    ("households.csv", 23, "phone", "too_long"),
    ("households.csv", 24, "main_cause", "bad_code"),
    ("income.csv", 8, "wages", "negative"),
    ("income.csv", 9, "members", "bad_number"),
    ("measures.csv", 4, "department", "bad_code"),
    ("measures.csv", 5, "for_monitoring", "missing"),
    ("members.01.csv", 8, "id_number", "duplicate"),
    ("members.02.csv", 2, "id_number", "missing_key"),
    ("members.02.csv", 3, "birth_date", "bad_date"),
    ("members.02.csv", 4, "id_number", "bad_id"),
    ("members.02.csv", 5, "id_number", "bad_id"),
    ("members.02.csv", 6, "id_number", "bad_id"),
    ("members.02.csv", 7, "birth_date", "id_mismatch"),
    ("members.02.csv", 8, "sex", "id_mismatch"),
    ("members.02.csv", 9, "household_no", "unknown_ref"),
    ("members.02.csv", 10, "household_no", "unknown_ref"),
    ("members.02.csv", 11, "migrant_months", "out_of_range"),
    ("members.02.csv", 12, "id_number", "duplicate"),
    ("members.02.csv", 13, "birth_date", "future_date"),
    ("members.02.csv", 14, "education", "bad_code"),
    ("monitoring.csv", 3, "county_decision_date", "out_of_order"),
    ("monitoring.csv", 4, "eliminate_method", "inconsistent"),
    ("monitoring.csv", 5, "warning_date", "future_date"),
    ("monitoring_risks.csv", 3, "monitoring_id", "unknown_ref"),
    ("monitoring_risks.csv", 4, "monitoring_id", "unknown_ref"),
    ("pairings.csv", 4, "end_date", "out_of_order"),
    ("pairings.csv", 5, "cadre_id", "unknown_ref"),
]


@pytest.fixture(scope="module")
def bad_loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    d = deliver(root / "delivery", bad_delivery())
    out = root / "warehouse.duckdb"
    with _cached_reference():
        result = registry.load(d, out, report=root / "report.csv")
    return out, root / "report.csv", result


def test_every_row_reason_is_reported_with_file_row_and_column(bad_loaded):
    out, report, result = bad_loaded
    assert report_rows(report) == EXPECTED_REPORT
    assert result.rejected == len(EXPECTED_REPORT)
    assert {x[3] for x in EXPECTED_REPORT} == set(registry.REASONS) - {"unknown_removal"}


def test_the_accepted_rows_load_beside_the_rejected(bad_loaded):
    out, report, result = bad_loaded
    assert households(out) == [
        (1, "H001", "张三", 2),
        (2, "H002", "李四", 1),
        (3, "H003", "赵六", 2),
        (4, "H004", "钱七", 1),
    ]
    counts = {
        t: query(out, f"select count(*) from {t}")[0][0]
        for t in (
            "person",
            "income",
            "measure",
            "cadre",
            "pairing",
            "monitoring",
            "monitoring_risk",
            "condition_gap",
        )
    }
    assert counts == {
        "person": 6,
        "income": 6,
        "measure": 2,
        "cadre": 1,
        "pairing": 2,
        "monitoring": 1,
        "monitoring_risk": 1,
        "condition_gap": 1,
    }
    assert result.files["households"]["accepted"] == 4
    assert result.files["households"]["rejected"] == 19
    assert result.files["members"] == {
        "accepted": 6,
        "rejected": 14,
        "added": 6,
        "changed": 0,
        "removed": 0,
    }
    assert query(out, "select count(*), min(rejected) from data_version") == [(1, 46)]
    assert query(out, "select count(*) from load_rejected") == [(46,)]


def test_the_report_is_utf8_with_bom_chinese_headers_and_masked_numbers(bad_loaded):
    out, report, result = bad_loaded
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").splitlines()[0] == "文件,行号,字段,值,原因代码,原因"
    with open(report, encoding="utf-8-sig", newline="") as f:
        rows = {(r["文件"], r["行号"]): r for r in csv.DictReader(f)}
    bad_check = wrong_check(idn("1990-04-04", 91))
    r = rows[("members.02.csv", "6")]
    assert (r["字段"], r["值"], r["原因代码"], r["原因"]) == (
        "id_number",
        bad_check[:3] + "*" * 11 + bad_check[-4:],
        "bad_id",
        "身份证号格式或校验位错误",
    )
    assert rows[("members.02.csv", "4")]["值"] == "610*******0101"
    assert rows[("members.02.csv", "12")]["值"] == DUP[:3] + "*" * 11 + DUP[-4:]
    assert rows[("households.csv", "23")]["值"] == "138" + "*" * 14 + "7890"
    assert rows[("households.csv", "8")]["值"] == "abc"
    assert rows[("households.csv", "17")]["原因"] == "不是陕西省的（村级）区划"
    assert rows[("households.csv", "6")]["值"] == ""
    # No full ID or phone number anywhere in the report.
    text = raw.decode("utf-8-sig")
    for number in (bad_check, DUP, BAD_ID_DATE, idn("1990-03-05", 93), "138001380001234567890"):
        assert number not in text


BAD_ORDER_ROWS = [
    # (row of households.csv, kwargs, expected column, expected reason): two faults each;
    # the first in the order of docs/registry.md §2 is reported.
    ({"relocated": "maybe", "main_cause": "x"}, "relocated", "bad_bool"),
    ({"identify_year": "20x4", "household_type": "x"}, "identify_year", "bad_number"),
    ({"exit_year": "2099", "exit_type": "1", "housing_grade": "Z"}, "exit_year", "future_date"),
]


def test_the_first_reason_follows_the_documented_order(tmp_path):
    """docs/registry.md §2: a row is reported with the first reason it fails "in this
    order" (missing_key, missing, bad_number, bad_date, future_date, bad_bool, bad_code,
    ...). Each row below has two faults."""
    t = base()
    t["households.csv"] += [
        hh(f"H2{i:02d}", "某", **kw) for i, (kw, _, _) in enumerate(BAD_ORDER_ROWS)
    ]
    # A member with a bad date and a bad (numeric-domain) code: bad_date comes first.
    t["members.csv"] += [member(idn("1970-01-01", 201), "H001", "某", "20", "M", "1970-13-01")]
    d = deliver(tmp_path / "d", t)
    report = tmp_path / "r.csv"
    registry.load(d, tmp_path / "w.duckdb", report=report)
    assert report_rows(report) == [
        ("households.csv", 6 + i, col, reason) for i, (_, col, reason) in enumerate(BAD_ORDER_ROWS)
    ] + [("members.csv", 8, "birth_date", "bad_date")]


def _undecided(mid, no, **kw) -> dict:
    """A monitoring record checked but not (yet) identified: no later procedure date."""
    return monitoring(
        mid, no, notice_date="", notice_end_date="", county_decision_date="", identify_date="", **kw
    )


def test_dated_membership_and_the_check_outcome(tmp_path):
    """Issue #16 (docs/registry.md, members and monitoring): the rules of the dated
    membership and of the check outcome reject a row with the documented reason; the
    accepted rows give current members, ages and the state 4 (checked, not included)."""
    t = base()
    t["households.csv"] += [hh(f"H2{i:02d}", f"户{i}", registered=False) for i in range(1, 10)]
    t["members.csv"] += [
        member(
            idn("1995-02-02", 111), "H001", "无因", "20", "1", "1995-02-02", left_date="2024-05-01"
        ),  # 8: a left_date without left_reason
        member(
            idn("1995-02-03", 113), "H001", "无日", "20", "1", "1995-02-03", left_reason="2"
        ),  # 9: a left_reason without left_date
        member(
            idn("1995-03-03", 115),
            "H001",
            "先入",
            "20",
            "1",
            "1995-03-03",
            joined_date="1990-01-01",
            join_reason="3",
        ),  # 10: joined before birth
        member(
            idn("1995-03-04", 117),
            "H001",
            "先出",
            "20",
            "1",
            "1995-03-04",
            joined_date="2020-05-01",
            join_reason="3",
            left_date="2019-01-01",
            left_reason="2",
        ),  # 11: left before joining
        member(
            idn("1995-03-05", 119),
            "H001",
            "未来",
            "20",
            "1",
            "1995-03-05",
            left_date="2026-11-01",
            left_reason="3",
        ),  # 12: after as_of
        member(
            idn("1995-03-06", 121), "H001", "怪因", "20", "1", "1995-03-06", join_reason="5"
        ),  # 13: not a code of member_join
        member(
            idn("1940-01-01", 123),
            "H001",
            "张老",
            "50",
            "1",
            "1940-01-01",
            left_date="2023-06-01",
            left_reason="1",
        ),  # 14: died in 2023 (accepted)
        member(
            idn("1996-06-06", 124),
            "H002",
            "李媳",
            "99",
            "2",
            "1996-06-06",
            joined_date="2022-03-01",
            join_reason="3",
        ),  # 15: married in (accepted)
    ]
    t["monitoring.csv"] += [
        monitoring(3, "H201", check_result="2", exclude_reason="1"),  # 3: and identified
        _undecided(4, "H202", check_date="", check_result="2", exclude_reason="1"),  # 4
        _undecided(5, "H203", check_result="1"),  # 5: included without identify_date
        _undecided(6, "H204", exclude_reason="3"),  # 6: a reason, undecided
        _undecided(7, "H205", check_result="2"),  # 7: not included without a reason
        _undecided(
            8, "H206", assist_date="2025-04-10", check_result="2", exclude_reason="2"
        ),  # 8: not included, yet assisted
        _undecided(9, "H207", check_result="3"),  # 9: not a code
        _undecided(10, "H208", check_result="2", exclude_reason="4"),  # 10 (accepted)
        monitoring(11, "H209"),  # 11: identified, check_result left empty (accepted)
        _undecided(12, "H001"),
        _undecided(13, "H001"),  # 12, 13: one household, twice
    ]
    d = deliver(tmp_path / "d", t)
    report, out = tmp_path / "r.csv", tmp_path / "w.duckdb"
    registry.load(d, out, report=report)
    assert report_rows(report) == [
        ("members.csv", 8, "left_reason", "inconsistent"),
        ("members.csv", 9, "left_reason", "inconsistent"),
        ("members.csv", 10, "joined_date", "out_of_order"),
        ("members.csv", 11, "left_date", "out_of_order"),
        ("members.csv", 12, "left_date", "future_date"),
        ("members.csv", 13, "join_reason", "bad_code"),
        ("monitoring.csv", 3, "check_result", "inconsistent"),
        ("monitoring.csv", 4, "check_date", "inconsistent"),
        ("monitoring.csv", 5, "identify_date", "inconsistent"),
        ("monitoring.csv", 6, "exclude_reason", "inconsistent"),
        ("monitoring.csv", 7, "exclude_reason", "inconsistent"),
        ("monitoring.csv", 8, "check_result", "inconsistent"),
        ("monitoring.csv", 9, "check_result", "bad_code"),
        ("monitoring.csv", 12, "household_no", "duplicate"),
        ("monitoring.csv", 13, "household_no", "duplicate"),
    ]
    # Current members: H001 张三, 王芳 (张老 died in 2023); H002 李四 and 李媳.
    assert query(
        out,
        "select household_no, members from household where household_no in "
        "('H001', 'H002') order by 1",
    ) == [("H001", 2), ("H002", 2)]
    # Ages at as_of, or at left_date for one who left: 1940-01-01 -> 2023-06-01 is 83.
    assert query(
        out,
        "select name, age, left_date, left_reason, joined_date, join_reason "
        "from person where name in ('张老', '李媳') order by name",
    ) == [
        ("张老", 83, date(2023, 6, 1), 1, None, None),
        ("李媳", 30, None, None, date(2022, 3, 1), 3),
    ]
    assert query(
        out,
        "select h.household_no, m.state, m.check_result, m.exclude_reason "
        "from monitoring m join household h using (household_id) "
        "order by 1",
    ) == [("H003", 2, 1, None), ("H208", 4, 2, 4), ("H209", 2, 1, None)]
    # Checked and not included: not pending, counted as cleared in its check month.
    assert query(
        out,
        "select hh_warned, hh_monitored, hh_cleared, hh_pending from "
        "rollup_month where region_code = '610000000000' and month = "
        "'2025-03-01'",
    ) == [(3, 0, 1, 2)]


# ------------------------------------------------------------------------- 4. formats
def test_gbk_bom_and_chinese_headers(tmp_path):
    """households.csv in GBK (keys), members.csv in UTF-8 with a BOM and the layout's
    Chinese column names, income.csv in GB18030 with Chinese names."""
    t = base()
    t["members.csv"].append(member(LOWER_X.lower(), "H002", "李小", "20", "1", "1975-05-05"))
    d = deliver(
        tmp_path / "d",
        t,
        encoding={"households.csv": "gbk", "members.csv": "utf-8-sig", "income.csv": "gb18030"},
        zh=("members.csv", "income.csv"),
    )
    raw = (d / "households.csv").read_bytes()
    assert "张三".encode("gbk") in raw and "张三".encode() not in raw
    assert (d / "members.csv").read_bytes().startswith("\ufeff身份证号,".encode())
    report = tmp_path / "r.csv"
    result = registry.load(d, tmp_path / "w.duckdb", report=report)
    assert result.rejected == 0, report.read_text(encoding="utf-8-sig")
    out = tmp_path / "w.duckdb"
    assert households(out) == [
        (1, "H001", "张三", 2),
        (2, "H002", "李四", 2),
        (3, "H003", "赵六", 2),
        (4, "H004", "钱七", 1),
    ]
    assert query(out, "select name, relation, birth_date from person order by person_id") == [
        ("张三", "01", date(1970, 3, 5)),
        ("王芳", "10", date(1972, 6, 10)),
        ("李四", "01", date(1965, 1, 20)),
        ("赵六", "01", date(1958, 11, 11)),
        ("赵小", "30", date(2010, 9, 1)),
        ("钱七", "01", date(1980, 7, 15)),
        ("李小", "20", date(1975, 5, 5)),
    ]
    assert query(out, "select id_number from person where name = '李小'") == [(LOWER_X,)]
    assert query(
        out,
        "select head_name, is_registered, relocated, road_access from household "
        "order by household_id",
    ) == [
        ("张三", True, False, True),
        ("李四", True, False, True),
        ("赵六", True, True, True),
        ("钱七", False, False, True),
    ]
    assert query(out, "select count(*), sum(wages) from income") == [(6, 120000)]
    assert query(out, "select name, unit_type from unit") == [("紫阳县农业农村局", "机关")]


def test_xlsx_parquet_and_a_zip(tmp_path):
    """members.xlsx (birth dates as Excel date cells, in parts .01/.02), income.parquet
    and households.parquet, delivered as a ZIP with the files in a folder."""
    t = base()
    members = t.pop("members.csv")
    t["members.01.xlsx"] = members[:3]
    t["members.02.xlsx"] = members[3:]
    t["income.parquet"] = t.pop("income.csv")
    t["households.parquet"] = t.pop("households.csv")
    d = deliver(tmp_path / "d", t, dates=("birth_date",))
    import openpyxl

    cell = openpyxl.load_workbook(d / "members.01.xlsx").active["F2"]
    assert cell.is_date and cell.value == datetime(1970, 3, 5)
    z = tmp_path / "delivery.zip"
    with zipfile.ZipFile(z, "w") as f:
        for p in sorted(d.iterdir()):
            f.write(p, f"registry-2026-10/{p.name}")
    out = tmp_path / "w.duckdb"
    report = tmp_path / "r.csv"
    result = registry.load(z, out, report=report)
    assert result.rejected == 0, report.read_text(encoding="utf-8-sig")
    assert households(out) == [
        (1, "H001", "张三", 2),
        (2, "H002", "李四", 1),
        (3, "H003", "赵六", 2),
        (4, "H004", "钱七", 1),
    ]
    assert query(out, "select id_number, birth_date, sex from person order by person_id") == [
        (M1, date(1970, 3, 5), 1),
        (M2, date(1972, 6, 10), 2),
        (M3, date(1965, 1, 20), 1),
        (M4, date(1958, 11, 11), 1),
        (M5, date(2010, 9, 1), 2),
        (M6, date(1980, 7, 15), 2),
    ]
    assert query(out, "select count(*), sum(net_income) from income") == [(6, 138000)]
    assert query(
        out,
        "select farmland_mu, forest_mu, identify_year, relocation_year, "
        "is_registered, relocated from household where household_no = 'H003'",
    ) == [(2.5, 10.0, 2014, 2018, True, True)]
    assert query(
        out,
        f"select education, in_school, school_stage, labour from person where id_number = '{M5}'",
    ) == [(2, True, 3, 5)]
    assert leftovers(Path(tempfile.gettempdir())) == []


# ------------------------------------------------------------------------- 5. increments
def test_an_increment_changes_adds_and_removes(existing, tmp_path, base_loaded):
    before_people = dict(query(existing, "select id_number, person_id from person"))
    old_version = query(existing, "select version from data_version")[0][0]
    M7, M8, M9 = idn("1988-08-08", 111), idn("1990-09-09", 122), idn("2020-02-02", 131)
    t = {
        "households.csv": [
            hh("H002", "李四新", exit_year="2019", exit_type="1", main_cause="2"),
            hh("H005", "孙八"),
        ],
        "households.removed.csv": [{"household_no": "H003"}, {"household_no": "H404"}],
        "members.csv": [
            member(M7, "H005", "孙八", "01", "1", "1988-08-08"),
            member(M8, "H005", "刘九", "10", "2", "1990-09-09"),
            member(M9, "H001", "张小", "20", "1", "2020-02-02", labour="5"),
        ],
        "income.csv": [income("H004", 2025, 1, wages=25000), income("H005", 2025, 2)],
    }
    d = deliver(tmp_path / "inc", t, kind="increment", as_of="2026-11-30")
    report = tmp_path / "r.csv"
    result = registry.load(d, existing, report=report)
    assert result.kind == "increment"
    assert report_rows(report) == [("households.removed.csv", 3, "household_no", "unknown_removal")]
    assert result.rejected == 1
    f = result.files
    assert f["households"] == {"accepted": 2, "rejected": 1, "added": 1, "changed": 1, "removed": 1}
    assert f["members"] == {"accepted": 3, "rejected": 0, "added": 3, "changed": 0, "removed": 2}
    assert f["income"] == {"accepted": 2, "rejected": 0, "added": 1, "changed": 1, "removed": 2}
    for name in ("measures", "pairings", "monitoring", "monitoring_risks", "guarantee_gaps"):
        assert f[name] == {"accepted": 0, "rejected": 0, "added": 0, "changed": 0, "removed": 1}, (
            name
        )
    for name in ("units", "cadres", "villages", "population", "dept_tax"):
        assert f[name]["removed"] == f[name]["added"] == f[name]["rejected"] == 0, name
    # Stable ids: H001, H002 and H004 keep theirs; H005 is new and numbered after all.
    assert households(existing) == [
        (1, "H001", "张三", 3),
        (2, "H002", "李四新", 1),
        (4, "H004", "钱七", 1),
        (5, "H005", "孙八", 2),
    ]
    h2 = query(
        existing,
        "select exit_year, main_cause, is_registered from household where household_no = 'H002'",
    )
    assert h2 == [(2019, 2, True)]
    people = dict(query(existing, "select id_number, person_id from person"))
    assert set(people) == {M1, M2, M3, M6, M7, M8, M9}
    for m in (M1, M2, M3, M6):
        assert people[m] == before_people[m]
    assert min(people[m] for m in (M7, M8, M9)) > max(before_people.values())
    assert query(
        existing,
        "select h.household_no, i.year, i.wages from income i "
        "join household h using (household_id) order by 1, 2",
    ) == [
        ("H001", 2025, 20000),
        ("H001", 2026, 20000),
        ("H002", 2025, 20000),
        ("H004", 2025, 25000),
        ("H005", 2025, 20000),
    ]
    assert query(existing, "select count(*) from measure") == [(1,)]
    assert query(existing, "select household_id from pairing") == [(1,)]
    for t_ in ("monitoring", "monitoring_risk", "condition_gap"):
        assert query(existing, f"select count(*) from {t_}") == [(0,)], t_
    assert query(existing, "select count(*) from unit") == [(1,)]
    assert query(existing, "select count(*) from village") == [(2,)]
    assert query(existing, "select count(*) from dept_tax") == [(1,)]
    version, kind, as_of = query(existing, "select version, kind, as_of from data_version")[0]
    assert kind == "increment" and as_of == date(2026, 11, 30)
    assert version != old_version and version.startswith(old_version.split("+")[0] + "+inc-")


def test_an_increment_removes_members_and_income_by_key(existing, tmp_path):
    """Removals by a text key (members), by a two-column key (income), of keys the
    registry does not hold (unknown_removal), an income row for a household only the
    registry holds, and a member of a household removed in the same increment (an
    unknown reference)."""
    t = {
        "members.removed.csv": [
            {"id_number": M2},
            {"id_number": idn("1999-01-01", 161)},
        ],  # row 3: unknown
        "households.removed.csv": [{"household_no": "H004"}],
        "income.removed.csv": [
            {"household_no": "H999", "year": "2025"},  # row 2: unknown
            {"household_no": "H001", "year": "2025"},
        ],
        "income.csv": [income("H002", 2026, 1)],
        "members.csv": [member(idn("2000-01-01", 141), "H004", "钱八", "20", "1", "2000-01-01")],
    }
    d = deliver(tmp_path / "inc", t, kind="increment")
    report = tmp_path / "r.csv"
    result = registry.load(d, existing, report=report)
    assert report_rows(report) == [
        ("income.removed.csv", 2, "household_no", "unknown_removal"),
        ("members.csv", 2, "household_no", "unknown_ref"),
        ("members.removed.csv", 3, "id_number", "unknown_removal"),
    ]
    assert result.files["households"] == {
        "accepted": 0,
        "rejected": 0,
        "added": 0,
        "changed": 0,
        "removed": 1,
    }
    assert result.files["members"] == {
        "accepted": 0,
        "rejected": 2,
        "added": 0,
        "changed": 0,
        "removed": 2,
    }
    assert result.files["income"] == {
        "accepted": 1,
        "rejected": 1,
        "added": 1,
        "changed": 0,
        "removed": 2,
    }
    assert households(existing) == [
        (1, "H001", "张三", 1),
        (2, "H002", "李四", 1),
        (3, "H003", "赵六", 2),
    ]
    assert query(
        existing,
        "select h.household_no, i.year from income i "
        "join household h using (household_id) order by 1, 2",
    ) == [("H001", 2026), ("H002", 2025), ("H002", 2026), ("H003", 2025), ("H003", 2026)]


# ------------------------------------------------------------------------- 6. failures
def test_a_failure_midway_leaves_the_old_warehouse(existing, delivery, monkeypatch, _fast):
    from etl import warehouse as W

    before = digest(existing)
    version = query(existing, "select version from data_version")
    real = W._run_sql

    def failing(con, name):
        if name == "views.sql":
            raise RuntimeError("disk on fire")
        return real(con, name)

    monkeypatch.setattr(W, "_run_sql", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        registry.load(delivery, existing)
    assert digest(existing) == before
    assert query(existing, "select version from data_version") == version
    assert sorted(p.name for p in existing.parent.iterdir()) == ["warehouse.duckdb"]
    assert leftovers(_fast) == []


def test_an_interruption_leaves_the_old_warehouse(existing, delivery, _fast):
    before = digest(existing)

    def progress(step, fraction):
        if step == "tables":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        registry.load(delivery, existing, progress=progress)
    assert digest(existing) == before
    assert sorted(p.name for p in existing.parent.iterdir()) == ["warehouse.duckdb"]
    assert leftovers(_fast) == []


# ------------------------------------------------------------------------- 7. ids
def test_household_numbers_are_kept_across_full_loads(existing, base_loaded, tmp_path):
    d = base_loaded[0]
    people = query(existing, "select person_id, id_number from person order by 1")
    registry.load(d, existing)  # the same delivery again
    assert households(existing) == [
        (1, "H001", "张三", 2),
        (2, "H002", "李四", 1),
        (3, "H003", "赵六", 2),
        (4, "H004", "钱七", 1),
    ]
    assert query(existing, "select person_id, id_number from person order by 1") == people

    # Reordered, without H003, with a new H006: the old keep theirs, H006 gets 5 (3 is
    # never given again).
    t = base()
    t["households.csv"] = [hh("H006", "新户")] + [
        r for r in reversed(t["households.csv"]) if r["household_no"] != "H003"
    ]
    t["members.csv"] = [m for m in t["members.csv"] if m["household_no"] != "H003"] + [
        member(idn("1999-09-09", 151), "H006", "新户", "01", "1", "1999-09-09")
    ]
    for name in ("income.csv", "measures.csv", "pairings.csv", "guarantee_gaps.csv"):
        t[name] = [r for r in t[name] if r["household_no"] != "H003"]
    del t["monitoring.csv"], t["monitoring_risks.csv"]
    registry.load(deliver(tmp_path / "d2", t), existing)
    assert households(existing) == [
        (1, "H001", "张三", 2),
        (2, "H002", "李四", 1),
        (4, "H004", "钱七", 1),
        (5, "H006", "新户", 1),
    ]
    # H003 comes back: its old number.
    registry.load(d, existing)
    assert households(existing) == [
        (1, "H001", "张三", 2),
        (2, "H002", "李四", 1),
        (3, "H003", "赵六", 2),
        (4, "H004", "钱七", 1),
    ]


def test_keep_ids_false_numbers_in_file_order(existing, tmp_path):
    t = base()
    t["households.csv"] = list(reversed(t["households.csv"]))
    registry.load(deliver(tmp_path / "d", t), existing, keep_ids=False)
    assert households(existing) == [
        (1, "H004", "钱七", 1),
        (2, "H003", "赵六", 2),
        (3, "H002", "李四", 1),
        (4, "H001", "张三", 2),
    ]


# ------------------------------------------------------------------------- 8. the command
@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("JZ_OPS_DB", f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    monkeypatch.setenv("JZ_ENV", "demo")
    monkeypatch.setenv("JZ_IMPORT_DIR", str(tmp_path / "imports"))
    out = tmp_path / "cli" / "warehouse.duckdb"
    out.parent.mkdir()
    monkeypatch.setenv("JZ_WAREHOUSE", str(out))
    return out


def test_load_registry_command(cli_env, tmp_path, capsys):
    import manage

    t = base()
    t["households.csv"].append(hh("H009", "某", village="110101001001"))  # row 6
    d = deliver(tmp_path / "d", t)
    report = tmp_path / "report.csv"
    code = manage.main(["load-registry", "--from", str(d), "--report", str(report), "--quiet"])
    cap = capsys.readouterr()
    assert (code, cap.err) == (0, "")
    lines = cap.out.splitlines()
    assert lines[0].startswith(
        f"loaded full delivery as of 2026-10-31 into {cli_env} (data version reg-x-2026-10-31-"
    )
    assert lines[1:] == [
        "  households: 4 accepted, 1 rejected, 4 added, 0 changed, 0 removed",
        "  units: 1 accepted, 0 rejected, 1 added, 0 changed, 0 removed",
        "  cadres: 1 accepted, 0 rejected, 1 added, 0 changed, 0 removed",
        "  villages: 2 accepted, 0 rejected, 2 added, 0 changed, 0 removed",
        "  population: 2 accepted, 0 rejected, 2 added, 0 changed, 0 removed",
        "  members: 6 accepted, 0 rejected, 6 added, 0 changed, 0 removed",
        "  income: 6 accepted, 0 rejected, 6 added, 0 changed, 0 removed",
        "  measures: 2 accepted, 0 rejected, 2 added, 0 changed, 0 removed",
        "  pairings: 2 accepted, 0 rejected, 2 added, 0 changed, 0 removed",
        "  monitoring: 1 accepted, 0 rejected, 1 added, 0 changed, 0 removed",
        "  monitoring_risks: 1 accepted, 0 rejected, 1 added, 0 changed, 0 removed",
        "  guarantee_gaps: 1 accepted, 0 rejected, 1 added, 0 changed, 0 removed",
        "  dept_tax: 1 accepted, 0 rejected, 1 added, 0 changed, 0 removed",
        f"1 rows rejected (listed in {report})",
    ]
    assert report_rows(report) == [("households.csv", 6, "village_code", "unknown_region")]
    assert households(cli_env) == [
        (1, "H001", "张三", 2),
        (2, "H002", "李四", 1),
        (3, "H003", "赵六", 2),
        (4, "H004", "钱七", 1),
    ]

    before = digest(cli_env)
    edit_manifest(d, lambda m: m.__setitem__("layout", "x"))
    code = manage.main(["load-registry", "--from", str(d), "--quiet"])
    cap = capsys.readouterr()
    assert code == 1
    assert cap.err.strip() == (
        "error: refused, nothing changed: manifest.json: layout is "
        "'x', expected 'jingzhun-registry'"
    )
    assert cap.out == ""
    assert digest(cli_env) == before
    assert sorted(p.name for p in cli_env.parent.iterdir()) == ["warehouse.duckdb"]


# ------------------------------------------------------------------------- 9. generate
def test_generated_delivery_loads_without_rejections_and_is_deterministic(
    cli_env, tmp_path, capsys
):
    import manage

    dirs = []
    for name in ("g1", "g2"):
        out = tmp_path / name
        code = manage.main(
            [
                "generate",
                "--scale",
                "0.002",
                "--seed",
                "1",
                "--as-of",
                AS_OF,
                "--out",
                str(out),
                "--format",
                "csv",
            ]
        )
        cap = capsys.readouterr()
        assert (code, cap.err) == (0, ""), cap.err
        assert cap.out.startswith(f"wrote {out / 'manifest.json'} in ")
        dirs.append(out)
    m1, m2 = (json.loads((p / "manifest.json").read_text(encoding="utf-8")) for p in dirs)
    assert m1["files"] == m2["files"]
    assert {"households.csv", "members.csv"} <= set(m1["files"])
    assert m1["kind"] == "full" and m1["as_of"] == AS_OF
    for name, meta in m1["files"].items():
        assert sha256(dirs[0] / name) == sha256(dirs[1] / name) == meta["sha256"], name
    report = tmp_path / "report.csv"
    result = registry.load(dirs[0], cli_env, report=report)
    assert result.rejected == 0, report.read_text(encoding="utf-8-sig")[:2000]
    assert all(c["rejected"] == 0 for c in result.files.values())
    for name, meta in m1["files"].items():
        assert result.files[name.removesuffix(".csv")]["accepted"] == meta["rows"], name
    assert result.row_counts["household"] == m1["files"]["households.csv"]["rows"]
    assert result.row_counts["person"] == m1["files"]["members.csv"]["rows"]
