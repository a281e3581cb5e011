"""The public notice (公示) of a village's households proposed for monitoring, as a PDF for
the village board: the cases of the village whose notice starts on the same day as the
case asked for, each with the head of the household, its number and size, how its risk
was found and the village review's reason, and the notice's first and last day. Never an
ID or a phone number: the rows are built from named fields only (docs/cases.md)."""

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


def _reason(case: dict) -> str:
    """The village review's note: why the village proposes the household."""
    notes = [e["body"] for e in case["events"] if e["kind"] == "village_review" and e["body"]]
    return notes[-1] if notes else ""


def rows(ops: Engine, wh: Warehouse, scope: Scope, case: dict, lang: str) -> list[dict]:
    """The village's cases under the same notice as ``case``, in household order."""
    batch = [
        c
        for c in S.cases_of(ops, scope, village=case["village_code"])
        if c["notice_date"] == case["notice_date"]
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
                "channel": code_label("discovery", c["channel"], lang),
                "reason": _reason(full),
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
    if case["notice_date"] is None:
        raise C.CaseError(409, N_("case.err.no_notice"))
    start = case["notice_date"]
    village = region_names().get(case["village_code"], case["village_code"])
    body = TEMPLATES.get_template("notice.html").render(
        rows=rows(ops, wh, scope, case, lang),
        village=village,
        start=fmt_date(start, lang),
        end=fmt_date(start + dt.timedelta(days=C.NOTICE_DAYS), lang),
        t=functools.partial(t, lang=lang),
        font=settings.cjk_font,
        lang=lang,
        generated_by=by,
        generated_at=fmt_time_zoned(now or dt.datetime.now(dt.UTC), lang=lang),
    )
    title = t("notice.title", lang, village=village)
    return f"notice-{case['village_code']}-{start.isoformat()}.pdf", title, body


def notice_pdf(
    ops: Engine, wh: Warehouse, scope: Scope, case_id, settings: Settings, by: str, lang: str
) -> tuple[str, bytes]:
    """The notice as a PDF: its file name and bytes."""
    name, title, body = notice_html(ops, wh, scope, case_id, settings, by, lang)
    return name, render.html_pdf(settings, body, {}, str(escape(title)))
