"""User administration that the audit log records: a role, region or department given to
an account (ops/users.py writes it and ends the account's sessions)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from access import Scope
from etl.refdata import region_levels
from ops import tokens, users
from services import audit

UserError = users.UserError


def set_role(
    ops: Engine,
    admin: Scope | str,
    target,
    role: str,
    region: str,
    department: str | None,
    ip: str = "",
):
    """Give ``target`` (the account as it was) ``role`` in ``region`` (and
    ``department``), with the audit entry ``user_set_role`` (what it was, what it is);
    a refusal (UserError) is recorded too. The caller has checked that ``admin`` (a
    Scope, or "cli") may manage ``target`` and ``region``. Returns the account as it is
    now."""
    actor, scope = _by(admin)
    try:
        user = users.set_role(
            ops, target.username, role, region, region_levels().get(region), department
        )
    except users.UserError as exc:
        audit.record(
            ops,
            actor,
            "user_set_role",
            target=target.username,
            outcome="refused",
            detail={"reason": str(exc)},
            ip=ip,
            scope=scope,
        )
        raise
    audit.record(
        ops,
        actor,
        "user_set_role",
        target=user.username,
        detail={
            "role": user.role,
            "region": user.region_code,
            "department": user.department,
            "was": {
                "role": target.role,
                "region": target.region_code,
                "department": target.department,
            },
        },
        ip=ip,
        scope=scope,
    )
    return user


# ------------------------------------------------------------------ the other account changes
# ``by``: the admin's Scope (the admin page), or "cli" for manage.py run on the server.
def _by(by: Scope | str) -> tuple[str, Scope | None]:
    return (by, None) if isinstance(by, str) else (by.username, by)


def create(
    ops: Engine,
    by: Scope | str,
    username: str,
    password: str,
    role: str,
    region: str,
    department: str | None,
    display_name: str | None,
    ip: str = "",
):
    """Create an account, with the audit entry ``user_create`` (a refusal too). The caller
    has checked that ``by`` may manage ``region``."""
    actor, scope = _by(by)
    try:
        user = users.create(
            ops,
            username,
            password,
            role,
            region,
            region_levels().get(region),
            department,
            display_name,
        )
    except users.UserError as exc:
        audit.record(
            ops,
            actor,
            "user_create",
            target=username,
            outcome="refused",
            detail={"reason": str(exc)},
            ip=ip,
            scope=scope,
        )
        raise
    audit.record(
        ops,
        actor,
        "user_create",
        target=user.username,
        detail={"role": user.role, "region": user.region_code, "department": user.department},
        ip=ip,
        scope=scope,
    )
    return user


def set_password(ops: Engine, by: Scope | str, username: str, password: str, ip: str = "") -> None:
    """A new password (it also clears a lockout and ends the account's sessions), with
    ``user_set_password``; a refused password is recorded without it."""
    actor, scope = _by(by)
    try:
        users.set_password(ops, username, password)
    except users.UserError as exc:
        audit.record(
            ops,
            actor,
            "user_set_password",
            target=username,
            outcome="refused",
            detail={"reason": str(exc)},
            ip=ip,
            scope=scope,
        )
        raise
    audit.record(ops, actor, "user_set_password", target=username, ip=ip, scope=scope)


def set_active(ops: Engine, by: Scope | str, username: str, active: bool, ip: str = "") -> str:
    """Enable or disable an account (a disabled one cannot log in, its sessions end), with
    ``user_enable`` or ``user_disable``; returns that action's name."""
    actor, scope = _by(by)
    action = "user_enable" if active else "user_disable"
    try:
        users.set_active(ops, username, active)
    except users.UserError as exc:
        audit.record(
            ops,
            actor,
            action,
            target=username,
            outcome="refused",
            detail={"reason": str(exc)},
            ip=ip,
            scope=scope,
        )
        raise
    audit.record(ops, actor, action, target=username, ip=ip, scope=scope)
    return action


def create_token(ops: Engine, by: str, username: str, name: str) -> tuple[int, str]:
    """An API token for ``username`` (only its hash is kept), with ``token_create``."""
    token_id, token = tokens.create(ops, username, name)
    audit.record(
        ops,
        by,
        "token_create",
        target=f"token:{token_id}",
        detail={"username": username, "name": name},
    )
    return token_id, token


def revoke_token(ops: Engine, by: str, token_id: int) -> None:
    tokens.revoke(ops, token_id)
    audit.record(ops, by, "token_revoke", target=f"token:{token_id}")
