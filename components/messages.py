"""Refusals and notices shown in place of a page: never data, always a reason."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from access import AccessDenied, RegionNotFound, RoleDenied
from i18n import N_, t

# The roles in words (access.roles.ROLES).
ROLE_LABEL = {
    "leader": N_("role.leader"),
    "manager": N_("role.manager"),
    "department": N_("role.department"),
    "cadre": N_("role.cadre"),
    "admin": N_("role.admin"),
    "wall": N_("role.wall"),
}

# ``lang`` below: the page's language; None is the request's (the callers are pages,
# web/ and app.py, which may rely on it).


def role_name(role: str, lang: str | None = None) -> str:
    return t(ROLE_LABEL[role], lang) if role in ROLE_LABEL else role


def notice(key: str, colour: str = "red", lang: str | None = None, **kw) -> html.Div:
    return html.Div(
        dmc.Alert(t(key, lang, **kw), color=colour, variant="light", className="jz-notice"),
        className="jz-page",
    )


def forbidden(lang: str | None = None) -> html.Div:
    return notice(N_("error.forbidden"), lang=lang)


def not_found(lang: str | None = None) -> html.Div:
    return notice(N_("error.not_found"), lang=lang)


def no_warehouse(lang: str | None = None) -> html.Div:
    return notice("error.warehouse", colour="yellow", lang=lang)


def role_denied(role: str, key: str = N_("error.role"), lang: str | None = None) -> html.Div:
    """Refused for the user's role (not for a region): the notice names the role."""
    return notice(key, lang=lang, role=role_name(role, lang))


def refusal_key(exc: Exception) -> str:
    """The message of a refusal (web.gate.REFUSALS): not for this role, outside the
    scope, no such unit, or (anything else) no warehouse."""
    if isinstance(exc, RoleDenied):
        return exc.key
    if isinstance(exc, AccessDenied):
        return N_("error.forbidden")
    if isinstance(exc, RegionNotFound):
        return N_("error.not_found")
    return "error.warehouse"


def refusal_params(exc: Exception, lang: str | None = None) -> dict:
    return {"role": role_name(exc.role, lang)} if isinstance(exc, RoleDenied) else {}


def refusal_text(exc: Exception, lang: str | None = None) -> str:
    return t(refusal_key(exc), lang, **refusal_params(exc, lang))


def refusal(exc: Exception, lang: str | None = None) -> html.Div:
    """The notice for a refusal (web.gate.REFUSALS), in place of a page."""
    key = refusal_key(exc)
    return notice(
        key,
        colour="yellow" if key == "error.warehouse" else "red",
        lang=lang,
        **refusal_params(exc, lang),
    )
