"""Monitoring cases (识别认定) on screen: the list, one case's facts and timeline, and the
form of the step the user may record next. Pure: data and language in, Dash out."""

from __future__ import annotations

from collections.abc import Mapping

import dash_mantine_components as dmc
from dash import dcc, html

from components import tables
from domain import cases as C
from domain.codes import CODES
from domain.elimination import LABELS as ELIM_LABELS
from i18n import N_, fmt_date, fmt_money, fmt_time_zoned, t, tn

EVENT_LABEL = {
    "opened": N_("case.ev.opened"),
    "escalated": N_("case.ev.escalated"),
    "measure": N_("case.ev.measure"),
    "measure_done": N_("case.ev.measure_done"),
    "override": N_("case.ev.override"),
    "attachment": N_("case.ev.attachment"),
    **{name: step.label for name, step in C.STEPS.items()},
}
OUTCOME_LABEL = {
    "proceed": N_("case.outcome.proceed"),
    "exclude": N_("case.outcome.exclude"),
    "pass": N_("case.outcome.pass"),
    "return": N_("case.outcome.return"),
    "include": N_("case.outcome.include"),
    "approve": N_("case.outcome.approve"),
    "reject": N_("case.outcome.reject"),
}
# The monitoring page's lifecycle stages a list of cases may come from.
STAGE_LABEL = {
    "warned": N_("mon.stage.warned"),
    "checked": N_("mon.stage.checked"),
    "identified": N_("mon.stage.identified"),
    "cleared": N_("mon.stage.cleared"),
    "eliminated": N_("mon.stage.eliminated"),
    "pending": N_("mon.stage.pending"),
}
STATE_COLOUR = {"included": "teal", "not_included": "gray", "eliminated": "green"}
STATE_COLOUR |= {s: "grape" for s in C.MONITORED if s != "included"}


def code_label(table: str, code, lang: str) -> str:
    """A code's name. Codes are integers (given as numbers or digits) but for the few
    tables keyed by two-digit strings, such as the relation to the head ("01")."""
    if code is None or code == "":
        return "—"
    names = CODES[table].get(code) if isinstance(code, str) else None
    if names is None:
        names = CODES[table].get(int(code))
    return "—" if names is None else names[0 if lang == "zh" else 1]


def options(table: str, lang: str) -> list[dict]:
    return [
        {"value": str(k), "label": v[0 if lang == "zh" else 1]} for k, v in CODES[table].items()
    ]


def state_badge(case: dict, lang: str) -> dmc.Badge:
    colour = STATE_COLOUR.get(case["state"], "blue")
    if case.get("overdue"):
        colour = "red"
    return dmc.Badge(t(C.STATE_LABEL[case["state"]], lang), color=colour, variant="light")


def clock_text(case: dict, lang: str) -> str:
    """ "3 days left" / "2 days overdue" / the decision's day."""
    left = case.get("days_left")
    if left is None:
        return t(
            "case.decided_on",
            lang,
            date=fmt_date(case["county_decision_date"] or case["check_date"], lang),
        )
    if left < 0:
        return tn("case.days_overdue", "case.days_overdue_plural", -left, lang, n=-left)
    return tn("case.days_left", "case.days_left_plural", left, lang, n=left)


def row(case: dict, regions: Mapping[str, str], lang: str) -> dict:
    step = C.NEXT_STEP.get(case["state"])
    return {
        "id": case["id"],
        "version": case["version"],
        "household": f"[{case['household_no']}](/cases?case={case['id']})",
        "village": regions.get(case["village_code"], case["village_code"]),
        "channel": code_label("discovery", case["channel"], lang),
        "warned_on": str(case["warned_on"]),
        "due_on": str(case["due_on"]),
        "clock": clock_text(case, lang),
        "overdue": bool(case.get("overdue")),
        "state": t(C.STATE_LABEL[case["state"]], lang),
        "next": t(C.STEPS[step].label, lang) if step else "—",
    }


def columns(lang: str, selectable: bool = False) -> list[dict]:
    first = {
        "field": "household",
        "headerName": t("case.col.household", lang),
        "cellRenderer": "markdown",
        "minWidth": 150,
    }
    if selectable:
        first |= {"checkboxSelection": True, "headerCheckboxSelection": True}
    return [
        first,
        {"field": "village", "headerName": t("case.col.village", lang), "minWidth": 140},
        {"field": "channel", "headerName": t("case.col.channel", lang), "width": 130},
        {"field": "warned_on", "headerName": t("case.col.warned_on", lang), "width": 120},
        {"field": "due_on", "headerName": t("case.col.due_on", lang), "width": 120},
        {
            "field": "clock",
            "headerName": t("case.col.clock", lang),
            "width": 130,
            "cellClassRules": {"jz-late": "params.data.overdue"},
        },
        {"field": "state", "headerName": t("case.col.state", lang), "width": 130},
        {"field": "next", "headerName": t("case.col.next", lang), "width": 150},
    ]


