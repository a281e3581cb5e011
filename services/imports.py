"""A department's file into the ledger: the rows checked (etl/imports.py), the batch
written whole or not at all (ops/imports.py, the ledger), the audit entry ``import``.

The page and ``manage.py import`` both come here; the refusals are ``Refused`` with a
message key and its parameters, which the caller translates (a page) or prints (the
command line, in English).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from access import AccessDenied, Resource, Scope, can
from etl import feeds as F
from etl import imports as I
from etl.feeds import Feed
from etl.imports import Refused
from etl.refdata import region_levels
from i18n import N_, t
from ops import imports as ledger
from services import audit

__all__ = ["Batch", "Refused", "batches", "load", "record_upload", "report_csv", "upload"]

REPORT_HEAD = (
    N_("import.col.row"),
    N_("import.col.reason"),
    N_("import.col.column"),
    N_("import.col.value"),
)
REASON_LABEL = {
    "missing": N_("import.reason.missing"),
    "bad_id": N_("import.reason.bad_id"),
    "unknown_region": N_("import.reason.unknown_region"),
    "bad_date": N_("import.reason.bad_date"),
    "bad_number": N_("import.reason.bad_number"),
    "bad_code": N_("import.reason.bad_code"),
    "bad_bool": N_("import.reason.bad_bool"),
    "too_long": N_("import.reason.too_long"),
    "duplicate": N_("import.reason.duplicate"),
}


@dataclass
class Batch:
    id: int
    feed: Feed
    file_name: str
    total: int
    accepted: int
    rejected: int
    rejected_rows: pd.DataFrame  # row, reason (a code of etl.imports.REASONS), column, value


def report_csv(rejected: pd.DataFrame, lang: str = "zh") -> bytes:
    """The error report in ``lang``: row, reason, column, value."""
    return I.report_bytes(
        rejected,
        [t(k, lang) for k in REPORT_HEAD],
        {r: t(k, lang) for r, k in REASON_LABEL.items()},
    )


def load(
    engine: Engine,
    directory,
    feeds: list[Feed],
    name: str,
    data: bytes,
    user: str,
    regions: set[str],
) -> Batch:
    """One file of a department, as a whole batch or not at all.

    The accepted rows (parquet) and the error report are written to part files first;
    the ledger row is inserted and the files renamed into place in one transaction, so a
    failure anywhere leaves neither a batch nor a file. The same file (same feed and
    SHA-256) twice is refused, naming the batch that has it.
    """
    checksum = I.checksum(data)
    df, feed = I.prepare(name, data, feeds)
    with engine.connect() as conn:
        before = ledger.same_file(conn, feed.id, checksum)
    if before:
        raise I.same_file(before)
    checked = I.check(df, feed, regions)
    with I.Staged(directory, checked.accepted, report_csv(checked.rejected)) as staged:
        try:
            with engine.begin() as conn:
                batch_id = ledger.insert(
                    conn,
                    feed=feed.id,
                    department=feed.department,
                    file_name=name[:200],
                    checksum=checksum,
                    rows_total=checked.total,
                    rows_accepted=len(checked.accepted),
                    rows_rejected=len(checked.rejected),
                    imported_by=user,
                    imported_at=dt.datetime.now(dt.UTC),
                )
                staged.place(batch_id)
        except sa.exc.IntegrityError:  # the same file, imported meanwhile by someone else
            raise Refused(
                "this file was imported already", N_("import.same_file"), batch="?", by="?", at="?"
            ) from None
    return Batch(
        batch_id,
        feed,
        name,
        checked.total,
        len(checked.accepted),
        len(checked.rejected),
        checked.rejected,
    )


def record_upload(
    engine: Engine,
    directory,
    department: str,
    name: str,
    data: bytes,
    user: str,
    regions: set[str],
    ip: str = "",
) -> Batch:
    """``load`` for one department's feeds, with the audit entry ``import`` (refused or
    not). Raises Refused after recording it."""
    try:
        batch = load(
            engine, directory, F.of_department(F.load(), department), name, data, user, regions
        )
    except Refused as exc:
        audit.record(
            engine,
            user,
            "import",
            target=f"{department}:{name}"[:200],
            outcome="refused",
            detail={"reason": str(exc)},
            ip=ip,
        )
        raise
    audit.record(
        engine,
        user,
        "import",
        target=f"batch:{batch.id}",
        detail={
            "feed": batch.feed.id,
            "file": name,
            "rows": batch.total,
            "accepted": batch.accepted,
            "rejected": batch.rejected,
        },
        ip=ip,
    )
    return batch


def upload(
    engine: Engine,
    directory,
    scope: Scope,
    department: str,
    name: str,
    data: bytes | None,
    ip: str = "",
) -> Batch:
    """A file uploaded by a user: of a department the user may import for (AccessDenied
    otherwise, whatever the file), records of the user's own region only (a county's
    staff load their county's). ``data`` None: what the browser sent is no file
    (Refused, not recorded: nothing was read)."""
    if (
        not isinstance(department, str)
        or not F.of_department(F.load(), department)
        or not can(
            scope,
            "imports.load",
            Resource(region=scope.region_code, departments=frozenset({department})),
        )
    ):
        raise AccessDenied("not this user's department")
    if data is None:
        raise Refused("the upload is not a file", N_("import.not_table"))
    return record_upload(
        engine,
        directory,
        department,
        str(name)[:200],
        data,
        scope.username,
        {c for c in region_levels() if scope.contains(c)},
        ip,
    )


def batches(engine: Engine, scope: Scope, department: str, limit: int = 30) -> list[dict]:
    """The newest batches of a department within the user's scope (the ledger's)."""
    return ledger.batches(engine, scope, department, limit)
