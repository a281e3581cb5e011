"""A download link for a chart: the server rebuilds the chart from the page's parameters
and renders it as a PNG at 2× (exports/charts.py names every chart)."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import html

from i18n import t


def png_href(chart: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"/export/chart/{chart}.png" + (f"?{query}" if query else "")


def with_png(
    graph,
    chart: str,
    link_id: str | None = None,
    *,
    may_export: bool = True,
    lang: str | None = None,
    **params,
) -> html.Div:
    """The graph with a small "PNG" link in its lower right corner, for a user who may
    make images (``may_export``: the caller checks ``briefings.make``; a department
    account has no link that would only be refused). ``lang`` None: the request's
    language (pages may leave it so)."""
    if not may_export:
        return html.Div([graph], className="jz-chart")
    link = html.A(
        t("export.png", lang),
        href=png_href(chart, **params),
        className="jz-png",
        title=t("export.png_title", lang),
        download="",
        **{"data-chart": chart},
        **({"id": link_id} if link_id else {}),
    )
    return html.Div([graph, link], className="jz-chart")