def case_grid(grid_id: str, cases: list[dict], regions, lang: str, selectable=False):
    grid = tables.grid(
        grid_id,
        columns(lang, selectable),
        [row(c, regions, lang) for c in cases],
        height=tables.fit_height(len(cases)),
        lang=lang,
    )
    if selectable:
        grid.dashGridOptions = {
            **grid.dashGridOptions,
            "rowSelection": "multiple",
            "suppressRowClickSelection": True,
        }
    return grid


def _event_title(e: dict, regions: Mapping[str, str], lang: str) -> str:
    title = t(EVENT_LABEL.get(e["kind"], N_("case.ev.opened")), lang)
    outcome = e["data"].get("outcome")
    if outcome in OUTCOME_LABEL:
        title = f"{title} · {t(OUTCOME_LABEL[outcome], lang)}"
    if e["kind"] == "escalated":
        to = e["data"].get("to", "")
        title = t("case.ev.escalated_to", lang, unit=regions.get(to, to))
    return title


def _event_lines(e: dict, lang: str) -> list[str]:
    data, lines = e["data"], []
    if data.get("notice_start"):
        start = C.parse_date(data["notice_start"])
        lines.append(t("case.ev.notice_from", lang, date=fmt_date(start, lang) if start else "—"))
    if data.get("objections"):
        lines.append(t("case.ev.objections", lang, text=data["objections"]))
    if data.get("exclude_reason"):
        lines.append(code_label("exclude_reason", data["exclude_reason"], lang))
    if data.get("monitor_type"):
        risks = "、".join(code_label("risk", r, lang) for r in data.get("risks", []))
        lines.append(f"{code_label('monitor_type', data['monitor_type'], lang)} · {risks}")
    lines += _elimination_lines(data, lang)
    if e["body"]:
        lines.append(e["body"])
    return lines


def _elimination_lines(data: dict, lang: str) -> list[str]:
    """A proposal's method, assessed income and failing conditions; a measure's category."""
    lines = []
    if data.get("method"):
        lines.append(code_label("elimination", data["method"], lang))
    if data.get("income") is not None:
        lines.append(t("case.ev.income", lang, income=fmt_money(data["income"], lang)))
    failing = [k for k, ok in (data.get("precheck") or {}).items() if not ok]
    if failing:
        names = "、".join(t(ELIM_LABELS[k], lang) for k in failing if k in ELIM_LABELS)
        lines.append(t("case.ev.overridden", lang, conditions=names))
    if data.get("name") and data.get("file"):
        lines.append(data["name"])
    if data.get("category"):
        amount = fmt_money(data.get("amount") or 0, lang)
        lines.append(f"{code_label('measure_category', data['category'], lang)} · {amount}")
    return lines


def timeline(
    case: dict, regions: Mapping[str, str], lang: str, element_id: str = "case-timeline"
) -> dmc.Timeline:
    """Every event of the case, oldest first: the step, its day, who, what was found."""
    items = []
    for e in case["events"]:
        day = fmt_date(e["on_date"], lang) if e["on_date"] else ""
        who = f"{day} · {e['actor']} · {fmt_time_zoned(e['at'], lang=lang)}".lstrip(" ·")
        items.append(
            dmc.TimelineItem(
                title=_event_title(e, regions, lang),
                children=[
                    dmc.Text(who, size="xs", c="dimmed"),
                    *[
                        dmc.Text(x, size="sm", style={"whiteSpace": "pre-wrap"})
                        for x in _event_lines(e, lang)
                    ],
                ],
            )
        )
    return dmc.Timeline(items, active=len(items) - 1, bulletSize=14, lineWidth=2, id=element_id)


def attachments(files: list[dict], may: bool, accept: str, max_bytes: int, lang: str):
    """A case's attachments (each a download link) and, for who may, the upload box."""
    items = [
        html.Li(
            [
                html.A(f["name"], href=f"/cases/file/{f['id']}", className="jz-case-file"),
                dmc.Text(
                    f" · {f['size'] // 1024 or 1} KB · {f['uploaded_by']} · "
                    f"{fmt_time_zoned(f['uploaded_at'], lang=lang)}",
                    span=True,
                    size="xs",
                    c="dimmed",
                ),
            ]
        )
        for f in files
    ]
    upload = dcc.Upload(
        id="case-upload",
        accept=accept,
        max_size=max_bytes,
        multiple=False,
        className="jz-upload",
        children=dmc.Text(t("case.upload", lang), size="sm", c="blue"),
    )
    return html.Div(
        [
            dmc.Text(t("case.files", lang), fw=700, size="sm", mt="sm"),
            html.Ul(items, id="case-files")
            if items
            else dmc.Text(t("case.files_none", lang), size="xs", c="dimmed"),
            upload if may else None,
        ]
    )


