"""The wall display's panels: dark, large and without anything to touch (docs/design.md §1.2).

Everything is laid out on a design canvas 1080 px high (1920 px wide, wider for joined
screens) that assets/wall.js scales to the screen. No text is smaller than MIN_FONT px
on the canvas. The figures come from the same queries and the same card functions as
the browser pages, so the wall and the overview page show the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

import dash_leaflet as dl
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from dash import dcc, html

from access import prefix_of
from components import charts, maps
from components import monitoring as mon
from components.kpi import Kpi
from components.overview import cards
from components.region import fmt_value
from components.tasks import region_label
from components.theme import FONT_STACK, MONTH_AXIS, NO_DATA, STATUS
from domain import clock
from domain.indicators import INDICATORS
from i18n import (
    N_,
    fmt_count,
    fmt_date,
    fmt_exact,
    fmt_month_period,
    fmt_time_zoned,
    is_partial_month,
    t,
    zone_name,
)

MIN_FONT = 20  # px on the 1080-high canvas: readable from 5 m on a 2.5 m high wall
PANEL, LINE = "#0d1e36", "#1f3b60"  # the page itself is styled in assets/wall.css
TEXT, MUTED = "#e8eef6", "#a9bbd1"
WALL_SERIES = ["#4fc3f7", "#ffb74d", "#81c784", "#f06292", "#ba68c8"]
# The headline cards the wall shows, from the overview page's cards (same figures).
KPI_KEYS = (
    "pp_exited",
    "hh_monitored",
    "risk_eliminated_rate",
    "hh_below_monitoring_line",
    "hh_registered",
    "pp_registered",
)
# The indicators the map cycles through.
MAP_INDICATORS = (
    "hh_unresolved_per_1000",
    "hh_monitored_per_1000",
    "risk_eliminated_rate",
    "identification_timeliness",
)
PER_1000 = INDICATORS["hh_unresolved_per_1000"]  # the ranking's figure
VIEW_LABEL = {
    "overview": N_("wall.view.overview"),
    "risk": N_("wall.view.risk"),
    "dispatch": N_("wall.view.dispatch"),
}
LEVEL_LABEL = {3: N_("wall.level.3"), 4: N_("wall.level.4"), 5: N_("wall.level.5")}
BOARD_LABEL = {
    "open": N_("wall.board.open"),
    "overdue": N_("wall.board.overdue"),
    "escalated": N_("wall.board.escalated"),
    "closed_30d": N_("wall.board.closed_30d"),
    "feedback": N_("wall.board.feedback"),
}

# ``w`` below is a queries.api.WallView (read by the page), ``lang`` the language.

pio.templates["jingzhun_wall"] = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT_STACK, "size": MIN_FONT, "color": TEXT},
        title={
            "font": {"size": 26, "color": TEXT},
            "x": 0,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
        },
        colorway=WALL_SERIES,
        paper_bgcolor=PANEL,
        plot_bgcolor=PANEL,
        margin={"l": 80, "r": 24, "t": 64, "b": 56},
        xaxis={
            "gridcolor": LINE,
            "linecolor": LINE,
            "zeroline": False,
            "tickfont": {"size": MIN_FONT, "color": MUTED},
        },
        yaxis={
            "gridcolor": LINE,
            "linecolor": LINE,
            "zeroline": False,
            "tickfont": {"size": MIN_FONT, "color": MUTED},
        },
        legend={
            "orientation": "h",
            "y": 1.0,
            "yanchor": "bottom",
            "x": 1,
            "xanchor": "right",
            "font": {"size": MIN_FONT, "color": TEXT},
        },
    )
)
_TEMPLATE = pio.templates["jingzhun_wall"].to_plotly_json()
GRAPH_CONFIG = {"displayModeBar": False, "staticPlot": True, "responsive": True}


def wall_figure(data: list[dict], layout: dict) -> dict:
    return {"data": data, "layout": {"template": _TEMPLATE, "autosize": True, **layout}}


def _graph(fig: dict, gid: str) -> dcc.Graph:
    return dcc.Graph(
        id=gid,
        figure=fig,
        config=GRAPH_CONFIG,
        className="jz-wall-graph",
        style={"height": "100%", "width": "100%"},
    )


def panel(area: str, title: str, body, cls: str = "") -> html.Section:
    return html.Section(
        className=f"jz-wall-panel {cls}".strip(),
        style={"gridArea": area},
        **{"data-panel": area},
        children=[
            html.H2(title, className="jz-wall-panel-title"),
            html.Div(body, className="jz-wall-panel-body"),
        ],
    )


# ------------------------------------------------------------------ headline cards
def _kpi(k: Kpi, lang: str) -> html.Div:
    arrow = {1: "▲ ", -1: "▼ ", 0: ""}[k.direction]
    tone = (
        "flat"
        if k.direction == 0 or k.good_when == 0
        else "good"
        if k.direction * k.good_when > 0
        else "bad"
    )
    return html.Div(
        className="jz-wall-kpi",
        **{"data-kpi": k.key},
        children=[
            html.Div(k.label, className="jz-wall-kpi-label"),
            html.Div(
                className="jz-wall-kpi-value",
                children=[
                    html.Span(k.value, className="jz-wall-kpi-number", **{"data-counter": k.value}),
                    # English labels already name the unit ("Monitored households"), and English
                    # numbers are long: the unit is left out there.
                    html.Span(k.unit, className="jz-wall-kpi-unit") if lang == "zh" else None,
                ],
            ),
            html.Div(arrow + k.delta, className=f"jz-wall-kpi-delta is-{tone}"),
            html.Div(k.period, className="jz-wall-kpi-period"),
        ],
    )


def kpi_panel(w, lang: str) -> html.Section:
    by_key = {k.key: k for k in cards(w.overview, lang=lang)}
    as_of = fmt_date(w.overview.version.as_of, lang)
    return panel(
        "kpi",
        t("wall.kpis", lang, as_of=as_of),
        html.Div(
            [_kpi(by_key[k], lang) for k in KPI_KEYS if k in by_key], className="jz-wall-kpis"
        ),
    )


# ------------------------------------------------------------------ the map
def _map_data(w, lang: str) -> tuple[dict, list]:
    """The units as GeoJSON with one colour per cycled indicator (classes as on the
    region page's map), and a legend per indicator."""
    v = w.region
    by_code = v.children.set_index("code") if len(v.children) else None
    colours: dict[str, list[str]] = {}
    legends = []
    for key in MAP_INDICATORS:
        ind = INDICATORS[key]
        values = v.children[ind.column] if by_code is not None else pd.Series(dtype=float)
        bounds = maps.classes(values, digits=ind.digits)
        palette = maps.class_colours(maps.palette(ind), bounds)
        for code in v.geometry["code"]:
            k = (
                maps.class_of(by_code.at[code, ind.column], bounds, ind.digits)
                if by_code is not None and code in by_code.index
                else None
            )
            colours.setdefault(code, []).append(palette[k] if k is not None else NO_DATA)
        legends.append(_legend(key, bounds, palette, lang))
    names = by_code["name"].to_dict() if by_code is not None else {}
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(row.geojson),
            "properties": {"name": names.get(row.code, row.code), "colors": colours[row.code]},
        }
        for row in v.geometry.itertuples(index=False)
    ]
    return {"type": "FeatureCollection", "features": features}, legends


