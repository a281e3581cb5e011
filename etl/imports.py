"""Department files in, row by row accounted for (config/departments.yaml layouts).

    read(name, data) -> DataFrame of strings      the file as a table (CSV UTF-8/GBK, Excel)
    match(df, feeds) -> Feed                       which feed's layout the columns are
    check(df, feed, regions) -> Checked            accepted rows (typed) and rejected rows

A file that is not a table, has the wrong columns or cannot be decoded is refused whole
(Refused, with a catalog key for the pages and an English message for the command line).
Every other row is accepted or listed with its row number (as a spreadsheet numbers it:
the header is row 1) and the first reason it fails.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.feeds import Feed
from etl.idnumber import CHECK_CHARS, WEIGHTS
from i18n import N_

INT_MAX = 2**31 - 1
REASONS = (
    "missing",
    "bad_id",
    "unknown_region",
    "bad_date",
    "bad_number",
    "bad_code",
    "bad_bool",
    "too_long",
    "duplicate",
)
TRUE = {"是", "1", "Y", "YES", "TRUE", "T"}
FALSE = {"否", "0", "N", "NO", "FALSE", "F"}
MAX_BYTES = 200 * 2**20  # a file larger than this is refused before it is read


class Refused(ValueError):
    """The whole file is refused: nothing is loaded."""

    def __init__(self, message: str, key: str, **params) -> None:
        super().__init__(message)
        self.key, self.params = key, params


@dataclass
class Checked:
    feed: Feed
    total: int
    accepted: pd.DataFrame  # the feed's columns, typed
    rejected: pd.DataFrame  # row, reason, column, value


# ------------------------------------------------------------------ reading
def read(name: str, data: bytes) -> pd.DataFrame:
    """The file as a table of strings (header row -> column names)."""
    if len(data) > MAX_BYTES:
        raise Refused(
            f"the file is larger than {MAX_BYTES // 2**20} MB",
            N_("import.too_large"),
            mb=MAX_BYTES // 2**20,
        )
    if not data.strip():
        raise Refused("the file is empty", N_("import.empty"))
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return _excel(data)
    if lower.endswith(".xls"):
        raise Refused(
            "old .xls files are not read: save the sheet as .xlsx or CSV", N_("import.old_excel")
        )
    if data[:4] == b"PK\x03\x04":  # an Excel file under another name
        return _excel(data)
    if b"\x00" in data[:4096]:
        raise Refused("the file is not a table (binary content)", N_("import.not_table"))
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",\t;")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise Refused(
            f"the file is not a table: {str(exc)[:120]}", N_("import.not_table")
        ) from None
    return _tidy(df)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030 (which reads GBK and GB2312)."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise Refused("the file is neither UTF-8 nor GBK text", N_("import.encoding"))


def _excel(data: bytes) -> pd.DataFrame:
    """The first sheet as text: date cells as YYYY-MM-DD, whole numbers without ".0"."""
    import datetime as dt

    try:
        df = pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl", keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise Refused(
            f"the Excel file cannot be read: {type(exc).__name__}", N_("import.bad_excel")
        ) from None

    def text(v) -> str:
        if isinstance(v, (dt.datetime, pd.Timestamp)):
            return v.strftime("%Y-%m-%d")
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return "" if v is None else str(v)

    return _tidy(df.map(text))


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Strings, trimmed; empty columns without a name (a trailing comma) dropped; empty
    rows dropped, keeping every other row's number (the index: row = index + 2)."""
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    df = df.fillna("").astype(str).apply(lambda s: s.str.strip())
    unnamed = [c for c in df.columns if c.startswith("Unnamed:") and (df[c] == "").all()]
    df = df.drop(columns=unnamed)
    return df[(df != "").any(axis=1)] if len(df.columns) else df


# ------------------------------------------------------------------ the layout
def _names(feed: Feed) -> dict[str, str]:
    """Header text -> column key (the Chinese label or the key itself)."""
    out = {}
    for c in feed.columns:
        out[c.zh] = c.key
        out[c.key] = c.key
    return out


def match(df: pd.DataFrame, feeds: list[Feed]) -> Feed:
    """The feed whose layout the header is: every column known, every required one
    there. Otherwise Refused, naming what is missing and what is not expected for the
    closest layout."""
    header = list(df.columns)
    best = None
    for feed in feeds:
        names = _names(feed)
        keys = [names.get(h) for h in header]
        unknown = [h for h, k in zip(header, keys) if k is None]
        missing = [c.zh for c in feed.columns if not c.optional and c.key not in keys]
        twice = len({k for k in keys if k}) != len([k for k in keys if k])
        if not unknown and not missing and not twice:
            df.columns = keys
            return feed
        score = len(unknown) + len(missing)
        if best is None or score < best[0]:
            best = (score, feed, unknown, missing)
    if best is None:
        raise Refused("no layout is defined for this department", N_("import.no_feed"))
    _, feed, unknown, missing = best
    raise Refused(
        f"the columns are not the layout of {feed.en}: missing {', '.join(missing) or '-'};"
        f" not expected {', '.join(unknown[:10]) or '-'}",
        N_("import.columns"),
        feed=feed.zh,
        missing="、".join(missing) or "—",
        unknown="、".join(unknown[:10]) or "—",
    )


