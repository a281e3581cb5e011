"""Risk heatmaps (/monitoring/<code>): where risk of falling (back) into poverty sits and
whether warnings are handled in time. Drills down like the region page."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from access import can, current_scope, raise_for_region
from components import kpi, maps, messages
from components import monitoring as view
from components import region as region_view
from components.downloads import with_png
from components.shell import breadcrumb
from components.theme import GRAPH_CONFIG
from domain import indicators
from exports import charts as chart_registry
from i18n import N_, fmt_date, fmt_exact, get_lang, t
from ops import warnings as W
from queries import api
from web import context, gate

dash.register_page(
    __name__,
    path_template="/monitoring/<code>",
    name="monitoring",
    title="精准 · 风险监测",
    path="/monitoring",
    nav={"label": N_("nav.monitoring"), "order": 25},
    access="indicators.view",
)

INTENSITY = indicators.INDICATORS["hh_unresolved_per_1000"]


def href(code: str) -> str:
    return f"/monitoring/{code}"


def layout(code: str | None = None, **_):
    scope = current_scope()
    lang = get_lang()
    code = code or scope.region_code
    try:
        decided = list(W.decided(context.ops(), scope))
        mv = api.monitoring_view(context.warehouse(), scope, code, decided)
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    v = mv.region
    w = mv.warnings
    units = v.children[["code", "name"]]
    return html.Div(
        className="jz-page",
        children=[
            breadcrumb(v.trail, href),
            _heading(v, w, lang),
            dcc.Store(id="mon-matrix-keys", data=view.matrix_keys(mv.matrix, units)),
            dmc.SimpleGrid(
                cols={"base": 2, "md": 5},
                spacing="sm",
                mb="md",
                children=[kpi.card(k) for k in _cards(v, w, lang)],
            ),
            dmc.Grid(
                gutter="md",
                children=[
                    dmc.GridCol(span={"base": 12, "lg": 5}, children=_map(v, lang)),
                    dmc.GridCol(span={"base": 12, "lg": 7}, children=_matrix(mv, code, lang)),
                ],
            ),
            _lifecycle(mv, lang),
            dmc.Grid(
                gutter="md",
                mt="md",
                children=[
                    dmc.GridCol(
                        span={"base": 12, "lg": 7},
                        children=dmc.Paper(
                            withBorder=True, p="xs", children=_calendars(mv, code, lang)
                        ),
                    ),
                    dmc.GridCol(span={"base": 12, "lg": 5}, children=_timeliness(v, code, lang)),
                ],
            ),
            _trend(mv, code, lang),
        ],
    )


def _heading(v, w: dict, lang: str):
    """The unit's name and the link to its warnings not yet decided."""
    return dmc.Group(
        justify="space-between",
        mb="sm",
        children=[
            dmc.Title(t("mon.title", lang, region=v.unit["name"]), order=2, id="mon-title"),
            dcc.Link(
                dmc.Button(
                    t(
                        "mon.to_warnings",
                        lang,
                        n=fmt_exact(w["undecided"]),
                        households=fmt_exact(w["undecided_households"]),
                    ),
                    color="red",
                    variant="light",
                ),
                href=f"/warnings?unit={v.unit['code']}",
                id="mon-warnings-link",
            ),
        ],
    )


def _matrix(mv, code: str, lang: str):
    """The matrix of the units below by risk type, its hint and the box a clicked cell fills."""
    return dmc.Paper(
        withBorder=True,
        p="xs",
        children=[
            with_png(
                dcc.Graph(
                    id="mon-matrix",
                    config=GRAPH_CONFIG,
                    figure=chart_registry.figure("mon-matrix", mv, lang),
                ),
                "mon-matrix",
                region=code,
            ),
            dmc.Text(t("mon.matrix_hint", lang), size="xs", c="dimmed"),
            html.Div(id="mon-cell"),
        ],
    )


def _lifecycle(mv, lang: str):
    """The warned households through the procedure, from warning to elimination."""
    return dmc.Paper(
        withBorder=True,
        p="md",
        mt="md",
        children=[
            dmc.Title(t("mon.lifecycle", lang, region=mv.region.unit["name"]), order=4, mb="xs"),
            view.lifecycle(
                mv.lifecycle,
                lang=lang,
                cases_of=mv.region.unit["code"] if can(current_scope(), "cases.view") else None,
            ),
        ],
    )


