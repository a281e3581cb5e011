"""Load a delivery in the registry layout (docs/registry.md) into a new warehouse.

    load(src, out, report=None) -> Loaded

1. open the delivery (a directory or a ZIP) and check its manifest, names, SHA-256s;
2. read every file as text into DuckDB (CSV in UTF-8 or GBK, Excel, Parquet), refusing a
   file whose columns or row count disagree with the layout or the manifest;
3. check every row in SQL and keep the first reason it fails (etl/layout.py says what
   each column must be), in reference order, so a member of a rejected household is
   reported too;
4. for an increment, merge the accepted rows into the registry the warehouse holds;
5. compute the warehouse tables from the accepted rows alone (ids, ancestors, ages,
   current cadres, states), then the rollups, rules, cross-checks and quality checks;
6. put the new file in place with one rename.

Any refusal or failure leaves the warehouse as it was.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from domain import codes
from etl import layout as L

REASONS: dict[str, str] = {
    "missing_key": "键为空",
    "missing": "必填项为空",
    "bad_number": "不是有效数值",
    "bad_date": "日期格式错误",
    "future_date": "日期晚于数据截止日",
    "bad_bool": "不是有效的是/否",
    "bad_code": "代码不在代码表中",
    "negative": "金额为负数",
    "out_of_range": "数值超出范围",
    "too_long": "超出长度",
    "bad_id": "身份证号格式或校验位错误",
    "id_mismatch": "身份证号与出生日期或性别不符",
    "unknown_region": "不是陕西省的（村级）区划",
    "duplicate": "键重复",
    "inconsistent": "字段之间矛盾",
    "out_of_order": "日期先后顺序错误",
    "unknown_ref": "引用的记录不存在",
    "unknown_removal": "要删除的记录不存在",
}
TRUE = ("是", "1", "Y", "YES", "TRUE", "T")
FALSE = ("否", "0", "N", "NO", "FALSE", "F")
DATE_FORMATS = "['%Y-%m-%d', '%Y/%m/%d']"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Files in the order their rows are checked: a file after those it refers to.
ORDER = (
    "households",
    "units",
    "cadres",
    "villages",
    "population",
    "members",
    "income",
    "measures",
    "pairings",
    "monitoring",
    "monitoring_risks",
    "guarantee_gaps",
)
NAME = re.compile(
    r"^(?P<table>[a-z_]+?)(?:\.(?P<removed>removed))?(?:\.(?P<part>[A-Za-z0-9_-]+))?"
    r"\.(?P<ext>csv|xlsx|parquet)$"
)
REPORT_HEADERS = ("文件", "行号", "字段", "值", "原因代码", "原因")
MASKED = ("id_number", "phone")
MAX_REJECTED_KEPT = 100_000  # reported rows kept in the warehouse for the page


class Refused(ValueError):
    """The delivery (or one of its files) is refused whole: nothing changes."""

    def __init__(self, message: str, zh: str | None = None):
        super().__init__(message)
        self.zh = zh or message


@dataclass
class Loaded:
    path: Path
    seconds: float
    kind: str
    as_of: date
    version: str
    files: dict[str, dict] = field(default_factory=dict)  # table -> counts
    rejected: int = 0
    report: Path | None = None
    row_counts: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------- the delivery
@contextlib.contextmanager
def opened(src: Path):
    """The delivery's directory: ``src`` itself, or a ZIP unpacked into a temporary one."""
    src = Path(src)
    if src.is_dir():
        yield src
        return
    if not src.is_file():
        raise Refused(f"no delivery at {src}", f"找不到数据包：{src}")
    if not zipfile.is_zipfile(src):
        raise Refused(
            f"{src.name} is neither a directory nor a ZIP file",
            f"{src.name} 不是目录，也不是 ZIP 文件",
        )
    with tempfile.TemporaryDirectory(prefix="jz-registry-") as tmp:
        with zipfile.ZipFile(src) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                name = Path(info.filename).name  # flat: any folder in the ZIP is ignored
                if not name or name.startswith(".") or "__MACOSX" in info.filename:
                    continue
                target = Path(tmp) / name
                if target.exists():
                    raise Refused(
                        f"{src.name}: two files named {name}", f"{src.name} 中有两个同名文件 {name}"
                    )
                with z.open(info) as f, open(target, "wb") as o:
                    shutil.copyfileobj(f, o, 1 << 20)
        yield Path(tmp)


def read_manifest(directory: Path) -> L.Manifest:
    path = directory / L.MANIFEST
    if not path.is_file():
        raise Refused("the delivery has no manifest.json", "数据包缺少 manifest.json")
    try:
        m = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Refused(
            f"manifest.json is not valid JSON: {e}", f"manifest.json 不是有效的 JSON：{e}"
        ) from None
    if not isinstance(m, dict):
        raise Refused("manifest.json is not a JSON object", "manifest.json 格式错误")
    kind = _manifest_kind(m)
    as_of = _manifest_as_of(m)
    files = _manifest_files(m)
    extra = {
        k: v
        for k, v in m.items()
        if k not in ("layout", "version", "kind", "as_of", "files", "source")
    }
    return L.Manifest(
        L.LAYOUT, L.VERSION, kind, as_of.isoformat(), files, str(m.get("source") or ""), extra
    )


def _manifest_kind(m: dict) -> str:
    """The delivery's kind (full or increment), once its layout and version are
    checked to be the ones this Jingzhun reads."""
    if m.get("layout") != L.LAYOUT:
        raise Refused(
            f"manifest.json: layout is {m.get('layout')!r}, expected {L.LAYOUT!r}",
            f"manifest.json：layout 应为 {L.LAYOUT}",
        )
    if m.get("version") != L.VERSION:
        raise Refused(
            f"manifest.json: version {m.get('version')!r} is not supported "
            f"(this Jingzhun reads version {L.VERSION})",
            f"manifest.json：不支持的版本 {m.get('version')!r}（支持 {L.VERSION}）",
        )
    kind = m.get("kind", "full")
    if kind not in L.KINDS:
        raise Refused(
            f"manifest.json: kind must be full or increment, not {kind!r}",
            "manifest.json：kind 应为 full 或 increment",
        )
    return kind


