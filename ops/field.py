"""Cadres' visits (走访) and the idempotency keys of what phones sent, in the operational
store. The rules (who may, what a visit carries) are services/field.py and domain/field.py;
every read for a user is filtered by its scope (ops/scoped.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access import Scope
from domain import clock
from ops.schema import cadre_accounts, field_submissions, visit_files, visits
from ops.scoped import SYSTEM, WholeStore, store_id, within

VISIT_COLUMNS = (
    "id",
    "household_id",
    "household_no",
    "region_code",
    "visited_on",
    "kind",
    "notes",
    "lat",
    "lon",
    "created_by",
    "created_at",
)


def _aware(row: dict) -> dict:
    if isinstance(row.get("created_at"), dt.datetime):
        row["created_at"] = clock.aware(row["created_at"])
    return row


def submission(conn: Connection, key: str) -> dict | None:
    """What a phone's submission with ``key`` made, if it was stored."""
    row = conn.execute(sa.select(field_submissions).where(field_submissions.c.key == key))
    found = row.mappings().first()
    return None if found is None else dict(found)


def record_submission(conn: Connection, key: str, username: str, kind: str, ref_id: int, now):
    """The key of a stored submission (a second insert of the same key fails: the
    caller's transaction, and what it wrote, is rolled back)."""
    conn.execute(
        field_submissions.insert().values(
            key=key, username=username, kind=kind, ref_id=ref_id, created_at=now
        )
    )


def insert_visit(conn: Connection, actor: Scope, values: dict, photos: list[dict], now) -> int:
    """A visit (``values``: household_id, household_no, region_code, visited_on, kind,
    notes, lat, lon) with its photos (name, mime, size, sha256, content); its id."""
    row = {**values, "created_by": actor.username, "created_at": now}
    visit_id = conn.execute(visits.insert().values(**row)).inserted_primary_key[0]
    for photo in photos:
        conn.execute(visit_files.insert().values(**photo, visit_id=visit_id))
    return visit_id


def _photo_counts(conn: Connection, ids: list[int]) -> dict[int, list[int]]:
    if not ids:
        return {}
    q = (
        sa.select(visit_files.c.visit_id, visit_files.c.id)
        .where(visit_files.c.visit_id.in_(ids))
        .order_by(visit_files.c.id)
    )
    out: dict[int, list[int]] = {}
    for visit_id, file_id in conn.execute(q):
        out.setdefault(visit_id, []).append(file_id)
    return out


def visits_of(engine: Engine, scope: Scope, household_id: int, limit: int = 50) -> list[dict]:
    """A household's visits within ``scope``, newest first, each with its photos' ids."""
    cols = [visits.c[k] for k in VISIT_COLUMNS]
    q = (
        sa.select(*cols)
        .where(visits.c.household_id == household_id, within(visits.c.region_code, scope))
        .order_by(visits.c.visited_on.desc(), visits.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = [_aware(dict(r)) for r in conn.execute(q).mappings()]
        photos = _photo_counts(conn, [r["id"] for r in rows])
    for r in rows:
        r["photos"] = photos.get(r["id"], [])
    return rows


def visit(engine: Engine, scope: Scope | WholeStore, visit_id) -> dict | None:
    vid = store_id(visit_id)
    if vid is None:
        return None
    cols = [visits.c[k] for k in VISIT_COLUMNS]
    q = sa.select(*cols).where(visits.c.id == vid, within(visits.c.region_code, scope))
    with engine.connect() as conn:
        row = conn.execute(q).mappings().first()
        if row is None:
            return None
        out = _aware(dict(row))
        out["photos"] = _photo_counts(conn, [vid]).get(vid, [])
    return out


def code_range(column, prefix: str) -> list:
    """``column`` starts with the region-code ``prefix``, as a range over its index (a
    LIKE would scan every row): codes are digits, so the codes that start with "610924"
    lie from "610924" up to, not including, "610925"."""
    if not prefix.isdigit():
        return [column.startswith(prefix, autoescape=True)]
    upper = str(int(prefix) + 1).zfill(len(prefix))
    conds = [column >= prefix, column.startswith(prefix, autoescape=True)]
    return conds if len(upper) > len(prefix) else [*conds, column < upper]


def last_visits(engine: Engine, scope: Scope, prefix: str) -> dict[int, dt.date]:
    """The latest visit of each household whose village code starts with ``prefix``,
    within ``scope``."""
    q = (
        sa.select(visits.c.household_id, sa.func.max(visits.c.visited_on))
        .where(within(visits.c.region_code, scope), *code_range(visits.c.region_code, prefix))
        .group_by(visits.c.household_id)
    )
    with engine.connect() as conn:
        return {int(h): d for h, d in conn.execute(q)}


def photo_of(engine: Engine, scope: Scope, file_id) -> dict | None:
    """A visit's photo within ``scope`` with its content; None for any other, as for
    none."""
    fid = store_id(file_id)
    if fid is None:
        return None
    q = (
        sa.select(visit_files, visits.c.region_code, visits.c.household_no)
        .join(visits, visits.c.id == visit_files.c.visit_id)
        .where(visit_files.c.id == fid, within(visits.c.region_code, scope))
    )
    with engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return None if row is None else dict(row)


def count_all(engine: Engine) -> int:
    """Every visit in the store (the tests' and the background jobs' view)."""
    q = sa.select(sa.func.count()).select_from(visits).where(within(visits.c.region_code, SYSTEM))
    with engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


def cadre_of(engine: Engine, username: str) -> int | None:
    """The registry cadre an account is linked to, if any."""
    q = sa.select(cadre_accounts.c.cadre_id).where(cadre_accounts.c.username == username)
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return None if row is None else int(row[0])


def link_cadre(conn: Connection, username: str, cadre_id: int | None, by: str, now) -> None:
    """Link an account to a registry cadre (``None``: unlink)."""
    conn.execute(cadre_accounts.delete().where(cadre_accounts.c.username == username))
    if cadre_id is not None:
        conn.execute(
            cadre_accounts.insert().values(
                username=username, cadre_id=cadre_id, linked_by=by, linked_at=now
            )
        )
