"""Instructions on screen: status colours, the list, the timeline, the action bar, the
form and the boards. Data in, components out."""

from __future__ import annotations

import json
import re

import dash_mantine_components as dmc
from dash import html

from components import tables
from components.theme import STATUS
from etl.refdata import region_names
from i18n import fmt_date, fmt_time_zoned, t
from ops import tasks as T

DUE_SOON_DAYS = 3


def status(task: dict) -> str:
    """overdue, due_soon, on_track, closed or draft: one colour everywhere (design.md)."""
    if task["state"] == "closed":
        return "closed"
    if task["state"] in ("draft", "withdrawn"):
        return "draft"
    if task["overdue"]:
        return "overdue"
    return "due_soon" if task["days_left"] <= DUE_SOON_DAYS else "on_track"


def badge(task: dict) -> dmc.Badge:
    return dmc.Badge(t(f"task.state.{task['state']}"), color=STATUS[status(task)],
                     variant="filled", size="sm")


def region_label(code: str | None) -> str:
    return region_names().get(code or "", code or "—")


def person(username: str | None, people: dict[str, str] | None = None) -> str:
    """A person as the screens name them: the display name (``people``: username ->
    display name, from ops.users.display_names), "system" for the schedule."""
    if username == "system":
        return t("task.actor.system")
    known = (people or {}).get(username or "")
    if known:
        return known
    demo = re.fullmatch(r"demo_(61\d{10})", username or "")  # demo stores made before
    if demo:
        return t("task.actor.demo", unit=region_label(demo.group(1)))
    return username or "—"


def rows(found: list[dict], people: dict[str, str] | None = None) -> list[dict]:
    out = []
    for task in found:
        s = status(task)
        out.append({
            "id": task["id"], "title": task["title"],
            "assignee": region_label(task["assignee_region"]),
            "issuer": person(task["issuer"], people),
            "state": t(f"task.state.{task['state']}"),
            "status": s, "status_label": t(f"task.status.{s}"),
            "deadline": task["deadline"].isoformat(), "days_left": task["days_left"],
            "priority": t(f"task.priority.{task['priority']}"),
            "type": t(f"task.type.{task['type']}"),
            "escalated": "↑ " + region_label(task["escalated_to"]) if task["escalated_to"] else "",
        })
    return out


def task_grid(grid_id: str, found: list[dict], height: int = 420,
              people: dict[str, str] | None = None):
    cols = [
        {"field": "id", "headerName": "#", "width": 70, "type": "rightAligned"},
        {"field": "title", "headerName": t("task.col.title"), "flex": 2, "minWidth": 220},
        {"field": "assignee", "headerName": t("task.col.assignee"), "width": 130},
        {"field": "state", "headerName": t("task.col.state"), "width": 100},
        {"field": "status_label", "headerName": t("task.col.status"), "width": 100,
         "cellClassRules": {f"jz-status-{k}": f"params.data.status == '{k}'" for k in STATUS}},
        {"field": "deadline", "headerName": t("task.col.deadline"), "width": 115},
        {"field": "days_left", "headerName": t("task.col.days_left"), "width": 100,
         "type": "rightAligned"},
        {"field": "priority", "headerName": t("task.col.priority"), "width": 90},
        {"field": "type", "headerName": t("task.col.type"), "width": 120},
        {"field": "escalated", "headerName": t("task.col.escalated"), "width": 120},
        {"field": "issuer", "headerName": t("task.col.issuer"), "width": 140},
    ]
    g = tables.grid(grid_id, cols, rows(found, people), height=height)
    g.dashGridOptions = {**g.dashGridOptions, "rowSelection": {"mode": "singleRow",
                                                               "checkboxes": False,
                                                               "enableClickSelection": True}}
    g.getRowId = "params.data.id"
    return g


def _event_text(e: dict) -> str:
    kind = e["kind"]
    if kind == "transition":
        return t("task.ev.transition", to=t(f"task.state.{e['to_state']}"))
    if kind == "escalate":
        return t("task.ev.escalate", to=region_label(e["body"]))
    if kind == "create":
        return t("task.ev.create")
    if kind == "edit":
        try:
            fields = ", ".join(t(f"task.field.{k}") for k in json.loads(e["body"]))
        except (ValueError, TypeError):
            fields = ""
        return t("task.ev.edit", fields=fields)
    return t(f"task.ev.{kind}")