def _manifest_as_of(m: dict) -> date:
    """The manifest's as_of: a YYYY-MM-DD date, not in the future, not before 2021."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(m.get("as_of"))):
            raise ValueError
        as_of = date.fromisoformat(str(m.get("as_of")))
    except ValueError:
        raise Refused(
            "manifest.json: as_of must be a date YYYY-MM-DD",
            "manifest.json：as_of 应为日期 YYYY-MM-DD",
        ) from None
    if as_of > date.today():
        raise Refused(
            f"manifest.json: as_of {as_of} is in the future",
            f"manifest.json：as_of {as_of} 晚于今天",
        )
    if as_of.year < 2021:
        raise Refused(
            f"manifest.json: as_of {as_of} is before 2021",
            f"manifest.json：as_of {as_of} 早于 2021 年",
        )
    return as_of


def _manifest_files(m: dict) -> dict:
    """The manifest's files: a non-empty mapping of file name to its rows (a whole
    number) and sha256."""
    files = m.get("files")
    if not isinstance(files, dict) or not files:
        raise Refused(
            "manifest.json: files must list every file with rows and sha256",
            "manifest.json：files 应列出每个文件的 rows 和 sha256",
        )
    for name, meta in files.items():
        if not (
            isinstance(meta, dict)
            and isinstance(meta.get("rows"), int)
            and meta["rows"] >= 0
            and isinstance(meta.get("sha256"), str)
        ):
            raise Refused(
                f"manifest.json: {name} needs rows (a whole number) and sha256",
                f"manifest.json：{name} 需要 rows（整数）和 sha256",
            )
    return files


@dataclass
class Part:
    path: Path
    table: str
    removed: bool


def parts(directory: Path, manifest: L.Manifest) -> list[Part]:
    """The delivery's files, each matched to its table; refuses a stranger or a gap."""
    from etl.delivery import sha256

    present = sorted(
        p.name
        for p in directory.iterdir()
        if p.is_file() and p.name != L.MANIFEST and not p.name.startswith(".")
    )
    listed = set(manifest.files)
    for name in present:
        if name not in listed:
            raise Refused(
                f"{name} is not listed in manifest.json", f"{name} 未在 manifest.json 中列出"
            )
    for name in sorted(listed):
        if name not in present:
            raise Refused(
                f"{name} is listed in manifest.json but not in the delivery",
                f"manifest.json 列出的 {name} 不在数据包中",
            )
    out = []
    for name in present:
        m = NAME.match(name[: name.rfind(".")] + name[name.rfind(".") :].lower())
        if not m or m["table"] not in L.BY_NAME:
            raise Refused(
                f"{name}: not a file of the registry layout (see docs/registry.md)",
                f"{name} 不是登记数据格式中的文件",
            )
        if m["removed"] and manifest.kind != "increment":
            raise Refused(
                f"{name}: removals come only in an increment",
                f"{name}：只有增量数据包可以包含删除文件",
            )
        if m["removed"] and not L.BY_NAME[m["table"]].keyed:
            raise Refused(
                f"{name}: department records have no key to remove by",
                f"{name}：部门数据没有可删除的键",
            )
        digest = sha256(directory / name)
        if digest != str(manifest.files[name]["sha256"]).lower():
            raise Refused(
                f"{name}: SHA-256 {digest} does not match the manifest",
                f"{name} 的 SHA-256 与 manifest.json 不符",
            )
        out.append(Part(directory / name, m["table"], bool(m["removed"])))
    if manifest.kind == "full":
        have = {p.table for p in out}
        for f in L.ALL:
            if f.required and f.name not in have:
                raise Refused(
                    f"a full delivery needs {f.name} (the file is missing)",
                    f"全量数据包必须包含 {f.name}",
                )
    return out


# ---------------------------------------------------------------------- reading
def _utf8_copy(path: Path, tmp_dir: Path) -> Path:
    """``path`` as UTF-8 without a BOM: itself if it already is, else a transcoded copy
    (GBK/GB18030). Refuses a file that is neither."""

    def decodes(encoding: str) -> bool:
        dec = codecs.getincrementaldecoder(encoding)("strict")
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 22), b""):
                    dec.decode(block)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True

    if decodes("utf-8"):
        return path
    if not decodes("gb18030"):
        raise Refused(
            f"{path.name}: the file is neither UTF-8 nor GBK",
            f"{path.name} 的编码既不是 UTF-8 也不是 GBK",
        )
    out = tmp_dir / (path.name + ".utf8.csv")
    with open(path, "rb") as f, open(out, "wb") as o:
        dec = codecs.getincrementaldecoder("gb18030")("strict")
        for block in iter(lambda: f.read(1 << 22), b""):
            o.write(dec.decode(block).encode("utf-8"))
        o.write(dec.decode(b"", final=True).encode("utf-8"))
    return out


def _csv_header(path: Path) -> list[str] | None:
    """The first row of a CSV file, decoded as UTF-8 (UnicodeDecodeError if it is not)."""
    with open(path, "rb") as f:
        first = f.readline(1 << 20)
    text = first.decode("utf-8-sig")
    return next(csv.reader(io.StringIO(text)), None)


def _header_names(spec: L.File, header: list[str], fname: str, removal: bool) -> list[str]:
    """The layout's key for each header cell (key or Chinese name); refuses unknown,
    repeated or missing required columns."""
    allowed = list(spec.key) if removal else [c.name for c in spec.columns]
    by_zh = {c.zh: c.name for c in spec.columns if c.name in allowed}
    extra = [] if removal else list(spec.informational)
    keys = []
    for h in header:
        h0 = h.strip().lstrip("\ufeff")
        k = h0.lower() if h0.lower() in allowed or h0.lower() in extra else by_zh.get(h0)
        if k is None:
            raise Refused(
                f"{fname}: column {h0!r} is not in the layout of {spec.name}",
                f"{fname}：列“{h0}”不属于 {spec.name} 的格式",
            )
        if k in keys:
            raise Refused(f"{fname}: column {k} appears twice", f"{fname}：列 {k} 重复")
        keys.append(k)
    need = list(spec.key) if removal else [c.name for c in spec.columns if c.required]
    missing = [c for c in need if c not in keys]
    if missing:
        raise Refused(
            f"{fname}: required column(s) missing: {', '.join(missing)}",
            f"{fname}：缺少必需的列 {', '.join(missing)}",
        )
    return keys


def _excel_table(path: Path) -> pa.Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        raise Refused(
            f"{path.name}: not a readable .xlsx file ({type(e).__name__})",
            f"{path.name} 不是可读取的 .xlsx 文件",
        ) from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise Refused(f"{path.name}: the sheet is empty", f"{path.name}：工作表为空")

        def text(v) -> str | None:
            if v is None:
                return None
            if isinstance(v, datetime):
                return v.date().isoformat()
            if isinstance(v, date):
                return v.isoformat()
            if isinstance(v, bool):
                return "1" if v else "0"
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            return str(v)

        names = ["" if h is None else str(h) for h in header]
        while names and not names[-1]:
            names.pop()
        cols: list[list] = [[] for _ in names]
        for row in rows:
            if row is None or all(v is None for v in row):
                continue
            for i in range(len(names)):
                cols[i].append(text(row[i]) if i < len(row) else None)
        return pa.table(
            [pa.array(c, pa.string()) for c in cols], names=[f"c{i}" for i in range(len(names))]
        ), names
    finally:
        wb.close()


