"""The wall's playlist as the platform uses it: kept in the operational store (ops/wall.py),
seeded from the deployment's file (config/wall.yaml, JZ_WALL_CONFIG) the first time a
wall or the admin page asks for it, and changed only by a province admin, with the
change (or its refusal) in the audit log.

The file is only read: editing the playlist never touches the tracked file, and a
checkout's config/wall.yaml stays as shipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from access import Scope, raise_for
from ops import wall as W
from services import audit

Playlist, PlaylistError = W.Playlist, W.PlaylistError
SEEDED_BY = "seed"  # the store's updated_by for a playlist that came from the file


@dataclass(frozen=True)
class InForce:
    """The playlist every wall follows, and why it is not the stored one (``error``)."""

    playlist: Playlist
    error: str | None = None


def current(ops: Engine, seed_file: Path) -> InForce:
    """The stored playlist; with none stored yet, ``seed_file``'s, stored first. A seed
    file that cannot be used stores nothing (a fixed file seeds the next call) and the
    walls show the one-view fallback; so does a stored playlist that no longer reads."""
    try:
        found = W.stored(ops)
        if found is not None:
            return InForce(found)
        return InForce(W.seed(ops, W.load_file(seed_file), SEEDED_BY))
    except PlaylistError as exc:
        return InForce(W.FALLBACK, str(exc))


def save(ops: Engine, scope: Scope, data, ip: str = "") -> Playlist:
    """Replace the playlist with ``data`` (a mapping as the admin form sends it), checked
    whole first: a PlaylistError changes nothing. Only a province admin may
    (``wall.playlist``); both outcomes are logged as ``wall_playlist``."""
    raise_for(scope, "wall.playlist")
    try:
        playlist = W.parse(data)
    except PlaylistError as exc:
        audit.record(
            ops,
            scope.username,
            "wall_playlist",
            target=W.KEY,
            outcome="refused",
            detail={"reason": str(exc)},
            ip=ip,
            scope=scope,
        )
        raise
    saved = W.put(ops, playlist, scope.username)
    audit.record(
        ops,
        scope.username,
        "wall_playlist",
        target=W.KEY,
        detail=saved.to_dict(),
        ip=ip,
        scope=scope,
    )
    return saved
