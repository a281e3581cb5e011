"""Households' feedback (贫困户反馈): from the household's card (明白卡) without an account,
from a cadre on its behalf, from hotline staff taking a 12317 call, or from the hotline
system's CSV; each a ticket of the household's township, moved on by its actions
(domain/feedback.py) with an append-only event each.

The card's code names the household and is signed with the deployment's secret key
(HMAC-SHA256): it cannot be guessed from a household's number, and the store keeps no
list of codes. The public form answers the same whatever it is sent — a wrong or guessed
code, an empty or huge text, markup — and stores a ticket only for a valid code and a
valid text; requests are limited per code and per address.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import hashlib
import hmac
import io
import ipaddress
import logging
import re

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from access import Resource, Scope, can, can_access, prefix_of
from domain import cases as C
from domain import clock
from domain import feedback as D
from i18n import N_
from ops import feedback as store
from ops.scoped import WholeStore, store_id
from queries import api
from queries.runner import Warehouse, WarehouseUnavailable
from services import cases as case_service

CaseError = C.CaseError
log = logging.getLogger("jingzhun.feedback")
CODE = re.compile(r"[a-z2-7]{24}")
# The public form's limits: requests per address in an hour, tickets per card in a day.
PER_ADDRESS_HOUR = 20
PER_CODE_DAY = 5
HOTLINE_COLUMNS = ("record_id", "household_no", "type", "text", "received_on", "contact")
MAX_IMPORT_ROWS = 5000


def card_code(secret: str, household_id: int) -> str:
    """The code printed on a household's card (24 characters of base32)."""
    payload = int(household_id).to_bytes(5, "big")
    mac = hmac.new(secret.encode(), b"jz-card:" + payload, hashlib.sha256).digest()[:10]
    return base64.b32encode(payload + mac).decode().rstrip("=").lower()


def household_of_code(secret: str, code) -> int | None:
    """The household a card's code names, or None for any other string."""
    if not isinstance(code, str) or not CODE.fullmatch(code):
        return None
    try:
        raw = base64.b32decode(code.upper())
    except (binascii.Error, ValueError):
        return None
    household_id = int.from_bytes(raw[:5], "big")
    return household_id if hmac.compare_digest(card_code(secret, household_id), code) else None


def address_of(ip: str) -> str:
    """The address a limit counts: an IPv4 address, or an IPv6 address's /64 network (one
    household's connection gets a whole /64)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return str(ip)[:45]
    if addr.version == 6:
        if addr.ipv4_mapped:
            return str(addr.ipv4_mapped)
        return str(ipaddress.ip_network(f"{addr}/64", strict=False).network_address)
    return str(addr)


def _township(village: str) -> str:
    return village[:9] + "000"


def _values(home: dict, channel: int, fb: D.Feedback, today: dt.date, days, ref="") -> dict:
    return {
        "household_id": int(home["household_id"]),
        "household_no": str(home["household_no"]),
        "region_code": str(home["village_code"]),
        "unit_code": _township(str(home["village_code"])),
        "channel": channel,
        "type": fb.type,
        "text": fb.text,
        "contact": fb.contact,
        "source_ref": ref,
        "received_on": today,
        "deadline": D.deadline(today, fb.type, days),
    }


def submit_public(
    engine: Engine,
    wh: Warehouse,
    secret: str,
    code,
    fields: dict,
    ip: str,
    days: dict[int, int] | None = None,
    now: dt.datetime | None = None,
) -> str:
    """A household's feedback from its card's form: "limited" when the address or the card
    sent too much lately, else "received" — also when nothing was stored (a wrong code,
    bad input), so that the answer tells a guesser nothing."""
    now = now or clock.utcnow()
    key = hashlib.sha256(str(code)[:100].encode()).hexdigest()
    ip = address_of(ip)
    with engine.begin() as conn:
        by_ip, by_code_day = store.hits(
            conn, ip, key, now - dt.timedelta(hours=1), now - dt.timedelta(days=1)
        )
        store.hit(conn, ip, key, now)
    if by_ip >= PER_ADDRESS_HOUR or by_code_day >= PER_CODE_DAY:
        return "limited"
    household_id = household_of_code(secret, code)
    if household_id is None:
        return "received"
    try:
        fb = D.feedback_input(fields, public=True)
    except CaseError:
        return "received"
    try:
        row = wh.run("card_household", None, household_id=household_id)
    except WarehouseUnavailable:  # answered as any other: the form tells nothing
        log.warning("feedback from a card not stored: the warehouse is unavailable")
        return "received"
    if row.empty:
        return "received"
    home = row.iloc[0].to_dict()
    with engine.begin() as conn:
        store.insert(conn, "-", _values(home, D.CHANNEL_CARD, fb, clock.day(now), days), now)
    return "received"


def intake(
    engine: Engine,
    wh: Warehouse,
    scope: Scope,
    household_id,
    channel,
    fields: dict,
    days: dict[int, int] | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Feedback entered by a cadre on the household's behalf or by hotline staff for a
    12317 call (``channel`` 2 or 3) on a household of the scope; the ticket."""
    now = now or clock.utcnow()
    channel = C.code_of("feedback_channel", channel)
    if channel not in (D.CHANNEL_CADRE, D.CHANNEL_HOTLINE):
        raise CaseError(400, N_("fb.err.invalid"), {"channel": N_("fb.err.channel")})
    home = api.case_household(wh, scope, household_id)
    if home is None:
        raise CaseError(404, N_("field.err.household"))
    case_service.gate(scope, "feedback.intake", home["village_code"])
    fb = D.feedback_input(fields, public=False)
    with engine.begin() as conn:
        ticket_id = store.insert(
            conn, scope.username, _values(home, channel, fb, clock.day(now), days), now
        )
    return get(engine, scope, ticket_id, now)