def _raw_csv(con, part: Part, spec: L.File, tmp_dir: Path) -> tuple[list, list]:
    """``part_raw`` from a CSV file as text (UTF-8, or GBK copied to UTF-8); the layout
    keys of its header and the raw columns they are in."""
    fname = part.path.name
    src = part.path
    try:
        header = _csv_header(src)
    except UnicodeDecodeError:
        src = _utf8_copy(part.path, tmp_dir)
        header = _csv_header(src)
    if not header:
        raise Refused(f"{fname}: the file is empty", f"{fname}：文件为空")
    keys = _header_names(spec, header, fname, part.removed)
    types = {f"column{i}": "VARCHAR" for i in range(len(keys))}
    read = (
        f"create temp table part_raw as select * from read_csv(?, header = true, "
        f"delim = ',', quote = '\"', escape = '\"', columns = {types!r}, "
        "strict_mode = true, null_padding = false, auto_detect = false)"
    )
    try:
        con.execute(read, [str(src)])
    except duckdb.Error as e:
        if src != part.path or "unicode" not in str(e).lower():
            raise
        # The body is not UTF-8 (the header was): GBK, or neither.
        con.execute("drop table if exists part_raw")
        src = _utf8_copy(part.path, tmp_dir)
        con.execute(read, [str(src)])
    return keys, list(types)


def _raw_xlsx(con, part: Part, spec: L.File) -> tuple[list, list]:
    """``part_raw`` from a workbook's first sheet as text."""
    data, header = _excel_table(part.path)
    keys = _header_names(spec, header, part.path.name, part.removed)
    con.register("part_arrow", data.select([f"c{i}" for i in range(len(keys))]))
    con.execute("create temp table part_raw as select * from part_arrow")
    con.unregister("part_arrow")
    return keys, [f"c{i}" for i in range(len(keys))]


def _raw_parquet(con, part: Part, spec: L.File) -> tuple[list, list]:
    """``part_raw`` as a view over a Parquet file, with its row numbers (``_rn``)."""
    header = [
        r[0]
        for r in con.execute("describe select * from read_parquet(?)", [str(part.path)]).fetchall()
    ]
    keys = _header_names(spec, header, part.path.name, part.removed)
    # A view: the file is read once, by the insert below, with its row numbers.
    sel = ", ".join(f'"{h}"::varchar as "c{i}"' for i, h in enumerate(header))
    con.execute(
        f"create temp view part_raw as select {sel}, file_row_number as _rn "
        f"from read_parquet({_sq(str(part.path))}, file_row_number = true)"
    )
    return keys, [f"c{i}" for i in range(len(keys))]


def _read_part(
    con: duckdb.DuckDBPyConnection, part: Part, table: str, tmp_dir: Path, expected_rows: int
) -> None:
    """Create ``table`` with the part's rows as trimmed text by layout key, plus
    ``_file`` and ``_row`` (the row number as a spreadsheet counts it)."""
    spec = L.BY_NAME[part.table]
    fname = part.path.name
    ext = part.path.suffix.lower()
    first_row = 1 if ext not in (".csv", ".xlsx") else 2
    try:
        if ext == ".csv":
            keys, cols = _raw_csv(con, part, spec, tmp_dir)
        elif ext == ".xlsx":
            keys, cols = _raw_xlsx(con, part, spec)
        else:
            keys, cols = _raw_parquet(con, part, spec)
    except duckdb.Error as e:
        con.execute("drop table if exists part_raw")
        con.execute("drop view if exists part_raw")
        first = str(e).strip().splitlines()[0][:300]
        raise Refused(
            f"{fname}: cannot be read as {ext[1:]}: {first}",
            f"{fname} 无法按 {ext[1:]} 读取：{first}",
        ) from None
    kind = "view" if ext == ".parquet" else "table"
    n = con.execute("select count(*) from part_raw").fetchall()[0][0]
    if n != expected_rows:
        con.execute(f"drop {kind} part_raw")
        raise Refused(
            f"{fname}: {n:,} data rows, but the manifest says {expected_rows:,}",
            f"{fname}：实有 {n:,} 行数据，manifest.json 记为 {expected_rows:,} 行",
        )
    wanted = list(spec.key) if part.removed else [c.name for c in spec.columns]
    by_key = dict(zip(keys, cols))
    sel = []
    for c in wanted:
        if c in by_key:
            expr = f"nullif(trim(\"{by_key[c]}\"), '')"
            if spec.by_name[c].type == "id_number":
                expr = f"upper({expr})"
            sel.append(f"{expr} as {c}")
        else:
            sel.append(f"null::varchar as {c}")
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = ?", [table]
    ).fetchall()[0][0]
    row = "_rn" if ext == ".parquet" else "rowid"
    body = (
        f"select ? as _file, ({row} + {first_row})::bigint as _row, {', '.join(sel)} from part_raw"
    )
    if exists:
        con.execute(f"insert into {table} {body}", [fname])
    else:
        con.execute(f"create temp table {table} as {body}", [fname])
    con.execute(f"drop {kind} part_raw")


# ---------------------------------------------------------------------- row checks
def _sq(v: str) -> str:
    return "'" + str(v).replace("'", "''") + "'"


def _typed(c: L.Col, name: str | None = None) -> str:
    """SQL turning the text column into its warehouse type (NULL when invalid)."""
    n = name or c.name
    if c.type == "int":
        return f"try_cast({n} as BIGINT)"
    if c.type == "code" and c.sql != "VARCHAR":
        return f"try_cast({n} as {c.sql})"
    if c.type == "decimal":
        return f"try_cast({n} as DOUBLE)"
    if c.type == "date":
        return f"try_strptime({n}, {DATE_FORMATS})::date"
    if c.type == "bool":
        return (
            f"case when upper({n}) in ({', '.join(map(_sq, TRUE))}) then true "
            f"when upper({n}) in ({', '.join(map(_sq, FALSE))}) then false end"
        )
    return n


def _t(c: L.Col) -> str:
    """The column's typed value in the checked rows."""
    return (
        f"t_{c.name}"
        if c.type in ("int", "decimal", "date", "bool") or (c.type == "code" and c.sql != "VARCHAR")
        else c.name
    )


def _id_ok(n: str) -> str:
    # try_cast and coalesce: DuckDB may evaluate every operand of the "and".
    digits = " + ".join(
        f"(try_cast(substr({n}, {i + 1}, 1) as int) * {w})" for i, w in enumerate(ID_WEIGHTS)
    )
    return (
        f"coalesce(regexp_full_match({n}, '[0-9]{{17}}[0-9X]') and "
        f"try_strptime(substr({n}, 7, 8), '%Y%m%d') is not null and "
        f"substr('10X98765432', (({digits}) % 11)::int + 1, 1) = substr({n}, 18, 1), false)"
    )


