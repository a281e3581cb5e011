"""Instructions on screen: status colours, the list, the timeline, the action bar, the
form and the boards. Data in, components out: the page reads the instructions, the
names of units and people (``Names``) and the language, and passes them in."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import dash_mantine_components as dmc
from dash import html

from components import tables
from components.theme import STATUS
from i18n import N_, fmt_date, fmt_time_zoned, t

DUE_SOON_DAYS = 3

# The words for the instruction's codes (ops/tasks.py holds the codes themselves; a test
# keeps both lists the same).
STATE_LABEL = {
    "draft": N_("task.state.draft"),
    "issued": N_("task.state.issued"),
    "acknowledged": N_("task.state.acknowledged"),
    "in_progress": N_("task.state.in_progress"),
    "reported": N_("task.state.reported"),
    "closed": N_("task.state.closed"),
    "withdrawn": N_("task.state.withdrawn"),
}
OPEN = ("draft", "issued", "acknowledged", "in_progress", "reported")  # the board's columns
STATUS_LABEL = {
    "overdue": N_("task.status.overdue"),
    "due_soon": N_("task.status.due_soon"),
    "on_track": N_("task.status.on_track"),
    "closed": N_("task.status.closed"),
    "draft": N_("task.status.draft"),
}
PRIORITY_LABEL = {
    "urgent": N_("task.priority.urgent"),
    "high": N_("task.priority.high"),
    "normal": N_("task.priority.normal"),
    "low": N_("task.priority.low"),
}
TYPE_LABEL = {
    "meeting_decision": N_("task.type.meeting_decision"),
    "alert_verification": N_("task.type.alert_verification"),
    "crosscheck_doubt": N_("task.type.crosscheck_doubt"),
    "data_correction": N_("task.type.data_correction"),
    "other": N_("task.type.other"),
}
# The steps that move an instruction from one state to the next (ops.tasks.ACTIONS).
STEPS = ("issue", "acknowledge", "start", "report", "pass", "return", "withdraw")
ACTION_LABEL = {
    "issue": N_("task.action.issue"),
    "acknowledge": N_("task.action.acknowledge"),
    "start": N_("task.action.start"),
    "report": N_("task.action.report"),
    "pass": N_("task.action.pass"),
    "return": N_("task.action.return"),
    "withdraw": N_("task.action.withdraw"),
    "urge": N_("task.action.urge"),
    "comment": N_("task.action.comment"),
    "edit": N_("task.action.edit"),
}
FIELD_LABEL = {
    "title": N_("task.field.title"),
    "content": N_("task.field.content"),
    "deadline": N_("task.field.deadline"),
    "priority": N_("task.field.priority"),
}
LINK_LABEL = {"household": N_("task.link.household"), "region": N_("task.link.region")}
# Events told in words without details of their own (the others: _event_text).
EVENT_LABEL = {
    "comment": N_("task.ev.comment"),
    "urge": N_("task.ev.urge"),
    "overdue": N_("task.ev.overdue"),
    "create": N_("task.ev.create"),
}


@dataclass(frozen=True)
class Names:
    """How the screens name units and people: ``regions`` code -> name (the reference
    data, etl.refdata.region_names), ``people`` username -> display name
    (ops.users.display_names). The page reads both."""

    regions: Mapping[str, str] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)


def label(labels: Mapping[str, str], code: str, lang: str) -> str:
    """The words for ``code`` (the code itself for one the table does not know)."""
    return t(labels[code], lang) if code in labels else code


def status(task: dict) -> str:
    """overdue, due_soon, on_track, closed or draft: one colour everywhere (docs/design.md §4.2)."""
    if task["state"] == "closed":
        return "closed"
    if task["state"] in ("draft", "withdrawn"):
        return "draft"
    if task["overdue"]:
        return "overdue"
    return "due_soon" if task["days_left"] <= DUE_SOON_DAYS else "on_track"


def badge(task: dict, lang: str) -> dmc.Badge:
    return dmc.Badge(
        label(STATE_LABEL, task["state"], lang),
        color=STATUS[status(task)],
        variant="filled",
        size="sm",
    )


def region_label(code: str | None, regions: Mapping[str, str]) -> str:
    """A unit by its name (``regions``: code -> name), its code if unknown."""
    return regions.get(code or "", code or "—")


def person(username: str | None, names: Names, lang: str) -> str:
    """A person as the screens name them: the display name (``names.people``), "system"
    for the schedule."""
    if username == "system":
        return t("task.actor.system", lang)
    known = names.people.get(username or "")
    if known:
        return known
    demo = re.fullmatch(r"demo_(61\d{10})", username or "")  # demo stores made before
    if demo:
        return t("task.actor.demo", lang, unit=region_label(demo.group(1), names.regions))
    return username or "—"


def row(task: dict, names: Names, lang: str) -> dict:
    """One instruction as a row of the list."""
    s = status(task)
    escalated = task["escalated_to"]
    return {
        "id": task["id"],
        "title": task["title"],
        "assignee": region_label(task["assignee_region"], names.regions),
        "issuer": person(task["issuer"], names, lang),
        "state": label(STATE_LABEL, task["state"], lang),
        "status": s,
        "status_label": label(STATUS_LABEL, s, lang),
        "deadline": task["deadline"].isoformat(),
        "days_left": task["days_left"],
        "priority": label(PRIORITY_LABEL, task["priority"], lang),
        "type": label(TYPE_LABEL, task["type"], lang),
        "escalated": "↑ " + region_label(escalated, names.regions) if escalated else "",
    }


def rows(found: list[dict], names: Names, lang: str) -> list[dict]:
    return [row(task, names, lang) for task in found]


def columns(lang: str) -> list[dict]:
    """The list's columns."""
    return [
        {"field": "id", "headerName": "#", "width": 70, "type": "rightAligned"},
        {"field": "title", "headerName": t("task.col.title", lang), "flex": 2, "minWidth": 220},
        {"field": "assignee", "headerName": t("task.col.assignee", lang), "width": 130},
        {"field": "state", "headerName": t("task.col.state", lang), "width": 100},
        {
            "field": "status_label",
            "headerName": t("task.col.status", lang),
            "width": 100,
            "cellClassRules": {f"jz-status-{k}": f"params.data.status == '{k}'" for k in STATUS},
        },
        {"field": "deadline", "headerName": t("task.col.deadline", lang), "width": 115},
        {
            "field": "days_left",
            "headerName": t("task.col.days_left", lang),
            "width": 100,
            "type": "rightAligned",
        },
        {"field": "priority", "headerName": t("task.col.priority", lang), "width": 90},
        {"field": "type", "headerName": t("task.col.type", lang), "width": 120},
        {"field": "escalated", "headerName": t("task.col.escalated", lang), "width": 120},
        {"field": "issuer", "headerName": t("task.col.issuer", lang), "width": 140},
    ]


