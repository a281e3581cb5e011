"""Settings from the environment (documented in the README). Read once per process.

Each setting is a field of ``Settings``, read from the variable ``JZ_<FIELD>`` by
pydantic-settings; a value that cannot be used is a ``ConfigError`` naming the variable.
Relative paths are relative to the project, not the working directory.
"""

from __future__ import annotations

import contextvars
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

ROOT = Path(__file__).resolve().parent
PREFIX = "JZ_"
HIDDEN = frozenset({"secret_key", "ops_db"})  # never echoed: a key, a URL with a password


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


def _resolve(path: Path) -> Path:
    return path if path.is_absolute() else ROOT / path


def _ops_url(url: str) -> str:
    """A relative SQLite path is relative to the project, not the working directory."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return "sqlite:///" + str(_resolve(Path(url[len("sqlite:///") :])))
    return url


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be a time zone name such as Asia/Shanghai") from None
    return name


def _feedback_days(spec: str) -> str:
    from domain.feedback import deadline_days

    try:
        deadline_days(spec)
    except ValueError:
        raise ValueError("must be type:days pairs such as 1:3,2:7,3:5,4:10") from None
    return spec.replace(" ", "")


def _none_if_empty(value):
    return value or None


Place = Annotated[Path, AfterValidator(_resolve)]
OptionalText = Annotated[str | None, BeforeValidator(_none_if_empty)]
Hours = Annotated[float, Field(gt=0)]

# The mapping ``load`` reads instead of the process environment, while it reads it.
_ENVIRON: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "jz_environ", default=None
)


class _Environment(EnvSettingsSource):
    """The JZ_ variables of the mapping given to ``load``, else of the process."""

    def _load_env_vars(self):
        environ = _ENVIRON.get()
        if environ is None:
            return super()._load_env_vars()
        return parse_env_vars(
            environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


class Settings(BaseSettings):
    """Every setting, from ``JZ_<NAME>`` (``JZ_OPS_DB`` for ``ops_db``)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, frozen=True, validate_default=True, extra="forbid"
    )

    warehouse: Place = Path("data/warehouse.duckdb")
    ops_db: Annotated[str, AfterValidator(_ops_url)] = "sqlite:///data/ops.sqlite3"
    secret_key: Annotated[OptionalText, Field(repr=False)] = None
    env: Annotated[
        Literal["demo", "production"],
        BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    ] = "demo"
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8050
    scale: float = 1.0
    cache_dir: Place = Path("data/cache")
    tile_url: OptionalText = None  # map tiles, only when an operator configures them
    # A cadre paired with more households than this is listed for the township (/pairings).
    cadre_max_households: Annotated[int, Field(ge=1, le=200)] = 10
    # How often a cadre visits a household (走访, /m): one under monitoring (risk not
    # eliminated), and any other of the registry; a visit older than this is due.
    visit_days_monitored: Annotated[int, Field(ge=1, le=366)] = 30
    visit_days_other: Annotated[int, Field(ge=1, le=366)] = 90
    # Days from a household's feedback to the township's reply, by type (domain/feedback.py
    # DEADLINE_DAYS; "1:3,2:7" changes those two).
    feedback_days: Annotated[str, AfterValidator(_feedback_days)] = ""
    # The address households reach the feedback form at, printed as the QR code of their
    # cards (none: the address the printing cadre uses).
    public_url: OptionalText = None
    reload_seconds: float = 15.0  # how often a process looks for a rebuilt warehouse
    tick_seconds: float = 300.0  # how often each process runs the instruction schedule (0: never)
    wall_config: Place = Path("config/wall.yaml")  # the seed of the wall's playlist (stored in ops)
    # Exports: the chromium that renders them, the CJK font they embed, where the files
    # go, and the address a server-side browser reaches this app at (page images).
    chromium: str = "/usr/bin/chromium"
    cjk_font: str = "WenQuanYi Micro Hei"
    export_dir: Place = Path("data/exports")
    internal_url: Annotated[
        str | None, BeforeValidator(lambda v: (v or "").rstrip("/") or None)
    ] = None
    export_keep_days: float = 7.0  # export files older than this are removed
    import_dir: Place = Path("data/imports")  # imported department batches
    # Registry deliveries (docs/registry.md) placed on the server for /admin/registry, and
    # that page's own files: uploaded deliveries, the state of a load, rejection reports.
    registry_inbox: Place = Path("data/registry-inbox")
    registry_dir: Place = Path("data/registry")
    # The one zone every time on screen and in exports is in (empty: the default).
    timezone: Annotated[
        str, BeforeValidator(lambda v: (v or "Asia/Shanghai").strip()), AfterValidator(_zone)
    ] = "Asia/Shanghai"
    # How long a login lasts at most, however active the session (web/auth.py): people's
    # accounts (at most 30 days), and the command-centre wall's, which stands unattended
    # for days (at most a year).
    session_hours: Annotated[Hours, Field(le=24 * 30)] = 12.0
    wall_session_hours: Annotated[Hours, Field(le=24 * 365)] = 168.0

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        """Arguments, then the environment: no .env file, no secrets directory."""
        return init_settings, _Environment(settings_cls)


def variable(field: str) -> str:
    """The environment variable of a setting: ``ops_db`` is ``JZ_OPS_DB``."""
    return PREFIX + field.upper()


def _explain(exc: ValidationError) -> str:
    """One line per bad variable: its name, what is wrong, and (unless secret) the value."""
    lines = []
    for err in exc.errors(include_url=False):
        field = str(err["loc"][0]) if err["loc"] else ""
        what = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
        value = "" if field in HIDDEN else f", not {err['input']!r}"
        lines.append(f"{variable(field)}: {what}{value}")
    return "; ".join(lines)


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default: the process environment)."""
    token = _ENVIRON.set(None if environ is None else dict(environ))
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None
    finally:
        _ENVIRON.reset(token)


def secret_key(settings: Settings) -> str:
    """The session signing key: JZ_SECRET_KEY, or in demo mode one kept in data/.

    Production refuses to start without JZ_SECRET_KEY. In demo mode a random key is
    written once to data/.secret_key so that every worker and restart shares it.
    """
    if settings.secret_key:
        return settings.secret_key
    if settings.production:
        raise ConfigError("JZ_SECRET_KEY must be set in production")
    path = ROOT / "data" / ".secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return path.read_text().strip()
