"""The household page's record of field work: the cadres' visits (走访) with their photos,
and the household's feedback tickets (贫困户反馈) with their state; both open on the field
pages (/m/, web/field.py), so their links load the page anew."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from components.cases import code_label
from domain import changes as CH
from domain import feedback as FB
from domain.masks import mask_id, mask_phone
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


def change_value(field: str, value: str | None, lang: str) -> str:
    """A change request's value as shown: its code's name, 是/否, a sum in yuan; phone
    and ID numbers masked (a request never shows them whole)."""
    if field == "disability_grade":
        return t("chg.value.none", lang) if value in (None, "0") else t("chg.grade", lang, n=value)
    if value is None or value == "":
        return "—"
    if field in CH.CODED:
        return code_label(CH.CODED[field], value, lang)
    if field in CH.BOOLEAN:
        return t("chg.value.yes", lang) if value == "true" else t("chg.value.no", lang)
    if field in CH.AMOUNTS:
        amount = format(int(value), ",")
        return t("chg.value.yuan", lang, n=amount)
    if field == "phone":
        return mask_phone(value)
    if field == "id_number":
        return mask_id(value)
    return value


def change_lines(change: dict, lang: str) -> list[dict]:
    """What a request changes, field by field: its label, the registry's value when the
    request was made and the new one."""
    original = change.get("original") or {}
    return [
        {
            "field": f,
            "label": t(CH.FIELD_LABEL[f], lang),
            # A new member and the year of a declaration have no value before.
            "old": None
            if change["kind"] == "member_new" or f == "year"
            else change_value(f, original.get(f), lang),
            "new": change_value(f, v, lang),
        }
        for f, v in change["values"].items()
        if f in CH.FIELD_LABEL
    ]


def change_summary(change: dict, lang: str) -> str:
    """One line: the kind, the member, what changes (old → new)."""
    parts = [
        f"{line['label']} {line['old']} → {line['new']}"
        if line["old"]
        else f"{line['label']} {line['new']}"
        for line in change_lines(change, lang)
    ]
    who = f" · {change['person_name']}" if change.get("person_name") else ""
    colon, semicolon = ("：", "；") if lang == "zh" else (": ", "; ")
    return f"{t(CH.KIND_LABEL[change['kind']], lang)}{who}{colon}" + semicolon.join(parts)


def changes_list(changes: list[dict], lang: str) -> html.Div:
    if not changes:
        return dmc.Text(t("chg.list.none", lang), size="sm", c="dimmed")
    return html.Ul(
        [
            html.Li(
                [
                    html.A(f"#{c['id']}", href=f"/m/changes/{c['id']}"),
                    f" {fmt_date(c['created_at'].date(), lang)} · "
                    f"{t(CH.STATE_LABEL[c['state']], lang)} · {change_summary(c, lang)}",
                ]
            )
            for c in changes
        ],
        id="hhd-changes",
        className="jz-plain-list",
    )


def field_work(
    visits: list[dict], tickets: list[dict], changes: list[dict], lang: str
) -> dmc.Paper:
    return dmc.Paper(
        withBorder=True,
        p="md",
        mb="md",
        children=[
            dmc.Title(t("field.card.visits", lang), order=4, mb="sm"),
            visits_list(visits, lang),
            dmc.Title(t("fb.list.title", lang), order=4, mt="md", mb="sm"),
            tickets_list(tickets, lang),
            dmc.Title(t("chg.list.title", lang), order=4, mt="md", mb="sm"),
            changes_list(changes, lang),
        ],
    )