def _checks(
    spec: L.File, as_of: date, refs_ok: dict[str, str], removal: bool, old_keys: str | None
) -> list[tuple[str, str, str]]:
    """(condition, reason, column) in the order of docs/registry.md §2, over the text
    columns and their typed values (``t_<column>``)."""
    cols = [spec.by_name[k] for k in spec.key] if removal else list(spec.columns)
    out: list[tuple[str, str, str]] = []
    for k in spec.key:
        out.append((f"{k} is null", "missing_key", k))
    for c in cols:
        if c.required and c.name not in spec.key:
            out.append((f"{c.name} is null", "missing", c.name))
    out += _column_checks(cols, as_of)
    if spec.name == "members" and not removal:
        out += _member_id_checks()
    out += _region_checks(cols)
    if spec.keyed:
        out.append(("_dups > 1", "duplicate", spec.key[0]))
    if spec.name == "monitoring" and not removal:
        # A household has at most one monitoring record: two are both reported.
        out.append(("_hh_dups > 1", "duplicate", "household_no"))
    if not removal:
        out.extend(_consistency(spec))
        out += _order_and_ref_checks(spec, refs_ok)
    elif old_keys:
        out.append(_removal_check(spec, old_keys))
    return out


def _member_id_checks() -> list[tuple[str, str, str]]:
    """A member's ID number must agree with the birth date and sex given."""
    return [
        (
            "try_strptime(substr(id_number, 7, 8), '%Y%m%d')::date is distinct from t_birth_date",
            "id_mismatch",
            "birth_date",
        ),
        (
            "(substr(id_number, 17, 1)::int % 2 = 1) is distinct from (t_sex = 1)",
            "id_mismatch",
            "sex",
        ),
    ]


def _region_checks(cols: list) -> list[tuple[str, str, str]]:
    """Region codes must be units of the reference divisions (at the column's level)."""
    out: list[tuple[str, str, str]] = []
    for c in cols:
        if c.type == "region":
            where = f" where level = {c.level}" if c.level else ""
            out.append(
                (
                    f"{c.name} is not null and {c.name} not in "
                    f"(select code from ref_region{where})",
                    "unknown_region",
                    c.name,
                )
            )
    return out


def _order_and_ref_checks(spec: L.File, refs_ok: dict[str, str]) -> list[tuple[str, str, str]]:
    """Dates that must not go backwards (``spec.order``), then references that must
    point at a valid row of another file (``spec.refs``)."""
    out: list[tuple[str, str, str]] = []
    order = [spec.by_name[o] for o in spec.order]
    for i in range(1, len(order)):
        before = ", ".join(_t(o) for o in order[:i])
        out.append((f"{_t(order[i])} < greatest({before})", "out_of_order", order[i].name))
    for r in spec.refs:
        ok = refs_ok[r.file]
        out.append(
            (
                f"{r.column} is not null and {_t(spec.by_name[r.column])} not in "
                f"(select {r.target} from {ok})",
                "unknown_ref",
                r.column,
            )
        )
    return out


def _removal_check(spec: L.File, old_keys: str) -> tuple[str, str, str]:
    """A removal must name a row the warehouse holds (a key in ``old_keys``)."""
    match = " and ".join(f"o.o_{k} is not distinct from {_t(spec.by_name[k])}" for k in spec.key)
    return (
        f"not exists (select 1 from {old_keys} as o where {match})",
        "unknown_removal",
        spec.key[0],
    )


def _column_checks(cols: list, as_of: date) -> list[tuple[str, str, str]]:
    """The checks of each column's value by its type (numbers, dates, flags, codes,
    ranges, lengths, ID numbers), in the order of docs/registry.md §2."""
    out: list[tuple[str, str, str]] = []
    for c in cols:
        n, t = c.name, _t(c)
        if c.type == "int":
            # "12.0" is 12; "12.5", "1e3" and words are not whole numbers.
            out.append(
                (
                    f"{n} is not null and ({t} is null or ((contains({n}, '.') or "
                    f"contains(lower({n}), 'e')) and try_cast({n} as double) <> {t}))",
                    "bad_number",
                    n,
                )
            )
        elif c.type == "decimal":
            out.append(
                (
                    f"{n} is not null and ({t} is null or not isfinite({t}) or "
                    f"round({t}, 2) <> {t})",
                    "bad_number",
                    n,
                )
            )
    for c in cols:
        if c.type == "date":
            out.append((f"{c.name} is not null and {_t(c)} is null", "bad_date", c.name))
    for c in cols:
        if c.type == "date":
            out.append((f"{_t(c)} > DATE '{as_of.isoformat()}'", "future_date", c.name))
        elif c.type == "int" and c.sql == "SMALLINT" and c.hi == 2100:  # years
            out.append((f"{_t(c)} > {as_of.year}", "future_date", c.name))
    for c in cols:
        if c.type == "bool":
            out.append((f"{c.name} is not null and {_t(c)} is null", "bad_bool", c.name))
    for c in cols:
        if c.type == "code":
            lit = ", ".join(_sq(k) for k in codes.CODES[c.domain])
            out.append((f"{c.name} is not null and {c.name} not in ({lit})", "bad_code", c.name))
    for c in cols:
        if c.type in ("int", "decimal") and c.lo == 0:
            out.append((f"{_t(c)} < 0", "negative", c.name))
    for c in cols:
        if c.type in ("int", "decimal"):
            lo = -(2**63) if c.lo is None else c.lo
            hi = 2**63 - 1 if c.hi is None else c.hi
            out.append((f"({_t(c)} < {lo!r} or {_t(c)} > {hi!r})", "out_of_range", c.name))
    for c in cols:
        if c.type == "text" and c.max:
            out.append((f"length({c.name}) > {c.max}", "too_long", c.name))
    for c in cols:
        if c.type == "id_number":
            out.append((f"{c.name} in (select v from bad_ids)", "bad_id", c.name))
    return out


