"""The operational store on each backend, for every test in tests/ops."""

from __future__ import annotations

import os

import pytest

from ops import db, migrations

PG_URL = os.environ.get("JZ_TEST_PG_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_engine(request, tmp_path):
    """An empty store on each backend (PostgreSQL when JZ_TEST_PG_URL is set; .ci/run
    starts one), not migrated."""
    if request.param == "sqlite":
        eng = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    else:
        if not PG_URL:
            pytest.skip("JZ_TEST_PG_URL is not set (no PostgreSQL server to test against)")
        eng = db.engine(PG_URL)
        with eng.begin() as conn:
            conn.exec_driver_sql("drop schema public cascade")
            conn.exec_driver_sql("create schema public")
    return eng


@pytest.fixture
def engine(blank_engine):
    """A fresh store on each backend, migrated to the newest revision."""
    migrations.migrate(blank_engine)
    return blank_engine
