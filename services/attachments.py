"""Attachments of a monitoring case: photos and scans of a step's evidence (the home
check's photos, the signed consent, the notice on the board). Checked by their content,
not their name: a JPEG, PNG or WebP image that decodes, or a PDF with its header and end
marker; at most ``MAX_BYTES``. Stored in the operational store with an event on the case
(the case's version moves on, as for a step); each download is audited, since a scan may
show an ID card.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import re

from PIL import Image, UnidentifiedImageError
from sqlalchemy.engine import Engine

from access import Resource, Scope, can
from domain import cases as C
from domain import clock
from i18n import N_
from ops import cases as store
from services import audit
from services.cases import CaseError, check_version, gate, get

MAX_BYTES = 10 * 2**20
# What the page's upload box lets through (its base64 within the 20 MB request limit),
# so a file a little over MAX_BYTES still reaches the server and gets its message.
UPLOAD_BYTES = 14 * 2**20
MAX_NAME = 200
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ACCEPT = ",".join([*IMAGE_TYPES.values(), "application/pdf"])
Image.MAX_IMAGE_PIXELS = 60_000_000  # a phone's photo, not a decompression bomb


def kind_of(content: bytes) -> str | None:
    """The attachment's MIME type from its content, or None for one we do not take."""
    if content.startswith(b"%PDF-"):
        return "application/pdf" if b"%%EOF" in content[-2048:] else None
    try:
        with Image.open(io.BytesIO(content)) as img:
            fmt = img.format
            img.verify()  # the structure (PNG's checksums); JPEG's needs the decode below
        with Image.open(io.BytesIO(content)) as img:
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return IMAGE_TYPES.get(fmt or "")


def clean_name(name) -> str:
    """The file's own name (no folders, no control characters), at most ``MAX_NAME``."""
    text = name if isinstance(name, str) else ""
    text = re.split(r"[\\/]", text)[-1]
    text = re.sub(r'[\x00-\x1f\x7f"]', "", text).strip()
    return text[-MAX_NAME:] or "attachment"


def may_attach(scope: Scope, case: dict) -> bool:
    return case["state"] not in C.FINAL and can(
        scope, "cases.attach", Resource(region=case["village_code"])
    )


def attach(
    engine: Engine,
    scope: Scope,
    case_id,
    version,
    name,
    content: bytes,
    now: dt.datetime | None = None,
) -> dict:
    """Attach a file to a case; the case. A file of another type, empty or too large is
    refused (400) and nothing is written."""
    now = now or clock.utcnow()
    if not isinstance(content, bytes | bytearray) or not content:
        raise CaseError(400, N_("case.err.invalid"), {"file": N_("case.err.file_empty")})
    if len(content) > MAX_BYTES:
        raise CaseError(400, N_("case.err.invalid"), {"file": N_("case.err.file_big")})
    mime = kind_of(bytes(content))
    if mime is None:
        raise CaseError(400, N_("case.err.invalid"), {"file": N_("case.err.file_type")})
    with engine.begin() as conn:
        case = store.locked(conn, case_id, scope)
        gate(scope, "cases.attach", case["village_code"])
        check_version(version, case)
        if case["state"] in C.FINAL:
            raise CaseError(409, N_("case.err.order"))
        values = {
            "name": clean_name(name),
            "mime": mime,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "content": bytes(content),
        }
        file_id = store.add_file(conn, scope, case, values, now)
        event = {
            "kind": "attachment",
            "to_state": case["state"],
            "data": {"file": file_id, "name": values["name"], "size": values["size"]},
        }
        store.update(conn, scope, case, version, {}, event, now)
    return get(engine, scope, case["id"], now)


def attach_from_page(engine: Engine, scope: Scope, current, name, contents) -> dict:
    """The page's upload (``contents``: a data URL, base64) on the case shown."""
    current = current if isinstance(current, dict) else {}
    raw = b""
    if isinstance(contents, str) and "," in contents:
        try:
            raw = base64.b64decode(contents.split(",", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            raw = b""
    return attach(engine, scope, current.get("id"), current.get("version"), name, raw)


def download(engine: Engine, scope: Scope, file_id, ip: str = "") -> dict | None:
    """An attachment of a case within the scope, its reading audited; None for any
    other, as for none."""
    if not can(scope, "cases.view"):
        return None
    row = store.file_of(engine, scope, file_id)
    if row is None:
        return None
    detail = {"case": row["case_id"], "household_no": row["household_no"], "name": row["name"]}
    audit.record(
        engine, scope.username, "case_file", f"file:{row['id']}", detail=detail, ip=ip, scope=scope
    )
    return row
