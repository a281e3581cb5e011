"""The region page (/region/<code>): drill down from the province to a village.

The URL is the state: /region/<code>?indicator=...&year=...&month=... ; back, forward,
reload and a shared link restore the same view. Controls and map clicks only change the
URL; the page is rebuilt from it, through the gate, every time.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from access import AccessDenied, RegionNotFound, current_scope, raise_for_region
from components import kpi, maps, messages
from components import region as view
from components.downloads import with_png
from components.shell import breadcrumb
from components.theme import GRAPH_CONFIG
from domain import indicators
from exports import charts as chart_registry
from i18n import N_, get_lang, t
from queries import api
from web import context, gate

dash.register_page(
    __name__,
    path_template="/region/<code>",
    name="region",
    title="精准 · 地区",
    path="/region",
    nav={"label": N_("nav.region"), "order": 10},
    access="indicators.view",
)


# The pages whose maps drill down (each sends its own link in the feature).
MAP_PAGES = ("region", "dispatch", "monitoring", "quality")


def href(code: str, indicator: str | None = None, year=None, month=None) -> str:
    query = {k: v for k, v in (("indicator", indicator), ("year", year), ("month", month)) if v}
    return f"/region/{code}" + (f"?{urlencode(query)}" if query else "")


def layout(code: str | None = None, indicator: str | None = None, year=None, month=None, **_):
    scope = current_scope()
    lang = get_lang()
    if code is None or code == "none":
        code = scope.region_code
    ind = indicators.get(indicator)
    if year is None and ind.poverty_era:
        year = indicators.POVERTY_ERA_DEFAULT_YEAR
    try:
        v = api.region_view(context.warehouse(), scope, code, year, month, period=ind.period)
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    # The URL keeps both controls' values: the indicator's own period is the view's, the
    # other one stays as the URL had it (the view took the matching month or year).
    url_year = v.year if ind.period == "year" else api.parse_year(year, v.version)
    url_month = v.month if ind.period == "month" else api.parse_month(month, v.version)
    month_s = url_month.strftime("%Y-%m")

    def link(c: str) -> str:
        return href(c, ind.key, url_year, month_s)

    params = {"region": v.unit["code"], "year": url_year, "month": month_s}
    return html.Div(
        className="jz-page",
        children=[
            breadcrumb(v.trail, link),
            _header(v, ind, url_year, month_s, lang),
            dcc.Store(id="region-code", data=v.unit["code"]),
            dcc.Store(id="region-url", data=href(v.unit["code"], ind.key, url_year, month_s)),
            dmc.Grid(
                gutter="md",
                children=[
                    dmc.GridCol(
                        span={"base": 12, "lg": 7}, children=_map_panel(v, ind, link, lang)
                    ),
                    dmc.GridCol(
                        span={"base": 12, "lg": 5}, children=_summary(v, ind, params, lang)
                    ),
                    dmc.GridCol(span={"base": 12, "lg": 7}, children=_ranking(v, ind, link, lang)),
                    dmc.GridCol(
                        span={"base": 12, "lg": 5},
                        children=dmc.Paper(
                            withBorder=True, p="xs", children=_breakdowns(v, params, lang)
                        ),
                    ),
                ],
            ),
        ],
    )


def _map_panel(v, ind, link, lang: str):
    """The map of the units below under its title (the map's parent, the indicator)."""
    return dmc.Paper(
        withBorder=True,
        p="xs",
        children=[
            dmc.Text(
                t(
                    "region.map_title",
                    lang,
                    region=v.map_parent["name"],
                    indicator=t(ind.label_key, lang),
                ),
                fw=600,
                mb=4,
            ),
            _map(v, ind, link, lang),
        ],
    )


def _summary(v, ind, params: dict, lang: str) -> list:
    """The unit's cards for the indicator and the indicator's trend chart."""
    return [
        dmc.SimpleGrid(
            cols=2,
            spacing="sm",
            children=[kpi.card(k) for k in view.cards(v, ind, lang=lang)],
            id="region-cards",
        ),
        dmc.Paper(
            with_png(
                dcc.Graph(
                    id="region-trend",
                    config=GRAPH_CONFIG,
                    figure=chart_registry.figure("region-trend", (v, ind), lang),
                ),
                "region-trend",
                **params,
                indicator=ind.key,
            ),
            withBorder=True,
            p="xs",
            mt="sm",
        ),
    ]


def _ranking(v, ind, link, lang: str):
    """The units below ranked by the indicator, for the period shown."""
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(
                t("region.ranking", lang, period=view.period_label(ind, v, lang=lang)),
                order=4,
                mb="sm",
            ),
            view.ranked_table(v, ind, link, lang=lang),
        ],
    )