def timeline(task: dict, people: dict[str, str] | None = None) -> dmc.Timeline:
    items = []
    for e in task["events"]:
        note = e["body"] if e["kind"] in ("comment", "urge", "transition") and e["body"] \
            and e["body"] not in T.ACTIONS else ""
        items.append(dmc.TimelineItem(title=_event_text(e), children=[
            dmc.Text(f"{fmt_time_zoned(e['at'])} · {person(e['actor'], people)}",
                     size="xs", c="dimmed"),
            dmc.Text(note, size="sm") if note else None]))
    return dmc.Timeline(items, active=len(items) - 1, bulletSize=14, lineWidth=2,
                        className="jz-task-timeline")


def detail(task: dict, people: dict[str, str] | None = None) -> html.Div:
    """One instruction: what, who, when, its links, the timeline, the allowed actions."""
    links = [f"{t('task.link.' + k['kind'])} {region_label(k['ref']) if k['kind'] == 'region' else k['ref']}"
             for k in task.get("links", [])]
    actions = [a for a in task["allowed_actions"] if a in T.ACTIONS]
    return html.Div(className="jz-task-detail", children=[
        dmc.Group([badge(task), dmc.Text(f"#{task['id']}", size="xs", c="dimmed")],
                  gap="xs"),
        dmc.Title(task["title"], order=4, mt=4, id="task-detail-title"),
        dmc.Text(task["content"] or "—", size="sm", mt=4, style={"whiteSpace": "pre-wrap"}),
        dmc.SimpleGrid(cols=2, mt="sm", spacing=4, children=[
            dmc.Text(t("task.col.assignee") + "：" + region_label(task["assignee_region"]),
                     size="sm"),
            dmc.Text(t("task.col.issuer") + "：" + person(task["issuer"], people), size="sm"),
            dmc.Text(t("task.col.deadline") + "：" + fmt_date(task["deadline"]), size="sm"),
            dmc.Text(t("task.col.ack_deadline") + "：" +
                     fmt_time_zoned(task['ack_deadline']),
                     size="sm"),
            dmc.Text(t("task.col.type") + "：" + t(f"task.type.{task['type']}"), size="sm"),
            dmc.Text(t("task.col.priority") + "：" + t(f"task.priority.{task['priority']}"),
                     size="sm"),
        ]),
        dmc.Text("；".join(links), size="xs", c="dimmed", mt=4) if links else None,
        dmc.Group(mt="md", gap="xs", id="task-actions", children=[
            dmc.Button(t(f"task.action.{a}"), id={"type": "task-act", "action": a}, size="xs",
                       color="red" if a in ("withdraw", "return") else "blue",
                       variant="filled" if a in ("acknowledge", "report", "pass", "issue",
                                                 "start") else "light")
            for a in actions] + ([dmc.Button(t("task.action.urge"),
                                             id={"type": "task-act", "action": "urge"},
                                             size="xs", color="orange", variant="light")]
                                 if "urge" in task["allowed_actions"] else [])),
        dmc.Textarea(id="task-comment", placeholder=t("task.comment_placeholder"), mt="sm",
                     autosize=True, minRows=2),
        dmc.Button(t("task.action.comment"), id={"type": "task-act", "action": "comment"},
                   size="xs", variant="subtle", mt=4),
        dmc.Divider(my="sm"),
        timeline(task, people),
    ])


def board(found: list[dict]) -> dmc.SimpleGrid:
    """Open instructions by state: one column each, most urgent first."""
    columns = []
    for state in T.OPEN:
        items = [x for x in found if x["state"] == state]
        items.sort(key=lambda x: (not x["overdue"], x["deadline"]))
        columns.append(dmc.Paper(withBorder=True, p="xs", className="jz-board-col", children=[
            dmc.Text(f"{t('task.state.' + state)} · {len(items)}", fw=700, size="sm", mb=4),
            *[html.Div([badge(x), html.Span(f" #{x['id']} {x['title']}")],
                       className=f"jz-board-card jz-status-{status(x)}",
                       **{"data-task": x["id"]}) for x in items[:8]],
            dmc.Text(t("task.more", n=len(items) - 8), size="xs", c="dimmed")
            if len(items) > 8 else None]))
    return dmc.SimpleGrid(cols={"base": 2, "md": 5}, spacing="xs", children=columns,
                          id="dispatch-board")


def describe(exc: T.TaskError) -> str:
    """A refusal in words: its message with the state and action named."""
    labels = {"state": "task.state.", "action": "task.action."}
    return t(exc.key, **{k: t(labels[k] + v) if k in labels else v
                         for k, v in exc.params.items()})


def refusal_alert(exc: T.TaskError) -> dmc.Alert:
    fields = "；".join(t(v) for v in exc.fields.values())
    return dmc.Alert(f"{describe(exc)} {fields}".strip(), color="red", variant="light",
                     mb="sm", withCloseButton=True, className="jz-refusal")
