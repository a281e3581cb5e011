"""Refusals and notices shown in place of a page: never data, always a reason."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from web.i18n import t


def notice(key: str, colour: str = "red", **kw) -> html.Div:
    return html.Div(dmc.Alert(t(key, **kw), color=colour, variant="light",
                              className="jz-notice"), className="jz-page")


def forbidden() -> html.Div:
    return notice("error.forbidden")


def not_found() -> html.Div:
    return notice("error.not_found")


def no_warehouse() -> html.Div:
    return notice("error.warehouse", colour="yellow")
