"""One look for the whole app: colours, fonts, the plotly template (docs/design.md §4, §5, §7)."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

FONT_STACK = (
    '"Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
)
PRIMARY = "#1c5fa8"
TEXT = "#1f2a37"
MUTED = "#5b6877"
GRID = "#e3e8ef"
NO_DATA = "#c9ced6"
# Status colours, the same everywhere (wall included).
STATUS = {
    "overdue": "#c62828",
    "due_soon": "#e0a100",
    "on_track": "#1c5fa8",
    "closed": "#2e7d32",
    "draft": "#8a94a3",
}
GOOD, BAD, NEUTRAL = "#2e7d32", "#c62828", "#5b6877"
# Monitoring types: distinct, colour-blind safe (Okabe-Ito).
TYPE_COLOURS = ["#0072B2", "#E69F00", "#CC79A7"]
SERIES = ["#1c5fa8", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]

MANTINE_THEME = {
    "fontFamily": FONT_STACK,
    "headings": {"fontFamily": FONT_STACK},
    "primaryColor": "jzblue",
    "colors": {
        "jzblue": [
            "#e8f1fb",
            "#cfe0f5",
            "#a6c6ec",
            "#7aa9e1",
            "#5490d6",
            "#3479c9",
            "#1c5fa8",
            "#174f8c",
            "#123f70",
            "#0d2f54",
        ]
    },
    "defaultRadius": "sm",
}

pio.templates["jingzhun"] = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT_STACK, "size": 13, "color": TEXT},
        title={
            "font": {"size": 15, "color": TEXT},
            "x": 0,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
        },
        colorway=SERIES,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 56, "r": 56, "t": 72, "b": 36},
        xaxis={"gridcolor": GRID, "linecolor": GRID, "zeroline": False},
        yaxis={"gridcolor": GRID, "linecolor": GRID, "zeroline": False},
        legend={
            "orientation": "h",
            "y": 1.0,
            "yanchor": "bottom",
            "x": 1,
            "xanchor": "right",
            "font": {"size": 12},
        },
        hoverlabel={"font": {"family": FONT_STACK}},
    )
)
TEMPLATE = "jingzhun"
# A month axis labelled the same in every language (plotly's own date ticks say "Jan
# 2025"): months while they fit, years when zoomed out.
MONTH_AXIS = {
    "type": "date",
    "hoverformat": "%Y-%m",
    "tickformatstops": [
        {"dtickrange": [None, "M1"], "value": "%Y-%m-%d"},
        {"dtickrange": ["M1", "M12"], "value": "%Y-%m"},
        {"dtickrange": ["M12", None], "value": "%Y"},
    ],
}

GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


_TEMPLATE_JSON = pio.templates[TEMPLATE].to_plotly_json()


def figure(data: list[dict], layout: dict) -> dict:
    """A plotly figure as a plain dict with the app's template.

    Building go.Figure objects validates every property and costs tens of milliseconds
    per chart; a dict costs nothing and dcc.Graph renders it the same.
    """
    return {"data": data, "layout": {"template": _TEMPLATE_JSON, **layout}}