def decorate(scope: Scope, ticket: dict, today: dt.date) -> dict:
    may = can(scope, "feedback.handle", Resource(region=ticket["region_code"]))
    return {
        **ticket,
        "overdue": D.is_overdue(ticket, today),
        "actions": D.actions_from(ticket["state"]) if may else [],
    }


def get(engine: Engine, scope: Scope, ticket_id, now: dt.datetime | None = None) -> dict:
    if not can(scope, "feedback.view"):
        raise CaseError(403, N_("error.role"))
    ticket = store.get(engine, scope, ticket_id)
    if ticket is None:
        raise CaseError(404, N_("fb.err.not_found"))
    return decorate(scope, ticket, clock.day(now or clock.utcnow()))


def act(
    engine: Engine,
    scope: Scope,
    ticket_id,
    version,
    action,
    note,
    satisfaction=None,
    now: dt.datetime | None = None,
) -> dict:
    """An action on a ticket of the scope (domain/feedback.py ACTIONS): a reply needs its
    text, a return its reason; closing may record the household's satisfaction."""
    now = now or clock.utcnow()
    ticket = get(engine, scope, ticket_id, now)
    case_service.gate(scope, "feedback.handle", ticket["region_code"])
    to = D.next_state(ticket["state"], action if isinstance(action, str) else "")
    text = note.strip() if isinstance(note, str) else ""
    if action in ("reply", "return") and not text:
        raise CaseError(400, N_("fb.err.invalid"), {"note": N_("fb.err.note_empty")})
    if len(text) > D.MAX_NOTE:
        raise CaseError(400, N_("fb.err.invalid"), {"note": N_("fb.err.text_long")})
    rating = None
    if action == "close" and satisfaction not in (None, ""):
        rating = C.code_of("satisfaction", satisfaction)
        if rating is None:
            raise CaseError(400, N_("fb.err.invalid"), {"satisfaction": N_("fb.err.satisfaction")})
    # The version the page was made at; the update then matches the one just read, whose
    # state the action was checked on.
    if store_id(version) != ticket["version"]:
        raise CaseError(409, N_("case.err.conflict"))
    version = ticket["version"]
    with engine.begin() as conn:
        done = store.update(conn, ticket, version, to, action, scope.username, text, now, rating)
    if not done:
        raise CaseError(409, N_("case.err.conflict"))
    return get(engine, scope, ticket["id"], now)


