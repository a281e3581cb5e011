"""The wall's playlist: an ordered set of views with their dwell times, kept in a YAML
file (config/wall.yaml, or JZ_WALL_CONFIG) that an admin edits on /admin/wall.

Reading checks everything and names the view and field that is wrong; a bad file is
refused whole, and the wall keeps the playlist it had. Saving writes a temporary file
and renames it into place, so a wall never reads half a file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

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
HEADER = """\
# The command-centre wall's playlist (/wall). Edited on the admin page or by hand; every
# wall picks a change up within poll_seconds, without a reload. Kinds: overview, risk,
# dispatch. `region` (a 12-digit code) focuses a view on one unit; without it the view
# shows the wall account's own region. A region outside the account's scope is skipped.
"""


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


def _shown(value) -> str:
    """A bad value as the message shows it: never longer than 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole(value, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise PlaylistError(f"{what} must be a whole number from {lo} to {hi}, "
                            f"not {_shown(value)}")
    return value


def parse(data) -> Playlist:
    """A Playlist from the file's contents (a mapping), checked field by field."""
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
    out = []
    for i, v in enumerate(views, 1):
        if not isinstance(v, dict):
            raise PlaylistError(f"view {i}: must be a mapping with kind and dwell")
        extra = set(v) - {"kind", "dwell", "region"}
        if extra:
            raise PlaylistError(f"view {i}: unknown key(s): {', '.join(sorted(map(str, extra)))}")
        if v.get("kind") not in KINDS:
            raise PlaylistError(f"view {i}: kind must be one of {', '.join(KINDS)}, "
                                f"not {_shown(v.get('kind'))}")
        dwell = _whole(v.get("dwell"), *DWELL, f"view {i}: dwell")
        region = v.get("region")
        if region is not None:
            region = str(region)
            if not CODE.fullmatch(region):
                raise PlaylistError(f"view {i}: region must be a 12-digit region code, "
                                    f"not {_shown(region)}")
        out.append(View(v["kind"], dwell, region))
    return Playlist(views=tuple(out), **settings)


def load(path: Path) -> Playlist:
    """The playlist in ``path`` (PlaylistError if missing, not YAML or not valid)."""
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
    playlist = parse(data)
    return Playlist(**{**playlist.__dict__,
                       "digest": hashlib.sha256(text.encode()).hexdigest()[:16]})


def save(path: Path, playlist: Playlist) -> Playlist:
    """Write ``playlist`` to ``path`` atomically; returns it as read back."""
    checked = parse(playlist.to_dict())  # never write what would not load
    text = HEADER + yaml.safe_dump(checked.to_dict(), allow_unicode=True, sort_keys=False)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".wall-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return load(path)


class Cached:
    """The playlist of one file, re-read only when the file changes; a file that turns
    bad keeps the last good playlist (and reports the error)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._ident = None
        self._playlist: Playlist | None = None
        self.error: str | None = None

    def get(self) -> Playlist:
        try:
            st = os.stat(self.path)
            ident = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            ident = None
        if ident != self._ident or self._playlist is None:
            try:
                self._playlist, self.error = load(self.path), None
            except PlaylistError as exc:
                self.error = str(exc)
                if self._playlist is None:
                    self._playlist = Playlist(views=(View("overview", 60),))
            self._ident = ident
        return self._playlist
