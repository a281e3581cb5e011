"""The public notice (公示) of a village's households proposed for monitoring, or proposed
for the elimination of their risk, as a PDF for the village board: the cases of the
village whose notice of that kind starts on the same day as the case asked for, each
with the head of the household, its number and size, its type (how its risk was found;
for an elimination the monitoring type and the method) and the reason the village gave,
and the notice's first and last day. Never an ID or a phone number: the rows are built
from named fields only (docs/cases.md)."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import escape
from sqlalchemy.engine import Engine

from access import Scope
from components.cases import code_label
from config import Settings
from domain import cases as C
from etl.refdata import region_names
from exports import render
from i18n import N_, fmt_date, fmt_time_zoned, t
from queries.runner import Warehouse
from services import cases as S

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


# A notice's kind: the case's column of its first day, the step whose note is the reason.
KINDS = {
    "identification": ("notice_date", "village_review"),
    "elimination": ("elim_notice_date", "elim_proposal"),
}


TITLES = {"identification": N_("notice.title"), "elimination": N_("notice.title_elim")}
LEADS = {"identification": N_("notice.lead"), "elimination": N_("notice.lead_elim")}
KIND_COLUMN = {"identification": N_("case.col.channel"), "elimination": N_("notice.col.type")}


def kind_of(case: dict) -> str | None:
    """The case's latest notice: of its elimination if one was proposed, else of its
    identification (None before the village review)."""
    if case.get("elim_notice_date"):
        return "elimination"
    return "identification" if case["notice_date"] else None


def _reason(case: dict, step: str) -> str:
    """The note of the step that opened the notice: why the village proposes it."""
    notes = [e["body"] for e in case["events"] if e["kind"] == step and e["body"]]
    return notes[-1] if notes else ""


def _kind_text(c: dict, kind: str, lang: str) -> str:
    if kind == "identification":
        return code_label("discovery", c["channel"], lang)
    method = code_label("elimination", c["elim_method"], lang)
    return f"{code_label('monitor_type', c['monitor_type'], lang)} · {method}"


def rows(ops: Engine, wh: Warehouse, scope: Scope, case: dict, lang: str) -> list[dict]:
    """The village's cases under the same notice as ``case``, in household order."""
    kind = kind_of(case)
    column, step = KINDS[kind]
    batch = [
        c for c in S.cases_of(ops, scope, village=case["village_code"]) if c[column] == case[column]
    ]
    out = []
    for c in sorted(batch, key=lambda c: c["household_no"]):
        home = S.household_of(wh, scope, c) or {}
        full = S.get(ops, scope, c["id"])
        out.append(
            {
                "head": home.get("head_name") or "—",
                "household_no": c["household_no"],
                "members": home.get("members") or "—",
                "kind": _kind_text(c, kind, lang),
                "reason": _reason(full, step),
            }
        )
    return out


def notice_html(
    ops: Engine,
    wh: Warehouse,
    scope: Scope,
    case_id,
    settings: Settings,
    by: str,
    lang: str,
    now: dt.datetime | None = None,
) -> tuple[str, str, str]:
    """The notice's file name, title and HTML (CaseError 404 for a case outside the scope, 409
    for one whose notice has not started)."""
    case = S.get(ops, scope, case_id)
    kind = kind_of(case)
    if kind is None:
        raise C.CaseError(409, N_("case.err.no_notice"))
    start = case[KINDS[kind][0]]
    village = region_names().get(case["village_code"], case["village_code"])
    body = TEMPLATES.get_template("notice.html").render(
        rows=rows(ops, wh, scope, case, lang),
        kind=kind,
        titles=TITLES,
        leads=LEADS,
        kind_column=KIND_COLUMN,
        village=village,
        start=fmt_date(start, lang),
        end=fmt_date(start + dt.timedelta(days=C.NOTICE_DAYS), lang),
        t=functools.partial(t, lang=lang),
        font=settings.cjk_font,
        lang=lang,
        generated_by=by,
        generated_at=fmt_time_zoned(now or dt.datetime.now(dt.UTC), lang=lang),
    )
    title = t(TITLES[kind], lang, village=village)
    prefix = "notice" if kind == "identification" else "notice-elimination"
    return f"{prefix}-{case['village_code']}-{start.isoformat()}.pdf", title, body


def notice_pdf(
    ops: Engine, wh: Warehouse, scope: Scope, case_id, settings: Settings, by: str, lang: str
) -> tuple[str, bytes]:
    """The notice as a PDF: its file name and bytes."""
    name, title, body = notice_html(ops, wh, scope, case_id, settings, by, lang)
    return name, render.html_pdf(settings, body, {}, str(escape(title)))