def task_grid(grid_id: str, found: list[dict], names: Names, lang: str, height: int = 420):
    g = tables.grid(grid_id, columns(lang), rows(found, names, lang), height=height, lang=lang)
    g.dashGridOptions = {
        **g.dashGridOptions,
        "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
    }
    g.getRowId = "params.data.id"
    return g


def _event_text(e: dict, names: Names, lang: str) -> str:
    kind = e["kind"]
    if kind == "transition":
        return t("task.ev.transition", lang, to=label(STATE_LABEL, e["to_state"], lang))
    if kind == "escalate":
        return t("task.ev.escalate", lang, to=region_label(e["body"], names.regions))
    if kind == "edit":
        try:
            fields = ", ".join(label(FIELD_LABEL, k, lang) for k in json.loads(e["body"]))
        except (ValueError, TypeError):
            fields = ""
        return t("task.ev.edit", lang, fields=fields)
    return label(EVENT_LABEL, kind, lang)


def timeline(task: dict, names: Names, lang: str) -> dmc.Timeline:
    items = []
    for e in task["events"]:
        note = (
            e["body"]
            if e["kind"] in ("comment", "urge", "transition")
            and e["body"]
            and e["body"] not in STEPS
            else ""
        )
        items.append(
            dmc.TimelineItem(
                title=_event_text(e, names, lang),
                children=[
                    dmc.Text(
                        f"{fmt_time_zoned(e['at'])} · {person(e['actor'], names, lang)}",
                        size="xs",
                        c="dimmed",
                    ),
                    dmc.Text(note, size="sm") if note else None,
                ],
            )
        )
    return dmc.Timeline(
        items, active=len(items) - 1, bulletSize=14, lineWidth=2, className="jz-task-timeline"
    )


def _facts(task: dict, names: Names, lang: str) -> dmc.SimpleGrid:
    """Who, by when, what kind: label and value, two columns."""
    facts = [
        ("task.col.assignee", region_label(task["assignee_region"], names.regions)),
        ("task.col.issuer", person(task["issuer"], names, lang)),
        ("task.col.deadline", fmt_date(task["deadline"], lang)),
        (N_("task.col.ack_deadline"), fmt_time_zoned(task["ack_deadline"])),
        ("task.col.type", label(TYPE_LABEL, task["type"], lang)),
        ("task.col.priority", label(PRIORITY_LABEL, task["priority"], lang)),
    ]
    return dmc.SimpleGrid(
        cols=2,
        mt="sm",
        spacing=4,
        children=[dmc.Text(t(key, lang) + "：" + value, size="sm") for key, value in facts],
    )


