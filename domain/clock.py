"""The deployment's clock: moments are kept in UTC, days are the deployment's.

A deadline, "today", a daily digest and the date a person sees all follow one time zone
(JZ_TIMEZONE, default Asia/Shanghai), set once per process from the settings. An
instruction due on 5 December is overdue from 6 December 00:00 Beijing time, not from
08:00 (when the UTC date changes).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
_zone = ZoneInfo(DEFAULT_ZONE)


def set_zone(name: str) -> None:
    """The deployment's time zone (from the settings, once per process)."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    """The deployment's time zone."""
    return _zone


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """A stored moment as an aware datetime (SQLite gives naive UTC back)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def local(value: dt.datetime) -> dt.datetime:
    """A moment in the deployment's zone."""
    return aware(value).astimezone(_zone)


def day(now: dt.datetime | None = None) -> dt.date:
    """The deployment's calendar day at ``now`` (default: now)."""
    return local(now or utcnow()).date()


def end_of_day(d: dt.date) -> dt.datetime:
    """The last minute of day ``d`` in the deployment's zone (23:59), as a moment."""
    return dt.datetime.combine(d, dt.time(23, 59), tzinfo=_zone)
