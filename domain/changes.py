"""Change requests (变更申请) as data: what a cadre may report as changed in a household's
registry record, how each value is checked, and the request's states. Pure: no I/O
(docs/field.md describes it for users).

A request names one household (and, for a member, the member) and the new values of
some of its fields. The township reviews it; an approved request is applied over the
registry at the next refresh of the warehouse (etl/changes.py), and the value the
registry held is kept beside the new one. Values travel as text (``as_text``): the
form's, the store's and the warehouse's forms of a value compare equal.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from domain.cases import CaseError, parse_date
from domain.codes import CODES
from domain.feedback import MARKUP
from domain.idnumber import birth_of, is_valid
from domain.indicators import N_

# kind -> the fields it may change (each optional but at least one, except as noted).
KINDS: dict[str, tuple[str, ...]] = {
    "phone": ("phone",),
    "conditions": ("housing_grade", "sanitary_toilet", "road_access"),
    "member": ("health", "disability_grade", "labour", "medical_insurance", "migrant_months"),
    "member_left": ("left_date", "left_reason"),
    "member_new": ("name", "id_number", "relation", "join_reason", "joined_date"),
    "income": ("year", "wages", "business", "property", "transfers", "production_costs"),
}
# Kinds whose every field must be given (the others: the fields that changed).
WHOLE = ("phone", "member_left", "member_new", "income")
MEMBER_KINDS = ("member", "member_left")  # about a member the registry holds
KIND_LABEL = {
    "phone": N_("chg.kind.phone"),
    "conditions": N_("chg.kind.conditions"),
    "member": N_("chg.kind.member"),
    "member_left": N_("chg.kind.member_left"),
    "member_new": N_("chg.kind.member_new"),
    "income": N_("chg.kind.income"),
}
FIELD_LABEL = {
    "phone": N_("chg.field.phone"),
    "housing_grade": N_("chg.field.housing_grade"),
    "sanitary_toilet": N_("chg.field.sanitary_toilet"),
    "road_access": N_("chg.field.road_access"),
    "health": N_("chg.field.health"),
    "disability_grade": N_("chg.field.disability_grade"),
    "labour": N_("chg.field.labour"),
    "medical_insurance": N_("chg.field.medical_insurance"),
    "migrant_months": N_("chg.field.migrant_months"),
    "left_date": N_("chg.field.left_date"),
    "left_reason": N_("chg.field.left_reason"),
    "name": N_("chg.field.name"),
    "id_number": N_("chg.field.id_number"),
    "relation": N_("chg.field.relation"),
    "join_reason": N_("chg.field.join_reason"),
    "joined_date": N_("chg.field.joined_date"),
    "year": N_("chg.field.year"),
    "wages": N_("chg.field.wages"),
    "business": N_("chg.field.business"),
    "property": N_("chg.field.property"),
    "transfers": N_("chg.field.transfers"),
    "production_costs": N_("chg.field.production_costs"),
}
# The code table of a coded field (its values shown by their names).
CODED = {
    "housing_grade": "housing_grade",
    "health": "health",
    "labour": "labour",
    "left_reason": "member_leave",
    "relation": "relation",
    "join_reason": "member_join",
}
BOOLEAN = ("sanitary_toilet", "road_access", "medical_insurance")
AMOUNTS = ("wages", "business", "property", "transfers", "production_costs")
MAX_AMOUNT = 10**8  # yuan a year, per kind of income
JOIN_REASONS = ("2", "3", "4", "9")  # newborn, married in, moved in, other
MAX_NOTE = 500
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not in a name or a note
MAX_NAME = 30
# A member's leaving or joining may be reported up to a year after it happened.
MAX_BACKDATE_DAYS = 366
PHONE = re.compile(r"1\d{10}|0\d{2,3}-?\d{7,8}")

STATES = ("submitted", "approved", "rejected", "withdrawn", "applied", "superseded")
OPEN = ("submitted", "approved")  # still to be reviewed or applied
STATE_LABEL = {
    "submitted": N_("chg.state.submitted"),
    "approved": N_("chg.state.approved"),
    "rejected": N_("chg.state.rejected"),
    "withdrawn": N_("chg.state.withdrawn"),
    "applied": N_("chg.state.applied"),
    "superseded": N_("chg.state.superseded"),
}
# action -> (from states, to state). "apply" and "supersede" are the refresh's.
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("submitted",), "approved"),
    "reject": (("submitted",), "rejected"),
    "withdraw": (("submitted",), "withdrawn"),
    "apply": (("approved",), "applied"),
    # An applied request is superseded when a later load finds the registry moved past it.
    "supersede": (("approved", "applied"), "superseded"),
}
REVIEW_ACTIONS = ("approve", "reject")
# Why the refresh did not apply an approved request (etl/changes.py).
WHY_LABEL = {"missing": N_("chg.why.missing"), "registry": N_("chg.why.registry")}
ACTION_LABEL = {
    "approve": N_("chg.action.approve"),
    "reject": N_("chg.action.reject"),
    "withdraw": N_("chg.action.withdraw"),
}


@dataclass(frozen=True)
class Request:
    kind: str
    values: dict[str, str]  # field -> the new value as text (``as_text``)
    note: str


def as_text(value) -> str | None:
    """A value in the one text form the store, the form and the warehouse share: None for
    a missing one, "true"/"false", a whole number without ".0", a day as YYYY-MM-DD."""
    if type(value).__module__ == "numpy":
        value = value.item()  # a NumPy scalar as the Python value
    if value is None or (not isinstance(value, str) and value != value):  # NaN, NaT
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return None if text in ("NaT", "nan", "<NA>") else text


def _code(field: str, raw: str) -> str | None:
    table = CODES[CODED[field]]
    for code in table:
        if str(code) == raw:
            return str(code)
    return None


def _whole(raw: str, lo: int, hi: int) -> str | None:
    if not re.fullmatch(r"\d{1,10}", raw):
        return None
    return str(int(raw)) if lo <= int(raw) <= hi else None


def _day(raw: str, today: dt.date) -> str | None:
    day = parse_date(raw)
    if day is None or day > today or (today - day).days > MAX_BACKDATE_DAYS:
        return None
    return day.isoformat()


def _value(field: str, raw: str, today: dt.date) -> str | None:
    """One field's value checked, in its text form; None when it is not valid."""
    if field == "join_reason" and raw not in JOIN_REASONS:
        return None  # 1 is "a member when registered": not a change
    if field in CODED:
        return _code(field, raw)
    if field in BOOLEAN:
        return {"1": "true", "0": "false", "true": "true", "false": "false"}.get(raw)
    if field in AMOUNTS:
        return _whole(raw, 0, MAX_AMOUNT)
    if field == "phone":
        return raw if PHONE.fullmatch(raw) else None
    if field == "disability_grade":  # 0: not disabled
        return _whole(raw, 0, 4)
    if field == "migrant_months":
        return _whole(raw, 0, 12)
    if field == "year":
        return _whole(raw, today.year - 1, today.year)
    if field in ("left_date", "joined_date"):
        return _day(raw, today)
    if field == "name":
        ok = 0 < len(raw) <= MAX_NAME and not MARKUP.search(raw) and not re.search(r"[\d\s]", raw)
        ok = ok and not CONTROL.search(raw)
        return raw if ok else None
    if field == "id_number":
        number = raw.upper()
        born = birth_of(number) if is_valid(number) else None
        return number if born is not None and born <= today else None
    return None


