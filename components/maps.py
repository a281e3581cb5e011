"""Choropleth maps of a unit's children (dash-leaflet), with a legend and no tiles.

Polygons for cities, counties and schematic townships; points for villages. Classes are
the quantiles of the mapped values (5 classes at most) at the precision the legend shows,
plus an explicit "no data" class (or "not applicable", grey, when the indicator is not
defined for the period).
"""

from __future__ import annotations

import json
import math

import dash_leaflet as dl
import numpy as np
import pandas as pd
from dash import html

from components.theme import NO_DATA
from domain.indicators import Indicator
from i18n import shown, t

# ColorBrewer: YlOrRd for risk and poverty intensity, Blues for magnitudes (docs/design.md §4.4).
YLORRD = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
BLUES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]


def _fn(name: str) -> dict:
    return {"variable": f"jz.map.{name}"}


def palette(ind: Indicator) -> list[str]:
    return YLORRD if ind.good_when < 0 else BLUES


def classes(
    values: pd.Series, n: int = 5, whole: bool = False, digits: int | None = None
) -> list[float]:
    """Upper bounds of up to ``n`` quantile classes of the values that exist, as the
    legend shows them (``digits`` decimals, whole numbers for counts).

    Each bound is a value of the data rounded as shown, and bounds equal as shown are
    one: no class reads "0.2% – 0.2%", and none is empty (its bound's own value is in
    it, since ``class_of`` compares values as shown too)."""
    v = values.dropna().astype(float)
    if v.empty:
        return []
    qs = np.quantile(v, np.linspace(0, 1, n + 1)[1:], method="inverted_cdf")
    if whole:
        digits = 0
    if digits is None:
        return [float(q) for q in np.unique(qs)]
    return sorted({shown(q, digits) for q in qs})


def class_colours(pal: list[str], bounds: list[float]) -> list[str]:
    """Colours spread over the palette; a single class of zeros is the lightest."""
    k = len(bounds)
    if k == 0:
        return []
    if k == 1:
        return [pal[0] if bounds[0] <= 0 else pal[len(pal) // 2]]
    return [pal[round(i * (len(pal) - 1) / (k - 1))] for i in range(k)]


def class_of(value, bounds: list[float], digits: int | None = None) -> int | None:
    """The class of a value (compared as shown, at ``digits`` decimals), or None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    if digits is not None:
        value = shown(value, digits)
    for i, b in enumerate(bounds):
        if value <= b + 1e-12:
            return i
    return len(bounds) - 1


def feature_collection(
    geometry: pd.DataFrame, values: pd.DataFrame, ind: Indicator, fmt, href, *, lang: str
) -> tuple[dict, list[float], list[str]]:
    """GeoJSON of the children with colour, tooltip and link; the class bounds; colours."""
    bounds = classes(values[ind.column], digits=ind.digits) if len(values) else []
    colours = class_colours(palette(ind), bounds)
    by_code = values.set_index("code") if len(values) else pd.DataFrame()
    features = []
    for row in geometry.itertuples(index=False):
        rec = by_code.loc[row.code] if row.code in by_code.index else None
        name = rec["name"] if rec is not None else row.code
        value = rec[ind.column] if rec is not None else None
        k = class_of(value, bounds, ind.digits)
        text = fmt(value)
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(row.geojson),
                "properties": {
                    "code": row.code,
                    "name": name,
                    "href": href(row.code),
                    "color": colours[k] if k is not None else NO_DATA,
                    "tooltip": t(
                        "map.tooltip",
                        lang,
                        name=name,
                        value=text if text != "—" else t("data.no_data", lang),
                    ),
                    "schematic": bool(row.is_schematic),
                    # Where the unit's name goes on the map's image (its label point).
                    "label": _label_point(row),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}, bounds, colours


def _label_point(row) -> list[float] | None:
    lon, lat = getattr(row, "lon", None), getattr(row, "lat", None)
    if lon is None or lat is None or pd.isna(lon) or pd.isna(lat):
        return None
    return [float(lon), float(lat)]


def label_collection(fc: dict) -> dict:
    """The units' names at their label points: shown on the map's image only (the page
    names a unit in its tooltip), as many as fit without overlapping (assets/map.js)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": f["properties"]["label"]},
                "properties": {
                    "name": f["properties"]["name"],
                    "point": f["geometry"]["type"] == "Point",
                },
            }
            for f in fc["features"]
            if f["properties"].get("label")
        ],
    }


