"""Settings from the environment (documented in the README). Read once per process."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    ops_db: str
    secret_key: str | None
    env: str  # "demo" or "production"
    host: str
    port: int
    scale: float
    cache_dir: Path
    tile_url: str | None  # map tiles, only when an operator configures them
    reload_seconds: float  # how often a process looks for a rebuilt warehouse
    tick_seconds: float  # how often each process runs the instruction schedule (0: never)
    wall_config: Path = ROOT / "config" / "wall.yaml"  # the wall's playlist
    # Exports: the chromium that renders them, the CJK font they embed, where the files
    # go, and the address a server-side browser reaches this app at (page images).
    chromium: str = "/usr/bin/chromium"
    cjk_font: str = "WenQuanYi Micro Hei"
    export_dir: Path = ROOT / "data" / "exports"
    internal_url: str | None = None
    export_keep_days: float = 7.0  # export files older than this are removed
    import_dir: Path = ROOT / "data" / "imports"  # imported department batches
    # Registry deliveries (docs/registry.md) placed on the server for /admin/registry, and
    # that page's own files: uploaded deliveries, the state of a load, rejection reports.
    registry_inbox: Path = ROOT / "data" / "registry-inbox"
    registry_dir: Path = ROOT / "data" / "registry"
    timezone: str = "Asia/Shanghai"  # the one zone every time on screen and in exports is in
    # How long a login lasts at most, however active the session (web/auth.py): people's
    # accounts, and the command-centre wall's, which stands unattended for days.
    session_hours: float = 12.0
    wall_session_hours: float = 168.0

    @property
    def production(self) -> bool:
        return self.env == "production"


def _resolve(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else ROOT / p


def load(environ: dict | None = None) -> Settings:
    """Settings from ``environ`` (default: the process environment)."""
    env = dict(os.environ if environ is None else environ)
    mode = env.get("JZ_ENV", "demo").strip().lower()
    if mode not in ("demo", "production"):
        raise ConfigError(f"JZ_ENV must be 'demo' or 'production', not {mode!r}")
    try:
        port = int(env.get("JZ_PORT", "8050"))
        scale = float(env.get("JZ_SCALE", "1.0"))
        reload_seconds = float(env.get("JZ_RELOAD_SECONDS", "15"))
        tick_seconds = float(env.get("JZ_TICK_SECONDS", "300"))
        export_keep_days = float(env.get("JZ_EXPORT_KEEP_DAYS", "7"))
        session_hours = float(env.get("JZ_SESSION_HOURS", "12"))
        wall_session_hours = float(env.get("JZ_WALL_SESSION_HOURS", "168"))
    except ValueError as exc:
        raise ConfigError(f"bad number in the environment: {exc}") from None
    if not (0 < session_hours <= 24 * 30 and 0 < wall_session_hours <= 24 * 365):
        raise ConfigError("JZ_SESSION_HOURS must be more than 0 and at most 720, "
                          "JZ_WALL_SESSION_HOURS more than 0 and at most 8760")
    zone = (env.get("JZ_TIMEZONE") or "Asia/Shanghai").strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"JZ_TIMEZONE must be a time zone name such as Asia/Shanghai, "
                          f"not {zone!r}") from None
    ops = env.get("JZ_OPS_DB", "sqlite:///data/ops.sqlite3")
    if ops.startswith("sqlite:///") and not ops.startswith("sqlite:////"):
        # A relative SQLite path is relative to the project, not the working directory.
        ops = "sqlite:///" + str(_resolve(ops[len("sqlite:///"):]))
    return Settings(
        warehouse=_resolve(env.get("JZ_WAREHOUSE", "data/warehouse.duckdb")),
        ops_db=ops,
        secret_key=env.get("JZ_SECRET_KEY") or None,
        env=mode,
        host=env.get("JZ_HOST", "127.0.0.1"),
        port=port,
        scale=scale,
        cache_dir=_resolve(env.get("JZ_CACHE_DIR", "data/cache")),
        tile_url=env.get("JZ_TILE_URL") or None,
        reload_seconds=reload_seconds,
        tick_seconds=tick_seconds,
        wall_config=_resolve(env.get("JZ_WALL_CONFIG", "config/wall.yaml")),
        chromium=env.get("JZ_CHROMIUM", "/usr/bin/chromium"),
        cjk_font=env.get("JZ_CJK_FONT", "WenQuanYi Micro Hei"),
        export_dir=_resolve(env.get("JZ_EXPORT_DIR", "data/exports")),
        internal_url=(env.get("JZ_INTERNAL_URL") or "").rstrip("/") or None,
        export_keep_days=export_keep_days,
        import_dir=_resolve(env.get("JZ_IMPORT_DIR", "data/imports")),
        registry_inbox=_resolve(env.get("JZ_REGISTRY_INBOX", "data/registry-inbox")),
        registry_dir=_resolve(env.get("JZ_REGISTRY_DIR", "data/registry")),
        timezone=zone,
        session_hours=session_hours,
        wall_session_hours=wall_session_hours,
    )


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
