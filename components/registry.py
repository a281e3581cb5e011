"""The registry page's pieces (pages/admin_registry.py): the registry the warehouse holds,
a load's progress and outcome, the rows per file, the inbox's deliveries. Data in
(queries/registry.py, web/registry.py), components out."""

from __future__ import annotations

from collections.abc import Mapping

import dash_mantine_components as dmc
import pandas as pd
from dash import html

from i18n import N_, fmt_date, fmt_exact, fmt_time, fmt_time_zoned, t, with_zone

COUNTS = ("accepted", "rejected", "added", "changed", "removed")
STEPS = {
    "start": N_("reg.step.start"),
    "read": N_("reg.step.read"),
    "tables": N_("reg.step.tables"),
    "rollups": N_("reg.step.rollups"),
    "checks": N_("reg.step.checks"),
    "done": N_("reg.step.done"),
}
COUNT_HEADER = {
    "accepted": N_("reg.col.accepted"),
    "rejected": N_("reg.col.rejected"),
    "added": N_("reg.col.added"),
    "changed": N_("reg.col.changed"),
    "removed": N_("reg.col.removed"),
}
# The registry's kinds (etl.layout.KINDS): a full registry or an increment.
KIND_LABEL = {"full": N_("reg.kind.full"), "increment": N_("reg.kind.increment")}
SOURCE_LABEL = {"upload": N_("reg.source.upload"), "inbox": N_("reg.source.inbox")}


def fmt_size(n) -> str:
    """A file's size: 820 KB, 3.2 MB, 1.50 GB (binary units, as file managers show)."""
    n = int(n or 0)
    if n < 2**20:
        return f"{max(1, round(n / 2**10)) if n else 0} KB"
    if n < 2**30:
        mb = n / 2**20
        return f"{mb:.0f} MB" if mb >= 10 or mb.is_integer() else f"{mb:.1f} MB"
    return f"{n / 2**30:.2f} GB"


def file_name(name: str, files: Mapping[str, str], lang: str) -> str:
    """A file of the layout by its Chinese name and key (家庭成员 members), or its key.
    ``files`` are the layout's Chinese names by key (etl.layout, read by the page)."""
    zh = files.get(name)
    if zh is None or lang != "zh":
        return name
    return f"{zh} {name}"


def file_cell(name: str, files: Mapping[str, str], lang: str):
    """A file in a table: its Chinese name over its key (the name files carry)."""
    zh = files.get(name)
    if zh is None or lang != "zh":
        return name
    return [zh, html.Span(name, className="jz-reg-key")]


def step_label(step: str, files: Mapping[str, str], lang: str) -> str:
    """What the loader is doing, in words: its progress steps are "read <file>", "check
    <table>", then tables, rollups, checks and done."""
    step = str(step or "")
    if step in STEPS:
        return t(STEPS[step], lang)
    verb, _, what = step.partition(" ")
    if verb == "read" and what:
        return t("reg.step.read_file", lang, file=what)
    if verb == "check" and what:
        return t("reg.step.check", lang, file=file_name(what, files, lang))
    return step


def kind_label(kind: str, lang: str) -> str:
    return t(KIND_LABEL[kind], lang) if kind in KIND_LABEL else (kind or "—")


def summary_table(
    files: list[dict], table_id: str, names: Mapping[str, str], lang: str
) -> dmc.Table | dmc.Text:
    """Rows per file (those with any count, as the command line lists them) and their
    total: accepted, rejected, added, changed, removed."""
    rows = [f for f in files if any(int(f.get(c) or 0) for c in COUNTS)]
    if not rows:
        return dmc.Text(t("reg.no_rows", lang), c="dimmed", size="sm")
    total = {c: sum(int(f.get(c) or 0) for f in rows) for c in COUNTS}
    head = html.Tr(
        [
            html.Th(t("reg.col.file", lang), style={"textAlign": "left"}),
            *[html.Th(t(COUNT_HEADER[c], lang), className="jz-reg-num") for c in COUNTS],
        ]
    )

    def cells(values: dict):
        return [
            html.Td(
                fmt_exact(values.get(c) or 0),
                className="jz-reg-num jz-reg-bad"
                if c == "rejected" and values.get(c)
                else "jz-reg-num",
            )
            for c in COUNTS
        ]

    body = [
        html.Tr([html.Td(file_cell(f["file"], names, lang)), *cells(f)], **{"data-file": f["file"]})
        for f in rows
    ]
    foot = html.Tr(
        [
            html.Th(t("reg.total", lang), style={"textAlign": "left"}),
            *[html.Th(fmt_exact(total[c]), className="jz-reg-num") for c in COUNTS],
        ]
    )
    return dmc.TableScrollContainer(
        minWidth=320,
        type="native",
        children=dmc.Table(
            [html.Thead(head), html.Tbody(body), html.Tfoot(foot)],
            striped=True,
            highlightOnHover=True,
            id=table_id,
            className="jz-reg-table",
            fz="sm",
        ),
    )


