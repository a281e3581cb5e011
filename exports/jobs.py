"""Exports in the background: a request records a job and returns at once; a small pool
of threads per process renders it (chromium does the work in its own processes) and
writes the file atomically; the browser follows the job's progress in the operational
store, so any worker can answer, and only the job's owner can download the file.

Every job is written to the audit log when it is requested and when it ends.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from access import Scope
from config import Settings
from exports.render import Unavailable
from i18n import language, t
from ops.schema import export_jobs
from services import audit
from services.files import private_dir, write_private

log = logging.getLogger("jingzhun.exports")

KINDS = ("briefing", "minutes", "page", "map", "exchange", "notice")
# A job not heard of for this long (queued or running) died with its process.
STALE = dt.timedelta(minutes=15)
MAX_PENDING = 3  # exports one user may have queued or running at once
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jz-export")


class TooMany(RuntimeError):
    """The user already has MAX_PENDING exports on the way."""


# work(progress) -> (file name, content); progress(percent) reports how far it got.
Work = Callable[[Callable[[int], None]], tuple[str, bytes]]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def file_path(settings: Settings, job_id: str) -> Path:
    return settings.export_dir / f"{job_id}.out"


def submit(
    engine: Engine,
    settings: Settings,
    scope: Scope,
    kind: str,
    target: str,
    region_code: str,
    params: dict,
    work: Work,
    lang: str,
    ip: str = "",
    wait: bool = False,
) -> str:
    """Record a job and start it; returns its id. ``region_code`` is the unit whose data
    the file shows (checked again at download). ``wait`` runs it in this thread (the
    command line). TooMany when the user has MAX_PENDING exports on the way."""
    if kind not in KINDS:
        raise ValueError(kind)
    prune(engine, settings)
    pending = [j for j in mine(engine, scope, 50) if j["status"] in ("queued", "running")]
    if len(pending) >= MAX_PENDING:
        audit.record(
            engine,
            scope.username,
            f"export_{kind}",
            target=target,
            outcome="refused_busy",
            detail={"pending": len(pending)},
            ip=ip,
        )
        raise TooMany(t("export.too_many_pending", n=MAX_PENDING))
    job_id = secrets.token_hex(16)
    now = _now()
    with engine.begin() as conn:
        conn.execute(
            export_jobs.insert().values(
                id=job_id,
                username=scope.username,
                kind=kind,
                target=target[:200],
                region_code=region_code,
                params=json.dumps(params, ensure_ascii=False, default=str),
                status="queued",
                progress=0,
                message="",
                filename="",
                size=0,
                created_at=now,
                updated_at=now,
            )
        )
    audit.record(
        engine,
        scope.username,
        f"export_{kind}",
        target=target,
        outcome="requested",
        detail={"job": job_id, **params},
        ip=ip,
    )
    args = (engine, settings, scope, job_id, kind, target, params, work, lang, ip)
    if wait:
        _run(*args)
    else:
        _pool.submit(_run, *args)
    return job_id


def prune(engine: Engine, settings: Settings, now: dt.datetime | None = None) -> int:
    """Remove the files of exports older than ``export_keep_days`` (the jobs stay, marked
    expired, so the list and the audit log still tell what was made)."""
    cutoff = (now or _now()) - dt.timedelta(days=settings.export_keep_days)
    with engine.connect() as conn:
        old = [
            r.id
            for r in conn.execute(
                sa.select(export_jobs.c.id).where(
                    export_jobs.c.status == "done", export_jobs.c.created_at < cutoff
                )
            )
        ]
    for job_id in old:
        file_path(settings, job_id).unlink(missing_ok=True)
        _update(engine, job_id, status="expired")
    return len(old)


def _update(engine: Engine, job_id: str, **values) -> None:
    with engine.begin() as conn:
        conn.execute(
            export_jobs.update()
            .where(export_jobs.c.id == job_id)
            .values(updated_at=_now(), **values)
        )


def _write(settings: Settings, job_id: str, body: bytes) -> None:
    """The file whole or not at all, readable by this service's user only (an image of a
    page can hold what only its user may see)."""
    path = file_path(settings, job_id)
    private_dir(path.parent)
    write_private(path, body)


def _run(engine, settings, scope, job_id, kind, target, params, work: Work, lang, ip) -> None:
    try:
        _update(engine, job_id, status="running", progress=5)
        with language(lang):
            name, body = work(lambda p: _update(engine, job_id, progress=int(p)))
        _write(settings, job_id, body)
        _update(
            engine,
            job_id,
            status="done",
            progress=100,
            filename=name[:200],
            size=len(body),
            finished_at=_now(),
        )
        audit.record(
            engine,
            scope.username,
            f"export_{kind}",
            target=target,
            detail={"job": job_id, "file": name, "bytes": len(body), **params},
            ip=ip,
        )
    except Exception as exc:  # noqa: BLE001 - every failure ends the job with its reason
        file_path(settings, job_id).unlink(missing_ok=True)
        with language(lang):
            reason = (
                str(exc)
                if isinstance(exc, Unavailable)
                else t("export.failed", reason=_reason(exc))
            )
        if not isinstance(exc, (Unavailable, LookupError, PermissionError)):
            log.exception("export %s (%s) failed", job_id, kind)
        try:
            _update(engine, job_id, status="failed", message=reason[:2000], finished_at=_now())
            audit.record(
                engine,
                scope.username,
                f"export_{kind}",
                target=target,
                outcome="failed",
                detail={"job": job_id, "reason": reason[:300]},
                ip=ip,
            )
        except Exception:  # noqa: BLE001 - the store is away: the job shows as stale
            log.exception("export %s: could not record its failure", job_id)


def _reason(exc: Exception) -> str:
    from components.messages import refusal_text
    from queries.runner import REFUSALS

    if isinstance(exc, REFUSALS):
        return refusal_text(exc)
    if isinstance(exc, LookupError) and exc.args and str(exc.args[0]).startswith("."):
        return t("export.no_map")
    return type(exc).__name__


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _decorate(row: dict) -> dict:
    row = {**row, "created_at": _aware(row["created_at"]), "updated_at": _aware(row["updated_at"])}
    if row["status"] in ("queued", "running") and _now() - row["updated_at"] > STALE:
        row = {**row, "status": "failed", "message": t("export.interrupted")}
    return row


def get(engine: Engine, scope: Scope, job_id: str) -> dict | None:
    """A job of this user (None for anybody else's: ids are not proof of ownership)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(export_jobs).where(
                export_jobs.c.id == str(job_id)[:32], export_jobs.c.username == scope.username
            )
        ).first()
    return _decorate(dict(row._mapping)) if row else None


def mine(engine: Engine, scope: Scope, limit: int = 20) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(export_jobs)
            .where(export_jobs.c.username == scope.username)
            .order_by(export_jobs.c.created_at.desc())
            .limit(limit)
        )
        return [_decorate(dict(r._mapping)) for r in rows]
