"""Data quality (/quality/<code>?check=<id>): what the checks of config/quality.yaml found
in the registry as loaded (the national system's 疑点数据), by check and by unit below,
on a map, in a league of units (issues per 1,000 households), and the rows behind each
count, ID and phone numbers masked. Drills down like the region page; the URL is the
state."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
import duckdb
from dash import Input, Output, State, callback, dcc, html

from access import current_scope, raise_for_region
from components import kpi, maps, messages
from components import quality as view
from components.downloads import with_png
from components.shell import breadcrumb
from components.theme import GRAPH_CONFIG
from exports import charts as chart_registry
from i18n import N_, fmt_exact, get_lang, t
from queries import quality as Q
from web import context, gate

dash.register_page(
    __name__,
    path_template="/quality/<code>",
    name="quality",
    title="精准 · 数据质量",
    path="/quality",
    nav={"label": N_("nav.quality"), "order": 28.5},
    access="indicators.view",
)


def href(code: str, check: str = "") -> str:
    return f"/quality/{code}" + (f"?{urlencode({'check': check})}" if check else "")


def csv_href(code: str, check: str = "") -> str:
    return f"/export/quality/{code}.csv" + (f"?{urlencode({'check': check})}" if check else "")


def layout(code: str | None = None, check: str | None = None, **_):
    scope = current_scope()
    lang = get_lang()
    code = code or scope.region_code
    try:
        qv = Q.quality_view(
            context.warehouse(), scope, code, check if isinstance(check, str) else ""
        )
    except gate.REFUSALS as exc:
        return messages.refusal(exc)
    except duckdb.CatalogException:  # a warehouse built before the checks existed
        return messages.notice(N_("quality.not_evaluated"), colour="yellow")
    v, check = qv.region, qv.check
    what = view.names(qv.checks, lang).get(check, t("quality.all_checks", lang))
    return html.Div(
        className="jz-page",
        children=[
            breadcrumb(v.trail, lambda c: href(c, check)),
            _header(qv, lang),
            dmc.Text(
                t("quality.intro", lang, n=len(qv.checks), date=v.version.as_of.isoformat()),
                size="sm",
                c="dimmed",
                mb="sm",
            ),
            dcc.Store(id="quality-state", data={"code": v.unit["code"], "check": check}),
            dmc.Grid(
                gutter="md",
                children=[
                    dmc.GridCol(span={"base": 12, "lg": 7}, children=_map(qv, what, lang)),
                    dmc.GridCol(span={"base": 12, "lg": 5}, children=_summary(qv, lang)),
                    dmc.GridCol(span={"base": 12, "lg": 7}, children=_by_check(qv, lang)),
                    dmc.GridCol(span={"base": 12, "lg": 5}, children=_league(qv, what, lang)),
                    dmc.GridCol(span=12, children=_by_unit(qv, lang)),
                    dmc.GridCol(span=12, children=_issues(qv, what, lang)),
                ],
            ),
        ],
    )


def _summary(qv: Q.QualityView, lang: str) -> list:
    """The cards of the totals (or of the check shown) and the chart of issues by check."""
    v, check = qv.region, qv.check
    return [
        dmc.SimpleGrid(
            cols=2,
            spacing="sm",
            id="quality-cards",
            children=[kpi.card(k) for k in view.cards(qv.totals, qv.checks, check, lang=lang)],
        ),
        dmc.Paper(
            with_png(
                dcc.Graph(
                    id="quality-chart",
                    config=GRAPH_CONFIG,
                    figure=chart_registry.figure("quality-checks", (v.unit, qv.checks), lang),
                ),
                "quality-checks",
                region=v.unit["code"],
            ),
            withBorder=True,
            p="xs",
            mt="sm",
        ),
    ]


def _by_check(qv: Q.QualityView, lang: str):
    """The unit's issues check by check, each check linking to its rows."""
    v, check = qv.region, qv.check
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(t("quality.by_check", lang, region=v.unit["name"]), order=4, mb="xs"),
            view.checks_table(qv.checks, lambda c: href(v.unit["code"], c), check, lang=lang),
        ],
    )


def _league(qv: Q.QualityView, what: str, lang: str):
    """The league of the units of the level below (issues per 1,000 households)."""
    check = qv.check
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(
                t(
                    "quality.league",
                    lang,
                    level=t(view.LEVEL_KEY[qv.league_level], lang),
                    check=what,
                ),
                order=4,
                mb="xs",
            ),
            view.league_grid(qv.league, lambda c: href(c, check), lang=lang),
        ],
    )