def report_link(href: str, link_id: str, lang: str) -> html.A:
    return html.A(
        t("reg.report", lang), href=href, id=link_id, className="jz-download", download=""
    )


def _fact(label: str, value) -> html.Div:
    return html.Div(
        className="jz-reg-fact",
        children=[
            dmc.Text(label, size="xs", c="dimmed"),
            dmc.Text(value, size="sm", fw=600),
        ],
    )


def current(cur, report_href: str | None, *, files: Mapping[str, str], lang: str):
    """The registry the warehouse holds: version, day, source, kind, when it was loaded,
    what was rejected, and the last load's rows per file."""
    if cur is None:
        return dmc.Alert(t("error.warehouse", lang), color="yellow", variant="light")
    rows = cur.files.to_dict("records") if isinstance(cur.files, pd.DataFrame) else []
    rejected = "—" if cur.rejected is None else fmt_exact(cur.rejected)
    return html.Div(
        id="reg-current-body",
        **{"data-version": cur.version},
        children=[
            dmc.SimpleGrid(
                cols={"base": 2, "sm": 3, "xl": 5},
                spacing="sm",
                mb="sm",
                children=[
                    _fact(t("reg.current.as_of", lang), fmt_date(cur.as_of)),
                    _fact(t("reg.current.kind", lang), kind_label(cur.kind, lang)),
                    _fact(
                        with_zone(t("reg.current.loaded_at", lang), lang), fmt_time(cur.built_at)
                    ),
                    _fact(t("reg.current.rejected", lang), rejected),
                    _fact(t("reg.current.source", lang), cur.source or t("reg.current.none", lang)),
                ],
            ),
            dmc.Title(t("reg.current.files", lang), order=5, mb=4),
            summary_table(rows, "reg-current-table", files, lang)
            if rows
            else dmc.Text(t("reg.current.no_summary", lang), c="dimmed", size="sm"),
            report_link(report_href, "reg-current-report", lang) if report_href else None,
        ],
    )


def _started(state: dict, lang: str) -> dmc.Text:
    source = t(SOURCE_LABEL[state["source"]], lang) if state.get("source") in SOURCE_LABEL else "—"
    return dmc.Text(
        t(
            "reg.by",
            lang,
            by=state.get("by") or state.get("username") or "—",
            at=fmt_time_zoned(state.get("started_at")),
            name=state.get("name") or "—",
            source=source,
        ),
        size="xs",
        c="dimmed",
        mb="xs",
        id="reg-by",
    )


def _never(lang: str) -> html.Div:
    """The last load's section before any load: its title and "never loaded"."""
    return html.Div(
        [
            dmc.Title(t("reg.last", lang), order=4, mb="sm"),
            dmc.Text(t("reg.never", lang), c="dimmed", size="sm"),
        ]
    )


def _running(state: dict, files: Mapping[str, str], lang: str) -> html.Div:
    """A running load: who started it, its progress bar and the step it is at."""
    pct = round(100 * float(state.get("fraction") or 0))
    return html.Div(
        id="reg-running",
        children=[
            dmc.Title(t("reg.progress", lang), order=4, mb="sm"),
            _started(state, lang),
            dmc.Progress(
                value=max(pct, 2),
                size="xl",
                radius="sm",
                animated=True,
                striped=True,
                id="reg-progress",
                className="jz-reg-progress",
                **{"aria-label": t("reg.progress", lang)},
            ),
            dmc.Text(
                t(
                    "reg.percent",
                    lang,
                    pct=pct,
                    step=step_label(state.get("step"), files, lang),
                ),
                size="sm",
                mt=6,
                id="reg-step",
            ),
        ],
    )


