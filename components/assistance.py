"""A monitored household's assistance plan and the elimination standard on screen: the
measures with their days, the risk types no measure answers, the standard's conditions
with their evidence, and the forms to plan a measure, record it carried out and (the
county) override the standard. Pure: data and language in, Dash out."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from components.cases import code_label, options
from domain.codes import CODES
from i18n import fmt_date, fmt_money, t


def _date(day, lang: str) -> str:
    return fmt_date(day, lang) if day else "—"


def measures_table(measures: list[dict], lang: str) -> html.Div:
    """The plan's measures, in the order planned."""
    if not measures:
        return dmc.Text(t("plan.none", lang), size="sm", c="dimmed", id="plan-measures")
    head = [
        t("plan.col.category", lang),
        t("plan.col.department", lang),
        t("plan.col.responsible", lang),
        t("plan.col.amount", lang),
        t("plan.col.planned", lang),
        t("plan.col.done", lang),
    ]
    body = [
        [
            code_label("measure_category", m["category"], lang),
            CODES["department"].get(m["department"], ("—", "—"))[0 if lang == "zh" else 1],
            m["responsible"] or "—",
            fmt_money(m["amount"], lang),
            _date(m["planned_on"], lang),
            _date(m["done_on"], lang) if m["done_on"] else t("plan.not_done", lang),
        ]
        for m in measures
    ]
    return dmc.TableScrollContainer(
        dmc.Table(data={"head": head, "body": body}, striped=True, fz="sm", id="plan-measures"),
        minWidth=560,
    )


def unmatched_note(unmatched: list[int], lang: str) -> dmc.Alert:
    if not unmatched:
        return dmc.Alert(t("plan.all_matched", lang), color="teal", variant="light", p="xs")
    risks = "、".join(code_label("risk", r, lang) for r in unmatched)
    return dmc.Alert(
        t("plan.unmatched", lang, risks=risks),
        color="orange",
        variant="light",
        p="xs",
        id="plan-unmatched",
    )


def measure_form(today: str, lang: str) -> html.Div:
    """Plan a measure (with its actual day if it was carried out already)."""
    return html.Div(
        [
            dmc.Text(t("plan.add_title", lang), fw=700, size="sm", mt="sm"),
            dmc.SimpleGrid(
                cols={"base": 1, "sm": 2},
                spacing="xs",
                children=[
                    dmc.Select(
                        id="plan-category",
                        label=t("plan.col.category", lang),
                        data=options("measure_category", lang),
                    ),
                    dmc.Select(
                        id="plan-department",
                        label=t("plan.col.department", lang),
                        data=[
                            {"value": k, "label": v[0 if lang == "zh" else 1]}
                            for k, v in CODES["department"].items()
                        ],
                        placeholder=t("plan.department_default", lang),
                        clearable=True,
                    ),
                    dmc.TextInput(id="plan-responsible", label=t("plan.col.responsible", lang)),
                    dmc.TextInput(id="plan-amount", label=t("plan.amount_yuan", lang)),
                    dmc.TextInput(
                        id="plan-planned",
                        label=t("plan.col.planned", lang),
                        placeholder="YYYY-MM-DD",
                        value=today,
                    ),
                    dmc.TextInput(
                        id="plan-done", label=t("plan.col.done", lang), placeholder="YYYY-MM-DD"
                    ),
                ],
            ),
            dmc.TextInput(id="plan-note", label=t("case.field.note", lang), mt="xs"),
            dmc.Button(t("plan.add", lang), id="plan-add", size="sm", mt="xs"),
        ]
    )


def done_form(measures: list[dict], today: str, lang: str) -> html.Div | None:
    """Record a planned measure carried out."""
    open_ = [m for m in measures if m["done_on"] is None]
    if not open_:
        return None
    choices = [
        {
            "value": str(m["id"]),
            "label": f"{code_label('measure_category', m['category'], lang)} · "
            f"{_date(m['planned_on'], lang)}",
        }
        for m in open_
    ]
    return dmc.Group(
        align="end",
        gap="xs",
        mt="xs",
        children=[
            dmc.Select(
                id="plan-done-measure",
                label=t("plan.done_which", lang),
                data=choices,
                value=choices[0]["value"],
                w=240,
            ),
            dmc.TextInput(
                id="plan-done-date",
                label=t("plan.col.done", lang),
                placeholder="YYYY-MM-DD",
                value=today,
                w=150,
            ),
            dmc.Button(t("plan.mark_done", lang), id="plan-done-save", size="sm", variant="light"),
        ],
    )


