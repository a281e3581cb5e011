"""18-digit resident ID numbers (GB 11643-1999): layout and ISO 7064 MOD 11-2 check digit.

The registry's ID numbers are synthetic: valid in layout and check digit, but made up.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARS = "10X98765432"
_LAYOUT = re.compile(r"\d{6}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]")


def check_digit(first17: str) -> str:
    """The check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def is_valid(id_number: str) -> bool:
    """Layout, a real calendar date and a correct check digit."""
    if not isinstance(id_number, str) or not _LAYOUT.fullmatch(id_number):
        return False
    try:
        np.datetime64(f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}")
    except ValueError:
        return False
    return check_digit(id_number[:17]) == id_number[17]


def sex_of(id_number: str) -> int:
    """1 male, 2 female: the 17th digit is odd for men."""
    return 1 if int(id_number[16]) % 2 else 2


def ascii_strings(chars: np.ndarray) -> pa.Array:
    """A pyarrow string array from an (n, k) matrix of ASCII codes, without Python objects."""
    n, k = chars.shape
    buf = pa.py_buffer(np.ascontiguousarray(chars, dtype=np.uint8))
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(k), n, [None, buf])
    return fixed.cast(pa.binary()).cast(pa.string())


def make(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> pa.Array:
    """Vectorised ID numbers from 6-digit area codes, birth dates and 3-digit sequences."""
    n = len(area)
    birth = birth.astype("datetime64[D]")
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = birth.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (birth - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    ymd = year * 10000 + month * 100 + day
    digits = np.empty((n, 18), dtype=np.int64)
    for i in range(6):
        digits[:, i] = (area // 10 ** (5 - i)) % 10
    for i in range(8):
        digits[:, 6 + i] = (ymd // 10 ** (7 - i)) % 10
    for i in range(3):
        digits[:, 14 + i] = (seq // 10 ** (2 - i)) % 10
    check = (digits[:, :17] * WEIGHTS).sum(1) % 11
    out = (digits + 48).astype(np.uint8)
    out[:, 17] = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[check]
    return ascii_strings(out)
