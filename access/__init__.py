"""The one gate for access (Superset's security manager is the model).

A user's ``Scope`` is a region (one unit and everything below it), a role and, for a
department account, a subject (its department). What each role may do is declared once,
in ``PERMISSIONS`` (access/roles.py); every check asks ``raise_for(scope, action,
resource)``, and every boolean check (``can``) derives from it. Deny by default: no user,
an unknown action, a role the table does not name, a level it does not allow, a resource
outside the region or outside the department's subject — each raises.

Pages and their callbacks come here through the action their page declares
(``register_page(access=...)``), Flask routes and API endpoints through
``web.gate.gated``: web/gate.py enforces both centrally.
"""

from access.gate import Resource, can, current_scope, raise_for
from access.roles import PERMISSIONS, ROLES, STAFF_ROLES, Permission, roles_for
from access.scope import (
    CODE,
    PREFIX_LENGTH,
    AccessDenied,
    RegionNotFound,
    RoleDenied,
    Scope,
    can_access,
    check_code,
    level_of,
    prefix_of,
    raise_for_region,
    scope_of,
)

__all__ = [
    "CODE",
    "PERMISSIONS",
    "PREFIX_LENGTH",
    "ROLES",
    "STAFF_ROLES",
    "AccessDenied",
    "Permission",
    "RegionNotFound",
    "Resource",
    "RoleDenied",
    "Scope",
    "can",
    "can_access",
    "check_code",
    "current_scope",
    "level_of",
    "prefix_of",
    "raise_for",
    "raise_for_region",
    "roles_for",
    "scope_of",
]
