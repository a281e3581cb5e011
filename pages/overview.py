"""Overview (/): the user's region at a glance, or a unit below it (?region=CODE)."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from access import current_scope
from components import kpi, messages
from components import overview as view
from components.downloads import png_href, with_png
from components.shell import breadcrumb
from components.theme import GRAPH_CONFIG
from exports import charts as chart_registry
from i18n import N_, get_lang, t
from queries import api
from web import context, gate

dash.register_page(
    __name__,
    path="/",
    name="overview",
    title="精准 · 总览",
    nav={"label": N_("nav.overview"), "order": 0},
    access="indicators.view",
)


def href(code: str) -> str:
    return "/?" + urlencode({"region": code})


def _content(ov: api.Overview):
    lang = get_lang()
    return (
        kpi.grid(view.cards(ov, lang=lang)),
        chart_registry.figure("overview-poverty", ov, lang),
        chart_registry.figure("overview-monitoring", ov, lang),
        view.children_table(ov, href, lang=lang),
        view.children_title(ov, lang=lang),
    )


def _header(ov: api.Overview, version: api.DataVersion):
    """The page's title with the year picker."""
    return dmc.Group(
        justify="space-between",
        mb="sm",
        children=[
            dmc.Title(t("overview.title", region=ov.unit["name"]), order=2, id="overview-title"),
            dmc.Group(
                gap="xs",
                children=[
                    dmc.Text(t("overview.year"), size="sm"),
                    dmc.Select(
                        id="overview-year",
                        value=str(ov.year),
                        w=110,
                        allowDeselect=False,
                        data=[str(y) for y in reversed(version.years())],
                    ),
                ],
            ),
        ],
    )


def _charts(code: str, year: int, poverty, monitoring):
    """The poverty and monitoring charts side by side, each with its PNG download."""
    return dmc.SimpleGrid(
        cols={"base": 1, "lg": 2},
        mt="md",
        children=[
            dmc.Paper(
                with_png(
                    dcc.Graph(id="overview-poverty", figure=poverty, config=GRAPH_CONFIG),
                    "overview-poverty",
                    "overview-poverty-png",
                    region=code,
                    year=year,
                ),
                withBorder=True,
                p="xs",
            ),
            dmc.Paper(
                with_png(
                    dcc.Graph(id="overview-monitoring", figure=monitoring, config=GRAPH_CONFIG),
                    "overview-monitoring",
                    "overview-monitoring-png",
                    region=code,
                    year=year,
                ),
                withBorder=True,
                p="xs",
            ),
        ],
    )


def layout(region: str | None = None, year: str | None = None, **_):
    scope = current_scope()
    wh = context.warehouse()
    code = region or scope.region_code
    try:
        version = api.data_version(wh)
        ov = api.overview(wh, scope, code, _year(year))
        trail = api.ancestors(wh, scope, code)
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    cards, poverty, monitoring, table, table_title = _content(ov)
    return html.Div(
        className="jz-page",
        children=[
            breadcrumb(trail, href),
            _header(ov, version),
            dcc.Store(id="overview-region", data=code),
            html.Div(cards, id="overview-cards"),
            _charts(code, ov.year, poverty, monitoring),
            dmc.Paper(
                withBorder=True,
                p="md",
                mt="md",
                children=[
                    dmc.Title(table_title, order=4, mb="sm", id="overview-children-title"),
                    html.Div(table, id="overview-children-box"),
                ],
            ),
        ],
    )


@callback(
    Output("overview-cards", "children"),
    Output("overview-poverty", "figure"),
    Output("overview-monitoring", "figure"),
    Output("overview-children-box", "children"),
    Output("overview-children-title", "children"),
    Output("overview-poverty-png", "href"),
    Output("overview-monitoring-png", "href"),
    Input("overview-year", "value"),
    State("overview-region", "data"),
    prevent_initial_call=True,
)
def update(year, code):
    """A new year: the region comes from the browser, so it goes through the gate again."""
    scope = current_scope()
    ov = api.overview(context.warehouse(), scope, code, _year(year))
    return (
        *_content(ov),
        *(
            png_href(c, region=code, year=ov.year)
            for c in ("overview-poverty", "overview-monitoring")
        ),
    )


def _year(value) -> int | None:
    """A year from the URL or the browser; anything else means the latest year."""
    return int(value) if isinstance(value, str) and value.isdigit() else None