def history(cases: list[dict], regions: Mapping[str, str], lang: str) -> html.Div:
    """A household's cases in the platform, newest first, each with its timeline and a
    link to it (the household page's record of the work done)."""
    if not cases:
        return dmc.Text(t("case.history_none", lang), size="sm", c="dimmed")
    return html.Div(
        [
            html.Div(
                [
                    dmc.Group(
                        [
                            state_badge(case, lang),
                            dcc.Link(f"#{case['id']}", href=f"/cases?case={case['id']}"),
                            dmc.Text(clock_text(case, lang), size="xs", c="dimmed"),
                        ],
                        gap="xs",
                        mb="xs",
                    ),
                    timeline(case, regions, lang, f"hhd-case-{case['id']}"),
                ],
                className="jz-case-history",
            )
            for case in reversed(cases)
        ],
        id="hhd-cases",
    )


def facts(case: dict, home: dict | None, regions: Mapping[str, str], lang: str):
    """What the case is about: the household, where, how found, the clock."""
    pairs = [
        (N_("case.col.household"), case["household_no"]),
        (N_("case.head"), (home or {}).get("head_name") or "—"),
        (N_("case.col.village"), regions.get(case["village_code"], case["village_code"])),
        (N_("case.col.channel"), code_label("discovery", case["channel"], lang)),
        (N_("case.col.warned_on"), fmt_date(case["warned_on"], lang)),
        (N_("case.col.due_on"), fmt_date(case["due_on"], lang)),
        (N_("case.col.clock"), clock_text(case, lang)),
        (N_("case.responsible"), regions.get(case["responsible"] or "", "—")),
    ]
    if case["escalated_to"]:
        pairs.append((N_("case.escalated"), regions.get(case["escalated_to"], "")))
    if case["state"] in (*C.MONITORED, "eliminated"):
        risks = "、".join(code_label("risk", r, lang) for r in case["risk_list"])
        pairs.append(
            (
                N_("case.decision"),
                f"{code_label('monitor_type', case['monitor_type'], lang)} · {risks}",
            )
        )
    if case["state"] == "not_included":
        pairs.append(
            (N_("case.decision"), code_label("exclude_reason", case["exclude_reason"], lang))
        )
    if case["state"] == "eliminated":
        method = code_label("elimination", case["elim_method"], lang)
        pairs.append(
            (N_("case.eliminated"), f"{fmt_date(case['eliminate_date'], lang)} · {method}")
        )
    return dmc.SimpleGrid(
        cols={"base": 1, "sm": 2},
        spacing=4,
        mt="xs",
        children=[dmc.Text([html.B(f"{t(k, lang)}："), v], size="sm") for k, v in pairs],
    )


def _field(visible: bool, child):
    return html.Div(child, style=None if visible else {"display": "none"})


def step_form(step: str | None, today: str, lang: str) -> html.Div:
    """The form of ``step`` (None: nothing for this user to record now). Every field is
    always there (the callback reads them all); those the step does not use are hidden."""
    if step is None:
        return html.Div(
            [
                dmc.Text(t("case.nothing_to_do", lang), c="dimmed", size="sm"),
                *_hidden_fields(today, lang),
            ],
            id="case-form",
        )
    outcomes = C.OUTCOMES.get(step, ())
    return html.Div(
        id="case-form",
        children=[
            dmc.Title(t(C.STEPS[step].label, lang), order=5, mt="sm"),
            *_fields(step, outcomes, today, lang),
            dmc.Button(t("case.save", lang), id="case-step-save", mt="sm", size="sm"),
        ],
    )


