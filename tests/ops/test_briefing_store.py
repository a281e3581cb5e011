"""What a briefing reads from the operational store, on both backends: instructions of
a month in China's days, and a meeting's minutes within the region."""

from __future__ import annotations

import datetime as dt

import pytest

from access import Scope
from exports import jobs
from ops import tasks as T

ANKANG = Scope("ankang_leader", "leader", "610900000000")
ZIYANG = Scope("ziyang_manager", "manager", "610924000000")
HANZHONG = Scope("hanzhong_manager", "manager", "610700000000")


def _task(engine, at, deadline="2026-12-31", unit="610924000000"):
    return T.create(
        engine,
        ANKANG,
        {
            "title": "核实",
            "content": "",
            "type": "other",
            "priority": "normal",
            "assignee_region": unit,
            "deadline": deadline,
        },
        lambda c: True,
        now=dt.datetime(*at, tzinfo=dt.UTC),
    )


def test_period_summary_counts_the_month_in_chinas_days(engine):
    for at in (
        (2026, 9, 30, 15, 59),
        (2026, 9, 30, 16, 1),
        (2026, 10, 15, 0, 0),
        (2026, 10, 31, 15, 59),
        (2026, 10, 31, 16, 1),
    ):
        _task(engine, at)
    _task(engine, (2026, 10, 2, 0, 0), unit="610902000000")  # another county
    late = _task(engine, (2026, 10, 3, 0, 0), deadline="2026-10-10")
    now = dt.datetime(2026, 11, 5, 4, tzinfo=dt.UTC)
    s = T.period_summary(
        engine, ANKANG, "610924000000", dt.date(2026, 10, 1), dt.date(2026, 11, 1), now
    )
    assert s["counts"] == {"issued": 4, "closed": 0, "open": 6, "overdue": 1}
    assert [x["id"] for x in s["overdue_items"]] == [late["id"]]
    # The whole city counts the other county's too; another city sees nothing of them.
    city = T.period_summary(
        engine, ANKANG, "610900000000", dt.date(2026, 10, 1), dt.date(2026, 11, 1), now
    )
    assert city["counts"]["issued"] == 5
    other = T.period_summary(
        engine, HANZHONG, "610700000000", dt.date(2026, 10, 1), dt.date(2026, 11, 1), now
    )
    assert other["counts"] == {"issued": 0, "closed": 0, "open": 0, "overdue": 0}


def test_minutes_only_within_the_region(engine):
    mid = T.create_meeting(engine, ANKANG, "调度会", "2026-10-12", "甲、乙", "记录")
    T.create(
        engine,
        ANKANG,
        {
            "title": "决定一",
            "content": "",
            "type": "meeting_decision",
            "priority": "high",
            "assignee_region": "610924000000",
            "deadline": "2026-12-30",
            "source": "meeting",
            "source_ref": str(mid),
            "meeting_id": mid,
        },
        lambda c: True,
    )
    m = T.meeting_minutes(engine, ANKANG, mid)
    assert m["meeting"]["title"] == "调度会" and [x["title"] for x in m["tasks"]] == ["决定一"]
    for scope, meeting in ((HANZHONG, mid), (ANKANG, mid + 100), (ANKANG, "x")):
        with pytest.raises(T.TaskError) as exc:
            T.meeting_minutes(engine, scope, meeting)
        assert exc.value.key == "minutes.err.not_found"


def test_export_jobs_on_both_backends(engine, tmp_path):
    """A job's row through its life; another user never sees it."""

    import config

    settings = config.load({}).model_copy(update={"export_dir": tmp_path / "exports"})
    job_id = jobs.submit(
        engine,
        settings,
        ZIYANG,
        "briefing",
        "610924000000 2026-10",
        "610924000000",
        {"period": "2026-10"},
        lambda p: ("b.pdf", b"%PDF-1.4 x"),
        "zh",
        wait=True,
    )
    job = jobs.get(engine, ZIYANG, job_id)
    assert (job["status"], job["progress"], job["filename"], job["size"]) == (
        "done",
        100,
        "b.pdf",
        10,
    )
    assert jobs.file_path(settings, job_id).read_bytes() == b"%PDF-1.4 x"
    assert jobs.get(engine, ANKANG, job_id) is None
    assert [j["id"] for j in jobs.mine(engine, ZIYANG)] == [job_id]
