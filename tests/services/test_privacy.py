"""A reveal of a household's full numbers is one audit entry (services/privacy.py)."""

from __future__ import annotations

import json

import pytest

from access import Scope
from ops import db, migrations
from services import audit
from services.privacy import log_reveal


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


def test_a_reveal_is_logged_with_its_household_region_and_ip(store):
    scope = Scope("cadre1", "cadre", "610924100000")
    log_reveal(store, scope, 42, "10.0.0.7")
    [entry] = audit.recent(store, action="reveal_id")
    assert (entry["actor"], entry["target"], entry["ip"]) == ("cadre1", "household:42", "10.0.0.7")
    assert json.loads(entry["detail"]) == {"region": "610924100000"}