def legend(
    ind: Indicator,
    bounds: list[float],
    colours: list[str],
    fmt,
    period: str,
    schematic: bool,
    not_applicable: str | None = None,
    *,
    lang: str,
) -> html.Div:
    """The legend on the map: indicator, unit, period, classes, no data, schematic note.
    ``not_applicable`` (why, "不适用：贫困线 2020 年后停用") replaces the classes: every
    unit is grey."""
    items = []
    if not_applicable is None:
        for label, c in zip(class_labels(bounds, fmt), colours):
            items.append(
                html.Div(
                    [html.Span(className="jz-swatch", style={"background": c}), label],
                    className="jz-legend-item",
                )
            )
    items.append(
        html.Div(
            [
                html.Span(className="jz-swatch", style={"background": NO_DATA}),
                not_applicable or t("data.no_data", lang),
            ],
            className="jz-legend-item",
        )
    )
    return html.Div(
        className="jz-legend",
        id="region-legend",
        children=[
            html.Div(t(ind.label_key, lang), className="jz-legend-title"),
            html.Div(period, className="jz-legend-period"),
            *items,
            html.Div(t("map.schematic", lang), className="jz-legend-note") if schematic else None,
        ],
    )


def region_map(
    fc: dict,
    outline: dict,
    legend_div: html.Div,
    points: bool,
    tile_url: str | None,
    key: str,
    title: str = "",
    units_id: str = "region-map-geojson",
) -> html.Div:
    """The map, framed on the unit's extent; tiles only when an operator configured them.

    ``key`` (the unit's code) gives each unit its own map component: a drill mounts a
    new map framed on the new unit instead of keeping the old view. ``title`` (indicator,
    unit, period) heads the map's image, with the units' names and without the zoom
    buttons (assets/map.js forExport); the page shows neither. ``units_id`` names the
    units' layer, whose clicks a page's callback follows (pages/region.py drills for the
    pages of the figures; a page for other roles names its own layer and drills itself).
    """
    bounds = (
        [[outline["lat_min"], outline["lon_min"]], [outline["lat_max"], outline["lon_max"]]]
        if outline
        else [[31.7, 105.5], [39.6, 111.3]]
    )
    layers = [dl.TileLayer(url=tile_url)] if tile_url else []
    # The units first (their paths come first in the map's pane), the unit's bold
    # outline on top: it has no fill, so it never takes a click meant for a unit.
    layers.append(
        dl.GeoJSON(
            id=units_id,
            data=fc,
            style=_fn("style"),
            hoverStyle=_fn("hover"),
            pointToLayer=_fn("point") if points else None,
            onEachFeature=_fn("each"),
        )
    )
    if outline:
        layers.append(
            dl.GeoJSON(
                data={
                    "type": "Feature",
                    "geometry": json.loads(outline["geojson"]),
                    "properties": {},
                },
                style=_fn("outline"),
                interactive=False,
                id="region-map-outline",
            )
        )
    layers.append(
        dl.GeoJSON(
            data=label_collection(fc),
            pointToLayer=_fn("label"),
            interactive=False,
            id="region-map-labels",
        )
    )
    return html.Div(
        className="jz-map-box",
        children=[
            html.Div(title, className="jz-map-export-title") if title else None,
            dl.Map(
                layers,
                bounds=bounds,
                id=f"region-map-{key}",
                className="jz-map",
                # bounds frame the map (center and zoom would take precedence); no viewport
                # tracking: dash-leaflet's needs a center, and nothing here uses it.
                trackViewport=False,
                attributionControl=False,
                zoomSnap=0.25,
                boundsOptions={"padding": [12, 12]},
            ),
            legend_div,
        ],
    )


def _rings(geom: dict) -> list[list]:
    """The outer rings of a (multi)polygon."""
    if geom["type"] == "Polygon":
        return [geom["coordinates"][0]]
    if geom["type"] == "MultiPolygon":
        return [p[0] for p in geom["coordinates"]]
    return []


def class_labels(bounds: list[float], fmt) -> list[str]:
    """ "≤ a", "a – b", ... for the classes (the same words as the map's legend)."""
    out, low = [], None
    for b in bounds:
        out.append(f"≤ {fmt(b)}" if low is None else f"{fmt(low)} – {fmt(b)}")
        low = b
    return out


