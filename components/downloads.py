"""A download link for a chart: the server rebuilds the chart from the page's parameters
and renders it as a PNG at 2× (exports/charts.py names every chart)."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import html

from i18n import t


def png_href(chart: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"/export/chart/{chart}.png" + (f"?{query}" if query else "")


def may_export() -> bool:
    """The user of the current request may make images (``briefings.make``); outside a
    request (a briefing being rendered) the caller has been checked already."""
    from flask import has_request_context

    if not has_request_context():
        return True
    from flask_login import current_user

    from access import can, scope_of

    return can(scope_of(current_user), "briefings.make")


def with_png(graph, chart: str, link_id: str | None = None, **params) -> html.Div:
    """The graph with a small "PNG" link in its lower right corner, for a user who may
    make images (a department account has no link that would only be refused)."""
    if not may_export():
        return html.Div([graph], className="jz-chart")
    link = html.A(t("export.png"), href=png_href(chart, **params), className="jz-png",
                  title=t("export.png_title"), download="", **{"data-chart": chart},
                  **({"id": link_id} if link_id else {}))
    return html.Div([graph, link], className="jz-chart")