def _fields(kind: str, fields: dict, today: dt.date) -> tuple[dict[str, str], dict[str, str]]:
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in KINDS[kind]:
        raw = fields.get(name)
        raw = raw.strip() if isinstance(raw, str) else ""
        if raw == "":
            if kind in WHOLE:
                errors[name] = N_("chg.err.required")
            continue
        value = _value(name, raw, today)
        if value is None:
            errors[name] = N_("chg.err.value")
        else:
            values[name] = value
    return values, errors


def request_input(kind, fields: dict, today: dt.date) -> Request:
    """A request as a phone sent it (strings), checked: a CaseError(400) naming each bad
    field, or the request (only the fields given)."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise CaseError(400, N_("chg.err.invalid"), {"kind": N_("chg.err.kind")})
    values, errors = _fields(kind, fields, today)
    if kind == "member_new" and "id_number" in values and "joined_date" in values:
        born = birth_of(values["id_number"])
        if born is not None and values["joined_date"] < born.isoformat():
            errors["joined_date"] = N_("chg.err.before_birth")
    if kind == "member_new" and values.get("relation") == "01":
        errors["relation"] = N_("chg.err.head")  # a new head is a change of household
    note = fields.get("note")
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > MAX_NOTE or MARKUP.search(note) or CONTROL.search(note):
        errors["note"] = N_("chg.err.note")
    if not values and not errors:
        errors["kind"] = N_("chg.err.nothing")
    if errors:
        raise CaseError(400, N_("chg.err.invalid"), errors)
    return Request(kind, values, note)


def changed_only(request: Request, original: dict[str, str | None]) -> dict[str, str]:
    """The request's values that differ from what the registry holds (``original``); a
    CaseError(400) when none does. A new member and an income declaration are whole."""
    if request.kind in ("member_new", "income"):
        return dict(request.values)
    out = {k: v for k, v in request.values.items() if original.get(k) != v}
    if request.kind == "member" and "disability_grade" in out:
        if out["disability_grade"] == "0" and original.get("disability_grade") is None:
            del out["disability_grade"]
    if not out:
        raise CaseError(400, N_("chg.err.invalid"), {"kind": N_("chg.err.same")})
    return out


def net_income(values: dict[str, str]) -> int:
    """An income declaration's net income: the four incomes less the production costs."""
    plus = sum(int(values.get(k) or 0) for k in AMOUNTS[:4])
    return plus - int(values.get("production_costs") or 0)


def next_state(state: str, action: str) -> str:
    """The state an action leads to from ``state`` (CaseError 409 when it cannot be taken
    there: someone took another first)."""
    allowed = ACTIONS.get(action)
    if allowed is None:
        raise CaseError(400, N_("chg.err.invalid"), {"action": N_("chg.err.action")})
    if state not in allowed[0]:
        raise CaseError(409, N_("case.err.conflict"))
    return allowed[1]