def _legend(key: str, bounds: list[float], colours: list[str], lang: str) -> html.Div:
    ind = INDICATORS[key]
    items = []
    for label, c in zip(maps.class_labels(bounds, lambda b: fmt_value(ind, b, lang=lang)), colours):
        items.append(
            html.Div(
                [html.Span(className="jz-wall-swatch", style={"background": c}), label],
                className="jz-wall-legend-item",
            )
        )
    items.append(
        html.Div(
            [
                html.Span(className="jz-wall-swatch", style={"background": NO_DATA}),
                t("data.no_data", lang),
            ],
            className="jz-wall-legend-item",
        )
    )
    return html.Div(
        [html.Div(t(ind.label_key, lang), className="jz-wall-legend-title"), *items],
        className="jz-wall-legend",
    )


def _map_layers(fc: dict, outline: dict | None, k: int, fixed: str | None, index: int) -> list:
    """The map's layers: the units coloured by indicator ``k`` (named unless ``fixed``),
    then the unit's outline on top."""
    # A map fixed on one indicator is left out of the cycle (its own id type).
    kind = "wall-geojson-fixed" if fixed else "wall-geojson"
    layers = [
        dl.GeoJSON(
            id={"type": kind, "index": index},
            data=fc,
            hideout={"k": k},
            style={"variable": "jz.wall.style"},
            # names only where the map is large enough to hold them
            onEachFeature=None if fixed else {"variable": "jz.wall.label"},
            pointToLayer={"variable": "jz.wall.point"},
            interactive=False,
        )
    ]
    if outline:
        layers.append(
            dl.GeoJSON(
                data={
                    "type": "Feature",
                    "geometry": json.loads(outline["geojson"]),
                    "properties": {},
                },
                style={"variable": "jz.wall.outline"},
                interactive=False,
            )
        )
    return layers