def _consistency(spec: L.File) -> list[tuple[str, str, str]]:
    if spec.name == "households":
        return [
            ("t_is_registered and identify_year is null", "inconsistent", "identify_year"),
            ("t_is_registered and main_cause is null", "inconsistent", "main_cause"),
            ("t_relocated and relocation_year is null", "inconsistent", "relocation_year"),
        ]
    if spec.name == "members":
        return [("(left_reason is null) <> (left_date is null)", "inconsistent", "left_reason")]
    if spec.name == "monitoring":
        # check_result: empty = undecided (read as 1 when identify_date is given, as in
        # deliveries before the column); 1 included; 2 checked and not included.
        return [
            (
                "(eliminate_method is null) <> (eliminate_date is null)",
                "inconsistent",
                "eliminate_method",
            ),
            (
                "eliminate_date is not null and identify_date is null",
                "inconsistent",
                "identify_date",
            ),
            (
                "t_check_result = 2 and (identify_date is not null or assist_date is not "
                "null or eliminate_date is not null)",
                "inconsistent",
                "check_result",
            ),
            ("t_check_result = 2 and check_date is null", "inconsistent", "check_date"),
            ("t_check_result = 1 and identify_date is null", "inconsistent", "identify_date"),
            (
                "(exclude_reason is not null) <> coalesce(t_check_result = 2, false)",
                "inconsistent",
                "exclude_reason",
            ),
        ]
    return []


# ---------------------------------------------------------------------- the load
def _check_file(
    con,
    spec: L.File,
    raw: str,
    as_of: date,
    refs_ok: dict[str, str],
    removal: bool = False,
    old_keys: str | None = None,
) -> tuple[str, int]:
    """Check every row of ``raw``; the accepted ones, typed, go to ``typed_<name>`` (or
    ``removed_<name>``), the others to ``rejected``. Returns (table, rows accepted)."""
    checks = _checks(spec, as_of, refs_ok, removal, old_keys)
    why = (
        "case "
        + " ".join(
            f"when {cond} then struct_pack(r := {_sq(reason)}, c := {_sq(col)}, v := {col})"
            for cond, reason, col in checks
        )
        + " end"
    )
    cols = [spec.by_name[k] for k in spec.key] if removal else list(spec.columns)
    src = f"(select *, 1 as _dups from {raw})"
    if spec.keyed:
        keys = ", ".join(spec.key)
        con.execute(
            f"create or replace temp table dupkeys as select {keys} from {raw} "
            f"where {' and '.join(f'{k} is not null' for k in spec.key)} "
            f"group by {keys} having count(*) > 1"
        )
        if con.execute("select count(*) from dupkeys").fetchall()[0][0]:
            on = " and ".join(f"r.{k} = d.{k}" for k in spec.key)
            src = (
                f"(select r.*, case when d.{spec.key[0]} is null then 1 else 2 end "
                f"as _dups from {raw} r left join dupkeys d on {on})"
            )
    if spec.name == "monitoring" and not removal:
        src = f"(select *, count(*) over (partition by household_no) as _hh_dups from {src})"
    typed_cols = [c for c in cols if _t(c) != c.name]
    if typed_cols:
        src = f"(select *, {', '.join(f'{_typed(c)} as {_t(c)}' for c in typed_cols)} from {src})"
    ids = [c.name for c in cols if c.type == "id_number"]
    con.execute("create or replace temp table bad_ids (v varchar)")
    for n in ids:  # each distinct ID number checked once
        con.execute(
            f"insert into bad_ids select v from (select distinct {n} as v from {raw} "
            f"where {n} is not null) where not {_id_ok('v')}"
        )
    target = f"removed_{spec.name}" if removal else f"typed_{spec.name}"
    typed = ", ".join(f"try_cast({_t(c)} as {c.sql}) as {c.name}" for c in cols)
    # One pass: the typed columns and the first reason (with the offending text).
    con.execute(
        f"create or replace temp table {target} as select _file, _row, {typed}, "
        f"{why} as _why from {src}"
    )
    con.execute("drop table if exists dupkeys")
    con.execute(f"drop table {raw}")
    bad = con.execute(
        "insert into rejected select _file, _row, _why.c, _why.r, _why.v "
        f"from {target} where _why is not null"
    ).fetchall()[0][0]
    if bad:
        con.execute(f"delete from {target} where _why is not null")
    con.execute(f"alter table {target} drop column _why")
    n = con.execute(f"select count(*) from {target}").fetchall()[0][0]
    return target, n


def _layout_select(spec: L.File, alias: str = "w") -> str:
    """The layout's columns from a warehouse table of the old warehouse (``o``)."""
    cols = []
    for c in spec.columns:
        if c.name == "household_no" and spec.name != "households":
            cols.append("h.household_no")
        else:
            cols.append(f"{alias}.{c.name}")
    src = f"o.{spec.table} as {alias}"
    if "household_no" in spec.by_name and spec.name != "households":
        src += f" join o.household as h on h.household_id = {alias}.household_id"
    return f"select {', '.join(cols)} from {src}"


def _old_columns(con, spec: L.File) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = 'o' and table_name = ?",
            [spec.table],
        ).fetchall()
    }


def _merge(con, spec: L.File, counts: dict, refs_ok: dict[str, str]) -> None:
    """An increment: ``typed_<name>`` becomes the old rows not replaced or removed (nor
    belonging to a removed household) plus the accepted new and changed rows."""
    have = _old_columns(con, spec)
    if not have:
        return
    missing = [c.name for c in spec.columns if c.name not in have and c.name != "household_no"]
    old_sel = _layout_select(spec)
    for m in missing:  # a column a later layout added: empty for the old rows
        old_sel = old_sel.replace(f"w.{m}", f"null::{spec.by_name[m].sql} as {m}")
    con.execute(f"create or replace temp table old_rows as {old_sel}")
    kept = "old_rows"
    if spec.keyed:
        match = " and ".join(f"n.{k} is not distinct from o2.{k}" for k in spec.key)
        counts["changed"] = con.execute(
            f"select count(*) from typed_{spec.name} n where exists "
            f"(select 1 from old_rows o2 where {match})"
        ).fetchall()[0][0]
        counts["added"] = counts["accepted"] - counts["changed"]
        removed = con.execute(
            "select count(*) from duckdb_tables() where table_name = ?", [f"removed_{spec.name}"]
        ).fetchall()[0][0]
        cond = [f"not exists (select 1 from typed_{spec.name} n where {match})"]
        if removed:
            rm = " and ".join(f"r.{k} is not distinct from o2.{k}" for k in spec.key)
            cond.append(f"not exists (select 1 from removed_{spec.name} r where {rm})")
        # A row whose household (cadre, unit, monitoring record) is gone goes with it.
        for r in spec.refs:
            cond.append(
                f"({r.column} is null or {r.column} in (select {r.target} from {refs_ok[r.file]}))"
            )
        before = con.execute("select count(*) from old_rows").fetchall()[0][0]
        con.execute(
            f"create or replace temp table kept as select * from old_rows o2 "
            f"where {' and '.join(cond)}"
        )
        after = con.execute("select count(*) from kept").fetchall()[0][0]
        counts["removed"] = before - after - counts["changed"]
        kept = "kept"
    else:
        counts["added"] = counts["accepted"]
    names = ", ".join(c.name for c in spec.columns)
    con.execute(
        f"create or replace temp table typed_{spec.name} as "
        f"select '' as _file, 0::bigint as _row, {names} from {kept} "
        f"union all by name select _file, _row, {names} from typed_{spec.name}"
    )
    con.execute("drop table if exists old_rows")
    con.execute("drop table if exists kept")


