"""One deployment time zone everywhere (issue #14): the warning queue, the instructions,
the wall and the day boundaries of deadlines all count in JZ_TIMEZONE (default
Asia/Shanghai), and say so beside the time."""

from __future__ import annotations

import datetime as dt

import pytest

import config
from access import Scope
from domain import clock
from i18n import fmt_time, language, with_zone, zone_name
from ops import tasks as T
from tests.web.test_overview import _text, logged_in

# 19:38 UTC on 1 December is 03:38 on 2 December in Beijing.
MOMENT = dt.datetime(2026, 12, 1, 19, 38, tzinfo=dt.UTC)
BEIJING = "2026-12-02 03:38"


@pytest.fixture
def utc_zone():
    clock.set_zone("UTC")
    yield
    clock.set_zone(clock.DEFAULT_ZONE)


def test_settings_default_and_refuse_an_unknown_zone():
    assert config.load({}).timezone == "Asia/Shanghai"
    assert config.load({"JZ_TIMEZONE": "Asia/Urumqi"}).timezone == "Asia/Urumqi"
    with pytest.raises(config.ConfigError, match="JZ_TIMEZONE"):
        config.load({"JZ_TIMEZONE": "Beijing"})


@pytest.mark.parametrize("value", [MOMENT, MOMENT.replace(tzinfo=None), MOMENT.isoformat()])
def test_a_stored_moment_reads_in_the_deployment_zone(value):
    """Aware, naive (SQLite gives UTC back without a zone) and ISO text alike."""
    assert fmt_time(value) == BEIJING
    assert fmt_time(value, seconds=True) == BEIJING + ":00"


def test_the_zone_is_configurable(utc_zone):
    assert fmt_time(MOMENT) == "2026-12-01 19:38"
    with language("zh"):
        assert zone_name() == "UTC" and with_zone("处置时间") == "处置时间（UTC）"


def test_the_zone_is_named_beside_times():
    with language("zh"):
        assert with_zone("处置时间") == "处置时间（北京时间）"
    with language("en"):
        assert with_zone("When") == "When (Beijing time)"


def test_days_begin_at_local_midnight():
    assert clock.day(MOMENT) == dt.date(2026, 12, 2)
    assert clock.day(dt.datetime(2026, 12, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 12, 1)
    assert clock.end_of_day(dt.date(2026, 12, 5)) == dt.datetime(2026, 12, 5, 15, 59, tzinfo=dt.UTC)


def test_a_deadline_of_yesterday_in_beijing_is_past():
    """At 01:00 Beijing time on 2 December (17:00 UTC on the 1st), 1 December is past."""
    actor = Scope("ankang_leader", "leader", "610900000000")
    now = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
    data = {"title": "核实", "assignee_region": "610924000000", "deadline": "2026-12-01"}
    with pytest.raises(T.TaskError) as exc:
        T.validate(actor, data, now, lambda code: True)
    assert exc.value.fields == {"deadline": "task.err.deadline_past"}
    # Due on the 2nd: acknowledged by the end of that day in Beijing at the latest.
    new = T.validate(actor, {**data, "deadline": "2026-12-02"}, now, lambda code: True)
    assert new.ack_deadline == dt.datetime(2026, 12, 2, 15, 59, tzinfo=dt.UTC)


def test_the_queue_and_the_instructions_show_the_same_time(server):
    """The decided warnings and an instruction's history show one moment alike (they
    read 19:38 and 03:38 before)."""
    from components import tasks as view
    from pages import warnings

    decision = {
        "outcome": "dismissed",
        "note": "已核实",
        "task_id": None,
        "task_state": None,
        "decided_by": "ziyang_manager",
        "decided_at": MOMENT.replace(tzinfo=None),
    }
    event = {"at": MOMENT, "actor": "ziyang_manager", "kind": "comment", "body": "收到"}
    with logged_in(server, "ziyang_manager"):
        rows = warnings.decided_rows({"r1:1:2026-11-30": decision}, {})
        history = _text(view.timeline({"events": [event]}, view.Names(), "zh"))
    assert rows[0]["decided_at"] == BEIJING
    assert f"{BEIJING} 北京时间" in history


def test_the_wall_header_and_clock_are_in_the_deployment_zone(server):
    from components import wall

    version = {"built_at": MOMENT, "as_of": dt.date(2026, 12, 1), "version": "v"}
    with logged_in(server, "province_leader"):
        text = _text(wall.header("陕西省", [], version, 0, "zh"))
    assert f"{BEIJING} 北京时间" in text
    assert '"data-zone": "Asia/Shanghai"' in text and '"data-zone-name": "北京时间"' in text