def _links(task: dict, names: Names, lang: str) -> list[str]:
    return [
        f"{label(LINK_LABEL, k['kind'], lang)} "
        f"{region_label(k['ref'], names.regions) if k['kind'] == 'region' else k['ref']}"
        for k in task.get("links", [])
    ]


def _action_button(action: str, lang: str) -> dmc.Button:
    return dmc.Button(
        label(ACTION_LABEL, action, lang),
        id={"type": "task-act", "action": action},
        size="xs",
        color="red" if action in ("withdraw", "return") else "blue",
        variant="filled"
        if action in ("acknowledge", "report", "pass", "issue", "start")
        else "light",
    )


def _actions(task: dict, lang: str) -> dmc.Group:
    """The steps this user may take now, then "urge" where allowed."""
    buttons = [_action_button(a, lang) for a in task["allowed_actions"] if a in STEPS]
    if "urge" in task["allowed_actions"]:
        buttons.append(
            dmc.Button(
                t("task.action.urge", lang),
                id={"type": "task-act", "action": "urge"},
                size="xs",
                color="orange",
                variant="light",
            )
        )
    return dmc.Group(mt="md", gap="xs", id="task-actions", children=buttons)


def detail(task: dict, names: Names, lang: str) -> html.Div:
    """One instruction: what, who, when, its links, the timeline, the allowed actions."""
    links = _links(task, names, lang)
    return html.Div(
        className="jz-task-detail",
        children=[
            dmc.Group(
                [badge(task, lang), dmc.Text(f"#{task['id']}", size="xs", c="dimmed")], gap="xs"
            ),
            dmc.Title(task["title"], order=4, mt=4, id="task-detail-title"),
            dmc.Text(task["content"] or "—", size="sm", mt=4, style={"whiteSpace": "pre-wrap"}),
            _facts(task, names, lang),
            dmc.Text("；".join(links), size="xs", c="dimmed", mt=4) if links else None,
            _actions(task, lang),
            dmc.Textarea(
                id="task-comment",
                placeholder=t("task.comment_placeholder", lang),
                mt="sm",
                autosize=True,
                minRows=2,
            ),
            dmc.Button(
                t("task.action.comment", lang),
                id={"type": "task-act", "action": "comment"},
                size="xs",
                variant="subtle",
                mt=4,
            ),
            dmc.Divider(my="sm"),
            timeline(task, names, lang),
        ],
    )


def board(found: list[dict], lang: str) -> dmc.SimpleGrid:
    """Open instructions by state: one column each, most urgent first."""
    columns = []
    for state in OPEN:
        items = [x for x in found if x["state"] == state]
        items.sort(key=lambda x: (not x["overdue"], x["deadline"]))
        columns.append(
            dmc.Paper(
                withBorder=True,
                p="xs",
                className="jz-board-col",
                children=[
                    dmc.Text(
                        f"{label(STATE_LABEL, state, lang)} · {len(items)}", fw=700, size="sm", mb=4
                    ),
                    *[
                        html.Div(
                            [badge(x, lang), html.Span(f" #{x['id']} {x['title']}")],
                            className=f"jz-board-card jz-status-{status(x)}",
                            **{"data-task": x["id"]},
                        )
                        for x in items[:8]
                    ],
                    dmc.Text(t("task.more", lang, n=len(items) - 8), size="xs", c="dimmed")
                    if len(items) > 8
                    else None,
                ],
            )
        )
    return dmc.SimpleGrid(
        cols={"base": 2, "md": 5}, spacing="xs", children=columns, id="dispatch-board"
    )


def describe(exc, lang: str | None = None) -> str:
    """A refusal (ops.tasks.TaskError: its message ``key`` and ``params``) in words, with
    the state and action named."""
    labels = {"state": STATE_LABEL, "action": ACTION_LABEL}
    return t(
        exc.key,
        lang,
        **{k: label(labels[k], v, lang) if k in labels else v for k, v in exc.params.items()},
    )


def refusal_alert(exc, lang: str) -> dmc.Alert:
    """A refusal (ops.tasks.TaskError) with the fields it names (``exc.fields``)."""
    fields = "；".join(t(v, lang) for v in exc.fields.values())
    return dmc.Alert(
        f"{describe(exc, lang)} {fields}".strip(),
        color="red",
        variant="light",
        mb="sm",
        withCloseButton=True,
        className="jz-refusal",
    )