def _wall_map(layers: list, outline: dict | None, index: int) -> dl.Map:
    """The map itself, framed on the unit's outline, with nothing to touch."""
    bounds = (
        [[outline["lat_min"], outline["lon_min"]], [outline["lat_max"], outline["lon_max"]]]
        if outline
        else [[31.7, 105.5], [39.6, 111.3]]
    )
    return dl.Map(
        layers,
        bounds=bounds,
        className="jz-wall-map",
        trackViewport=False,
        attributionControl=False,
        zoomControl=False,
        dragging=False,
        scrollWheelZoom=False,
        doubleClickZoom=False,
        boxZoom=False,
        keyboard=False,
        touchZoom=False,
        zoomSnap=0.1,
        # the legend sits bottom left: keep the units clear of it
        boundsOptions={"paddingTopLeft": [310, 24], "paddingBottomRight": [24, 24]},
        id={"type": "wall-map", "index": index},
    )


def map_panel(w, index: int, fixed: str | None = None, *, lang: str) -> html.Section:
    """The units below on a map without tiles, coloured by the indicators in turn (or by
    ``fixed`` only), with their names on them."""
    fc, legends = _map_data(w, lang)
    k = MAP_INDICATORS.index(fixed) if fixed else 0
    o = w.region.outline
    layers = _map_layers(fc, o, k, fixed, index)
    month = fmt_month_period(w.region.month, w.region.version.as_of, lang)
    return panel(
        "map",
        t("wall.map", lang, region=w.region.unit["name"], period=month),
        [
            _wall_map(layers, o, index),
            html.Div(
                legends,
                className=f"jz-wall-legends k-{k}",
                id={"type": "wall-legends-fixed" if fixed else "wall-legends", "index": index},
            ),
        ],
        cls="jz-wall-panel--map",
    )


# ------------------------------------------------------------------ trends
def trend_panel(w, lang: str) -> html.Section:
    m = w.overview.months.sort_values("month").tail(24)
    x = [pd.Timestamp(v).strftime("%Y-%m-01") for v in m["month"]]
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": [None if pd.isna(v) else int(v) for v in m[col]],
            "name": t(key, lang),
            "line": {"width": 4, "color": colour},
        }
        for col, key, colour in (
            ("hh_monitored", N_("wall.trend.monitored"), WALL_SERIES[0]),
            ("hh_unresolved", N_("wall.trend.unresolved"), WALL_SERIES[1]),
        )
    ]
    layout = {
        "margin": {"l": 96, "r": 24, "t": 48, "b": 48},
        "xaxis": {**MONTH_AXIS, "tickformat": "%Y-%m", "nticks": 5},
        "yaxis": {"tickformat": "~s", "rangemode": "tozero"},
        "legend": {"x": 0, "xanchor": "left", "y": 1.02},
    }
    as_of = w.region.version.as_of
    if x and is_partial_month(m["month"].iloc[-1], as_of):
        # The last month runs to the data's date: its point is of that day, and said so.
        layout["xaxis"]["range"] = [x[0], x[-1]]  # no padding month for the marker
        for trace in data:
            trace["mode"], trace["cliponaxis"] = "lines+markers", False
            trace["marker"] = {
                "size": [0] * (len(x) - 1) + [14],
                "symbol": "circle-open",
                "line": {"width": 3, "color": trace["line"]["color"]},
            }
        top = data[0]["y"][-1]  # over the last point of the upper line (monitored)
        layout["annotations"] = [
            {
                **charts.partial_annotation(
                    x[-1], charts.partial_label(as_of, lang=lang), MUTED, y=top
                ),
                "xanchor": "right",
                "bgcolor": "rgba(0,0,0,0)",
                "yshift": 6,
                "font": {"size": MIN_FONT, "color": MUTED},
            }
        ]
    fig = wall_figure(data, layout)
    return panel(
        "trend",
        t("wall.trend", lang, region=w.region.unit["name"]),
        _graph(fig, f"wall-trend-{w.region.unit['code']}"),
    )


