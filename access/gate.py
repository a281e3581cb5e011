"""``raise_for``: the one raising check. Every other check derives from it."""

from __future__ import annotations

from dataclasses import dataclass

from access.roles import PERMISSIONS
from access.scope import AccessDenied, RoleDenied, Scope, raise_for_region, scope_of


@dataclass(frozen=True)
class Resource:
    """What an action is taken on. ``region``: the unit it belongs to (a 12-digit code);
    ``departments``: the departments it concerns, for actions with a subject (a household
    behind a medical-insurance case concerns ``{"medins"}``); None where it concerns none.
    ``owner``: the username that owns it (an export job), if only its owner may have it."""

    region: str | None = None
    departments: frozenset[str] | None = None
    owner: str | None = None


def _resource(resource) -> Resource | None:
    if resource is None or isinstance(resource, Resource):
        return resource
    if isinstance(resource, str):
        return Resource(region=resource)
    raise TypeError(f"not a resource: {type(resource).__name__}")


def raise_for(scope: Scope | None, action: str, resource: Resource | str | None = None) -> Scope:
    """Return ``scope`` if it may take ``action`` (on ``resource``), else raise
    AccessDenied (RoleDenied when the role or its level is the reason)."""
    if scope is None:
        raise AccessDenied("login required")
    perm = PERMISSIONS.get(action)
    if perm is None:
        raise AccessDenied(f"unknown action {action!r}")  # deny by default
    if scope.role not in perm.roles:
        raise RoleDenied(scope.role, f"{scope.role} may not {action}", key=perm.key)
    if not perm.allows(scope.role, scope.level):
        raise RoleDenied(
            scope.role, f"{scope.role} may not {action} at level {scope.level}", key=perm.level_key
        )
    if scope.role == "department" and not scope.department:
        raise AccessDenied("a department account without a department")
    res = _resource(resource)
    if res is None:
        return scope
    if res.region is not None:
        raise_for_region(scope, res.region)
    if res.owner is not None and res.owner != scope.username:
        raise AccessDenied("not the owner")
    if (
        perm.subject
        and scope.department is not None
        and (res.departments is None or scope.department not in res.departments)
    ):
        raise AccessDenied(f"outside the subject of {scope.department}")
    return scope


def can(scope: Scope | None, action: str, resource: Resource | str | None = None) -> bool:
    from access.scope import RegionNotFound

    try:
        raise_for(scope, action, resource)
    except (AccessDenied, RegionNotFound):
        return False
    return True


def current_scope(action: str | None = None, resource: Resource | str | None = None) -> Scope:
    """The scope of the user of the current request, checked for ``action`` (and
    ``resource``) if given. With no action: any logged-in staff account; a wall account
    is refused (it may take "wall.view" only), whatever route or callback brought it here.
    """
    from flask_login import current_user

    scope = scope_of(current_user)
    if scope is None:
        raise AccessDenied("login required")
    if action is None:
        if scope.role == "wall":
            raise RoleDenied("wall", "a wall account sees the wall only")
        return scope
    return raise_for(scope, action, resource)
