"""Field work (掌上扶贫) as data: a cadre's visit (走访) to a household, what it must carry,
when the next one is due, and the idempotency key a phone sends with each submission so
that what it queued offline is stored once however often it is sent. Pure: no I/O
(docs/field.md describes it for users).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from domain.cases import CaseError, code_of, parse_date
from domain.indicators import N_

MAX_NOTES = 2000
MAX_PHOTOS = 4  # photos on one visit (each checked as a case's attachment)
# How far back a visit may be dated: a phone that was offline for a while still sends
# last week's visit, not one of years ago.
MAX_BACKDATE_DAYS = 60
# The phone's idempotency key: a UUID (crypto.randomUUID) or any 16-64 characters of
# letters, digits, "-" and "_".
KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
MONITORED_STATE = 2  # monitor_state 风险未消除: under monitoring


@dataclass(frozen=True)
class VisitInput:
    visited_on: dt.date
    kind: int
    notes: str
    lat: float | None
    lon: float | None


def key_of(value) -> str | None:
    """The submission's idempotency key, or None for a malformed one."""
    return value if isinstance(value, str) and KEY.fullmatch(value) else None


def _coordinate(value, limit: float) -> float | None | str:
    """A latitude or longitude, None when not given, "bad" when not a number in range."""
    if value is None or value == "":
        return None
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return "bad"
    if number != number or not -limit <= number <= limit:  # NaN, or out of range
        return "bad"
    return round(number, 6)


def visit_input(fields: dict, today: dt.date) -> VisitInput:
    """A visit's fields as a phone sent them (strings), checked: a CaseError(400) naming
    each bad field, or the visit."""
    errors: dict[str, str] = {}
    day = parse_date(fields.get("visited_on"))
    if day is None or day > today or (today - day).days > MAX_BACKDATE_DAYS:
        errors["visited_on"] = N_("field.err.date")
    kind = code_of("visit_kind", fields.get("kind"))
    if kind is None:
        errors["kind"] = N_("field.err.kind")
    notes = fields.get("notes")
    notes = notes.strip() if isinstance(notes, str) else ""
    if not notes:
        errors["notes"] = N_("field.err.notes_empty")
    elif len(notes) > MAX_NOTES:
        errors["notes"] = N_("field.err.notes_long")
    lat = _coordinate(fields.get("lat"), 90.0)
    lon = _coordinate(fields.get("lon"), 180.0)
    if "bad" in (lat, lon) or (lat is None) != (lon is None):
        errors["position"] = N_("field.err.position")
    if errors:
        raise CaseError(400, N_("field.err.invalid"), errors)
    return VisitInput(day, kind, notes, lat, lon)  # type: ignore[arg-type]


def interval_days(monitor_state, monitored_days: int, other_days: int) -> int:
    """How many days may pass between two visits of a household: fewer for one under
    monitoring (risk not eliminated)."""
    return monitored_days if monitor_state == MONITORED_STATE else other_days


def visit_due(
    last: dt.date | None, monitor_state, today: dt.date, monitored_days: int, other_days: int
) -> tuple[dt.date | None, bool]:
    """When the next visit is due (None: never visited, due now) and whether it is overdue
    (today is past that day; a household never visited is overdue)."""
    if last is None:
        return None, True
    due = last + dt.timedelta(days=interval_days(monitor_state, monitored_days, other_days))
    return due, today > due
