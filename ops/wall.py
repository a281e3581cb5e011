"""The wall's playlist: an ordered set of views with their dwell times, kept in the store
(``runtime_state``, key ``wall.playlist``) and edited by an admin on /admin/wall.

Reading checks everything and names the view and field that is wrong; nothing that
would not read back is ever written. config/wall.yaml (JZ_WALL_CONFIG) is only the seed
of an empty store (services/wall.py): it is read, never written.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from domain import clock
from ops.schema import runtime_state

KEY = "wall.playlist"
KINDS = ("overview", "risk", "dispatch")
CODE = re.compile(r"[1-9][0-9]{11}")
MAX_VIEWS = 12
# setting -> (smallest, largest, default)
SETTINGS = {
    "poll_seconds": (5, 600, 30),
    "stale_after_hours": (1, 24 * 30, 48),
    "reload_hours": (0, 24 * 7, 12),
    "map_cycle_seconds": (3, 600, 12),
}
DWELL = (5, 3600)


class PlaylistError(ValueError):
    """The playlist cannot be used; the message says where and why."""


@dataclass(frozen=True)
class View:
    kind: str
    dwell: int
    region: str | None = None


@dataclass(frozen=True)
class Playlist:
    views: tuple[View, ...]
    poll_seconds: int = 30
    stale_after_hours: int = 48
    reload_hours: int = 12
    map_cycle_seconds: int = 12
    version: int = 1
    digest: str = field(default="", compare=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("digest")
        d["views"] = [{k: v for k, v in asdict(x).items() if v is not None} for x in self.views]
        return d


# What a wall shows when there is no usable playlist at all.
FALLBACK = Playlist(views=(View("overview", 60),))


def _shown(value) -> str:
    """A bad value as the message shows it: never longer than 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole(value, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise PlaylistError(f"{what} must be a whole number from {lo} to {hi}, not {_shown(value)}")
    return value


def _view(i: int, v) -> View:
    if not isinstance(v, dict):
        raise PlaylistError(f"view {i}: must be a mapping with kind and dwell")
    extra = set(v) - {"kind", "dwell", "region"}
    if extra:
        raise PlaylistError(f"view {i}: unknown key(s): {', '.join(sorted(map(str, extra)))}")
    if v.get("kind") not in KINDS:
        raise PlaylistError(
            f"view {i}: kind must be one of {', '.join(KINDS)}, not {_shown(v.get('kind'))}"
        )
    dwell = _whole(v.get("dwell"), *DWELL, f"view {i}: dwell")
    region = v.get("region")
    if region is not None:
        region = str(region)
        if not CODE.fullmatch(region):
            raise PlaylistError(
                f"view {i}: region must be a 12-digit region code, not {_shown(region)}"
            )
    return View(v["kind"], dwell, region)


def parse(data) -> Playlist:
    """A Playlist from a mapping (the seed file's or the admin form's), checked field by
    field."""
    if not isinstance(data, dict):
        raise PlaylistError("the playlist must be a mapping with a 'views' list")
    unknown = set(data) - set(SETTINGS) - {"views", "version"}
    if unknown:
        raise PlaylistError(f"unknown setting(s): {', '.join(sorted(map(str, unknown)))}")
    if data.get("version", 1) != 1:
        raise PlaylistError(f"version must be 1, not {_shown(data.get('version'))}")
    settings = {k: _whole(data.get(k, d), lo, hi, k) for k, (lo, hi, d) in SETTINGS.items()}
    views = data.get("views")
    if not isinstance(views, list) or not views:
        raise PlaylistError("views must be a list of at least one view")
    if len(views) > MAX_VIEWS:
        raise PlaylistError(f"at most {MAX_VIEWS} views, not {len(views)}")
    return Playlist(views=tuple(_view(i, v) for i, v in enumerate(views, 1)), **settings)


def load_file(path: Path) -> Playlist:
    """The playlist of a YAML file, the store's seed (PlaylistError if missing, not YAML
    or not valid)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlaylistError(f"no playlist at {path}") from None
    except UnicodeDecodeError:
        raise PlaylistError(f"{path} is not UTF-8 text") from None
    except OSError as exc:  # a directory, no permission, ...
        raise PlaylistError(f"{path} cannot be read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise PlaylistError(f"{path} is not valid YAML{where}") from None
    return parse(data)


def _encode(playlist: Playlist) -> str:
    return json.dumps(parse(playlist.to_dict()).to_dict(), ensure_ascii=False)


def _decode(text: str) -> Playlist:
    """The stored playlist, with the digest of its text (the wall's stamp follows it)."""
    try:
        data = json.loads(text)
    except ValueError:
        raise PlaylistError("the stored playlist is not valid JSON") from None
    return replace(parse(data), digest=hashlib.sha256(text.encode()).hexdigest()[:16])


def stored(engine: Engine) -> Playlist | None:
    """The store's playlist; None while there is none (PlaylistError if it is bad)."""
    with engine.connect() as conn:
        text = conn.execute(
            sa.select(runtime_state.c.value).where(runtime_state.c.key == KEY)
        ).scalar()
    return None if text is None else _decode(text)


def seed(engine: Engine, playlist: Playlist, by: str) -> Playlist:
    """Store ``playlist`` unless one is stored already (another process may have just
    seeded it); returns the one stored."""
    try:
        with engine.begin() as conn:
            conn.execute(
                runtime_state.insert().values(
                    key=KEY, value=_encode(playlist), updated_by=by, updated_at=clock.utcnow()
                )
            )
    except sa.exc.IntegrityError:
        pass
    return stored(engine)


def put(engine: Engine, playlist: Playlist, by: str) -> Playlist:
    """Replace the stored playlist (checked first: never store what would not read
    back); returns it as read back."""
    text = _encode(playlist)
    with engine.begin() as conn:
        done = conn.execute(
            runtime_state.update()
            .where(runtime_state.c.key == KEY)
            .values(value=text, updated_by=by, updated_at=clock.utcnow())
        ).rowcount
        if not done:
            conn.execute(
                runtime_state.insert().values(
                    key=KEY, value=text, updated_by=by, updated_at=clock.utcnow()
                )
            )
    return stored(engine)
