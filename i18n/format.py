"""Numbers for people, written by Babel and rounded by our one rule.

The rule: half up at the shown precision (7.055万 reads 7.06万), on the decimal a
number is written as (Python's round() and f-strings round half to even, and on the
binary value 7.0549999...), and a value or change that rounds to zero is zero, never
"-0.0" (``rounded``).

Babel's formatters round half to even and, for compact numbers, drop trailing zeros
("1万" for 10,000, where we write "1.00万"). So every function here rounds first with
``rounded`` and hands Babel a decimal that needs no more rounding, with a pattern of
fixed decimals: Babel writes the digits, separators and signs of the locale
(``format_decimal``, ``format_percent``), and the 万/亿 units and their divisors come
from Babel's compact-decimal data for zh (``format_compact_decimal``'s CLDR patterns),
at the precisions we chose for each tier (``_ZH_TIERS``).
"""

from __future__ import annotations

import functools
import numbers
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from babel import Locale
from babel.numbers import parse_pattern

from i18n.request import DEFAULT_LANG, get_lang

NO_DATA = "—"
# Both languages write numbers alike ("1,234.5", "-3"); a figure without a language
# (fmt_number, fmt_pct) is written with the default one's symbols.
_NUMBER_LOCALE = DEFAULT_LANG


def _missing(x) -> bool:
    """None, NaN, NaT and pandas' NA are "no data"."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _decimal(x) -> Decimal:
    """A number as the decimal it is written as: 7.055, not 7.05499999999999971578..."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, numbers.Integral):
        return Decimal(int(x))
    return Decimal(repr(float(x)))


def rounded(x, digits: int = 0) -> Decimal:
    """``x`` rounded half up (ties away from zero) to ``digits`` decimals: the one rule of
    every figure shown. A value that rounds to zero is 0, not -0."""
    q = _decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return q.copy_abs() if q.is_zero() else q


def shown(x, digits: int = 0) -> float:
    """``x`` as shown at ``digits`` decimals, as a float (0.0 when it rounds away), so a
    change's arrow and colour follow what the reader sees."""
    return float(rounded(x, digits))


@functools.cache
def locale(lang: str) -> Locale:
    """Babel's locale of ``lang``, parsed once."""
    return Locale.parse(lang)


@functools.cache
def _pattern(digits: int, group: bool = True, percent: bool = False):
    """A Babel (CLDR) number pattern with exactly ``digits`` decimals, parsed once
    (Babel's format_decimal parses its pattern on every call)."""
    text = ("#,##0" if group else "0") + ("." + "0" * digits if digits > 0 else "")
    return parse_pattern(text + ("%" if percent else ""))


def _written(q: Decimal, digits: int, group: bool = True, lang: str = _NUMBER_LOCALE) -> str:
    """An already rounded decimal written by Babel at ``digits`` decimals (what
    babel.numbers.format_decimal does, without parsing the pattern again)."""
    return _pattern(digits, group).apply(q, locale(lang))


def fmt_number(x, digits: int = 0, group: bool = True) -> str:
    """A number at ``digits`` decimals, rounded half up, with thousands separators;
    '—' for no data."""
    if _missing(x):
        return NO_DATA
    return _written(rounded(x, digits), digits, group)


def fmt_signed_number(x, digits: int = 0) -> str:
    """A change at ``digits`` decimals: "+1.25", "-0.50", and "±0.00" when it rounds to
    zero (no sign, so no direction)."""
    if _missing(x):
        return NO_DATA
    q = rounded(x, digits)
    body = fmt_number(q.copy_abs(), digits)
    return ("+" if q > 0 else "-" if q < 0 else "±") + body


# 万 and 亿 tiers of a Chinese count: (threshold, CLDR magnitude, decimals). The unit
# and the divisor of a magnitude are Babel's (zh compact decimal "0万" for 10^4, "0亿"
# for 10^8); the decimals are ours: 1.23万, 12.3万, 306万, 1.02亿.
_ZH_TIERS = (
    (100_000_000, 100_000_000, 2),
    (1_000_000, 10_000, 0),
    (100_000, 10_000, 1),
    (10_000, 10_000, 2),
)