def _fields(step: str, outcomes, today: str, lang: str) -> list:
    """The step's fields: its day, outcome and the values of its own, then the note."""
    return [
        dmc.TextInput(
            id="case-step-date",
            label=t("case.field.date", lang),
            placeholder="YYYY-MM-DD",
            value=today,
            w=200,
        ),
        _field(
            bool(outcomes),
            dmc.SegmentedControl(
                id="case-step-outcome",
                mt="xs",
                data=[{"value": o, "label": t(OUTCOME_LABEL[o], lang)} for o in outcomes]
                or [{"value": "", "label": ""}],
                value=outcomes[0] if outcomes else "",
            ),
        ),
        _field(
            step in C.NOTICES,
            dmc.TextInput(
                id="case-step-notice-start",
                label=t("case.field.notice_start", lang),
                placeholder="YYYY-MM-DD",
                value=today,
                w=200,
            ),
        ),
        _field(
            step in C.NOTICE_ENDS,
            dmc.Textarea(
                id="case-step-objections",
                label=t("case.field.objections", lang),
                autosize=True,
                minRows=2,
            ),
        ),
        *_decision_fields(step, lang),
        proposal_fields(step == "elim_proposal", lang),
        dmc.Textarea(
            id="case-step-note", label=t("case.field.note", lang), autosize=True, minRows=2, mt="xs"
        ),
    ]


def _decision_fields(step: str, lang: str) -> list:
    """The reason for not including (home check, county), the type and the risks (county)."""
    return [
        _field(
            step in ("home_check", "county_decision"),
            dmc.Select(
                id="case-step-reason",
                label=t("case.field.exclude_reason", lang),
                data=options("exclude_reason", lang),
                clearable=True,
            ),
        ),
        _field(
            step == "county_decision",
            dmc.Select(
                id="case-step-type",
                label=t("case.field.monitor_type", lang),
                data=options("monitor_type", lang),
                clearable=True,
            ),
        ),
        _field(
            step == "county_decision",
            dmc.MultiSelect(
                id="case-step-risks",
                label=t("case.field.risks", lang),
                data=options("risk", lang),
                clearable=True,
                searchable=True,
            ),
        ),
    ]


def proposal_fields(visible: bool, lang: str) -> html.Div:
    """The proposal's own values: the method, the assessed income and since when."""
    return html.Div(
        style=None if visible else {"display": "none"},
        children=dmc.SimpleGrid(
            cols={"base": 1, "sm": 3},
            spacing="xs",
            mt="xs",
            children=[
                dmc.Select(
                    id="case-step-method",
                    label=t("elim.field.method", lang),
                    data=options("elimination", lang),
                    value="1",
                ),
                dmc.TextInput(id="case-step-income", label=t("elim.field.income", lang)),
                dmc.TextInput(
                    id="case-step-stable",
                    label=t("elim.field.stable_since", lang),
                    placeholder="YYYY-MM-DD",
                ),
            ],
        ),
    )


def _hidden_fields(today: str, lang: str) -> list:
    return [
        html.Div(_fields("consent", (), today, lang), style={"display": "none"}),
        html.Div(dmc.Button(id="case-step-save"), style={"display": "none"}),
    ]


def bulk_fields(today: str, lang: str) -> dmc.Group:
    """The county's decision for every case selected above."""
    outcomes = C.OUTCOMES["county_decision"]
    return dmc.Group(
        align="end",
        gap="xs",
        mt="xs",
        children=[
            dmc.TextInput(
                id="case-bulk-date",
                label=t("case.field.date", lang),
                placeholder="YYYY-MM-DD",
                value=today,
            ),
            dmc.SegmentedControl(
                id="case-bulk-outcome",
                data=[{"value": o, "label": t(OUTCOME_LABEL[o], lang)} for o in outcomes],
                value=outcomes[0],
            ),
            dmc.Select(
                id="case-bulk-type",
                label=t("case.field.monitor_type", lang),
                data=options("monitor_type", lang),
                clearable=True,
            ),
            dmc.MultiSelect(
                id="case-bulk-risks",
                label=t("case.field.risks", lang),
                data=options("risk", lang),
                clearable=True,
                searchable=True,
                w=260,
            ),
            dmc.Select(
                id="case-bulk-reason",
                label=t("case.field.exclude_reason", lang),
                data=options("exclude_reason", lang),
                clearable=True,
            ),
            dmc.TextInput(id="case-bulk-note", label=t("case.field.note", lang), w=220),
            dmc.Button(t("case.bulk_save", lang), id="case-bulk-save", size="sm"),
        ],
    )


def refusal(exc, lang: str) -> dmc.Alert:
    """A refused request (domain.cases.CaseError) with the fields it names, and the case
    that stopped a list."""
    fields = "；".join(t(v, lang) for v in exc.fields.values())
    if exc.params.get("failing"):  # a proposal the elimination standard refused
        failing = exc.params["failing"]
        fields = "、".join(t(ELIM_LABELS[k], lang) for k in failing if k in ELIM_LABELS)
    which = f"#{exc.params['case']} " if "case" in exc.params else ""
    return dmc.Alert(
        f"{which}{t(exc.key, lang)} {fields}".strip(),
        color="red",
        variant="light",
        mb="sm",
        withCloseButton=True,
        className="jz-refusal",
        id="case-refusal",
    )