def _compare_full(con, spec: L.File, counts: dict) -> None:
    """A full delivery over a registry: how many of its keys are new, how many the
    registry held, and how many the registry held that it no longer lists (the report
    says so: a household does not leave the registry unremarked)."""
    key = spec.key[0]
    table = {"households": "household", "members": "person"}[spec.name]
    old_n = con.execute(f"select count(*) from o.{table}").fetchall()[0][0]
    kept = con.execute(
        f"select count(*) from typed_{spec.name} where {key} in (select {key} from o.{table})"
    ).fetchall()[0][0]
    counts["changed"] = kept
    counts["added"] = counts["accepted"] - kept
    counts["removed"] = old_n - kept


def _ids(con, old: bool, table: str, key: str, id_col: str, source: str) -> None:
    """``<table>(key, id)``: the old numbers kept, new keys numbered on in file order."""
    con.execute(f"create table {table} ({key} varchar, {id_col} bigint)")
    if old:
        have = _old_columns_of(con, table)
        if have:
            con.execute(f"insert into {table} select {key}, {id_col} from o.{table}")
        else:
            src = "household" if table == "household_key" else "person"
            con.execute(f"insert into {table} select {key}, {id_col} from o.{src}")
    start = con.execute(f"select coalesce(max({id_col}), 0) from {table}").fetchall()[0][0]
    con.execute(
        f"insert into {table} select {key}, {start} + row_number() over (order by "
        f"(_file = ''), _file, _row) from (select {key}, min(_file) as _file, "
        f"min(_row) as _row from {source} where {key} not in (select {key} from {table}) "
        f"group by {key})"
    )


def _old_columns_of(con, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = 'o' and table_name = ?",
            [table],
        ).fetchall()[0][0]
    )


def _derive(con, as_of: date) -> None:
    """The warehouse tables from the typed rows."""
    _derive_people(con, as_of)
    _derive_support(con)
    _derive_monitoring(con)


_HID = "join household h using (household_no)"


def _derive_people(con, as_of: date) -> None:
    """Households (with their current cadre and per-capita income), people (with their
    age at the as-of date or when they left) and incomes."""
    a = f"DATE '{as_of.isoformat()}'"
    con.execute(f"""
        create table household as
        with mem as (select household_no, count(*) as members,
                            bool_or(labour <= 3) as has_labour
                     from typed_members where left_date is null group by household_no),
             pc as (select household_no, round(net_income / members, 2)::decimal(12, 2) as pc
                    from typed_income where year = {as_of.year}),
             cur as (select household_no, arg_max(cadre_id, (start_date, cadre_id)) as cadre_id
                     from typed_pairings
                     where start_date <= {a} and (end_date is null or end_date > {a})
                     group by household_no)
        select k.household_id, t.household_no, t.village_code, r.township_code,
               r.county_code, r.city_code, t.head_name, t.phone,
               coalesce(mem.members, 0)::tinyint as members, t.is_registered,
               t.household_type, t.identify_year, t.exit_year, t.exit_type, t.main_cause,
               t.monitor_type, t.housing_grade, t.relocated, t.relocation_year,
               t.sanitary_toilet, t.road_access, t.farmland_mu, t.forest_mu,
               not coalesce(mem.has_labour, false) as no_labour,
               pc.pc as per_capita_income, cur.cadre_id
        from typed_households t
        join household_key k using (household_no)
        join region r on r.code = t.village_code
        left join mem using (household_no)
        left join pc using (household_no)
        left join cur using (household_no)
        order by k.household_id""")
    hid = _HID
    con.execute(f"""
        create table person as
        select k.person_id, h.household_id, t.name, t.id_number, t.relation, t.sex,
               t.birth_date,
               -- at as_of for a current member, at left_date for one who left
               (date_diff('year', t.birth_date, coalesce(t.left_date, {a}))
                - (strftime(coalesce(t.left_date, {a}), '%m%d')
                   < strftime(t.birth_date, '%m%d'))::int)::smallint as age,
               t.ethnicity, t.education, t.in_school, t.school_stage, t.health,
               t.disability_grade, t.labour, t.migrant_months, t.medical_insurance,
               t.pension, t.dibao, t.tekun, t.welfare_job, t.phone,
               t.joined_date, t.join_reason, t.left_date, t.left_reason
        from typed_members t join person_key k using (id_number) {hid}
        order by k.person_id""")
    con.execute(f"""
        create table income as
        select h.household_id, t.year, t.members, t.wages, t.business, t.property,
               t.transfers, t.production_costs, t.net_income,
               round(t.net_income / t.members, 2)::decimal(12, 2) as per_capita
        from typed_income t {hid} order by h.household_id, t.year""")


def _derive_support(con) -> None:
    """Measures, assisting units, cadres and pairings; villages and their population."""
    hid = _HID
    con.execute(f"""
        create table measure as
        select t.measure_id, h.household_id, t.year, t.start_date, t.channel, t.category,
               t.amount, t.department, t.for_monitoring
        from typed_measures t {hid} order by t.measure_id""")
    con.execute(
        "create table unit as select unit_id, name, level, region_code, unit_type "
        "from typed_units order by unit_id"
    )
    con.execute(
        "create table cadre as select cadre_id, name, sex, unit_id, township_code, "
        "position, phone from typed_cadres order by cadre_id"
    )
    con.execute(f"""
        create table pairing as
        select h.household_id, t.cadre_id, t.start_date, t.end_date
        from typed_pairings t {hid} order by h.household_id, t.start_date, t.cadre_id""")
    cols = ", ".join(c.name for c in L.BY_NAME["villages"].columns)
    con.execute(f"create table village as select {cols} from typed_villages order by village_code")
    con.execute(
        "create table population as select village_code, year, rural_population "
        "from typed_population order by village_code, year"
    )


