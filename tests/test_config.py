"""Settings from JZ_ variables (config.py, on pydantic-settings): the defaults, each
variable read into its setting, paths relative to the project, and a bad value a
ConfigError naming its variable."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

import config
from config import ROOT, ConfigError, load


def test_the_defaults():
    s = load({})
    assert s.model_dump() == {
        "warehouse": ROOT / "data" / "warehouse.duckdb",
        "ops_db": f"sqlite:///{ROOT}/data/ops.sqlite3",
        "secret_key": None,
        "env": "demo",
        "host": "127.0.0.1",
        "port": 8050,
        "scale": 1.0,
        "cache_dir": ROOT / "data" / "cache",
        "tile_url": None,
        "cadre_max_households": 10,
        "visit_days_monitored": 30,
        "visit_days_other": 90,
        "feedback_days": "",
        "public_url": None,
        "reload_seconds": 15.0,
        "tick_seconds": 300.0,
        "wall_config": ROOT / "config" / "wall.yaml",
        "chromium": "/usr/bin/chromium",
        "cjk_font": "WenQuanYi Micro Hei",
        "export_dir": ROOT / "data" / "exports",
        "internal_url": None,
        "export_keep_days": 7.0,
        "import_dir": ROOT / "data" / "imports",
        "registry_inbox": ROOT / "data" / "registry-inbox",
        "registry_dir": ROOT / "data" / "registry",
        "timezone": "Asia/Shanghai",
        "session_hours": 12.0,
        "wall_session_hours": 168.0,
    }
    assert s.production is False


def test_every_variable_is_read():
    s = load(
        {
            "JZ_WAREHOUSE": "/srv/wh.duckdb",
            "JZ_OPS_DB": "postgresql://jz@db/ops",
            "JZ_SECRET_KEY": "k" * 32,
            "JZ_ENV": " Production ",
            "JZ_HOST": "0.0.0.0",
            "JZ_PORT": "9000",
            "JZ_SCALE": "0.25",
            "JZ_CACHE_DIR": "/srv/cache",
            "JZ_TILE_URL": "https://tiles/{z}/{x}/{y}.png",
            "JZ_CADRE_MAX_HOUSEHOLDS": "25",
            "JZ_VISIT_DAYS_MONITORED": "14",
            "JZ_VISIT_DAYS_OTHER": "60",
            "JZ_FEEDBACK_DAYS": "1:2, 3:4",
            "JZ_PUBLIC_URL": "https://fk.example.gov.cn",
            "JZ_RELOAD_SECONDS": "2.5",
            "JZ_TICK_SECONDS": "0",
            "JZ_WALL_CONFIG": "/etc/wall.yaml",
            "JZ_CHROMIUM": "/c",
            "JZ_CJK_FONT": "Noto Sans CJK SC",
            "JZ_EXPORT_DIR": "/srv/exports",
            "JZ_INTERNAL_URL": "http://127.0.0.1:8050//",
            "JZ_EXPORT_KEEP_DAYS": "3",
            "JZ_IMPORT_DIR": "/srv/imports",
            "JZ_REGISTRY_INBOX": "/srv/inbox",
            "JZ_REGISTRY_DIR": "/srv/registry",
            "JZ_TIMEZONE": " Asia/Urumqi ",
            "JZ_SESSION_HOURS": "720",
            "JZ_WALL_SESSION_HOURS": "8760",
        }
    )
    assert s.model_dump() == {
        "warehouse": Path("/srv/wh.duckdb"),
        "ops_db": "postgresql://jz@db/ops",
        "secret_key": "k" * 32,
        "env": "production",
        "host": "0.0.0.0",
        "port": 9000,
        "scale": 0.25,
        "cache_dir": Path("/srv/cache"),
        "tile_url": "https://tiles/{z}/{x}/{y}.png",
        "cadre_max_households": 25,
        "visit_days_monitored": 14,
        "visit_days_other": 60,
        "feedback_days": "1:2,3:4",
        "public_url": "https://fk.example.gov.cn",
        "reload_seconds": 2.5,
        "tick_seconds": 0.0,
        "wall_config": Path("/etc/wall.yaml"),
        "chromium": "/c",
        "cjk_font": "Noto Sans CJK SC",
        "export_dir": Path("/srv/exports"),
        "internal_url": "http://127.0.0.1:8050",
        "export_keep_days": 3.0,
        "import_dir": Path("/srv/imports"),
        "registry_inbox": Path("/srv/inbox"),
        "registry_dir": Path("/srv/registry"),
        "timezone": "Asia/Urumqi",
        "session_hours": 720.0,
        "wall_session_hours": 8760.0,
    }
    assert s.production is True


@pytest.mark.parametrize(
    "environ,field,expected",
    [
        ({"JZ_WAREHOUSE": "w/x.duckdb"}, "warehouse", ROOT / "w" / "x.duckdb"),
        ({"JZ_OPS_DB": "sqlite:///x/ops.db"}, "ops_db", f"sqlite:///{ROOT}/x/ops.db"),
        ({"JZ_OPS_DB": "sqlite:////var/ops.db"}, "ops_db", "sqlite:////var/ops.db"),
        ({"JZ_SECRET_KEY": ""}, "secret_key", None),
        ({"JZ_TILE_URL": ""}, "tile_url", None),
        ({"JZ_INTERNAL_URL": "/"}, "internal_url", None),
        ({"JZ_TIMEZONE": ""}, "timezone", "Asia/Shanghai"),
        ({"JZ_EXPORT_DIR": "out"}, "export_dir", ROOT / "out"),
    ],
)
def test_relative_paths_and_empty_values(environ, field, expected):
    assert getattr(load(environ), field) == expected


@pytest.mark.parametrize(
    "environ,message",
    [
        ({"JZ_ENV": "staging"}, "JZ_ENV: Input should be 'demo' or 'production', not 'staging'"),
        (
            {"JZ_PORT": "eighty"},
            "JZ_PORT: Input should be a valid integer, unable to parse "
            "string as an integer, not 'eighty'",
        ),
        ({"JZ_PORT": "70000"}, "JZ_PORT: Input should be less than or equal to 65535, not '70000'"),
        (
            {"JZ_SCALE": "big"},
            "JZ_SCALE: Input should be a valid number, unable to parse "
            "string as a number, not 'big'",
        ),
        ({"JZ_SESSION_HOURS": "0"}, "JZ_SESSION_HOURS: Input should be greater than 0, not '0'"),
        (
            {"JZ_SESSION_HOURS": "721"},
            "JZ_SESSION_HOURS: Input should be less than or equal to 720, not '721'",
        ),
        (
            {"JZ_CADRE_MAX_HOUSEHOLDS": "0"},
            "JZ_CADRE_MAX_HOUSEHOLDS: Input should be greater than or equal to 1, not '0'",
        ),
        (
            {"JZ_FEEDBACK_DAYS": "5:3"},
            "JZ_FEEDBACK_DAYS: must be type:days pairs such as 1:3,2:7,3:5,4:10, not '5:3'",
        ),
        (
            {"JZ_WALL_SESSION_HOURS": "8761"},
            "JZ_WALL_SESSION_HOURS: Input should be less than or equal to 8760, not '8761'",
        ),
        (
            {"JZ_TIMEZONE": "Beijing"},
            "JZ_TIMEZONE: must be a time zone name such as Asia/Shanghai, not 'Beijing'",
        ),
        (
            {"JZ_TICK_SECONDS": "x", "JZ_RELOAD_SECONDS": "y"},
            "JZ_RELOAD_SECONDS: Input should be a valid number, unable to parse string as a "
            "number, not 'y'; JZ_TICK_SECONDS: Input should be a valid number, unable to parse "
            "string as a number, not 'x'",
        ),
    ],
)
def test_a_bad_value_names_its_variable(environ, message):
    with pytest.raises(ConfigError) as caught:
        load(environ)
    assert str(caught.value) == message


def test_a_secret_is_never_repeated_in_an_error_or_a_repr():
    with pytest.raises(pydantic.ValidationError) as caught:
        config.Settings(ops_db=7, secret_key=8)
    assert config._explain(caught.value) == (
        "JZ_OPS_DB: Input should be a valid string; JZ_SECRET_KEY: Input should be a valid string"
    )
    assert "hunter2" not in repr(load({"JZ_SECRET_KEY": "hunter2"}))


def test_the_process_environment_is_the_default_and_a_mapping_replaces_it(monkeypatch):
    monkeypatch.setenv("JZ_PORT", "8123")
    monkeypatch.setenv("JZ_HOST", "10.0.0.1")
    assert (load().port, load().host) == (8123, "10.0.0.1")
    assert (load({}).port, load({"JZ_PORT": "9"}).port, load({}).host) == (8050, 9, "127.0.0.1")


def test_settings_are_frozen_and_copied_with_changes():
    s = load({})
    with pytest.raises(pydantic.ValidationError):
        s.port = 1
    assert s.model_copy(update={"port": 1}).port == 1 and s.port == 8050
    assert hash(s) == hash(load({}))
