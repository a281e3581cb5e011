"""Department data feeds (config/departments.yaml): the layout of each department's file.

A malformed file is refused with the line and the reason, as the rules file is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from domain.codes import CODES

IDENT = re.compile(r"[a-z_][a-z0-9_]{0,40}")  # names that go into SQL
FEEDS_PATH = Path(__file__).resolve().parent.parent / "config" / "departments.yaml"
TYPES = ("id_number", "region", "date", "month", "year", "int", "money", "code", "bool", "text")


class FeedsError(ValueError):
    """The feeds file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    type: str
    optional: bool = False
    values: tuple = ()
    max: int = 200
    note: str = ""


@dataclass(frozen=True)
class Feed:
    id: str
    department: str
    zh: str
    en: str
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def header(self, lang: str = "zh") -> list[str]:
        """The template's first row: Chinese labels (keys in English)."""
        return [c.zh if lang == "zh" else c.key for c in self.columns]


def read_config(path: Path, key: str, kind: type, error: type[ValueError]):
    """The ``key`` entry (a dict or a list) of a YAML config file, or ``error`` saying
    what is wrong with the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get(key), kind):
        raise error(f"{path}: expected a mapping with a {kind.__name__} '{key}'")
    return raw[key]


def load(path: Path | None = None) -> dict[str, Feed]:
    path = path or FEEDS_PATH
    raw = {"feeds": read_config(path, "feeds", dict, FeedsError)}
    out = {}
    for fid, f in raw["feeds"].items():
        where = f"{path.name}: feed {fid}"
        if not isinstance(f, dict):
            raise FeedsError(f"{where}: expected a mapping")
        missing = {"department", "zh", "en", "table", "key", "columns"} - set(f)
        if missing:
            raise FeedsError(f"{where}: missing {', '.join(sorted(missing))}")
        if f["department"] not in CODES["department"]:
            raise FeedsError(f"{where}: unknown department {f['department']!r}")
        cols = []
        for i, c in enumerate(f["columns"] or []):
            if not isinstance(c, dict) or not {"key", "zh", "type"} <= set(c):
                raise FeedsError(f"{where}: column {i + 1} needs key, zh and type")
            if c["type"] not in TYPES:
                raise FeedsError(f"{where}: column {c['key']}: unknown type {c['type']!r}")
            if c["type"] == "code" and not c.get("values"):
                raise FeedsError(f"{where}: column {c['key']}: a code needs values")
            cols.append(
                Column(
                    str(c["key"]),
                    str(c["zh"]),
                    c["type"],
                    bool(c.get("optional", False)),
                    tuple(c.get("values") or ()),
                    int(c.get("max", 200)),
                    str(c.get("note", "")),
                )
            )
        keys = [c.key for c in cols]
        # Names go into SQL: plain identifiers only.
        bad = [k for k in [*keys, str(f["table"]), str(fid)] if not IDENT.fullmatch(k)]
        if bad:
            raise FeedsError(f"{where}: not a plain name: {bad[0]!r}")
        if "id_number" not in keys or "region_code" not in keys:
            raise FeedsError(f"{where}: every feed needs id_number and region_code columns")
        if len(set(keys)) != len(keys):
            raise FeedsError(f"{where}: a column is named twice")
        if not set(f["key"]) <= set(keys):
            raise FeedsError(f"{where}: key names a column the feed does not have")
        out[str(fid)] = Feed(
            str(fid),
            f["department"],
            str(f["zh"]),
            str(f["en"]),
            str(f["table"]),
            tuple(f["key"]),
            tuple(cols),
        )
    return out


def of_department(feeds: dict[str, Feed], department: str) -> list[Feed]:
    return [f for f in feeds.values() if f.department == department]