def _derive_monitoring(con) -> None:
    """Monitoring objects (state, risks, fast elimination), their risks, the guarantee
    gaps, and the department files as delivered."""
    hid = _HID
    con.execute(f"""
        create table monitoring as
        with r as (select monitoring_id, count(*) as risk_count,
                          arg_min(risk_type, seq) as main_risk
                   from typed_monitoring_risks group by monitoring_id)
        select t.monitoring_id, h.household_id, h.village_code, t.monitor_type,
               t.discovery, t.warning_date, t.check_date, t.notice_date, t.identify_date,
               t.assist_date, t.eliminate_date, t.eliminate_method,
               (case when t.check_result = 2 then 4 when t.identify_date is null then 1
                     when t.eliminate_date is null then 2 else 3 end)::tinyint as state,
               coalesce(r.risk_count, 0)::tinyint as risk_count, r.main_risk,
               coalesce(t.eliminate_method = 1
                        and t.eliminate_date - t.identify_date < 61, false)
                   as fast_elimination,
               t.consent_date, t.comparison_date, t.village_review_date, t.notice_end_date,
               t.township_review_date, t.county_decision_date,
               coalesce(t.check_result, case when t.identify_date is not null then 1 end
                        )::tinyint as check_result,
               t.exclude_reason
        from typed_monitoring t {hid} left join r using (monitoring_id)
        order by t.monitoring_id""")
    con.execute("""
        create table monitoring_risk as
        select t.monitoring_id, m.household_id, t.seq, t.risk_type
        from typed_monitoring_risks t join monitoring m using (monitoring_id)
        order by t.monitoring_id, t.seq""")
    con.execute(f"""
        create table condition_gap as
        select h.household_id, t.item, t.from_year, t.to_year
        from typed_guarantee_gaps t {hid} order by h.household_id, t.item, t.from_year""")
    for f in L.DEPARTMENT_FILES:
        cols = ", ".join(c.name for c in f.columns)
        con.execute(
            f"create table {f.table} as select {cols} from typed_{f.name} order by _file, _row"
        )


def _empty_typed(con, spec: L.File) -> None:
    cols = ", ".join(f"null::{c.sql} as {c.name}" for c in spec.columns)
    con.execute(
        f"create temp table typed_{spec.name} as select ''::varchar as _file, "
        f"0::bigint as _row, {cols} limit 0"
    )


def _mask(column: str, value) -> str:
    if value is None:
        return ""
    v = str(value)
    if column in MASKED and len(v) > 7:
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    return v


def write_report(con, path: Path) -> int:
    """The rejected rows as a CSV with Chinese headers (UTF-8 with a BOM), masked; the
    file appears complete or not at all."""
    rows = con.execute(
        "select file, row_number, field, value, reason from rejected order by file, row_number"
    ).fetchall()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(REPORT_HEADERS)
        for file, row, col, value, reason in rows:
            w.writerow([file, row, col, _mask(col, value), reason, REASONS[reason]])
    os.replace(tmp, path)
    return len(rows)


def load(
    src: Path,
    out: Path,
    report: Path | None = None,
    progress=None,
    batches: list[dict] | None = None,
    import_dir: Path | None = None,
    rules_path: Path | None = None,
    ref_dir: Path | None = None,
    keep_ids: bool = True,
    cases: list[dict] | None = None,
    changes: list[dict] | None = None,
) -> Loaded:
    """Load the delivery at ``src`` into the warehouse ``out`` (see the module doc).
    ``progress(step, fraction)`` is told how far it got. ``keep_ids`` keeps the
    households' internal numbers of the warehouse being replaced (by household_no);
    without it a full load numbers them afresh in file order. ``cases``: the platform's
    monitoring cases (ops/cases.py), merged over the delivery's monitoring records;
    ``changes``: the approved change requests (ops/changes.py), applied over it."""
    from etl import warehouse as W

    out = Path(out)
    W.check_output(out)
    with W.replacing(out):
        return _load(
            Path(src),
            out,
            report,
            progress or (lambda s, f: None),
            batches,
            import_dir,
            rules_path,
            ref_dir,
            keep_ids,
            (cases or [], changes or []),
        )


def _load(
    src: Path,
    out: Path,
    report: Path | None,
    progress,
    batches,
    import_dir,
    rules_path,
    ref_dir,
    keep_ids,
    platform=([], []),
) -> Loaded:
    """Read the delivery, check every file, derive the tables, and move the new warehouse
    into place; on any failure the temporary file goes and ``out`` is as it was."""
    from etl import crosschecks, quality, refdata, rules
    from etl import warehouse as W

    started = time.monotonic()
    ref = refdata.load(ref_dir) if ref_dir else refdata.load()
    checks = (rules.load(rules_path or rules.RULES_FILE), crosschecks.load(), quality.load())
    tmp = W._temp_path(out)
    W._remove(tmp)
    con = None
    try:
        con, manifest, found, old = _read_delivery(src, out, tmp, ref, keep_ids, progress)
        as_of = date.fromisoformat(manifest.as_of)
        increment = manifest.kind == "increment"
        files = _check_files(con, found, as_of, increment, old, progress)
        _ids(con, old, "household_key", "household_no", "household_id", "typed_households")
        _ids(con, old, "person_key", "id_number", "person_id", "typed_members")
        _derive(con, as_of)
        _build(con, ref, as_of, batches, import_dir, checks, progress, platform)
        rejected = con.execute("select count(*) from rejected").fetchall()[0][0]
        if report is not None:
            write_report(con, Path(report))
        _finish(con, manifest, files, as_of, increment, rejected)
        counts = _row_counts(con)
        version = con.execute("select version from data_version").fetchall()[0][0]
        con.execute("checkpoint")
        con.close()
        con = None
        os.replace(tmp, out)
        progress("done", 1.0)
    except BaseException:
        if con is not None:
            con.close()
        W._remove(tmp)
        raise
    return Loaded(
        out,
        time.monotonic() - started,
        manifest.kind,
        as_of,
        version,
        files,
        rejected,
        Path(report) if report else None,
        counts,
    )


def _read_delivery(src: Path, out: Path, tmp: Path, ref, keep_ids, progress):
    """The delivery's manifest and files, read into raw tables of a new warehouse at
    ``tmp`` (with the old warehouse attached as ``o`` when it is compared or merged).
    Returns the connection (closed again on a failure), the manifest, the parts and
    whether an old warehouse is attached."""
    from etl import refdata
    from etl import warehouse as W

    con = None
    try:
        with opened(src) as directory, tempfile.TemporaryDirectory(prefix="jz-load-") as work:
            manifest = read_manifest(directory)
            found = parts(directory, manifest)
            increment = manifest.kind == "increment"
            old = out.is_file() and (keep_ids or manifest.kind == "increment")
            if increment and not old:
                raise Refused(
                    f"an increment needs a warehouse with a registry at {out}",
                    "增量数据包需要已有登记数据的数据仓库",
                )
            progress("read", 0.02)
            con = duckdb.connect(str(tmp))
            W._tune(con)
            con.execute("set preserve_insertion_order = true")
            if old:
                con.execute(f"attach {_sq(str(out))} as o (read_only)")
                if increment and not _old_columns_of(con, "household"):
                    raise Refused(
                        f"an increment needs a warehouse with a registry at {out}",
                        "增量数据包需要已有登记数据的数据仓库",
                    )
            region = refdata.region_table(ref)
            con.register("region_df", region)
            con.execute("create table region as select * from region_df")
            con.unregister("region_df")
            con.execute("create temp table ref_region as select code, level from region")
            households = 0
            for i, part in enumerate(found):
                raw = f"raw_{part.table}" + ("_removed" if part.removed else "")
                _read_part(con, part, raw, Path(work), manifest.files[part.path.name]["rows"])
                if part.table == "households":
                    households += manifest.files[part.path.name]["rows"]
                    W._tune(con, households)
                progress(f"read {part.path.name}", 0.02 + 0.28 * (i + 1) / len(found))
    except BaseException:
        if con is not None:
            con.close()
        raise
    # Every file's rows are now in the warehouse being built; the delivery can go.
    return con, manifest, found, old