def _done_outcome(
    state: dict,
    report_href: str | None,
    reload_seconds: float,
    files: Mapping[str, str],
    lang: str,
) -> list:
    """A finished load's outcome: what it loaded and rejected, its rows per file, and the
    link to its report when it rejected any."""
    r = state.get("result") or {}
    rejected = int(r.get("rejected") or 0)
    seconds, wait = f"{float(r.get('seconds') or 0):.1f}", f"{reload_seconds:g}"
    text = [
        t(
            "reg.done",
            lang,
            kind=kind_label(r.get("kind", ""), lang),
            name=state.get("name", ""),
            as_of=fmt_date(r.get("as_of"), lang),
            at=fmt_time_zoned(state.get("finished_at"), lang=lang),
            seconds=seconds,
        ),
        t("reg.done_rejected", lang, n=fmt_exact(rejected))
        if rejected
        else t("reg.done_clean", lang),
        t("reg.switch", lang, seconds=wait) if reload_seconds >= 1 else t("reg.switch_now", lang),
    ]
    rows = [{"file": k, **v} for k, v in (r.get("files") or {}).items()]
    return [
        dmc.Alert(
            ("" if lang == "zh" else " ").join(text),
            title=t("reg.done_title", lang),
            variant="light",
            color="yellow" if rejected else "green",
            id="reg-outcome",
            **{"data-outcome": "done", "data-version": r.get("version", "")},
        ),
        html.Div(summary_table(rows, "reg-summary", files, lang), style={"marginTop": 12}),
        report_link(report_href, "reg-report", lang) if rejected and report_href else None,
    ]


def _failed_outcome(state: dict, lang: str) -> list:
    """A load that did not finish: refused (and why), interrupted, or failed (and why)."""
    message = state.get("message") or {}
    reason = message.get(lang) or message.get("zh") or ""
    if state.get("status") == "refused":
        return [
            dmc.Alert(
                t("reg.reason", lang, reason=reason),
                title=t("reg.refused", lang),
                color="red",
                variant="light",
                id="reg-outcome",
                **{"data-outcome": "refused"},
            )
        ]
    if state.get("interrupted"):
        return [
            dmc.Alert(
                t("reg.interrupted", lang),
                title=t("reg.failed", lang),
                color="red",
                variant="light",
                id="reg-outcome",
                **{"data-outcome": "failed"},
            )
        ]
    return [
        dmc.Alert(
            t("reg.reason", lang, reason=reason) + " " + t("reg.failed_log", lang),
            title=t("reg.failed", lang),
            color="red",
            variant="light",
            id="reg-outcome",
            **{"data-outcome": "failed"},
        )
    ]


def status(
    state: dict | None,
    report_href: str | None,
    reload_seconds: float,
    *,
    files: Mapping[str, str],
    lang: str,
):
    """The current or last load: its progress bar while it runs, then its outcome."""
    if not state:
        return _never(lang)
    if state.get("status") == "running":
        return _running(state, files, lang)
    if state.get("status") == "done":
        outcome = _done_outcome(state, report_href, reload_seconds, files, lang)
    else:
        outcome = _failed_outcome(state, lang)
    return html.Div(
        id="reg-last",
        children=[
            dmc.Title(t("reg.last", lang), order=4, mb="sm"),
            _started(state, lang),
            *outcome,
        ],
    )


def inbox_options(deliveries, *, lang: str) -> list[dict]:
    """The inbox's deliveries for a select: name, size, when it was placed there."""
    return [
        {
            "value": d.name,
            "label": t(
                "reg.inbox.item",
                lang,
                name=d.name + ("/" if d.folder else ""),
                size=fmt_size(d.size),
                at=fmt_time_zoned(d.modified),
            ),
        }
        for d in deliveries
    ]
