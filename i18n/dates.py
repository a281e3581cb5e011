"""Dates, periods and times of day for people, written by Babel (``format_date``,
``format_datetime``) with explicit CLDR patterns, so the outputs stay as they were:
"2026年10月31日" / "31 Oct 2026", "2026年10月" / "Oct 2026", "12月1日" / "1 Dec".

A figure is of a moment: the end of a year or a month, or the data's date when that
year or month is still running (the as-of month is partial: "截至12月1日", never
"12月末"). Every card, table title, legend and chart names its period from here.

One deployment time zone (domain.clock, from JZ_TIMEZONE) for every time shown on a page,
the wall and in exports. The stores keep UTC; a naive value read back from SQLite is
UTC too.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
from babel.dates import parse_pattern

from domain import clock
from domain.indicators import as_date, is_partial_month, is_partial_year
from i18n.catalog import t
from i18n.format import NO_DATA, _missing, locale
from i18n.request import get_lang

# CLDR date patterns per language: a day, a month, a day without its year, a month
# without its year.
_PATTERNS = {
    "zh": {"date": "y年M月d日", "month": "y年M月", "day_month": "M月d日", "month_name": "M月"},
    "en": {"date": "d MMM y", "month": "MMM y", "day_month": "d MMM", "month_name": "MMM"},
}


_TIME = {False: "yyyy-MM-dd HH:mm", True: "yyyy-MM-dd HH:mm:ss"}


@functools.cache
def _pattern(text: str):
    """A CLDR date pattern, parsed once (babel.dates.format_date parses it every call)."""
    return parse_pattern(text)


def _date(d, what: str, lang: str | None) -> str:
    """What babel.dates.format_date writes for ``d`` with our pattern ``what``."""
    lang = lang or get_lang()
    if lang not in _PATTERNS:
        lang = "zh"
    if isinstance(d, dt.datetime):
        d = d.date()
    return _pattern(_PATTERNS[lang][what]).apply(d, locale(lang))


def _as_day(d) -> dt.date:
    if isinstance(d, str):
        return dt.date.fromisoformat(d[:10])
    return d


def fmt_date(d, lang: str | None = None) -> str:
    if _missing(d):
        return NO_DATA
    return _date(_as_day(d), "date", lang)


def fmt_month(d, lang: str | None = None) -> str:
    if _missing(d):
        return NO_DATA
    return _date(_as_day(d), "month", lang)


# ------------------------------------------------------------------ periods
def fmt_day_month(d, lang: str | None = None) -> str:
    """A day without its year: "12月1日", "1 Dec"."""
    return _date(as_date(d), "day_month", lang)


def fmt_to_date(as_of, lang: str | None = None) -> str:
    """ "截至12月1日", "to 1 Dec": the period of a running month."""
    return t("period.to_date", lang, date=fmt_day_month(as_of, lang))


def fmt_month_period(month, as_of, lang: str | None = None) -> str:
    """The period of a month's figures: "2026年11月 末", or "截至12月1日" for the as-of
    month."""
    if is_partial_month(month, as_of):
        return fmt_to_date(as_of, lang)
    return t("overview.period.month_end", lang, month=fmt_month(month, lang))


def fmt_year_period(year: int, as_of, lang: str | None = None) -> str:
    """The period of a year's figures: "2019 年末", or "2026 年（截至12月1日）" for the
    as-of year."""
    if is_partial_year(year, as_of):
        return t("period.year_to_date", lang, year=int(year), date=fmt_day_month(as_of, lang))
    return t("overview.period.year_end", lang, year=int(year))


def fmt_change(kind: str, delta: str, at, as_of, lang: str | None = None) -> str:
    """A card's change against the previous period, saying what it compares: "较上月 +5"
    between two month ends, "较11月末 +5" for the as-of month (its figure is of the
    as-of day), "较上年" / "较2025年末" alike for years."""
    lang = lang or get_lang()
    if kind == "month":
        m = as_date(at)
        if not is_partial_month(m, as_of):
            return t("overview.change.month", lang, delta=delta)
        prev = dt.date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1)
        name = _date(prev, "month_name" if prev.year == m.year else "month", lang)
        return t(
            "overview.change.since",
            lang,
            delta=delta,
            since=t("period.since_month_end", lang, month=name),
        )
    if not is_partial_year(at, as_of):
        return t("overview.change.year", lang, delta=delta)
    return t(
        "overview.change.since",
        lang,
        delta=delta,
        since=t("period.since_year_end", lang, year=int(at) - 1),
    )


# ------------------------------------------------------------------ times of day
_ZONE_NAMES = {
    "Asia/Shanghai": ("北京时间", "Beijing time"),
    "Asia/Urumqi": ("乌鲁木齐时间", "Urumqi time"),
    "UTC": ("UTC", "UTC"),
}


def zone_name(lang: str | None = None) -> str:
    """How the deployment's zone is named beside a time ("北京时间")."""
    key = clock.zone().key
    names = _ZONE_NAMES.get(key)
    if names is None:
        return key
    return names[0 if (lang or get_lang()) == "zh" else 1]


def local_time(value) -> dt.datetime | None:
    """A stored time (aware, or naive UTC) in the deployment's zone."""
    if _missing(value):
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return clock.local(value)


def with_zone(label: str, lang: str | None = None) -> str:
    """A column or field label that says which zone its times are in."""
    zone = zone_name(lang)
    return f"{label}（{zone}）" if (lang or get_lang()) == "zh" else f"{label} ({zone})"


def fmt_time(value, seconds: bool = False) -> str:
    """A moment as date and time of day in the deployment's zone ("2026-12-01 03:38")."""
    at = local_time(value)
    if at is None:
        return NO_DATA
    # babel.dates.format_datetime of a moment already in the deployment's zone
    return _pattern(_TIME[seconds]).apply(at, locale("zh"))


def fmt_time_zoned(value, seconds: bool = False, lang: str | None = None) -> str:
    """A moment with its zone named, as every screen and export states it
    ("2026-12-02 03:38 北京时间")."""
    return f"{fmt_time(value, seconds)} {zone_name(lang)}"