def tickets(
    engine: Engine,
    scope: Scope,
    unit=None,
    states: tuple[str, ...] | None = None,
    household_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[dict]:
    """Tickets of the scope (of a unit within it, of ``states``, of a household),
    decorated; none for a role that may not see them or a unit outside the scope."""
    if not can(scope, "feedback.view"):
        return []
    code = scope.region_code if unit in (None, "") else unit
    if not isinstance(code, str) or not can_access(scope, code):
        return []
    today = clock.day(now or clock.utcnow())
    rows = store.list_tickets(
        engine, scope, under=prefix_of(code), states=states, household_id=household_id
    )
    return [decorate(scope, r, today) for r in rows]


def counts(engine: Engine, scope: Scope | WholeStore, now: dt.datetime | None = None) -> dict:
    """Tickets of the scope by state and type, open and overdue (the lists, and the wall,
    which shows these counts and nothing of the tickets)."""
    if isinstance(scope, Scope) and not (can(scope, "feedback.view") or can(scope, "wall.view")):
        return {"total": 0, "open": 0, "overdue": 0, "by_state": {}, "by_type": {}}
    return store.counts(engine, scope, clock.day(now or clock.utcnow()))


def overdue_by_unit(
    engine: Engine, scope: Scope, codes: list[str], now: dt.datetime | None = None
) -> dict[str, int]:
    """Overdue tickets per unit below (the dispatch view's map); zeros for a role that
    may not see tickets."""
    if not can(scope, "feedback.view"):
        return {c: 0 for c in codes}
    codes = [c for c in codes if can_access(scope, c)]
    return store.overdue_by_unit(engine, scope, codes, clock.day(now or clock.utcnow()))


def import_hotline(
    engine: Engine,
    wh: Warehouse,
    scope: Scope,
    content: bytes,
    days: dict[int, int] | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """The hotline system's CSV (UTF-8, header ``HOTLINE_COLUMNS``): every row checked
    first; any bad row refuses the whole file with its line numbers and nothing is
    stored. A record already imported (its ``record_id``) is skipped, so the same file
    loads twice without double tickets. The counts: created, skipped."""
    now = now or clock.utcnow()
    case_service.gate(scope, "feedback.intake", scope.region_code)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseError(400, N_("fb.err.csv_encoding")) from None
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != HOTLINE_COLUMNS:
        raise CaseError(400, N_("fb.err.csv_header"))
    try:
        return _import_rows(engine, wh, scope, list(_read(reader)), days, now)
    except csv.Error:  # a broken quote, a field too long for the reader
        raise CaseError(400, N_("fb.err.csv_broken")) from None


def _read(reader):
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_IMPORT_ROWS:
            raise CaseError(400, N_("fb.err.csv_rows"))
        yield n, row


def _import_rows(engine, wh, scope, numbered, days, now) -> dict:
    rows, errors = [], {}
    today = clock.day(now)
    for n, row in numbered:
        ref = (row.get("record_id") or "").strip()
        day = C.parse_date(row.get("received_on"))
        home = api.case_household(wh, scope, household_no=row.get("household_no") or "")
        try:
            fb = D.feedback_input(row, public=False)
        except CaseError:
            fb = None
        if not ref or len(ref) > 80 or day is None or day > today or home is None or fb is None:
            errors[str(n)] = N_("fb.err.csv_row")
            continue
        rows.append((f"12317:{ref}", day, home, fb))
    if errors:
        raise CaseError(400, N_("fb.err.csv_rows_bad"), errors)
    created = skipped = 0
    try:
        with engine.begin() as conn:
            for ref, day, home, fb in rows:
                if store.with_source(conn, ref) is not None:
                    skipped += 1
                    continue
                values = _values(home, D.CHANNEL_IMPORT, fb, day, days, ref)
                store.insert(conn, scope.username, values, now)
                created += 1
    except sa_exc.IntegrityError:  # the same records imported at the same moment
        raise CaseError(409, N_("fb.err.csv_again")) from None
    return {"created": created, "skipped": skipped}