# ------------------------------------------------------------------ ranking
def _esc(value) -> str:
    """A value for the HTML lists: escaped, and on one line (a blank line would end the
    HTML block and let the rest be read as Markdown: images, links, headings)."""
    return escape(" ".join(str(value).split()))


def _html(markup: str, cls: str) -> dcc.Markdown:
    """A list as one component of HTML (every value escaped): a wall list has hundreds of
    rows, and the Dash renderer spends about 5 ms on each component it mounts."""
    return dcc.Markdown(markup, dangerously_allow_html=True, className=cls, link_target="_self")


def _track(rows: list[str], cls: str, seconds_per_row: float, scroll_after: int) -> str:
    """The rows of a list; a long one twice over, moved up by half, loops without a seam."""
    if len(rows) <= scroll_after:
        return f'<ul class="{cls}">{"".join(rows)}</ul>'
    return (
        f'<ul class="{cls} is-scrolling" style="animation-duration: '
        f'{len(rows) * seconds_per_row:g}s">{"".join(rows + rows)}</ul>'
    )


def ranking_panel(w, area: str = "rank", *, lang: str) -> html.Section:
    rows = [
        f'<li class="jz-wall-rank-row"><span class="jz-wall-rank-no">{i}</span>'
        f'<span class="jz-wall-rank-name">{_esc(str(row.name))}'
        f"<small>{_esc(str(row.parent_name))}</small></span>"
        f'<span class="jz-wall-rank-value">{_esc(fmt_value(PER_1000, row.hh_unresolved_per_1000, lang=lang))}</span>'
        f'<span class="jz-wall-rank-count">{_esc(fmt_count(row.hh_unresolved, lang))}</span></li>'
        for i, row in enumerate(w.ranking.itertuples(index=False), 1)
    ]
    head = html.Div(
        className="jz-wall-rank-row jz-wall-rank-head",
        children=[
            html.Span("#", className="jz-wall-rank-no"),
            html.Span(t(LEVEL_LABEL[w.ranking_level], lang), className="jz-wall-rank-name"),
            html.Span(t("wall.rank.per_1000", lang), className="jz-wall-rank-value"),
            html.Span(t("wall.rank.households", lang), className="jz-wall-rank-count"),
        ],
    )
    if not rows:
        body = html.Div(t("wall.rank.none", lang), className="jz-wall-empty")
    else:
        body = [
            head,
            html.Div(
                _html(_track(rows, "jz-wall-rank-track", 3, 8), "jz-wall-list"),
                className="jz-wall-clip",
            ),
        ]
    period = fmt_month_period(w.region.month, w.region.version.as_of, lang)
    return panel(area, t("wall.rank", lang, region=w.region.unit["name"], period=period), body)


# ------------------------------------------------------------------ instructions
@dataclass(frozen=True)
class Board:
    """The instructions' figures (ops.tasks.board) and the units' names (``regions``:
    code -> name, etl.refdata.region_names) its rows show."""

    counts: dict
    items: list[dict]
    overdue_by_region: dict
    regions: Mapping[str, str] = field(default_factory=dict)


def _status(task: dict) -> str:
    return "overdue" if task["overdue"] else "due_soon"


def board_counts(b: Board, lang: str) -> html.Div:
    tiles = [
        ("open", STATUS["on_track"]),
        ("overdue", STATUS["overdue"]),
        ("escalated", STATUS["due_soon"]),
        ("closed_30d", STATUS["closed"]),
        *([("feedback", STATUS["due_soon"])] if "feedback" in b.counts else []),
    ]
    return html.Div(
        className="jz-wall-board-counts",
        children=[
            html.Div(
                className="jz-wall-board-count",
                **{"data-count": key},
                children=[
                    html.Span(
                        fmt_exact(b.counts.get(key, 0)),
                        className="jz-wall-board-n",
                        style={"color": colour},
                        **{"data-counter": fmt_exact(b.counts.get(key, 0))},
                    ),
                    html.Span(t(BOARD_LABEL[key], lang), className="jz-wall-board-label"),
                ],
            )
            for key, colour in tiles
        ],
    )


