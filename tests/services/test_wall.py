"""The wall's playlist in the operational store (services/wall.py, ops/wall.py): seeded once
from the file, never written back to it, saved whole by a province admin or not at all,
and the same for a process that starts afterwards."""

from __future__ import annotations

import hashlib
import shutil

import pytest
import sqlalchemy as sa

from access import AccessDenied, Scope
from config import ROOT
from ops import db, migrations
from ops import wall as W
from ops.schema import runtime_state
from services import audit
from services import wall as S

ADMIN = Scope("province_admin", "admin", "610000000000")
ANKANG = "610900000000"
GOOD = {
    "views": [{"kind": "dispatch", "dwell": 20}, {"kind": "risk", "dwell": 15, "region": ANKANG}],
    "poll_seconds": 10,
    "reload_hours": 6,
}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    return engine


@pytest.fixture
def seed_file(tmp_path):
    path = tmp_path / "wall.yaml"
    shutil.copyfile(ROOT / "config" / "wall.yaml", path)
    return path


def _own(store, action="wall_playlist"):
    return [(e["actor"], e["outcome"]) for e in audit.recent(store, action=action)]


def test_the_first_read_seeds_the_store_from_the_file(store, seed_file):
    found = S.current(store, seed_file)
    assert found.error is None
    assert [v.kind for v in found.playlist.views] == ["overview", "risk", "dispatch", "overview"]
    assert found.playlist == W.load_file(seed_file)
    with store.connect() as conn:
        [(by,)] = conn.execute(
            sa.select(runtime_state.c.updated_by).where(runtime_state.c.key == W.KEY)
        ).all()
    assert by == S.SEEDED_BY
    # Once seeded, the file no longer matters: a changed (even a broken) file is not read.
    seed_file.write_text("views: [unclosed", encoding="utf-8")
    assert S.current(store, seed_file) == found
    seed_file.unlink()
    assert S.current(store, seed_file).playlist == found.playlist


def test_a_saved_playlist_survives_a_new_process_and_leaves_the_file_alone(store, seed_file):
    before = _digest(seed_file)
    S.current(store, seed_file)
    saved = S.save(store, ADMIN, GOOD, ip="10.0.0.7")
    assert saved.views == (W.View("dispatch", 20), W.View("risk", 15, ANKANG))
    assert (saved.poll_seconds, saved.reload_hours, saved.stale_after_hours) == (10, 6, 48)
    assert _digest(seed_file) == before  # the tracked file is never written
    # Another process: a new engine on the same database reads the saved playlist.
    other = db.engine(store.url.render_as_string(hide_password=False))
    again = S.current(other, seed_file)
    assert again.playlist == saved and again.error is None
    assert again.playlist.digest == saved.digest != ""
    assert _own(store) == [("province_admin", "ok")]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"views": []},
        {"views": [{"kind": "pie", "dwell": 10}]},
        {"views": [{"kind": "risk", "dwell": "abc"}]},
        {"views": [{"kind": "risk", "dwell": 10}], "poll_seconds": None},
        {"views": [{"kind": "risk", "dwell": 10, "region": "x"}]},
    ],
)
def test_bad_input_changes_nothing_and_is_logged(store, seed_file, data):
    S.save(store, ADMIN, GOOD)
    with store.connect() as conn:
        row_before = conn.execute(sa.select(runtime_state)).all()
    with pytest.raises(W.PlaylistError):
        S.save(store, ADMIN, data)
    with store.connect() as conn:
        assert conn.execute(sa.select(runtime_state)).all() == row_before
    assert _own(store) == [("province_admin", "refused"), ("province_admin", "ok")]


@pytest.mark.parametrize(
    "scope",
    [
        Scope("ankang_admin", "admin", ANKANG),
        Scope("province_leader", "leader", "610000000000"),
        Scope("province_wall", "wall", "610000000000"),
        None,
    ],
)
def test_only_a_province_admin_saves(store, seed_file, scope):
    first = S.current(store, seed_file).playlist
    with pytest.raises(AccessDenied):
        S.save(store, scope, GOOD)
    assert S.current(store, seed_file).playlist == first
    assert _own(store) == []


def test_a_bad_seed_stores_nothing_and_falls_back(store, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("views:\n  - kind: pie\n    dwell: 10\n", encoding="utf-8")
    found = S.current(store, bad)
    assert found.playlist == W.FALLBACK and "view 1: kind" in found.error
    assert W.stored(store) is None  # a fixed file seeds the next read
    missing = S.current(store, tmp_path / "none.yaml")
    assert missing.playlist == W.FALLBACK and "no playlist at" in missing.error
    bad.write_text("views:\n  - kind: risk\n    dwell: 10\n", encoding="utf-8")
    assert S.current(store, bad) == S.InForce(W.stored(store))
    assert [v.kind for v in W.stored(store).views] == ["risk"]


def test_a_stored_playlist_that_no_longer_reads_falls_back_with_the_reason(store, seed_file):
    S.current(store, seed_file)
    with store.begin() as conn:
        conn.execute(
            runtime_state.update()
            .where(runtime_state.c.key == W.KEY)
            .values(value='{"views": "oops"}')
        )
    found = S.current(store, seed_file)
    assert found.playlist == W.FALLBACK and "views must be a list" in found.error
    S.save(store, ADMIN, GOOD)  # saving a good one mends it
    assert S.current(store, seed_file).error is None


def test_seeding_twice_keeps_the_first(store, seed_file):
    first = W.seed(store, W.parse(GOOD), "a")
    second = W.seed(store, W.parse({"views": [{"kind": "risk", "dwell": 9}]}), "b")
    assert first == second and second.views[0].kind == "dispatch"
