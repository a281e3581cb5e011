"""Pairings (/pairings?unit=<code> | ?cadre=<id> | ?assisting=<unit id>): who helps which
household (结对帮扶). A unit's households that need a cadre and have none, its cadres
paired with more households than the deployment allows (``cadre_max_households``) and the
units its cadres come from; one cadre's households with their open monitoring cases; one
assisting unit's cadres. Everything within the user's region (queries/pairings.py)."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from access import AccessDenied, RegionNotFound, can_access, current_scope
from components import messages
from components import pairings as view
from domain.cases import FINAL
from etl.refdata import region_names
from i18n import N_, get_lang, t
from queries import pairings as P
from queries.runner import WarehouseUnavailable
from services import cases
from web import context

dash.register_page(
    __name__,
    path="/pairings",
    name="pairings",
    title="精准 · 结对帮扶",
    nav={"label": N_("nav.pairings"), "order": 29},
    access="pairings.view",
)


def layout(unit=None, cadre=None, assisting=None, **_):
    scope, lang = current_scope(), get_lang()
    try:
        if cadre is not None:
            body = _cadre(scope, cadre, lang)
        elif assisting is not None:
            body = _assisting(scope, assisting, lang)
        else:
            body = _unit(scope, unit or scope.region_code, lang)
    except (AccessDenied, RegionNotFound):
        return messages.forbidden()
    except WarehouseUnavailable:
        return messages.no_warehouse()
    return html.Div(className="jz-page", children=body)


def _unit(scope, code, lang: str) -> list:
    names = region_names()
    if not isinstance(code, str) or code not in names or not can_access(scope, code):
        raise AccessDenied("unit outside the scope")
    most = context.settings().cadre_max_households
    v = P.unit_view(context.warehouse(), scope, code, most)
    return [
        dmc.Title(t("pair.title", lang, unit=names[code]), order=2, mb="xs"),
        view.summary(v.summary, most, lang),
        _section(t("pair.unpaired_title", lang), view.unpaired_grid(v.unpaired, lang)),
        _section(
            t("pair.overloaded_title", lang, n=most),
            view.cadre_grid("pair-overloaded", v.overloaded, lang),
        ),
        _section(t("pair.assisting_title", lang), view.assisting_grid(v.assisting, lang)),
        _section(t("pair.teams_title", lang), view.teams_grid(v.teams, lang)),
    ]


def _section(title: str, child) -> dmc.Paper:
    return dmc.Paper(
        withBorder=True,
        p="md",
        mb="md",
        children=[dmc.Title(title, order=4, mb="xs"), child],
    )


def _cadre(scope, cadre_id, lang: str) -> list:
    df = P.cadre_households(context.warehouse(), scope, cadre_id)
    if df.empty:
        return [messages.notice(N_("pair.no_cadre"))]
    first = df.iloc[0]
    engine = context.ops()
    open_cases = {
        int(hid): [
            c
            for c in cases.cases_of(engine, scope, household_id=int(hid))
            if c["state"] not in FINAL
        ]
        for hid in df["household_id"]
    }
    late = sum(1 for cs in open_cases.values() for c in cs if c.get("overdue"))
    return [
        dmc.Title(t("pair.cadre_title", lang, name=first["name"]), order=2, mb=4),
        dmc.Text(
            " · ".join([str(first["position"]), str(first["unit_name"])]), c="dimmed", size="sm"
        ),
        dcc.Link(t("pair.unit_link", lang), href=f"/pairings?assisting={int(first['unit_id'])}"),
        dmc.Text(
            t("pair.cadre_counts", lang, n=len(df), late=late),
            size="sm",
            mt="xs",
            mb="xs",
            id="pair-cadre-counts",
        ),
        view.cadre_households(df, open_cases, lang),
    ]


def _assisting(scope, unit_id, lang: str) -> list:
    df = P.unit_cadres(context.warehouse(), scope, unit_id)
    if df.empty:
        return [messages.notice(N_("pair.no_unit"))]
    return [
        dmc.Title(t("pair.unit_title", lang, unit=df.iloc[0]["unit_name"]), order=2, mb="xs"),
        dmc.Text(
            t("pair.unit_counts", lang, cadres=len(df), n=int(df["households"].sum())),
            size="sm",
            mb="sm",
        ),
        _section(t("pair.col.cadres", lang), view.cadre_grid("pair-unit-cadres", df, lang)),
    ]
