"""ID and phone numbers masked for showing: 610***********123X, 138****5678
(queries/privacy.py masks every query result with these; docs/domain.md §privacy)."""

from __future__ import annotations

import re

_ID = re.compile(r"\d{17}[\dX]")
MASKED_ID = re.compile(r"\d{3}\*{11}[\dX]{4}")
MASKED_PHONE = re.compile(r"\d{3}\*{4}\d{4}")


def _missing(value) -> bool:
    """No number (or the mark of none, which a second mask must keep)."""
    if value is None or isinstance(value, str):
        return value is None or value == "—"
    try:
        return bool(value != value)  # NaN, NaT
    except TypeError:  # pandas' NA has no truth value
        return True


def mask_id(value) -> str:
    """610***********123X: the area's first three digits and the last four. A value
    already masked stays as it is (masking twice must not destroy the last digits)."""
    if _missing(value):
        return "—"
    if isinstance(value, str) and (_ID.fullmatch(value) or MASKED_ID.fullmatch(value)):
        return value[:3] + "*" * 11 + value[-4:]
    return "***"


def mask_phone(value) -> str:
    """138****5678 (a value already masked stays as it is)."""
    if _missing(value):
        return "—"
    if (
        isinstance(value, str)
        and len(value) == 11
        and (value.isdigit() or MASKED_PHONE.fullmatch(value))
    ):
        return value[:3] + "****" + value[-4:]
    return "***"
