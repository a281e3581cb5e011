"""Refusals and notices shown in place of a page: never data, always a reason."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from access import AccessDenied, RegionNotFound, RoleDenied
from i18n import t
from queries.runner import WarehouseUnavailable

# What a page shows instead of itself, by the refusal that stopped it.
REFUSALS = (AccessDenied, RegionNotFound, WarehouseUnavailable)


def notice(key: str, colour: str = "red", **kw) -> html.Div:
    return html.Div(dmc.Alert(t(key, **kw), color=colour, variant="light",
                              className="jz-notice"), className="jz-page")


def forbidden() -> html.Div:
    return notice("error.forbidden")


def not_found() -> html.Div:
    return notice("error.not_found")


def no_warehouse() -> html.Div:
    return notice("error.warehouse", colour="yellow")


def role_denied(role: str, key: str = "error.role") -> html.Div:
    """Refused for the user's role (not for a region): the notice names the role."""
    return notice(key, role=t(f"role.{role}"))


def refusal_key(exc: Exception) -> str:
    """The message of one of REFUSALS: not for this role, outside the scope, no such
    unit, no warehouse."""
    if isinstance(exc, RoleDenied):
        return exc.key
    if isinstance(exc, AccessDenied):
        return "error.forbidden"
    if isinstance(exc, RegionNotFound):
        return "error.not_found"
    return "error.warehouse"


def refusal_params(exc: Exception) -> dict:
    return {"role": t(f"role.{exc.role}")} if isinstance(exc, RoleDenied) else {}


def refusal_text(exc: Exception) -> str:
    return t(refusal_key(exc), **refusal_params(exc))


def refusal(exc: Exception) -> html.Div:
    """The notice for one of REFUSALS, in place of a page."""
    key = refusal_key(exc)
    return notice(key, colour="yellow" if key == "error.warehouse" else "red",
                  **refusal_params(exc))
