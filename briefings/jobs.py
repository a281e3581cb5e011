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
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from briefings.render import Unavailable
from config import Settings
from ops import audit
from ops.schema import export_jobs
from queries.scope import Scope
from web.i18n import language, t

log = logging.getLogger("jingzhun.exports")

KINDS = ("briefing", "minutes", "page", "map")
# A job still "running" this long after it was asked for died with its process.
STALE = dt.timedelta(minutes=15)
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jz-export")

# work(progress) -> (file name, content); progress(percent) reports how far it got.
Work = Callable[[Callable[[int], None]], tuple[str, bytes]]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def file_path(settings: Settings, job_id: str) -> Path:
    return settings.export_dir / f"{job_id}.out"


def submit(engine: Engine, settings: Settings, scope: Scope, kind: str, target: str,
           params: dict, work: Work, lang: str, ip: str = "", wait: bool = False) -> str:
    """Record a job and start it; returns its id. ``wait`` runs it in this thread (the
    command line)."""
    if kind not in KINDS:
        raise ValueError(kind)
    prune(engine, settings)
    job_id = secrets.token_hex(16)
    with engine.begin() as conn:
        conn.execute(export_jobs.insert().values(
            id=job_id, username=scope.username, kind=kind, target=target[:200],
            params=json.dumps(params, ensure_ascii=False, default=str), status="queued",
            progress=0, message="", filename="", size=0, created_at=_now()))
    audit.record(engine, scope.username, f"export_{kind}", target=target, outcome="requested",
                 detail={"job": job_id, **params}, ip=ip)
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
        old = [r.id for r in conn.execute(sa.select(export_jobs.c.id).where(
            export_jobs.c.status == "done", export_jobs.c.created_at < cutoff))]
    for job_id in old:
        file_path(settings, job_id).unlink(missing_ok=True)
        _update(engine, job_id, status="expired")
    return len(old)


def _update(engine: Engine, job_id: str, **values) -> None:
    with engine.begin() as conn:
        conn.execute(export_jobs.update().where(export_jobs.c.id == job_id).values(**values))


def _run(engine, settings, scope, job_id, kind, target, params, work: Work, lang, ip) -> None:
    _update(engine, job_id, status="running", progress=5)
    try:
        with language(lang):
            name, body = work(lambda p: _update(engine, job_id, progress=int(p)))
        path = file_path(settings, job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(body)
        os.replace(tmp, path)  # a file is there whole or not at all
    except Exception as exc:  # noqa: BLE001 - every failure ends the job with its reason
        with language(lang):
            reason = str(exc) if isinstance(exc, Unavailable) else \
                t("export.failed", reason=_reason(exc))
        if not isinstance(exc, (Unavailable, LookupError, PermissionError)):
            log.exception("export %s (%s) failed", job_id, kind)
        _update(engine, job_id, status="failed", message=reason[:2000], finished_at=_now())
        audit.record(engine, scope.username, f"export_{kind}", target=target,
                     outcome="failed", detail={"job": job_id, "reason": reason[:300]}, ip=ip)
        return
    _update(engine, job_id, status="done", progress=100, filename=name, size=len(body),
            finished_at=_now())
    audit.record(engine, scope.username, f"export_{kind}", target=target,
                 detail={"job": job_id, "file": name, "bytes": len(body), **params}, ip=ip)


def _reason(exc: Exception) -> str:
    from components.messages import REFUSALS, refusal_text

    if isinstance(exc, REFUSALS):
        return refusal_text(exc)
    if isinstance(exc, LookupError) and exc.args and str(exc.args[0]).startswith("."):
        return t("export.no_map")
    return type(exc).__name__


def _decorate(row: dict) -> dict:
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    if row["status"] in ("queued", "running") and _now() - created > STALE:
        row = {**row, "status": "failed", "message": t("export.interrupted")}
    return {**row, "created_at": created}


def get(engine: Engine, scope: Scope, job_id: str) -> dict | None:
    """A job of this user (None for anybody else's: ids are not proof of ownership)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(export_jobs).where(
            export_jobs.c.id == str(job_id)[:32],
            export_jobs.c.username == scope.username)).first()
    return _decorate(dict(row._mapping)) if row else None


def mine(engine: Engine, scope: Scope, limit: int = 20) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(export_jobs)
                            .where(export_jobs.c.username == scope.username)
                            .order_by(export_jobs.c.created_at.desc()).limit(limit))
        return [_decorate(dict(r._mapping)) for r in rows]