def _timeliness(v, code: str, lang: str):
    """The units below by identification within 15 days (timeliness)."""
    return dmc.Paper(
        withBorder=True,
        p="xs",
        children=with_png(
            dcc.Graph(figure=chart_registry.figure("mon-timely", v, lang), config=GRAPH_CONFIG),
            "mon-timely",
            region=code,
        ),
    )


def _trend(mv, code: str, lang: str):
    """Monitored households by type over time, with the note on the running month."""
    return dmc.Paper(
        withBorder=True,
        p="xs",
        mt="md",
        children=[
            with_png(
                dcc.Graph(
                    figure=chart_registry.figure("mon-trend", mv.region, lang), config=GRAPH_CONFIG
                ),
                "mon-trend",
                region=code,
            ),
            view.to_day_note(mv.to_day, lang=lang),
        ],
    )


def _cards(v, w: dict, lang: str) -> list[kpi.Kpi]:
    """The region page's cards of risk, then the warnings overdue."""
    cards = [
        region_view.card_for(v, indicators.INDICATORS[k], lang=lang)
        for k in (
            "hh_unresolved",
            "hh_unresolved_per_1000",
            "identification_timeliness",
            "risk_eliminated_rate",
        )
    ]
    # Rule hits (预警线索) and the households they concern, counted apart; the warned
    # households of the procedure (预警户) are the lifecycle's.
    cards.append(
        kpi.Kpi(
            key="warnings_overdue",
            label=t("mon.warnings_overdue", lang),
            value=fmt_exact(w["overdue"]),
            unit=t("unit.warnings", lang),
            note=t(
                "mon.warnings_undecided",
                lang,
                n=fmt_exact(w["undecided"]),
                households=fmt_exact(w["overdue_households"]),
                undecided_households=fmt_exact(w["undecided_households"]),
            ),
            good_when=-1,
            period=t("data.as_of", lang, date=fmt_date(v.version.as_of, lang)),
        )
    )
    return cards


def _map(v, lang: str):
    """The units below coloured by households with risk not eliminated per 1,000 people."""

    def fmt(x):
        return region_view.fmt_value(INTENSITY, x, lang=lang)

    fc, bounds, colours = maps.feature_collection(
        v.geometry, v.children, INTENSITY, fmt, href, lang=lang
    )
    schematic = bool(v.geometry["is_schematic"].any()) if len(v.geometry) else False
    period = region_view.period_label(INTENSITY, v, lang=lang)
    legend = maps.legend(INTENSITY, bounds, colours, fmt, period, schematic, lang=lang)
    points = bool(len(v.geometry)) and int(v.geometry["level"].iloc[0]) == 5
    name = v.map_parent["name"]
    return dmc.Paper(
        withBorder=True,
        p="xs",
        children=[
            dmc.Text(
                t("region.map_title", lang, region=name, indicator=t(INTENSITY.label_key, lang)),
                fw=600,
                mb=4,
            ),
            maps.region_map(
                fc,
                v.outline,
                legend,
                points,
                context.get().settings.tile_url,
                v.map_parent["code"],
                title=t(
                    "map.export_title",
                    lang,
                    region=name,
                    indicator=t(INTENSITY.label_key, lang),
                    period=period,
                ),
            ),
        ],
    )


def _calendars(mv, code: str, lang: str):
    """New warnings, identifications and eliminations by unit and month, in tabs: the
    registry's charts of this page that have a tab."""
    tabbed = [c for c in chart_registry.on_page("monitoring") if c.tab]
    return dmc.Tabs(
        value=tabbed[0].name,
        children=[
            dmc.TabsList([dmc.TabsTab(t(c.tab, lang), value=c.name) for c in tabbed]),
            *[
                dmc.TabsPanel(
                    with_png(
                        dcc.Graph(
                            figure=chart_registry.figure(c.name, mv, lang), config=GRAPH_CONFIG
                        ),
                        c.name,
                        region=code,
                    ),
                    value=c.name,
                )
                for c in tabbed
            ],
        ],
    )


@callback(
    Output("mon-cell", "children"),
    Input("mon-matrix", "clickData"),
    State("mon-matrix-keys", "data"),
    prevent_initial_call=True,
)
def cell(click, keys):
    """A cell of the matrix: the households behind it. The cell's unit comes from the
    browser, so it goes through the gate."""
    scope = current_scope()
    code, risk = view.clicked_cell(click, keys)
    try:
        raise_for_region(scope, code)
        unit = api.region(context.warehouse(), scope, code)
        df = api.risk_households(context.warehouse(), scope, code, int(risk))
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    return view.cell_households(unit["name"], risk, df, get_lang())
