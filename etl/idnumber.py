"""18-digit resident ID numbers (GB 11643-1999): layout and ISO 7064 MOD 11-2 check digit.

The registry's ID numbers are synthetic: valid in layout and check digit, but made up.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from domain.idnumber import CHECK_CHARS, birth_of, check_digit, is_valid, sex_of
from domain.idnumber import WEIGHTS as _WEIGHTS

WEIGHTS = np.array(_WEIGHTS)
__all__ = ["CHECK_CHARS", "WEIGHTS", "ascii_strings", "birth_of", "check_digit", "is_valid"]
__all__ += ["make", "sex_of"]


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
