"""KPI cards: label, value with unit, change against the previous period, the period."""

from __future__ import annotations

from dataclasses import dataclass

import dash_mantine_components as dmc
from dash import html

from components.theme import BAD, GOOD, NEUTRAL


@dataclass(frozen=True)
class Kpi:
    key: str  # stable id for tests and exports
    label: str
    value: str  # formatted for the locale
    unit: str = ""
    exact: str = ""  # the exact figure, when the value is rounded (万)
    delta: str = ""  # signed change, formatted
    direction: int = 0  # +1 up, -1 down, 0 flat or unknown
    good_when: int = 0  # +1 a rise is good, -1 a rise is bad, 0 neutral
    period: str = ""
    note: str = ""


def _delta_colour(k: Kpi) -> str:
    if k.direction == 0 or k.good_when == 0:
        return NEUTRAL
    return GOOD if k.direction * k.good_when > 0 else BAD


def card(k: Kpi) -> html.Div:
    arrow = {1: "▲ ", -1: "▼ ", 0: ""}[k.direction]
    return html.Div(
        **{"data-kpi": k.key},
        className="jz-kpi",
        children=dmc.Paper(
            withBorder=True,
            p="md",
            radius="sm",
            h="100%",
            children=[
                dmc.Text(k.label, size="sm", c="dimmed", className="jz-kpi-label"),
                html.Div(
                    className="jz-kpi-value",
                    children=[
                        html.Span(k.value, className="jz-kpi-number", title=k.exact or k.value),
                        html.Span(k.unit, className="jz-kpi-unit"),
                    ],
                ),
                dmc.Text(k.exact, size="xs", c="dimmed", className="jz-kpi-exact")
                if k.exact and k.exact != k.value
                else None,
                dmc.Text(
                    arrow + k.delta,
                    size="sm",
                    className="jz-kpi-delta",
                    style={"color": _delta_colour(k)},
                )
                if k.delta
                else None,
                dmc.Text(k.note, size="xs", c="dimmed") if k.note else None,
                dmc.Text(k.period, size="xs", c="dimmed", className="jz-kpi-period"),
            ],
        ),
    )


def grid(kpis: list[Kpi]) -> dmc.SimpleGrid:
    return dmc.SimpleGrid(cols={"base": 2, "md": 4}, spacing="md", children=[card(k) for k in kpis])