def _money(value, lang: str) -> str:
    return "—" if value is None else fmt_money(value, lang)


def _facts(c, lang: str) -> str:
    """The evidence of one condition, in words."""
    f = c.facts
    if c.name == "income":
        registry = t(
            "elim.ev.registry",
            lang,
            year=f["registry_year"] or "—",
            income=_money(f["registry_income"], lang),
            line=_money(f["registry_line"], lang),
        )
        if f["income"] is None:
            return "；".join([registry, t("elim.ev.assess", lang, line=_money(f["line"], lang))])
        since = _date(f["stable_since"], lang)
        assessed = t(
            "elim.ev.assessed",
            lang,
            income=_money(f["income"], lang),
            line=_money(f["line"], lang),
            since=since,
        )
        return "；".join([assessed, registry])
    if c.name == "guarantees":
        gaps = "、".join(code_label_gap(g, lang) for g in f["gaps"])
        return t("elim.ev.gaps", lang, gaps=gaps) if gaps else t("elim.ev.no_gaps", lang)
    if c.name == "since":
        return t("elim.ev.since", lang, date=_date(f["identified_on"], lang), months=f["months"])
    if c.name == "measure" and f["needed"]:
        return t("elim.ev.measures", lang, n=f["measures"])
    if c.name == "measure":
        return t("elim.ev.measures_natural", lang, n=f["measures"])
    if f["no_labour"]:
        return t("elim.ev.no_labour", lang)
    return t("elim.ev.labour", lang)


def code_label_gap(item: str, lang: str) -> str:
    names = CODES["gap"].get(item)
    return item if names is None else names[0 if lang == "zh" else 1]


def conditions_list(conditions, lang: str, element_id: str = "elim-precheck") -> html.Div:
    """Each condition of the standard: passed or not, and its evidence."""
    rows = [
        dmc.Group(
            gap="xs",
            align="flex-start",
            wrap="nowrap",
            className="jz-cond-ok" if c.ok else "jz-cond-fail",
            children=[
                dmc.Badge(
                    t("elim.ok", lang) if c.ok else t("elim.fail", lang),
                    color="teal" if c.ok else "red",
                    variant="light",
                    miw=56,
                ),
                html.Div(
                    [
                        dmc.Text(t(c.label, lang), size="sm", fw=600),
                        dmc.Text(_facts(c, lang), size="xs", c="dimmed"),
                    ]
                ),
            ],
        )
        for c in conditions
    ]
    return dmc.Stack(rows, gap=6, id=element_id)


def override_form(note: str, lang: str) -> html.Div:
    """The county's reasoned override of a failing standard (or the one recorded)."""
    if note:
        return dmc.Alert(
            t("elim.overridden", lang, reason=note),
            color="grape",
            variant="light",
            p="xs",
            id="elim-override-note",
        )
    return html.Div(
        [
            dmc.Textarea(
                id="elim-override-reason",
                label=t("elim.override_reason", lang),
                autosize=True,
                minRows=2,
                mt="xs",
            ),
            dmc.Button(
                t("elim.override", lang),
                id="elim-override-save",
                size="sm",
                color="grape",
                variant="light",
                mt="xs",
            ),
        ]
    )


def plan_panel(case: dict, plan: dict, may: dict, today: str, lang: str) -> dmc.Paper:
    """The plan and the standard for a monitored (or eliminated) case; ``may``: what the
    user may do here (assist, override)."""
    children = [
        dmc.Text(t("plan.title", lang), fw=700, size="sm"),
        unmatched_note(plan["unmatched"], lang),
        measures_table(plan["measures"], lang),
    ]
    if may.get("assist"):
        children += [done_form(plan["measures"], today, lang), measure_form(today, lang)]
    if case["state"] == "included":
        children += [
            dmc.Divider(my="sm"),
            dmc.Text(t("elim.title", lang), fw=700, size="sm"),
            dmc.Text(t("elim.hint", lang), size="xs", c="dimmed"),
            conditions_list(plan["conditions"], lang),
        ]
        if may.get("override") or case["override_note"]:
            children.append(override_form(case["override_note"], lang))
    return dmc.Paper(
        withBorder=True, p="sm", mt="sm", id="plan-panel", children=dmc.Stack(children, gap="xs")
    )