def _board_row(task: dict, regions: Mapping[str, str], lang: str) -> str:
    late = -int(task["days_left"]) if task["overdue"] else 0
    tag = (
        t("wall.board.days_over", lang, n=late)
        if task["overdue"]
        else t("wall.board.escalated", lang)
    )
    return (
        f'<li class="jz-wall-board-row is-{_status(task)}">'
        f'<span class="jz-wall-board-tag">{_esc(tag)}</span>'
        f'<span class="jz-wall-board-title">{_esc(task["title"])}</span>'
        f'<span class="jz-wall-board-unit">{_esc(region_label(task["assignee_region"], regions))}'
        "</span></li>"
    )


def board_panel(b: Board, area: str = "board", counts: bool = True, *, lang: str) -> html.Section:
    rows = [_board_row(task, b.regions, lang) for task in b.items]
    if rows:
        listing = html.Div(
            _html(_track(rows, "jz-wall-board-track", 4, 6), "jz-wall-list"),
            className="jz-wall-clip",
        )
    else:
        listing = html.Div(t("wall.board.none", lang), className="jz-wall-empty")
    return panel(
        area,
        t("wall.board", lang),
        [board_counts(b, lang) if counts else None, listing],
        cls="jz-wall-panel--board",
    )


def overdue_units_panel(w, b: Board, lang: str) -> html.Section:
    """Overdue instructions by unit below (the assignee's unit or the one above it)."""
    kids = w.region.children
    counts = {code: 0 for code in kids["code"]} if len(kids) else {}
    for region, n in b.overdue_by_region.items():
        for code in counts:
            if region.startswith(prefix_of(code)):
                counts[code] += n
                break
    names = dict(zip(kids["code"], kids["name"])) if len(kids) else {}
    order = sorted(counts, key=lambda c: (-counts[c], c))[:12][::-1]
    fig = wall_figure(
        [
            {
                "type": "bar",
                "orientation": "h",
                "y": [names[c] for c in order],
                "x": [counts[c] for c in order],
                "marker": {"color": STATUS["overdue"]},
                "text": [fmt_exact(counts[c]) for c in order],
                "textposition": "outside",
                "textfont": {"size": MIN_FONT, "color": TEXT},
                "cliponaxis": False,
            }
        ],
        {
            "margin": {"l": 140, "r": 64, "t": 16, "b": 40},
            "xaxis": {
                "range": [0, max(5, max(counts.values(), default=0) * 1.15)],
                "tickformat": ",d",
                "nticks": 6,
            },
            "showlegend": False,
        },
    )
    return panel(
        "units",
        t("wall.units", lang, region=w.region.unit["name"]),
        _graph(fig, f"wall-units-{w.region.unit['code']}"),
    )


# ------------------------------------------------------------------ risk heatmap
def matrix_panel(w, lang: str) -> html.Section:
    fig = mon.matrix_figure(w.matrix, w.region.children, w.region.unit["name"], lang=lang)
    trace = {
        **fig["data"][0],
        "textfont": {"size": MIN_FONT},
        "colorbar": {
            "title": {"text": t("mon.per_1000", lang), "font": {"size": MIN_FONT}},
            "thickness": 20,
            "tickfont": {"size": MIN_FONT, "color": MUTED},
        },
        "xgap": 2,
        "ygap": 2,
    }
    layout = {k: v for k, v in fig["layout"].items() if k not in ("template", "height", "title")}
    layout["margin"] = {"l": 140, "r": 24, "t": 16, "b": 200}  # long English risk names
    layout["xaxis"] = {**layout["xaxis"], "tickangle": -30}
    return panel(
        "matrix",
        t("mon.matrix_title", lang, region=w.region.unit["name"]),
        _graph(wall_figure([trace], layout), f"wall-matrix-{w.region.unit['code']}"),
    )


# ------------------------------------------------------------------ the views
def view(kind: str, index: int, title: str, dwell: int, drawn: list | None = None) -> html.Div:
    """One view of the playlist: its ``drawn`` panels on the view's grid (shown at once:
    the script need not run before the first view appears), or, without them, an empty
    slot that the page fills once the first view is on screen."""
    attrs = {"data-index": index, "data-dwell": dwell, "data-title": title, "data-kind": kind}
    cls = f"jz-wall-view jz-wall-view--{kind}"
    if drawn is None:
        return html.Div([], className=cls, id={"type": "wall-slot", "index": index}, **attrs)
    return html.Div(drawn, className=cls + " is-active", **attrs)


