"""The household page's record of field work: the cadres' visits (走访) with their photos,
and the household's feedback tickets (贫困户反馈) with their state; both open on the field
pages (/m/, web/field.py), so their links load the page anew."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from components.cases import code_label
from domain import feedback as FB
from i18n import fmt_date, t


def visits_list(visits: list[dict], lang: str) -> html.Div:
    if not visits:
        return dmc.Text(t("field.card.no_visits", lang), size="sm", c="dimmed")
    return html.Ul(
        [
            html.Li(
                [
                    html.B(fmt_date(v["visited_on"], lang)),
                    f" · {code_label('visit_kind', v['kind'], lang)} · {v['created_by']} · ",
                    v["notes"],
                    *[
                        html.A(
                            t("field.card.photo", lang, n=i + 1),
                            href=f"/m/photo/{p}",
                            className="jz-inline-link",
                        )
                        for i, p in enumerate(v["photos"])
                    ],
                ]
            )
            for v in visits
        ],
        id="hhd-visits",
        className="jz-plain-list",
    )


def tickets_list(tickets: list[dict], lang: str) -> html.Div:
    if not tickets:
        return dmc.Text(t("fb.list.none", lang), size="sm", c="dimmed")
    return html.Ul(
        [
            html.Li(
                [
                    html.A(f"#{k['id']}", href=f"/m/feedback/{k['id']}"),
                    f" {fmt_date(k['received_on'], lang)} · "
                    f"{code_label('feedback_type', k['type'], lang)} · "
                    f"{t(FB.STATE_LABEL[k['state']], lang)} · ",
                    k["text"][:80],
                ],
                className="is-overdue" if k.get("overdue") else None,
            )
            for k in tickets
        ],
        id="hhd-tickets",
        className="jz-plain-list",
    )


def field_work(visits: list[dict], tickets: list[dict], lang: str) -> dmc.Paper:
    return dmc.Paper(
        withBorder=True,
        p="md",
        mb="md",
        children=[
            dmc.Title(t("field.card.visits", lang), order=4, mb="sm"),
            visits_list(visits, lang),
            dmc.Title(t("fb.list.title", lang), order=4, mt="md", mb="sm"),
            tickets_list(tickets, lang),
        ],
    )
