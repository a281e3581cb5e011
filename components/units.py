"""Units of the administrative tree as people pick them: by name, the code only as the
value of an option (screens never show a 12-digit code). Reference data in (the tree's
names and levels by code, ``etl.refdata.region_names()`` and ``region_levels()``, read
by the page), options out. What a browser sends back is checked on the server through
the scope gate."""

from __future__ import annotations

from collections.abc import Mapping

from access import Scope, level_of, prefix_of


def unit_label(code: str, names: Mapping[str, str]) -> str:
    """A unit's name; below the county with the county's (and township's) name before it,
    because many townships share a name (城关镇): 紫阳县 · 城关镇 · 城关村."""
    if code not in names:
        return "—"
    level = level_of(code)
    parts = []
    if level >= 4:
        parts.append(names.get(code[:6] + "000000", ""))
    if level == 5:
        parts.append(names.get(code[:9] + "000", ""))
    parts.append(names[code])
    return " · ".join(p for p in parts if p)


def unit_options(
    scope: Scope,
    deepest: int,
    within: str | None = None,
    *,
    names: Mapping[str, str],
    levels: Mapping[str, int],
) -> list[dict]:
    """The units of ``scope`` (below ``within`` when given) down to level ``deepest``,
    in code order (each unit before the units below it), as select options."""
    prefix = scope.prefix
    if within is not None:
        if not scope.contains(within):
            return []
        prefix = prefix_of(within)
    return [
        {"value": c, "label": unit_label(c, names)}
        for c, lv in sorted(levels.items())
        if lv <= deepest and c.startswith(prefix) and scope.contains(c)
    ]


def is_unit(code, levels: Mapping[str, int]) -> bool:
    """True for the code of a unit of the reference tree."""
    return isinstance(code, str) and code in levels
