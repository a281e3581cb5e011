"""AG Grid's filter and sort models, checked before any query sees them.

They come from the browser (the household list's getRowsRequest, the export link's
``filter`` and ``sort``), so anything can: only known columns, at most two conditions
one level deep, typed and bounded values, one sort column of the allow-list. A malformed
model raises BadRequest with the message key of the reason; never an exception further
in. Pure: no I/O.
"""

from __future__ import annotations

import math

from i18n import N_
from queries import households as hl

MAX_TEXT = 64  # characters of a text filter's value
MAX_NUMBER = 1e12  # beyond any count, year or income
CONDITION_KEYS = {"filterType", "type", "filter", "filterTo"}
COMBINED_KEYS = {"filterType", "operator", "conditions"}


class BadRequest(ValueError):
    """A malformed grid request: the message key of the reason and its parameters."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


def storable(text: str) -> bool:
    """No NUL and no lone UTF-16 surrogate (JSON "\\ud800"): text a query or the store
    can bind. The API's body check asks it too."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _value(column: str, value):
    """A filter's value: a bounded finite number, or short storable text (for a number
    column, text that reads as such a number: the list parses it)."""
    if value is None:
        return value
    kind = hl.COLUMNS[column]
    if isinstance(value, bool):
        if kind != "bool":
            raise BadRequest(N_("hh.err.value"), column=column)
        return value
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise BadRequest(N_("hh.err.number"), column=column)
        return value
    if not isinstance(value, str) or len(value) > MAX_TEXT or not storable(value):
        raise BadRequest(N_("hh.err.value"), column=column)
    if kind in ("number", "set"):
        try:
            number = float(value)
        except ValueError:
            raise BadRequest(N_("hh.err.number"), column=column) from None
        if not math.isfinite(number) or abs(number) > MAX_NUMBER:
            raise BadRequest(N_("hh.err.number"), column=column)
    return value


def _condition(column: str, model, combined_allowed: bool = True) -> None:
    """One column's filter: a condition, or two joined (AND/OR), nothing deeper."""
    if not isinstance(model, dict):
        raise BadRequest(N_("hh.err.filter"), column=column)
    if "conditions" in model:
        conditions = model.get("conditions")
        if (
            not combined_allowed
            or set(model) - COMBINED_KEYS
            or not isinstance(conditions, list)
            or not 1 <= len(conditions) <= 2
        ):
            raise BadRequest(N_("hh.err.filter"), column=column)
        for c in conditions:
            _condition(column, c, combined_allowed=False)
        return
    if set(model) - CONDITION_KEYS:
        raise BadRequest(N_("hh.err.filter"), column=column)
    for key in ("filterType", "type"):
        if key in model and not (isinstance(model[key], str) and len(model[key]) <= 32):
            raise BadRequest(N_("hh.err.filter"), column=column)
    for key in ("filter", "filterTo"):
        _value(column, model.get(key))


def filter_model(model) -> dict | None:
    if model is None or model == {}:
        return None
    if not isinstance(model, dict) or len(model) > len(hl.COLUMNS):
        raise BadRequest(N_("hh.err.filter_shape"))
    for column, condition in model.items():
        if column not in hl.COLUMNS:
            raise BadRequest(N_("hh.err.column"), column=str(column)[:40])
        _condition(column, condition)
    return model


def sort_model(model) -> list | None:
    if model is None or model == []:
        return None
    if not isinstance(model, list) or len(model) > 1:  # one column at a time
        raise BadRequest(N_("hh.err.sort_shape"))
    entry = model[0]
    if not isinstance(entry, dict) or set(entry) - {"colId", "sort"}:
        raise BadRequest(N_("hh.err.sort_shape"))
    col = entry.get("colId")
    if not isinstance(col, str) or col not in hl.COLUMNS:
        raise BadRequest(N_("hh.err.column"), column=str(col)[:40])
    if entry.get("sort") not in ("asc", "desc"):
        raise BadRequest(N_("hh.err.sort_shape"))
    return model
