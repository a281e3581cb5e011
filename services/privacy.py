"""Full ID and phone numbers on the record: each unmasked view is an audited action.

The masking itself (queries/privacy.py) is warehouse-side and imports no stores; the
audit entry of a reveal is written here, through services.audit.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from access import Scope
from services import audit


def log_reveal(ops: Engine, scope: Scope, household_id: int, ip: str = "") -> None:
    """Write one unmasked view of a household's numbers to the audit log."""
    audit.record(
        ops,
        scope.username,
        "reveal_id",
        target=f"household:{household_id}",
        detail={"region": scope.region_code},
        ip=ip,
    )