def _compact_unit(lang: str, magnitude: int) -> tuple[int, str]:
    """The divisor and the unit Babel's CLDR data give numbers of ``magnitude`` in
    ``lang``'s short compact form: (10_000, "万") for zh 10^4."""
    pattern = locale(lang).compact_decimal_formats["short"]["other"][str(magnitude)]
    zeros = pattern.pattern.count("0")
    unit = pattern.pattern.replace("0", "").strip()
    return magnitude // 10 ** (zeros - 1), unit


_ZH_UNITS = [
    (threshold, *_compact_unit("zh", magnitude), digits)
    for threshold, magnitude, digits in _ZH_TIERS
]


def fmt_count(n, lang: str | None = None) -> str:
    """A count: 万 and 亿 in Chinese (12.3万, 7.06万 for 70,550, 1.02亿), thousands
    separators in English."""
    if _missing(n):
        return NO_DATA
    lang = lang or get_lang()
    n = int(n)
    if lang == "zh":
        for threshold, divisor, unit, digits in _ZH_UNITS:
            if abs(n) >= threshold:
                return _written(rounded(Decimal(n) / divisor, digits), digits, False, lang) + unit
    return _written(Decimal(n), 0, True, lang)


def fmt_exact(n) -> str:
    """A count with thousands separators, whatever the language."""
    return NO_DATA if _missing(n) else _written(Decimal(int(n)), 0)


def fmt_pct(x, digits: int = 1) -> str:
    """A ratio as a percentage with one decimal, rounded half up ("0.0%" for a tiny
    negative, never "-0.0%"); '—' for no data."""
    if _missing(x):
        return NO_DATA
    q = rounded(_decimal(x) * 100, digits)
    # babel.numbers.format_percent, with the pattern parsed once
    return _pattern(digits, False, percent=True).apply(q / 100, locale(_NUMBER_LOCALE))


def fmt_points(x, lang: str | None = None) -> str:
    """A change of a ratio, in percentage points, signed."""
    if _missing(x):
        return NO_DATA
    unit = "个百分点" if (lang or get_lang()) == "zh" else " pp"
    # A change that rounds away is no change: "±0.0", never "-0.0" or "+0.0".
    return fmt_signed_number(_decimal(x) * 100, 1) + unit


def points_shown(x) -> float:
    """A change of a ratio as ``fmt_points`` shows it (one decimal of a percentage
    point), still as a ratio: 0.0 when it rounds away, so its colour can follow."""
    return float(rounded(_decimal(x) * 100, 1) / 100)


def fmt_signed(n, lang: str | None = None) -> str:
    if _missing(n):
        return NO_DATA
    s = fmt_count(abs(n), lang)
    return ("+" if n > 0 else "−" if n < 0 else "±") + s


# Money: 亿元 with two decimals and 万元 with one in Chinese, whole yuan below.
_ZH_MONEY = ((100_000_000, 100_000_000, 2), (10_000, 10_000, 1))
_ZH_MONEY_UNITS = [
    (threshold, *_compact_unit("zh", magnitude), digits)
    for threshold, magnitude, digits in _ZH_MONEY
]


def fmt_money(yuan, lang: str | None = None) -> str:
    """Money in 元 / 万元 / 亿元 (Chinese) or yuan (English), rounded half up."""
    if _missing(yuan):
        return NO_DATA
    lang = lang or get_lang()
    if lang == "zh":
        for threshold, divisor, unit, digits in _ZH_MONEY_UNITS:
            if abs(yuan) >= threshold:
                return (
                    _written(rounded(_decimal(yuan) / divisor, digits), digits, False, lang)
                    + unit
                    + "元"
                )
        return fmt_number(yuan) + "元"
    return fmt_number(yuan) + " yuan"
