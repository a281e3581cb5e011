"""The audit log's regions and its scoped search (issue #17): each entry carries the
actor's region; an admin reads its region's entries only, '' ones at province level."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from access import AccessDenied, Scope
from ops import audit
from ops.schema import audit_log, users

PROVINCE = Scope("province_admin", "admin", "610000000000")
ANKANG = Scope("ankang_admin", "admin", "610900000000")
ZIYANG = Scope("ziyang_admin", "admin", "610924000000")


def account(engine, username, role, region):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            users.insert().values(
                username=username,
                password_hash="x",
                display_name=username,
                role=role,
                region_code=region,
                active=True,
                failed_logins=0,
                created_at=now,
                password_changed_at=now,
            )
        )


@pytest.fixture
def log(engine):
    account(engine, "ziyang_manager", "manager", "610924000000")
    account(engine, "hanbin_manager", "manager", "610902000000")
    account(engine, "hanzhong_manager", "manager", "610700000000")
    audit.record(engine, "ziyang_manager", "export_households", target="610924000000")
    audit.record(engine, "hanbin_manager", "reveal_id", target="household:7")
    audit.record(engine, "hanzhong_manager", "export_households", target="610700000000")
    audit.record(engine, "cli", "user_create", target="someone")  # no account: ''
    return engine


def regions(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(audit_log.c.actor, audit_log.c.region_code).order_by(audit_log.c.id)
            )
        ]


def test_each_entry_carries_the_actors_region(log):
    assert regions(log) == [
        ("ziyang_manager", "610924000000"),
        ("hanbin_manager", "610902000000"),
        ("hanzhong_manager", "610700000000"),
        ("cli", ""),
    ]


def test_a_scope_given_is_the_entrys_region(engine):
    audit.record(engine, "nobody", "audit_view", scope=ZIYANG)
    assert regions(engine) == [("nobody", "610924000000")]


def actors(entries) -> list[str]:
    return [e["actor"] for e in entries]


def test_an_admin_reads_its_regions_entries_only(log):
    assert actors(audit.search(log, ZIYANG)) == ["ziyang_manager"]
    assert actors(audit.search(log, ANKANG)) == ["hanbin_manager", "ziyang_manager"]
    assert actors(audit.search(log, PROVINCE)) == [
        "cli",
        "hanzhong_manager",
        "hanbin_manager",
        "ziyang_manager",
    ]
    # A filter cannot widen the scope: another region, another user.
    assert audit.search(log, ZIYANG, region="610700000000") == []
    assert audit.search(log, ZIYANG, user="hanzhong_manager") == []
    assert audit.actions(log, ZIYANG) == ["export_households"]
    with pytest.raises(AccessDenied):
        audit.search(log, None)


def test_filters(log):
    assert actors(audit.search(log, PROVINCE, action="export_households")) == [
        "hanzhong_manager",
        "ziyang_manager",
    ]
    assert actors(audit.search(log, PROVINCE, region="610900000000")) == [
        "hanbin_manager",
        "ziyang_manager",
    ]
    assert actors(audit.search(log, PROVINCE, user="hanbin_manager")) == ["hanbin_manager"]
    today = (
        audit.search(log, PROVINCE)[0]["at"].astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    )
    assert len(audit.search(log, PROVINCE, date_from=today, date_to=today)) == 4
    assert audit.search(log, PROVINCE, date_to=today - dt.timedelta(days=1)) == []
    assert audit.search(log, PROVINCE, date_from=today + dt.timedelta(days=1)) == []
    assert len(audit.search(log, PROVINCE, limit=2)) == 2
