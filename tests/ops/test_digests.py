"""The daily digest the schedule writes (ops.tasks.tick): it says what is true now."""

from __future__ import annotations

import datetime as dt

from ops import tasks as T
from tests.ops.test_tasks import ANKANG, NOW, ZIYANG_MGR, advance, new

DAY = dt.date(2026, 11, 2)  # NOW and the hours after it, in UTC and in Beijing time
ZIYANG = "610924000000"
FIELDS = ("open", "overdue", "due_week", "unacknowledged", "escalated")


def test_the_digest_counts_an_instruction_issued_after_the_first_tick(engine):
    """The digest used to be written once a day, at the first tick, and then kept its
    counts: an instruction issued later read "未签收 0 件" all day."""
    first = advance(engine, new(engine), "acknowledge")  # created issued
    T.tick(engine, NOW)
    assert T.digest_for(engine, ZIYANG_MGR, DAY) == {
        "open": 1,
        "overdue": 0,
        "due_week": 0,
        "unacknowledged": 0,
        "escalated": 0,
    }
    later = NOW + dt.timedelta(hours=1)
    second = new(engine, now=later)
    assert T.tick(engine, later + dt.timedelta(minutes=5))["digests"] == 1
    assert T.digest_for(engine, ZIYANG_MGR, DAY) == {
        "open": 2,
        "overdue": 0,
        "due_week": 0,
        "unacknowledged": 1,
        "escalated": 0,
    }
    # Nothing changed: nothing written, the same digest.
    assert T.tick(engine, later + dt.timedelta(minutes=10))["digests"] == 0
    # Both closed: the day's digest says that nothing is open any more.
    advance(engine, first, "start", "report", "pass", now=later)
    advance(engine, second, "acknowledge", "start", "report", "pass", now=later)
    assert T.get(engine, ANKANG, second["id"], later)["state"] == "closed"
    T.tick(engine, later + dt.timedelta(minutes=15))
    assert T.digest_for(engine, ZIYANG_MGR, DAY) == dict.fromkeys(FIELDS, 0)
