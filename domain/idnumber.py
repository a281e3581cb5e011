"""18-digit resident ID numbers (GB 11643-1999): layout, birth date, sex digit and the
ISO 7064 MOD 11-2 check digit, one number at a time (etl/idnumber.py makes them in bulk
with the same weights)."""

from __future__ import annotations

import datetime as dt
import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_LAYOUT = re.compile(r"\d{6}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]")


def check_digit(first17: str) -> str:
    """The check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=False))
    return CHECK_CHARS[total % 11]


def birth_of(id_number: str) -> dt.date | None:
    """The birth date the number carries (None when it is not a real day)."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def is_valid(id_number: str) -> bool:
    """Layout, a real calendar date and a correct check digit."""
    if not isinstance(id_number, str) or not _LAYOUT.fullmatch(id_number):
        return False
    return birth_of(id_number) is not None and check_digit(id_number[:17]) == id_number[17]


def sex_of(id_number: str) -> int:
    """1 male, 2 female: the 17th digit is odd for men."""
    return 1 if int(id_number[16]) % 2 else 2