def _rejected_count(con) -> int:
    return con.execute("select count(*) from rejected").fetchall()[0][0]


def _check_files(con, found, as_of: date, increment: bool, old: bool, progress) -> dict:
    """Check every file of the layout in reference order into its typed table, merge an
    increment or compare a full delivery with the old warehouse; the counts per file."""
    con.execute(
        "create temp table rejected (file varchar, row_number bigint, "
        "field varchar, reason varchar, value varchar)"
    )
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    removals = {p.table for p in found if p.removed}
    refs_ok: dict[str, str] = {}
    files: dict[str, dict] = {}
    sequence = list(ORDER) + [f.name for f in L.DEPARTMENT_FILES]
    for i, name in enumerate(sequence):
        spec = L.BY_NAME[name]
        counts = {"accepted": 0, "rejected": 0, "added": 0, "changed": 0, "removed": 0}
        old_has = increment and bool(_old_columns(con, spec))
        if name in removals:
            con.execute(
                f"create or replace temp table old_keys as "
                f"select {', '.join(f'{k} as o_{k}' for k in spec.key)} "
                f"from ({_layout_select(spec)})"
            )
            before = _rejected_count(con)
            _check_file(
                con, spec, f"raw_{name}_removed", as_of, refs_ok, removal=True, old_keys="old_keys"
            )
            counts["rejected"] += _rejected_count(con) - before
        if f"raw_{name}" in tables:
            before = _rejected_count(con)
            _, counts["accepted"] = _check_file(con, spec, f"raw_{name}", as_of, refs_ok)
            counts["rejected"] += _rejected_count(con) - before
        else:
            _empty_typed(con, spec)
        if increment and old_has:
            _merge(con, spec, counts, refs_ok)
        elif old and name in ("households", "members") and _old_columns(con, spec):
            _compare_full(con, spec, counts)
        else:
            counts["added"] = counts["accepted"]
        if spec.keyed:
            refs_ok[name] = f"typed_{name}"
        files[name] = counts
        progress(f"check {name}", 0.30 + 0.25 * (i + 1) / len(sequence))
    return files


def _build(con, ref, as_of: date, batches, import_dir, checks, progress, platform) -> None:
    """From the checked tables to a warehouse: the static tables, the platform's
    monitoring cases merged (etl/cases.py) and change requests applied (etl/changes.py)
    — ``platform``: (cases, changes) —, rollups, views and lists, the department
    batches merged, and the rules, cross-checks and quality checks (``checks``, loaded
    before the delivery was read) evaluated."""
    from etl import cases as platform_cases
    from etl import changes as platform_changes
    from etl import crosschecks, quality, rules
    from etl import warehouse as W

    rule_set, check_set, quality_checks = checks
    for (t,) in con.execute(
        "select table_name from duckdb_tables() where "
        "database_name = 'temp' and table_name <> 'rejected'"
    ).fetchall():
        con.execute(f"drop table temp.{t}")
    progress("tables", 0.6)
    W._load_static(con, ref, W._Sink(con))
    con.execute("alter table region add primary key (code)")
    con.execute("alter table region_geom add primary key (code)")
    platform_cases.merge(con, platform[0])
    platform_changes.merge(con, platform[1], as_of)
    W.derive(con, as_of)
    progress("rollups", 0.8)
    W.merge_batches(con, batches or [], import_dir or Path("."))
    rules.evaluate(con, rule_set, as_of)
    crosschecks.evaluate(con, check_set, as_of)
    quality.evaluate(con, quality_checks, as_of)
    progress("checks", 0.95)


_KEEP = {"household_key", "person_key", "rejected"}


def _finish(
    con, manifest: L.Manifest, files: dict, as_of: date, increment: bool, rejected: int
) -> None:
    con.execute(
        "create table load_rejected as select * from rejected "
        f"order by file, row_number limit {MAX_REJECTED_KEPT}"
    )
    con.execute(
        "create table load_summary (file varchar, accepted bigint, rejected bigint, "
        "added bigint, changed bigint, removed bigint)"
    )
    for name, c in files.items():
        con.execute(
            "insert into load_summary values (?, ?, ?, ?, ?, ?)",
            [name, c["accepted"], c["rejected"], c["added"], c["changed"], c["removed"]],
        )
    gen = (
        manifest.extra.get("generator") if isinstance(manifest.extra.get("generator"), dict) else {}
    )
    previous = ""
    if increment:
        previous = con.execute("select split_part(version, '+', 1) from o.data_version").fetchall()[
            0
        ][0]
    stamp = time.time_ns() // 1000  # microseconds: two loads never share a version
    version = (
        f"{previous}+inc-{stamp}"
        if increment
        else f"{gen.get('seed', 'reg')}-{gen.get('scale', 'x')}-{as_of.isoformat()}-{stamp}"
    )
    counts = _row_counts(con)
    con.execute(
        "create table data_version as select ? as version, ?::timestamptz as built_at, "
        "?::bigint as seed, ?::double as scale, ?::date as as_of, ? as generator, "
        "? as row_counts, ? as source, ? as layout_version, ? as kind, ?::bigint as rejected",
        [
            version,
            datetime.now(UTC),
            gen.get("seed"),
            gen.get("scale"),
            as_of,
            "registry",
            json.dumps(counts),
            manifest.source,
            L.VERSION,
            manifest.kind,
            rejected,
        ],
    )
    if con.execute("select count(*) from duckdb_databases() where database_name = 'o'").fetchall()[
        0
    ][0]:
        con.execute("detach o")


def _row_counts(con) -> dict[str, int]:
    out = {}
    for (t,) in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() order by 1"
    ).fetchall():
        out[t] = con.execute(f"select count(*) from {t}").fetchall()[0][0]
    return out