def _class_groups(
    geometry: pd.DataFrame,
    values: pd.DataFrame,
    ind: Indicator,
    bounds: list[float],
    names: bool,
) -> tuple[dict[int | None, dict], dict]:
    """The units' outlines and points grouped by class (None: no data), and the units'
    names at their label points (``x``, ``y``, ``text``; none unless ``names``)."""
    by_code = values.set_index("code") if len(values) else pd.DataFrame()
    groups: dict[int | None, dict] = {}
    label = {"x": [], "y": [], "text": []}
    for row in geometry.itertuples(index=False):
        rec = by_code.loc[row.code] if row.code in by_code.index else None
        k = class_of(rec[ind.column] if rec is not None else None, bounds, ind.digits)
        g = groups.setdefault(k, {"x": [], "y": []})
        geom = json.loads(row.geojson)
        if geom["type"] == "Point":
            g.setdefault("px", []).append(geom["coordinates"][0])
            g.setdefault("py", []).append(geom["coordinates"][1])
        for ring in _rings(geom):
            g["x"] += [p[0] for p in ring] + [None]
            g["y"] += [p[1] for p in ring] + [None]
        if names and rec is not None:
            label["x"].append(row.lon)
            label["y"].append(row.lat)
            label["text"].append(str(rec["name"]))
    return groups, label


def _class_traces(
    groups: dict[int | None, dict], colours: list[str], labels: list[str], lang: str
) -> list[dict]:
    """One filled trace (polygons) and one marker trace (points) per class, in class
    order, "no data" last; each named as the legend names its class."""
    data = []
    order = sorted(k for k in groups if k is not None) + ([None] if None in groups else [])
    for k in order:
        g = groups[k]
        colour = colours[k] if k is not None else NO_DATA
        name = labels[k] if k is not None else t("data.no_data", lang)
        if g["x"]:
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": g["x"],
                    "y": g["y"],
                    "fill": "toself",
                    "fillcolor": colour,
                    "name": name,
                    "line": {"color": "#ffffff", "width": 0.8},
                    "hoverinfo": "skip",
                }
            )
        if g.get("px"):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": g["px"],
                    "y": g["py"],
                    "name": name,
                    "marker": {
                        "color": colour,
                        "size": 11,
                        "line": {"color": "#5b6877", "width": 0.8},
                    },
                }
            )
    return data


def _names_trace(label: dict) -> dict:
    """The units' names as a text trace, out of the legend."""
    return {
        "type": "scatter",
        "mode": "text",
        "x": label["x"],
        "y": label["y"],
        "text": label["text"],
        "showlegend": False,
        "hoverinfo": "skip",
        "textfont": {"size": 10, "color": "#1f2a37"},
    }


def _static_layout(title: str, lat_mid: float) -> dict:
    """The static map's layout: title, legend at the right, no axes, and the shapes'
    proportions kept at the map's latitude."""
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    return {
        "height": 520,
        "title": {"text": title},
        "legend": {
            "orientation": "v",
            "x": 1.0,
            "xanchor": "left",
            "y": 0.5,
            "yanchor": "middle",
            "font": {"size": 12},
        },
        "margin": {"l": 8, "r": 8, "t": 48, "b": 8},
        "xaxis": axis,
        # Degrees of longitude shrink with latitude: keep the shapes' proportions.
        "yaxis": {
            **axis,
            "scaleanchor": "x",
            "scaleratio": 1 / max(math.cos(math.radians(lat_mid)), 0.2),
        },
    }


def static_map(
    geometry: pd.DataFrame,
    values: pd.DataFrame,
    ind: Indicator,
    fmt,
    title: str,
    names: bool = True,
    *,
    lang: str,
) -> dict:
    """The map of a unit's children as a plotly figure (for files: no tiles, no script):
    the same classes and colours as the interactive map, one filled trace per class,
    names at the units' label points."""
    from components.theme import figure

    bounds = classes(values[ind.column], digits=ind.digits) if len(values) else []
    colours = class_colours(palette(ind), bounds)
    labels = class_labels(bounds, fmt)
    lat_mid = float(geometry["lat"].mean()) if len(geometry) else 35.0
    groups, label = _class_groups(geometry, values, ind, bounds, names)
    data = _class_traces(groups, colours, labels, lang)
    if label["text"]:
        data.append(_names_trace(label))
    return figure(data, _static_layout(title, lat_mid))