def _header(v, ind, url_year, month_s: str, lang: str):
    """The unit's name, the indicator and period controls, the link to its households."""
    options = [
        {"value": k, "label": t(i.label_key, lang)} for k, i in indicators.INDICATORS.items()
    ]
    return dmc.Group(
        justify="space-between",
        mb="sm",
        align="flex-end",
        children=[
            dmc.Title(v.unit["name"], order=2, id="region-title"),
            dmc.Group(
                gap="xs",
                align="flex-end",
                children=[
                    dmc.Select(
                        id="region-indicator",
                        label=t("region.indicator", lang),
                        data=options,
                        value=ind.key,
                        w=230,
                        allowDeselect=False,
                    ),
                    dmc.Select(
                        id="region-year",
                        label=t("overview.year", lang),
                        value=str(url_year),
                        data=[str(y) for y in reversed(v.version.years())],
                        w=100,
                        allowDeselect=False,
                        display="block" if ind.period == "year" else "none",
                    ),
                    dmc.Select(
                        id="region-month",
                        label=t("region.month", lang),
                        value=month_s,
                        data=view.month_options(api.months(v.version), v.version.as_of, lang=lang),
                        w=190,
                        allowDeselect=False,
                        display="block" if ind.period == "month" else "none",
                    ),
                    dcc.Link(
                        dmc.Button(t("region.households", lang), variant="light"),
                        href=f"/households/{v.unit['code']}",
                        id="region-households-link",
                    ),
                ],
            ),
        ],
    )


def _map(v, ind, link, lang: str):
    """The map of the units below, coloured by the indicator, with its legend."""

    def fmt(x):
        return view.fmt_value(ind, x, year=v.year if ind.period == "year" else None, lang=lang)

    fc, bounds, colours = maps.feature_collection(
        v.geometry, view.map_values(v, ind), ind, fmt, link, lang=lang
    )
    schematic = bool(v.geometry["is_schematic"].any()) if len(v.geometry) else False
    period = view.period_label(ind, v, lang=lang)
    legend = maps.legend(
        ind,
        bounds,
        colours,
        fmt,
        period,
        schematic,
        not_applicable=None if view.applies(v, ind) else view.not_applicable_note(ind, lang=lang),
        lang=lang,
    )
    points = bool(len(v.geometry)) and int(v.geometry["level"].iloc[0]) == 5
    return maps.region_map(
        fc,
        v.outline,
        legend,
        points,
        context.get().settings.tile_url,
        v.map_parent["code"],
        title=t(
            "map.export_title",
            lang,
            region=v.map_parent["name"],
            indicator=t(ind.label_key, lang),
            period=period,
        ),
    )


def _breakdowns(v, params: dict, lang: str):
    """The breakdowns (causes, risks, channels) in tabs: the registry's charts of this
    page that have a tab, in its order."""
    tabbed = [c for c in chart_registry.on_page("region") if c.tab]
    return dmc.Tabs(
        value=tabbed[0].name,
        children=[
            dmc.TabsList([dmc.TabsTab(t(c.tab, lang), value=c.name) for c in tabbed]),
            *[
                dmc.TabsPanel(
                    with_png(
                        dcc.Graph(
                            figure=chart_registry.figure(c.name, v, lang), config=GRAPH_CONFIG
                        ),
                        c.name,
                        **params,
                    ),
                    value=c.name,
                )
                for c in tabbed
            ],
        ],
    )


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("region-indicator", "value"),
    Input("region-year", "value"),
    Input("region-month", "value"),
    State("region-code", "data"),
    State("region-url", "data"),
    prevent_initial_call=True,
)
def change_view(indicator, year, month, code, current=None):
    """A new indicator or period: only the URL changes; the page is rebuilt from it.

    Dash also calls this when the page's controls first appear: the URL is then the
    page's own, and nothing changes (no extra render, no extra history entry).
    """
    raise_for_region(current_scope(), code)
    ind = indicators.get(indicator)
    version = api.data_version(context.warehouse())
    year = api.parse_year(year, version)
    # Switching to an indicator not defined for the year shown (poverty incidence after
    # 2020) opens it on its last poor year rather than on a map of "不适用".
    shown_before = parse_qs(urlparse(str(current or "")).query).get("indicator", [""])[0]
    if ind.key != shown_before and not ind.applies(year):
        year = indicators.POVERTY_ERA_DEFAULT_YEAR
    target = href(code, ind.key, year, api.parse_month(month, version).strftime("%Y-%m"))
    return dash.no_update if target == current else target


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("region-map-geojson", "clickData"),
    prevent_initial_call=True,
)
def drill(feature):
    """A click on a unit of the map: go to that unit (if the user may see it)."""
    scope = current_scope()
    if not feature:
        return dash.no_update
    props = feature.get("properties") or {}
    try:
        raise_for_region(scope, props.get("code"))
    except (AccessDenied, RegionNotFound):
        return dash.no_update
    target = str(props.get("href", ""))
    # Every map links to its own page for the unit; anything else is rebuilt.
    if target.startswith(tuple(f"/{page}/{props['code']}" for page in MAP_PAGES)):
        return target
    return href(props["code"])
