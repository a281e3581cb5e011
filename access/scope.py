"""A user's Scope (region, role, department subject) and the region half of the gate.

A user has one region code; the scope is that unit and everything below it (codes are
hierarchical, so "below" is a code prefix). Deny by default: no user, no scope, no rows.
Modelled on Superset's security manager: every boolean check derives from one raising
gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from i18n import N_

CODE = re.compile(r"61\d{10}")
# Significant digits of a code at each level: 61 | 07 | 24 | 100 | 001.
PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class AccessDenied(Exception):
    """The user may not see this; the message is safe to show."""


class RoleDenied(AccessDenied):
    """The user's role may not do this, whatever the region: the refusal names the role
    (not "outside your region"). ``key`` is the message, when another than the role's."""

    def __init__(self, role: str, reason: str = "", key: str = N_("error.role")):
        super().__init__(reason or f"the role {role} may not do this")
        self.role, self.key = role, key


class RegionNotFound(Exception):
    """The code is malformed or names no unit."""


def level_of(code: str) -> int:
    """Level of a well-formed 12-digit code, from its trailing zeros."""
    if code[2:] == "0" * 10:
        return 1
    if code[4:] == "0" * 8:
        return 2
    if code[6:] == "0" * 6:
        return 3
    if code[9:] == "000":
        return 4
    return 5


def prefix_of(code: str) -> str:
    return code[: PREFIX_LENGTH[level_of(code)]]


@dataclass(frozen=True)
class Scope:
    """What a user may see: one unit and everything below it (and a subject, if any)."""

    username: str
    role: str
    region_code: str
    department: str | None = None

    @cached_property
    def level(self) -> int:
        return level_of(self.region_code)

    @cached_property
    def prefix(self) -> str:
        return prefix_of(self.region_code)

    @property
    def key(self) -> str:
        """Part of every cache key: two users with the same key see the same rows."""
        return f"{self.region_code}|{self.department or ''}"

    def contains(self, code: str) -> bool:
        # The prefix test first: it is cheap and settles most cases.
        return isinstance(code, str) and code.startswith(self.prefix) and bool(CODE.fullmatch(code))


def scope_of(user) -> Scope | None:
    """The scope of a logged-in, active user; None (deny) for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not CODE.fullmatch(getattr(user, "region_code", "") or ""):
        return None
    return Scope(user.username, user.role, user.region_code, user.department)


def check_code(code) -> str:
    """A well-formed 12-digit Shaanxi code, or RegionNotFound."""
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise RegionNotFound(str(code)[:40])
    return code


def raise_for_region(scope: Scope | None, code) -> str:
    """The gate: return ``code`` if ``scope`` may see it, else raise."""
    if scope is None:
        raise AccessDenied("login required")
    check_code(code)
    if not scope.contains(code):
        raise AccessDenied(f"{code} is outside your region")
    return code


def can_access(scope: Scope | None, code) -> bool:
    try:
        raise_for_region(scope, code)
    except (AccessDenied, RegionNotFound):
        return False
    return True
