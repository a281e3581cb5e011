"""Shared fixtures: tiny deterministic warehouses built once per session."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl import warehouse

AS_OF = date(2026, 10, 31)
TINY_SCALE = 0.01


def build_warehouse(path: Path, scale: float = TINY_SCALE, seed: int = 42) -> Path:
    warehouse.build(path, scale=scale, seed=seed, as_of=AS_OF, progress=False)
    return path


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory) -> Path:
    """The tiny warehouse (scale 0.01, seed 42) most tests read."""
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def wh(warehouse_path):
    """A read-only connection to the tiny warehouse."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()


# ---------------------------------------------------------------------------- the app
# app.py builds its app at import from the environment, once per process (Dash keeps
# callbacks in a global list), so the whole session shares one app over the tiny
# warehouse and a fresh operational store.

DEMO_PASSWORDS = {
    "province_leader": "demo-leader-2026",
    "province_admin": "demo-admin-2026",
    "province_health": "demo-health-2026",
    "hanzhong_manager": "demo-hanzhong-2026",
    "ankang_leader": "demo-ankang-2026",
    "ziyang_manager": "demo-ziyang-2026",
    "ziyang_cadre": "demo-cadre-2026",
    "chengguan_village": "demo-village-2026",
    "province_wall": "demo-wall-2026",
    "province_police": "demo-police-2026",
}


@pytest.fixture(scope="session")
def app_module(warehouse_path, tmp_path_factory):
    import importlib
    import os

    tmp = tmp_path_factory.mktemp("app")
    os.environ.update(
        {
            "JZ_WAREHOUSE": str(warehouse_path),
            "JZ_OPS_DB": f"sqlite:///{tmp / 'ops.sqlite3'}",
            "JZ_CACHE_DIR": str(tmp / "cache"),
            "JZ_SECRET_KEY": "test-secret-key",
            "JZ_ENV": "demo",
            "JZ_RELOAD_SECONDS": "0.2",
            "JZ_TICK_SECONDS": "0",  # tests run the schedule themselves, with their own clock
            "JZ_WALL_CONFIG": str(tmp / "wall.yaml"),  # a copy the wall tests may rewrite
            "JZ_EXPORT_DIR": str(tmp / "exports"),
            "JZ_IMPORT_DIR": str(tmp / "imports"),
            "JZ_REGISTRY_INBOX": str(tmp / "registry-inbox"),
            "JZ_REGISTRY_DIR": str(tmp / "registry"),
        }
    )
    shutil.copyfile(Path(__file__).resolve().parents[1] / "config" / "wall.yaml", tmp / "wall.yaml")
    # The app does not migrate nor make accounts (`make prepare` does): the fixture does.
    from etl.refdata import region_levels
    from ops import db, demo, migrations

    engine = db.engine(os.environ["JZ_OPS_DB"])
    migrations.migrate(engine)
    demo.ensure(engine, region_levels())
    engine.dispose()
    return importlib.import_module("app")


@pytest.fixture(scope="session")
def server(app_module):
    app_module.server.config["TESTING"] = True
    return app_module.server


@pytest.fixture
def client(server):
    return server.test_client()


def csrf_token(client, path: str = "/login") -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username: str, password: str | None = None, next_path: str = "/"):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": username,
            "password": password if password is not None else DEMO_PASSWORDS[username],
            "next": next_path,
        },
    )


@pytest.fixture
def as_user(server):
    """A test client logged in as the named demo account."""

    def make(username: str):
        c = server.test_client()
        r = login(c, username)
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        return c

    return make