# ------------------------------------------------------------------ the rows
def valid_ids(s: pd.Series) -> np.ndarray:
    """Layout, date of birth and check digit of 18-digit ID numbers (vectorised)."""
    s = s.str.upper()
    ok = s.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).to_numpy(bool).copy()
    if ok.any():
        good = s[ok]
        raw = np.frombuffer("".join(good).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        digits = raw[:, :17].astype(np.int64) - 48
        expected = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[
            (digits * WEIGHTS).sum(1) % 11
        ]
        born = pd.to_datetime(good.str[6:14], format="%Y%m%d", errors="coerce")
        fine = (
            (expected == raw[:, 17])
            & born.notna().to_numpy()
            & (born.dt.year.fillna(0).to_numpy() >= 1900)
        )
        ok[np.flatnonzero(ok)] = fine
    return ok


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.str.replace("/", "-", regex=False), format="%Y-%m-%d", errors="coerce")


def _masked(column: str, value: str) -> str:
    """ID numbers in the error report as on screen (610***********123X): the row number
    finds the row; the report need not carry the number again."""
    if column != "id_number" or len(value) < 8:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _typed_date(c, s: pd.Series) -> tuple[np.ndarray, str, pd.Series]:
    if c.type == "date":
        v = _dates(s)
    else:  # a month: YYYY-MM, or a date in it (Excel's date cells)
        m = s.str.replace("/", "-", regex=False)
        v = pd.to_datetime(m.where(m.str.len() != 10, m.str[:7]), format="%Y-%m", errors="coerce")
    bad = (
        v.isna().to_numpy()
        | (v.dt.year < 1900).fillna(False).to_numpy()
        | (v > pd.Timestamp("2100-01-01")).fillna(False).to_numpy()
    )
    return bad, "bad_date", v.dt.date


def _typed_number(c, s: pd.Series) -> tuple[np.ndarray, str, pd.Series]:
    v = pd.to_numeric(s.str.replace(",", "", regex=False), errors="coerce")
    top = INT_MAX if c.type == "int" else 1e15  # INTEGER / BIGINT columns
    whole = (
        v.notna().to_numpy()
        & (v.fillna(0) % 1 == 0).to_numpy()
        & (v.fillna(0) >= 0).to_numpy()
        & (v.fillna(0) <= top).to_numpy()
    )
    if c.type == "year":
        whole &= v.between(2000, 2100).fillna(False).to_numpy()
    typed = v.where(whole).astype("Int64")
    if c.type == "code":
        return ~(whole & v.isin(c.values).to_numpy()), "bad_code", typed
    return ~whole, "bad_number", typed


def _typed(c, s: pd.Series, regions: set[str]) -> tuple[np.ndarray, str, pd.Series]:
    """A column's values as its type says, the rows whose value is not one (for the
    present values only: an empty one is the caller's), and the reason."""
    if c.type == "id_number":
        return ~valid_ids(s), "bad_id", s.str.upper()
    if c.type == "region":
        return ~s.isin(regions).to_numpy(), "unknown_region", s
    if c.type in ("date", "month"):
        return _typed_date(c, s)
    if c.type in ("int", "money", "year", "code"):
        return _typed_number(c, s)
    if c.type == "bool":
        up = s.str.upper()
        return ~(up.isin(TRUE) | up.isin(FALSE)).to_numpy(), "bad_bool", up.isin(TRUE)
    return (s.str.len() > c.max).to_numpy(), "too_long", s


def _report(df: pd.DataFrame, feed: Feed, reason: np.ndarray, column: np.ndarray) -> pd.DataFrame:
    """The rejected rows: file row number, reason, the columns' names, the values shown
    (ID numbers masked)."""
    rows = np.flatnonzero(reason != "")
    numbers = df.index.to_numpy()[rows] + 2  # the header is row 1; empty rows keep theirs
    labels = {c.key: c.zh for c in feed.columns}

    def shown(i: int, col: str) -> str:
        cols = col.split(",")
        return " / ".join(_masked(c, str(df[c].iat[i])[:60]) for c in cols if c in df.columns)

    return pd.DataFrame(
        {
            "row": numbers,
            "reason": reason[rows],
            "column": ["、".join(labels.get(c, c) for c in col.split(",")) for col in column[rows]],
            "value": [shown(i, col) for i, col in zip(rows, column[rows])],
        }
    )


