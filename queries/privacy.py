"""Who may see unmasked ID and phone numbers, and the record of every time they do."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from access import Scope
from ops import audit

# Field work needs full ID numbers: cadres, and managers of a county or below.
REVEAL_ROLES = {"cadre": 1, "manager": 3}


def can_reveal(scope: Scope | None) -> bool:
    if scope is None or scope.role not in REVEAL_ROLES:
        return False
    return scope.level >= REVEAL_ROLES[scope.role]


def can_export_ids(scope: Scope | None) -> bool:
    """Who may make the national system's file, which carries full ID numbers: the roles
    that may see them, and administrators (the data office that uploads it; their
    exports are audited like every view of unmasked data)."""
    return scope is not None and (scope.role == "admin" or can_reveal(scope))


def log_reveal(ops: Engine, scope: Scope, household_id: int, ip: str = "") -> None:
    """Each unmasked view is written to the audit log."""
    audit.record(ops, scope.username, "reveal_id", target=f"household:{household_id}",
                 detail={"region": scope.region_code}, ip=ip)
