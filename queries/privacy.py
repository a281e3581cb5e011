"""ID and phone numbers: masked wherever they rest, full only for those who need them,
and every full view on the record.

- The query runner masks every ID and phone number of a result *before* it caches or
  returns it (``mask_frame``): the on-disk cache never holds a full number.
- A full number is read only with ``Warehouse.run(..., unmasked=True)``, which bypasses
  the cache; only ``ids.reveal`` (cadres, managers of a county or below: field work) and
  ``national.export`` (the national system's file) ask for it, and each reveal is logged
  (``services.privacy.log_reveal``). Who may is the access table's (access/roles.py), not this module's.
"""

from __future__ import annotations

import re

import pandas as pd

from access import Scope, can
from domain.masks import MASKED_ID, MASKED_PHONE, mask_id, mask_phone

__all__ = ["MASKED_ID", "MASKED_PHONE", "can_export_ids", "can_reveal", "column_kind"]
__all__ += ["mask_frame", "mask_id", "mask_phone"]

_ID = re.compile(r"\d{17}[\dX]")
_PHONE = re.compile(r"1[3-9]\d{9}")


def can_reveal(scope: Scope | None) -> bool:
    """Full ID and phone numbers on a household's page (each view logged)."""
    return can(scope, "ids.reveal")


def can_export_ids(scope: Scope | None) -> bool:
    """The national system's file, which carries full ID numbers (admins too: the data
    office that uploads it; their exports are audited like every unmasked view)."""
    return can(scope, "national.export")


def column_kind(name: str) -> str | None:
    """ "id" or "phone" for a column whose name says it holds such numbers."""
    name = name.lower()
    if name == "id_number" or name.endswith("_id_number"):
        return "id"
    if "phone" in name:
        return "phone"
    return None


def _holds(series: pd.Series, pattern: re.Pattern, length: int) -> bool:
    """Some value of a text column is such a number (values of its length only are
    matched: a list of 100,000 households is checked in milliseconds)."""
    is_text = isinstance(series.dtype, pd.StringDtype) or series.dtype == "str"
    if not is_text and series.dtype != object:
        return False
    if len(series) <= 2000:  # a page's result: plain Python is quicker than pandas' steps
        return any(
            type(v) is str and len(v) == length and pattern.fullmatch(v) for v in series.tolist()
        )
    text = series if is_text else series[series.map(lambda v: isinstance(v, str))].astype(str)
    text = text[text.str.len() == length]
    return bool(len(text)) and bool(text.str.fullmatch(pattern.pattern).fillna(False).any())


def mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every ID and phone number masked: the columns named for them, and any
    other text column that holds one (an alias must not let a number through)."""
    if df.empty:
        return df
    out = None
    for col in df.columns:
        kind = column_kind(str(col))
        if kind is None:
            if _holds(df[col], _ID, 18):
                kind = "id"
            elif _holds(df[col], _PHONE, 11):
                kind = "phone"
        if kind is None:
            continue
        if out is None:
            out = df.copy()
        out[col] = _mask_column(out[col], kind)
    return df if out is None else out


# kind -> (a whole number, a masked one, the stars between the first three and last four)
_KINDS = {
    "id": (r"\d{17}[\dX]", MASKED_ID.pattern, "*" * 11),
    "phone": (r"\d{11}", MASKED_PHONE.pattern, "****"),
}


def _mask_column(series: pd.Series, kind: str) -> pd.Series:
    """mask_id or mask_phone over a column, at the speed of pandas' string methods for a
    text column (a list of 100,000 households is masked in milliseconds)."""
    if not (isinstance(series.dtype, pd.StringDtype) or series.dtype == "str"):
        return series.map(mask_id if kind == "id" else mask_phone)
    whole, masked, stars = _KINDS[kind]
    ok = (series.str.fullmatch(whole) | series.str.fullmatch(masked)).fillna(False).astype(bool)
    out = pd.Series("***", index=series.index, dtype=series.dtype)
    out[ok] = (series.str[:3] + stars + series.str[-4:])[ok]
    out[(series.isna() | (series == "—")).astype(bool)] = "—"
    return out