def panels(kind: str, index: int, w, b: Board, lang: str) -> list:
    """The panels of one view."""
    if kind == "risk":
        return [
            matrix_panel(w, lang),
            map_panel(w, index, fixed="hh_unresolved_per_1000", lang=lang),
            ranking_panel(w, lang=lang),
        ]
    if kind == "dispatch":
        return [
            board_panel(b, counts=False, lang=lang),
            _counts_panel(b, lang),
            overdue_units_panel(w, b, lang),
        ]
    return [
        kpi_panel(w, lang),
        map_panel(w, index, lang=lang),
        trend_panel(w, lang),
        ranking_panel(w, lang=lang),
        board_panel(b, lang=lang),
    ]


def view_title(kind: str, region_name: str, lang: str) -> str:
    return t("wall.view_title", lang, view=t(VIEW_LABEL[kind], lang), region=region_name)


def _counts_panel(b: Board, lang: str) -> html.Section:
    return panel("counts", t("wall.board.summary", lang), board_counts(b, lang))


def ticker(latest: pd.DataFrame, rule_names: dict[str, str], lang: str) -> html.Footer:
    """The newest warnings: date, where and which rule; never who."""
    items = [
        f'<span class="jz-wall-tick"><b>{_esc(fmt_date(r.warned_on, lang))}</b> '
        f"{_esc(f'{r.county_name} {r.township_name} {r.village_name}')} · "
        f"{_esc(rule_names.get(r.rule_id, r.rule_id))}</span>"
        for r in latest.itertuples(index=False)
    ]
    if not items:
        none = _esc(t("wall.ticker.none", lang))
        items = [f'<span class="jz-wall-tick">{none}</span>']
    seconds = max(30, 6 * len(items))
    track = (
        f'<div class="jz-wall-ticker-track" style="animation-duration: {seconds}s">'
        f"{''.join(items + items)}</div>"
    )
    return html.Footer(
        className="jz-wall-ticker",
        children=[
            html.Div(t("wall.ticker", lang), className="jz-wall-ticker-label"),
            html.Div(_html(track, "jz-wall-list"), className="jz-wall-ticker-clip"),
        ],
    )


def header(
    region_name: str, views: list[dict], version: dict, active: int, lang: str
) -> html.Header:
    stamp = t(
        "wall.stamp",
        lang,
        as_of=fmt_date(version["as_of"], lang),
        built=fmt_time_zoned(version["built_at"]),
    )
    return html.Header(
        className="jz-wall-header",
        children=[
            html.Div(
                className="jz-wall-heading",
                children=[
                    html.H1(t("wall.title", lang, region=region_name), className="jz-wall-title"),
                    html.Div(stamp, className="jz-wall-stamp", id="wall-stamp"),
                ],
            ),
            html.Div(
                className="jz-wall-now",
                children=[
                    html.Div(
                        views[active]["title"] if views else "",
                        id="wall-viewname",
                        className="jz-wall-viewname",
                    ),
                    html.Div(
                        [
                            html.Span(
                                className="jz-wall-dot" + (" is-active" if i == active else ""),
                                **{"data-dot": i},
                            )
                            for i in range(len(views))
                        ],
                        className="jz-wall-dots",
                        id="wall-dots",
                    ),
                ],
            ),
            # The clock runs in the browser but shows the deployment's zone, whatever the
            # screen's computer is set to.
            html.Div(
                className="jz-wall-clockbox",
                children=[
                    html.Div(
                        "",
                        id="wall-clock",
                        className="jz-wall-clock",
                        **{"data-zone": clock.zone().key, "data-zone-name": zone_name(lang)},
                    ),
                    html.Div("", id="wall-clock-date", className="jz-wall-clock-date"),
                ],
            ),
            html.Div(t("wall.paused", lang), id="wall-paused", className="jz-wall-flag"),
            html.Div(t("wall.reconnecting", lang), id="wall-reconnect", className="jz-wall-flag"),
        ],
    )


def lang_attr(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"