def check(df: pd.DataFrame, feed: Feed, regions: set[str]) -> Checked:
    """Every row accepted or rejected with its first reason; duplicates by the feed's key
    (the first occurrence is kept)."""
    n = len(df)
    reason = np.full(n, "", dtype=object)
    column = np.full(n, "", dtype=object)
    out: dict[str, pd.Series] = {}

    def fail(mask: np.ndarray, why: str, col: str) -> None:
        new = mask & (reason == "")
        reason[new] = why
        column[new] = col

    for c in feed.columns:
        s = df[c.key] if c.key in df.columns else pd.Series([""] * n, index=df.index)
        empty = (s == "").to_numpy()
        if not c.optional:
            fail(empty, "missing", c.key)
        bad, why, out[c.key] = _typed(c, s, regions)
        fail(~empty & bad, why, c.key)
    typed = pd.DataFrame(out, index=df.index)
    ok = reason == ""
    dup = np.zeros(n, dtype=bool)
    dup[ok] = typed.loc[ok, list(feed.key)].duplicated(keep="first").to_numpy()
    fail(dup, "duplicate", ",".join(feed.key))
    ok = reason == ""
    return Checked(feed, n, typed[ok].reset_index(drop=True), _report(df, feed, reason, column))


# ------------------------------------------------------------------ a batch's files
def data_file(directory, batch_id: int):
    from pathlib import Path

    return Path(directory) / f"batch-{batch_id:06d}.parquet"


def report_file(directory, batch_id: int):
    from pathlib import Path

    return Path(directory) / f"batch-{batch_id:06d}.errors.csv"


def report_bytes(rejected: pd.DataFrame, head: list[str], reasons: dict[str, str]) -> bytes:
    """The error report: row, reason, column, value (UTF-8 with a BOM for Excel), with
    the header ``head`` and each reason code shown as ``reasons`` says (the caller
    translates: services/imports.py)."""
    body = rejected.assign(
        reason=rejected["reason"].map(lambda r: reasons.get(r, r)),
        # A cell starting like a formula is shown as text in a spreadsheet, not run.
        value=rejected["value"].map(lambda v: "'" + v if str(v)[:1] in "=+-@\t\r" else v),
    )
    buf = io.StringIO()
    buf.write(",".join(head) + "\n")
    body.to_csv(buf, header=False, index=False)
    return buf.getvalue().encode("utf-8-sig")


def checksum(data: bytes) -> str:
    """The file's SHA-256: the same file (of the same feed) is imported once."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


def prepare(name: str, data: bytes, feeds: list[Feed]) -> tuple[pd.DataFrame, Feed]:
    """The file as a table with a header and rows, and the feed whose layout it is
    (Refused otherwise)."""
    df = read(name, data)
    if df.empty:
        raise Refused("the file has a header but no rows", N_("import.no_rows"))
    return df, match(df, feeds)


def same_file(before: dict) -> Refused:
    """The refusal of a file the ledger has already, naming the batch that has it."""
    return Refused(
        f"this file was imported already as batch {before['id']} by {before['imported_by']}",
        N_("import.same_file"),
        batch=before["id"],
        by=before["imported_by"],
        at=str(before["imported_at"])[:16],
    )


class Staged:
    """A batch's files, written as part files first and renamed into place once the
    ledger row has its number (``place``, inside the ledger's transaction). Used as a
    context manager: on any failure the files placed are removed again, and the part
    files always are, so a failure leaves neither a batch nor a file.

    Batches hold names and ID numbers: a folder and files only this service's user may
    read (0700 and 0600, whatever the umask)."""

    def __init__(self, directory, accepted: pd.DataFrame, report: bytes) -> None:
        from pathlib import Path

        self.directory, self.accepted, self.report = Path(directory), accepted, report
        self.parts: list = []
        self.done: list = []

    def __enter__(self) -> Staged:
        import os
        import uuid

        import pyarrow as pa
        import pyarrow.parquet as pq

        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        tag = uuid.uuid4().hex
        self.parts = [self.directory / f".part-{tag}.parquet", self.directory / f".part-{tag}.csv"]
        try:
            pq.write_table(pa.Table.from_pandas(self.accepted, preserve_index=False), self.parts[0])
            self.parts[1].write_bytes(self.report)
            for part in self.parts:
                os.chmod(part, 0o600)
        except BaseException:
            self._unlink(self.parts)
            raise
        return self

    def place(self, batch_id: int) -> None:
        """Rename the part files to the batch's data file and error report."""
        import os

        for part, final in zip(
            self.parts, (data_file(self.directory, batch_id), report_file(self.directory, batch_id))
        ):
            os.replace(part, final)
            self.done.append(final)

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self._unlink(self.done)
        self._unlink(self.parts)

    @staticmethod
    def _unlink(paths) -> None:
        for p in paths:
            p.unlink(missing_ok=True)