def _by_unit(qv: Q.QualityView, lang: str):
    """The units below the map's parent, their issues by check."""
    v, check = qv.region, qv.check
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(t("quality.by_unit", lang, region=v.map_parent["name"]), order=4, mb="xs"),
            view.children_grid(
                v.children, qv.by_child, qv.checks, lambda c: href(c, check), lang=lang
            ),
        ],
    )


def _issues(qv: Q.QualityView, what: str, lang: str):
    """The rows behind the count (the first LIST_LIMIT of them), ID and phone masked."""
    check = qv.check
    listed, total = len(qv.issues), _total(qv, check)
    return dmc.Paper(
        withBorder=True,
        p="md",
        children=[
            dmc.Title(
                t(
                    "quality.rows_title",
                    lang,
                    check=what,
                    n=fmt_exact(listed),
                    total=fmt_exact(total),
                ),
                order=4,
                mb="xs",
                id="quality-rows-title",
            ),
            view.issues_grid(
                view.issue_records(qv.issues, qv.checks, lang=lang), bool(check), lang=lang
            ),
            dmc.Text(t("quality.masked", lang), size="xs", c="dimmed", mt=4),
        ],
    )


def _header(qv: Q.QualityView, lang: str):
    """The unit's name, the check shown (or all), the CSV of the rows behind it."""
    v, check = qv.region, qv.check
    options = [{"value": "", "label": t("quality.all_checks", lang)}] + [
        {"value": k, "label": n} for k, n in view.names(qv.checks, lang).items()
    ]
    return dmc.Group(
        justify="space-between",
        mb="xs",
        align="flex-end",
        children=[
            dmc.Title(t("quality.title", lang, region=v.unit["name"]), order=2, id="quality-title"),
            dmc.Group(
                align="flex-end",
                gap="xs",
                children=[
                    dmc.Select(
                        id="quality-check",
                        label=t("quality.check", lang),
                        data=options,
                        value=check,
                        w=340,
                        allowDeselect=False,
                        searchable=True,
                    ),
                    html.A(
                        dmc.Button(t("quality.export_csv", lang), variant="light"),
                        href=csv_href(v.unit["code"], check),
                        id="quality-csv",
                        download="",
                    ),
                ],
            ),
        ],
    )


def _map(qv: Q.QualityView, what: str, lang: str):
    """The units below coloured by issues per 1,000 households (of the check shown)."""
    v, check = qv.region, qv.check
    as_of = t("data.as_of", lang, date=v.version.as_of.isoformat())
    fc, bounds, colours = maps.feature_collection(
        v.geometry, v.children, view.PER_1000, view.fmt_rate, lambda c: href(c, check), lang=lang
    )
    legend = maps.legend(
        view.PER_1000,
        bounds,
        colours,
        view.fmt_rate,
        as_of,
        bool(v.geometry["is_schematic"].any()) if len(v.geometry) else False,
        lang=lang,
    )
    points = bool(len(v.geometry)) and int(v.geometry["level"].iloc[0]) == 5
    return dmc.Paper(
        withBorder=True,
        p="xs",
        children=[
            dmc.Text(
                t("quality.map_title", lang, region=v.map_parent["name"], check=what), fw=600, mb=4
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
                    region=v.map_parent["name"],
                    indicator=t(view.PER_1000.label_key, lang) + " · " + what,
                    period=as_of,
                ),
            ),
        ],
    )


def _total(qv: Q.QualityView, check: str) -> int:
    """The rows behind the count the list is for (it shows the first LIST_LIMIT)."""
    if not check:
        return int(qv.totals["issues"] or 0)
    row = qv.checks[qv.checks["id"] == check]
    return int(row["issues"].iloc[0] or 0) if len(row) else 0


@callback(
    Output("shell-url", "href", allow_duplicate=True),
    Input("quality-check", "value"),
    State("quality-state", "data"),
    prevent_initial_call=True,
)
def change_check(check, state):
    """Another check: only the URL changes (nothing when the control first appears). The
    unit comes from the browser: it goes through the gate again."""
    scope = current_scope()
    code = (state or {}).get("code") if isinstance(state, dict) else None
    raise_for_region(scope, code)
    check = check if isinstance(check, str) else ""
    if check == (state or {}).get("check", ""):
        return dash.no_update
    return href(code, Q.check_or_all(context.warehouse(), check))
