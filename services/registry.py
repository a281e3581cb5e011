"""Registry deliveries loaded from /admin/registry (docs/registry.md) and the command
line: the province administrator's gate, the deliveries placed in the inbox
(JZ_REGISTRY_INBOX), deliveries uploaded from the page, one load at a time, and its
rejection report.

A load from the page runs in a thread of the worker that started it. Its progress and
outcome live in a state file under JZ_REGISTRY_DIR, so whichever worker answers the
page's next poll reads the same thing; an exclusive lock on a file there (held by the
loading thread, and released by the system if its process dies) makes it one load at a
time across every worker and tells a load that died from one that runs. Every load, from
the page or ``manage.py load-registry``, is written to the audit log (``load``).
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import logging
import os
import re
import secrets
import threading
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import Engine

from access import Scope, current_scope
from config import Settings
from i18n import N_
from queries import registry as qregistry
from queries.runner import Warehouse, WarehouseUnavailable
from services import audit
from services.files import write_private  # a delivery holds ID numbers
from services.imports_refresh import UPLOAD_BYTES  # one cap for a file sent through the page

log = logging.getLogger("jingzhun.registry")

STATE, LOCK = "state.json", "load.lock"
FINAL = ("done", "refused", "failed")
TOKEN = re.compile(r"[0-9a-f]{32}")
UPLOAD_KEEP = timedelta(days=1)  # an uploaded delivery never loaded is removed after this


def province_admin() -> Scope:
    """A province administrator's scope; everyone else is refused, here and in every
    callback and route of the page (a load replaces the whole province's registry)."""
    return current_scope("registry.load")


def _now() -> datetime:
    return datetime.now(UTC)


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


# ------------------------------------------------------------------ the inbox
@dataclass(frozen=True)
class Delivery:
    name: str
    folder: bool  # a directory (else a ZIP)
    size: int
    modified: datetime


def inbox(settings: Settings) -> list[Delivery]:
    """The deliveries in the inbox, newest first: ZIP files and directories holding a
    manifest.json (hidden names are left out)."""
    root = settings.registry_inbox
    if not root.is_dir():
        return []
    out = []
    for p in root.iterdir():
        if p.name.startswith("."):
            continue
        try:
            if p.is_file() and p.suffix.lower() == ".zip":
                st = p.stat()
                size = st.st_size
            elif p.is_dir() and (p / "manifest.json").is_file():
                st = p.stat()
                size = sum(f.stat().st_size for f in p.iterdir() if f.is_file())
            else:
                continue
        except OSError:
            continue
        out.append(Delivery(p.name, p.is_dir(), size, datetime.fromtimestamp(st.st_mtime, UTC)))
    return sorted(out, key=lambda d: (-d.modified.timestamp(), d.name))


def inbox_path(settings: Settings, name) -> Path | None:
    """The inbox's delivery of that name, if the inbox lists it: a name from the browser
    only ever picks one of the listed entries, never names a path."""
    for d in inbox(settings):
        if d.name == name:
            return settings.registry_inbox / d.name
    return None


# ------------------------------------------------------------------ uploads
class UploadRefused(ValueError):
    """The uploaded file is not taken; ``key`` and ``params`` say why (i18n)."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


def _uploads(settings: Settings) -> Path:
    return settings.registry_dir / "uploads"


def stage_upload(settings: Settings, username: str, filename: str, data: bytes) -> str:
    """Keep an uploaded ZIP until it is loaded (or for UPLOAD_KEEP); returns its token.
    Only the user who uploaded it may load it."""
    if len(data) > UPLOAD_BYTES:
        raise UploadRefused("reg.err.too_big", size=len(data))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadRefused(N_("reg.err.not_zip"))
    directory = _private_dir(_uploads(settings))
    cutoff = _now() - UPLOAD_KEEP
    for p in directory.glob("*.zip"):
        try:
            if datetime.fromtimestamp(p.stat().st_mtime, UTC) < cutoff:
                p.unlink(missing_ok=True)
                p.with_suffix(".json").unlink(missing_ok=True)
        except OSError:
            pass
    token = secrets.token_hex(16)
    write_private(directory / f"{token}.zip", data)
    meta = {
        "username": username,
        "name": filename[:200],
        "size": len(data),
        "at": _now().isoformat(),
    }
    write_private(directory / f"{token}.json", json.dumps(meta, ensure_ascii=False).encode())
    return token


def staged(settings: Settings, username: str, token) -> tuple[Path, dict] | None:
    """The upload of that token, if this user made it and it is still kept."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    path = _uploads(settings) / f"{token}.zip"
    try:
        meta = json.loads((_uploads(settings) / f"{token}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("username") != username or not path.is_file():
        return None
    return path, meta


def _drop_upload(settings: Settings, token: str) -> None:
    for suffix in (".zip", ".json"):
        (_uploads(settings) / f"{token}{suffix}").unlink(missing_ok=True)


# ------------------------------------------------------------------ the load
def _lock(settings: Settings):
    """The load lock, taken without waiting: the open file, or None when a load holds
    it (in any worker, or another thread of this one)."""
    _private_dir(settings.registry_dir)
    f = open(settings.registry_dir / LOCK, "a")  # noqa: SIM115 - held by the load's thread
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    return f


def _release(f) -> None:
    try:
        fcntl.flock(f, fcntl.LOCK_UN)
    finally:
        f.close()


def running(settings: Settings) -> bool:
    """A load holds the lock now."""
    f = _lock(settings)
    if f is None:
        return True
    _release(f)
    return False


def read_state(settings: Settings) -> dict | None:
    """The current or last load started from the page (None before the first): status
    running, done, refused or failed. A load whose process died shows as failed."""
    try:
        state = json.loads((settings.registry_dir / STATE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict):
        return None
    if state.get("status") == "running" and not running(settings):
        state = {**state, "status": "failed", "interrupted": True}
    return state


def _write_state(settings: Settings, state: dict) -> None:
    write_private(
        settings.registry_dir / STATE, json.dumps(state, ensure_ascii=False, default=str).encode()
    )


def _reports(settings: Settings) -> Path:
    return settings.registry_dir / "reports"


def load(
    engine: Engine,
    src: Path,
    out: Path,
    report: Path | None,
    username: str,
    target: str,
    progress=None,
    import_dir: Path | None = None,
    ip: str = "",
    load_id: str | None = None,
):
    """Load the delivery at ``src`` into the warehouse ``out`` (the department batches of
    the ledger added again), its outcome written to the audit log; the loader's result,
    or ``etl.registry.Refused`` (recorded too) with nothing changed."""
    from etl import registry
    from ops import cases as platform_cases
    from ops import imports as ledger
    from services import changes as change_requests

    extra = {"load": load_id} if load_id else {}
    try:
        result = registry.load(
            src,
            out,
            report,
            progress=progress,
            batches=ledger.loaded(engine),
            import_dir=import_dir,
            cases=platform_cases.for_warehouse(engine),
            changes=change_requests.for_warehouse(engine),
        )
    except registry.Refused as exc:
        audit.record(
            engine,
            username,
            "load_registry",
            target=target,
            outcome="refused",
            detail={"reason": str(exc), **extra},
            ip=ip,
        )
        raise
    audit.record(
        engine,
        username,
        "load_registry",
        target=target,
        detail={
            "kind": result.kind,
            "version": result.version,
            "rejected": result.rejected,
            **extra,
        },
        ip=ip,
    )
    change_requests.after_refresh(engine, out)
    return result


def start(
    engine: Engine,
    settings: Settings,
    scope: Scope,
    by: str,
    source: str,
    path: Path,
    name: str,
    ip: str,
    token: str | None = None,
) -> dict | None:
    """Start loading the delivery at ``path`` (chosen by the server: an inbox entry or a
    staged upload) in a thread of this process; its first state, or None when a load is
    running already (nothing started)."""
    lock = _lock(settings)
    if lock is None:
        return None
    state = {
        "id": secrets.token_hex(8),
        "status": "running",
        "step": "start",
        "fraction": 0.0,
        "username": scope.username,
        "by": by,
        "source": source,
        "name": name[:200],
        "started_at": _now().isoformat(),
        "pid": os.getpid(),
    }
    try:
        _write_state(settings, state)
        audit.record(
            engine,
            scope.username,
            "load_registry",
            target=name[:200],
            outcome="requested",
            detail={"source": source, "load": state["id"]},
            ip=ip,
        )
        threading.Thread(
            target=_run,
            args=(engine, settings, dict(state), path, token, ip, lock),
            name="jz-registry",
            daemon=True,
        ).start()
    except BaseException:
        _release(lock)
        raise
    return state


def _progress(settings: Settings, state: dict):
    """The loader's progress callback: the step and fraction into the state file."""

    def progress(step: str, fraction: float) -> None:
        state.update(step=str(step)[:80], fraction=max(0.0, min(1.0, float(fraction))))
        try:
            _write_state(settings, state)
        except OSError:  # progress is for the page only; the load goes on
            log.warning("registry load %s: could not write its progress", state["id"])

    return progress


def _run(
    engine: Engine, settings: Settings, state: dict, path: Path, token: str | None, ip: str, lock
) -> None:
    """The load itself, as manage.py load-registry makes it (department batches added
    again, the audit record), its progress and outcome written to the state file."""
    from etl import registry

    report = _private_dir(_reports(settings)) / f"{state['id']}.csv"
    target = state["name"]
    try:
        result = load(
            engine,
            path,
            settings.warehouse,
            report,
            state["username"],
            target,
            _progress(settings, state),
            settings.import_dir,
            ip,
            state["id"],
        )
    except registry.Refused as exc:
        state.update(status="refused", message={"zh": exc.zh, "en": str(exc)})
    except Exception as exc:  # noqa: BLE001 - recorded; the warehouse is unchanged
        _failed(engine, state, exc, ip)
    else:
        state.update(
            status="done",
            step="done",
            fraction=1.0,
            result={
                "kind": result.kind,
                "as_of": result.as_of.isoformat(),
                "version": result.version,
                "files": result.files,
                "rejected": result.rejected,
                "seconds": round(result.seconds, 1),
                "report": report.name,
            },
        )
        for old in _reports(settings).glob("*.csv"):  # the previous loads' reports
            if old != report:
                old.unlink(missing_ok=True)
    finally:
        _finish(settings, state, report, token, lock)


def _failed(engine: Engine, state: dict, exc: Exception, ip: str) -> None:
    """A load that failed for another reason than the delivery's: logged and recorded."""
    from etl.warehouse import BuildError

    log.exception("registry load %s of %s failed", state["id"], state["name"])
    reason = str(exc)[:300] if isinstance(exc, BuildError) else type(exc).__name__
    state.update(status="failed", message={"zh": reason, "en": reason})
    audit.record(
        engine,
        state["username"],
        "load_registry",
        target=state["name"],
        outcome="failed",
        detail={"reason": str(exc)[:300], "load": state["id"]},
        ip=ip,
    )


def _finish(settings: Settings, state: dict, report: Path, token: str | None, lock) -> None:
    """The load's end in the state file; its upload and a failed load's report removed;
    the lock released whatever happens."""
    try:
        if state["status"] != "done":
            report.unlink(missing_ok=True)
        if token:
            _drop_upload(settings, token)
        state["finished_at"] = _now().isoformat()
        _write_state(settings, state)
    except Exception:  # noqa: BLE001 - the lock must go whatever happens
        log.exception("registry load %s: could not record its end", state["id"])
    finally:
        _release(lock)


# ------------------------------------------------------------------ the report
def report_body(settings: Settings, warehouse: Warehouse, version: str):
    """The rejection report of data version ``version``: the file the page's last load
    wrote, or (a load from the command line, or an older one) the rows the warehouse
    keeps; a path for send_file, bytes, or None when there is none for that version. The
    version only ever matches one the server knows."""
    state = read_state(settings)
    if (
        state
        and state.get("status") == "done"
        and (state.get("result") or {}).get("version") == version
    ):
        path = _reports(settings) / str(state["result"].get("report", ""))
        if path.is_file() and path.parent == _reports(settings):
            return path
    try:
        current = warehouse.version["version"]
    except WarehouseUnavailable:
        return None
    if current != version:
        return None
    df = qregistry.rejected(warehouse)
    return None if df is None else report_csv(df)


def report(
    engine: Engine,
    settings: Settings,
    warehouse: Warehouse,
    scope: Scope,
    version: str,
    ip: str = "",
):
    """``report_body`` for a province administrator, its reading recorded; None when
    there is none (nothing recorded)."""
    body = report_body(settings, warehouse, version)
    if body is not None:
        audit.record(engine, scope.username, "registry_report", target=version, ip=ip)
    return body


def report_name(version: str) -> str:
    """The report's file name, from safe characters of the version only."""
    return "registry-rejected-" + re.sub(r"[^0-9A-Za-z.+_-]", "_", version)[:120] + ".csv"


def report_csv(df) -> bytes:
    """Rows of the warehouse's load_rejected (already masked) as the loader's report:
    UTF-8 with a BOM, its Chinese headers, the reason's code and words."""
    import pandas as pd

    from etl.registry import REASONS, REPORT_HEADERS

    def cell(v):
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else v

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(REPORT_HEADERS)
    for r in df.itertuples(index=False):
        w.writerow(
            [
                cell(r.file),
                int(r.row_number),
                cell(r.field),
                cell(r.value),
                cell(r.reason),
                REASONS.get(r.reason, ""),
            ]
        )
    return buf.getvalue().encode("utf-8-sig")


def report_href(version: str) -> str:
    return f"/admin/registry/report/{quote(str(version), safe='')}.csv"
