"""A download link for a chart: the server rebuilds the chart from the page's parameters
and renders it as a PNG at 2× (briefings/charts.py names every chart)."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import html

from web.i18n import t


def png_href(chart: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"/export/chart/{chart}.png" + (f"?{query}" if query else "")


def with_png(graph, chart: str, link_id: str | None = None, **params) -> html.Div:
    """The graph with a small "PNG" link in its lower right corner."""
    link = html.A(t("export.png"), href=png_href(chart, **params), className="jz-png",
                  title=t("export.png_title"), download="", **{"data-chart": chart},
                  **({"id": link_id} if link_id else {}))
    return html.Div([graph, link], className="jz-chart")
