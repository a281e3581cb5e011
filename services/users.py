"""User administration that the audit log records: a role, region or department given to
an account (ops/users.py writes it and ends the account's sessions)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from access import Scope
from etl.refdata import region_levels
from ops import users
from services import audit

UserError = users.UserError


def set_role(ops: Engine, admin: Scope, target, role: str, region: str,
             department: str | None, ip: str = ""):
    """Give ``target`` (the account as it was) ``role`` in ``region`` (and
    ``department``), with the audit entry ``user_set_role`` (what it was, what it is);
    a refusal (UserError) is recorded too. The caller has checked that ``admin`` may
    manage ``target`` and ``region``. Returns the account as it is now."""
    try:
        user = users.set_role(ops, target.username, role, region,
                              region_levels().get(region), department)
    except users.UserError as exc:
        audit.record(ops, admin.username, "user_set_role", target=target.username,
                     outcome="refused", detail={"reason": str(exc)}, ip=ip)
        raise
    audit.record(ops, admin.username, "user_set_role", target=user.username,
                 detail={"role": user.role, "region": user.region_code,
                         "department": user.department,
                         "was": {"role": target.role, "region": target.region_code,
                                 "department": target.department}}, ip=ip)
    return user
