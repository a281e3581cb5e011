"""Pairings (结对帮扶) on screen: a unit's summary, its households without a cadre, its
overloaded cadres and assisting units; one cadre's households with their open cases;
one assisting unit's cadres. Pure: data and language in, Dash out."""

from __future__ import annotations

import dash_mantine_components as dmc
import pandas as pd
from dash import html

from components import tables
from components.cases import clock_text, code_label, state_badge
from i18n import fmt_date, fmt_exact, t


def _md_link(text, href: str) -> str:
    return f"[{text}]({href})"


def summary(s: dict, max_households: int, lang: str) -> dmc.SimpleGrid:
    cards = [
        ("needing", t("pair.needing", lang), s["needing"], "#123f70"),
        (
            "unpaired",
            t("pair.unpaired", lang),
            s["unpaired"],
            "red" if s["unpaired"] else "#123f70",
        ),
        ("cadres", t("pair.cadres", lang), s["cadres"], "#123f70"),
        (
            "overloaded",
            t("pair.overloaded", lang, n=max_households),
            s["overloaded"],
            "orange" if s["overloaded"] else "#123f70",
        ),
    ]
    return dmc.SimpleGrid(
        cols={"base": 2, "sm": 4},
        spacing="xs",
        mb="sm",
        id="pair-summary",
        children=[
            dmc.Paper(
                withBorder=True,
                p="sm",
                children=[
                    dmc.Text(label, size="sm", c="dimmed"),
                    dmc.Text(fmt_exact(n), fw=700, size="xl", c=colour, **{"data-figure": key}),
                ],
            )
            for key, label, n, colour in cards
        ],
    )


def unpaired_grid(df: pd.DataFrame, lang: str):
    rows = [
        {
            "household": _md_link(r["household_no"], f"/household/{r['household_id']}"),
            "head": r["head_name"],
            "members": r["members"],
            "village": r["village_name"],
            "type": code_label("monitor_type", r["monitor_type"], lang)
            if not pd.isna(r["monitor_type"])
            else code_label("household_type", r["household_type"], lang),
        }
        for r in df.to_dict("records")
    ]
    cols = [
        {
            "field": "household",
            "headerName": t("case.col.household", lang),
            "cellRenderer": "markdown",
            "minWidth": 160,
        },
        {"field": "head", "headerName": t("notice.col.head", lang), "width": 110},
        {"field": "members", "headerName": t("notice.col.members", lang), "width": 100},
        {"field": "village", "headerName": t("case.col.village", lang), "minWidth": 140},
        {"field": "type", "headerName": t("pair.col.type", lang), "minWidth": 140},
    ]
    return tables.grid("pair-unpaired", cols, rows, tables.fit_height(len(rows)), lang=lang)


def cadre_grid(grid_id: str, df: pd.DataFrame, lang: str):
    rows = [
        {
            "name": _md_link(r["name"], f"/pairings?cadre={r['cadre_id']}"),
            "position": r["position"],
            "unit": _md_link(r["unit_name"], f"/pairings?assisting={r['unit_id']}")
            if "unit_name" in r
            else "",
            "households": int(r["households"]),
        }
        for r in df.to_dict("records")
    ]
    cols = [
        {
            "field": "name",
            "headerName": t("pair.col.cadre", lang),
            "cellRenderer": "markdown",
            "minWidth": 120,
        },
        {"field": "position", "headerName": t("pair.col.position", lang), "width": 130},
        {
            "field": "unit",
            "headerName": t("pair.col.unit", lang),
            "cellRenderer": "markdown",
            "minWidth": 200,
        },
        {"field": "households", "headerName": t("pair.col.households", lang), "width": 110},
    ]
    return tables.grid(grid_id, cols, rows, tables.fit_height(len(rows)), lang=lang)


def assisting_grid(df: pd.DataFrame, lang: str):
    rows = [
        {
            "unit": _md_link(r["unit_name"], f"/pairings?assisting={r['unit_id']}"),
            "type": r["unit_type"],
            "cadres": int(r["cadres"]),
            "households": int(r["households"]),
        }
        for r in df.to_dict("records")
    ]
    cols = [
        {
            "field": "unit",
            "headerName": t("pair.col.unit", lang),
            "cellRenderer": "markdown",
            "minWidth": 220,
        },
        {"field": "type", "headerName": t("pair.col.unit_type", lang), "width": 120},
        {"field": "cadres", "headerName": t("pair.col.cadres", lang), "width": 100},
        {"field": "households", "headerName": t("pair.col.households", lang), "width": 110},
    ]
    return tables.grid("pair-assisting", cols, rows, tables.fit_height(len(rows)), lang=lang)


def cadre_households(df: pd.DataFrame, cases: dict[int, list[dict]], lang: str) -> html.Div:
    """A cadre's households, each with its open monitoring cases and what is late."""
    items = []
    for r in df.to_dict("records"):
        hid = int(r["household_id"])
        mine = cases.get(hid, [])
        items.append(
            dmc.Paper(
                withBorder=True,
                p="xs",
                className="jz-pair-household",
                children=[
                    dmc.Group(
                        [
                            html.A(
                                f"{r['head_name']} · {r['household_no']}", href=f"/household/{hid}"
                            ),
                            dmc.Text(
                                " · ".join(
                                    [
                                        r["village_name"],
                                        t("pair.since", lang, date=fmt_date(r["start_date"], lang)),
                                    ]
                                ),
                                size="xs",
                                c="dimmed",
                            ),
                        ],
                        gap="xs",
                    ),
                    *[
                        dmc.Group(
                            [
                                state_badge(c, lang),
                                html.A(f"#{c['id']}", href=f"/cases?case={c['id']}"),
                                dmc.Text(
                                    clock_text(c, lang),
                                    size="xs",
                                    c="red" if c.get("overdue") else "dimmed",
                                ),
                            ],
                            gap="xs",
                            mt=4,
                        )
                        for c in mine
                    ],
                ],
            )
        )
    return dmc.Stack(items, gap="xs", id="pair-cadre-households")


def teams_grid(df: pd.DataFrame, lang: str):
    """The villages with their work team and first secretary ("—" where none)."""
    rows = [
        {
            "village": r["village_name"],
            "team": "—"
            if pd.isna(r["unit_id"])
            else _md_link(r["team_unit"], f"/pairings?assisting={int(r['unit_id'])}"),
            "secretary": "—" if pd.isna(r["first_secretary"]) else r["first_secretary"],
        }
        for r in df.to_dict("records")
    ]
    cols = [
        {"field": "village", "headerName": t("case.col.village", lang), "minWidth": 160},
        {
            "field": "team",
            "headerName": t("pair.col.team", lang),
            "cellRenderer": "markdown",
            "minWidth": 220,
        },
        {"field": "secretary", "headerName": t("pair.col.secretary", lang), "width": 130},
    ]
    return tables.grid("pair-teams", cols, rows, tables.fit_height(len(rows)), lang=lang)
