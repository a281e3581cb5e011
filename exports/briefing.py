"""The briefing (简报) of a unit and a month as a PDF, and a meeting's minutes.

Every figure comes from the query layer through the same functions the pages use
(``queries.api.briefing_view``, the region page's cards and formatting, the overview's
and the heatmaps' charts, the wall's ranking), so the briefing reads what the dashboard
shows for the same unit and period.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine

from access import Scope
from components import maps
from components import monitoring as mon
from components import region as region_view
from components import tasks as task_view
from components.kpi import Kpi
from components.tasks import region_label
from config import Settings
from domain import clock, indicators
from etl.refdata import region_names
from exports import charts as chart_registry
from exports import render
from i18n import (
    fmt_date,
    fmt_exact,
    fmt_month,
    fmt_time_zoned,
    fmt_to_date,
    get_lang,
    is_partial_month,
    t,
)
from ops import tasks as T
from ops import users
from queries import api
from queries.runner import Warehouse

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
HEADLINE = (
    "hh_registered",
    "hh_monitored",
    "hh_unresolved",
    "hh_monitored_per_1000",
    "hh_unresolved_per_1000",
    "risk_eliminated_rate",
    "identification_timeliness",
    "measure_coverage",
    "hh_below_monitoring_line",
    "inc_median_per_capita",
)
CHILD_COLUMNS = (
    "hh_registered",
    "hh_monitored",
    "hh_unresolved",
    "hh_unresolved_per_1000",
    "risk_eliminated_rate",
    "identification_timeliness",
    "measure_coverage",
)
MAP_INDICATOR = indicators.INDICATORS["hh_unresolved_per_1000"]  # as on the heatmaps page


@dataclass
class Briefing:
    """What one briefing shows, formatted; ``figures`` are plotly figures by element id."""

    unit: dict
    month: dt.date
    generated_at: dt.datetime
    generated_by: str
    data_version: str
    cards: list[Kpi]
    lifecycle: list[dict]
    lifecycle_note: str
    as_of: str  # the data's date (the lifecycle counts everything up to it)
    ranking: list[dict]
    instructions: dict
    overdue: list[dict]
    children_header: list[str]
    children: list[list[str]]
    figures: dict[str, dict] = field(default_factory=dict)
    # The moment the month's figures are of ("2026年11月 末", "截至12月1日"): the
    # ranking's and the table of units below.
    figures_period: str = ""
    to_date: str = ""  # "截至12月1日" when the month is still running on the data's date
    lang: str = "zh"  # the language the figures and words above are in

    @property
    def title(self) -> str:
        return t("brief.title", self.lang, region=self.unit["name"])

    @property
    def period(self) -> str:
        """The briefing's month, and for a month still running the day it runs to."""
        if self.to_date:
            return (
                f"{fmt_month(self.month, self.lang)}（{self.to_date}）"
                if self.lang == "zh"
                else f"{fmt_month(self.month, self.lang)} ({self.to_date})"
            )
        return fmt_month(self.month, self.lang)

    @property
    def filename(self) -> str:
        return f"briefing-{self.unit['code']}-{self.month:%Y-%m}.pdf"


def _next_month(m: dt.date) -> dt.date:
    return dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def _lifecycle(lc: dict, lang: str) -> tuple[list[dict], str]:
    """The lifecycle's stages (name, count, median days) and its note: how many await
    a decision, and how many were identified in time."""
    lifecycle = [
        {
            "stage": t(mon.STAGE_LABEL[s], lang),
            "n": fmt_exact(lc.get(s)),
            "days": t(mon.STAGE_MEDIAN[s], lang, days=mon._days(lc.get(d))) if d else "",
        }
        for s, d in mon.STAGES
    ]
    note = (
        t("mon.pending", lang, n=fmt_exact(lc.get("pending")))
        + t("list.sep", lang)
        + mon.timely_note(lc, lang=lang)
    )
    return lifecycle, note


def _ranking(ranking: pd.DataFrame, lang: str) -> list[dict]:
    """The ranking's rows, formatted: rank, unit and the unit above, unresolved
    households, per 1,000 people, monitored households."""
    return [
        {
            "rank": i,
            "name": r["name"],
            "parent": r["parent_name"],
            "unresolved": fmt_exact(r["hh_unresolved"]),
            "per_1000": region_view.fmt_value(
                MAP_INDICATOR, r["hh_unresolved_per_1000"], lang=lang
            ),
            "monitored": fmt_exact(r["hh_monitored"]),
        }
        for i, r in enumerate(ranking.to_dict("records"), start=1)
    ]


def _overdue(items: list[dict], lang: str) -> list[dict]:
    """The overdue instructions' rows, formatted: title, unit, deadline, state, days late."""
    return [
        {
            "id": x["id"],
            "title": x["title"],
            "unit": region_label(x["assignee_region"], region_names()),
            "deadline": fmt_date(x["deadline"], lang),
            "state": task_view.label(task_view.STATE_LABEL, x["state"], lang),
            "days": -x["days_left"],
        }
        for x in items
    ]


def _children_table(v, lang: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the table of units below, all of one period."""
    # One period for the whole table: the year's registered households only when the
    # month is the one that ends the year (December, or the as-of month).
    aligned = v.month == v.version.month_for_year(v.year)
    inds = [
        indicators.INDICATORS[k]
        for k in CHILD_COLUMNS
        if aligned or indicators.INDICATORS[k].period == "month"
    ]
    header = [t("overview.col.name", lang)] + [t(i.label_key, lang) for i in inds]
    children = [
        [str(rec["name"])]
        + [region_view.fmt_value(i, rec.get(i.column), exact=True, lang=lang) for i in inds]
        for rec in v.children.sort_values("code").to_dict("records")
    ]
    return header, children


def collect(
    wh: Warehouse,
    ops: Engine,
    scope: Scope,
    code: str,
    month: dt.date,
    generated_by: str,
    now: dt.datetime | None = None,
    lang: str | None = None,
) -> Briefing:
    """The briefing's figures for a unit of the scope and a month of the data (the gate
    refuses any other unit; ``api.strict_month`` checks the month first), in ``lang``
    (default: the language the export job runs in)."""
    now = now or dt.datetime.now(dt.UTC)
    lang = lang or get_lang()
    bv = api.briefing_view(wh, scope, code, month)
    v = bv.region
    cards = [region_view.card_for(v, indicators.INDICATORS[k], lang=lang) for k in HEADLINE]
    figures = _figures(bv, lang)
    lifecycle, lifecycle_note = _lifecycle(bv.lifecycle, lang)
    ranking = _ranking(bv.ranking, lang)
    summary = T.period_summary(ops, scope, code, month, _next_month(month), now)
    overdue = _overdue(summary["overdue_items"], lang)
    header, children = _children_table(v, lang)
    version = t(
        "brief.version",
        lang,
        as_of=fmt_date(v.version.as_of, lang),
        built=fmt_time_zoned(wh.version["built_at"], lang=lang),
    )
    period = region_view.period_label(MAP_INDICATOR, v, lang=lang)  # the month's: "截至12月1日"
    return Briefing(
        unit=v.unit,
        month=v.month,
        generated_at=clock.local(now),
        generated_by=generated_by,
        data_version=version,
        cards=cards,
        lifecycle=lifecycle,
        lifecycle_note=lifecycle_note,
        as_of=fmt_date(v.version.as_of, lang),
        ranking=ranking,
        instructions=summary["counts"],
        overdue=overdue,
        children_header=header,
        children=children,
        figures=figures,
        figures_period=period,
        to_date=fmt_to_date(v.version.as_of, lang)
        if is_partial_month(v.month, v.version.as_of)
        else "",
        lang=lang,
    )


def _figures(bv: api.BriefingView, lang: str) -> dict[str, dict]:
    """The briefing's figures by element id: the map as the heatmaps page colours it, and
    the registry's charts of the briefing (exports/charts.py), drawn as their pages draw
    them but ending at the briefing's period, whatever the data hold after it."""
    v = bv.region
    fmt = lambda x: region_view.fmt_value(MAP_INDICATOR, x, lang=lang)  # noqa: E731
    until = v.months[pd.to_datetime(v.months["month"]) <= pd.Timestamp(v.month)]
    return {
        "fig-map": _sized(
            maps.static_map(
                v.geometry,
                v.children,
                MAP_INDICATOR,
                fmt,
                t(
                    "region.map_title",
                    lang,
                    region=v.map_parent["name"],
                    indicator=t(MAP_INDICATOR.label_key, lang),
                )
                + " · "
                + region_view.period_label(MAP_INDICATOR, v, lang=lang),
                lang=lang,
            ),
            600,
            560,
        ),
        "fig-trend-month": _sized(
            chart_registry.figure("mon-trend", dataclasses.replace(v, months=until), lang),
            1000,
            330,
        ),
        "fig-trend-year": _sized(
            chart_registry.figure(
                "overview-monitoring", dataclasses.replace(bv.overview, months=until), lang
            ),
            1000,
            330,
        ),
        "fig-causes": _sized(chart_registry.figure("region-causes", v, lang), 500, 600),
        "fig-risks": _sized(chart_registry.figure("region-risks", v, lang), 500, 600),
    }


def _sized(fig: dict, width: int, height: int) -> dict:
    fig["layout"] = {**fig["layout"], "width": width, "height": height}
    return fig


def html(b: Briefing, settings: Settings) -> str:
    return TEMPLATES.get_template("briefing.html").render(
        b=b,
        t=functools.partial(t, lang=b.lang),
        font=settings.cjk_font,
        lang=b.lang,
        generated_at=fmt_time_zoned(b.generated_at, lang=b.lang),
    )


def pdf(b: Briefing, settings: Settings) -> bytes:
    footer = f"{b.title} · {b.period}"
    return render.html_pdf(settings, html(b, settings), b.figures, _esc(footer))


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


# ------------------------------------------------------------------ meeting minutes
def minutes_pdf(
    ops: Engine,
    scope: Scope,
    meeting_id,
    settings: Settings,
    generated_by: str,
    now: dt.datetime | None = None,
    lang: str | None = None,
) -> tuple[str, bytes]:
    """A meeting's minutes: the record, its decisions and the instructions they became
    (with their state now), in ``lang`` (default: the export job's language). Returns the
    file name and the PDF."""
    now = now or dt.datetime.now(dt.UTC)
    lang = lang or get_lang()
    m = T.meeting_minutes(ops, scope, meeting_id, now)
    meeting = m["meeting"]
    rows = [
        {
            "id": x["id"],
            "title": x["title"],
            "content": x["content"],
            "unit": region_label(x["assignee_region"], region_names()),
            "deadline": fmt_date(x["deadline"], lang),
            "state": task_view.label(task_view.STATE_LABEL, x["state"], lang),
            "overdue": x["overdue"],
        }
        for x in m["tasks"]
    ]
    body = TEMPLATES.get_template("minutes.html").render(
        m=meeting,
        region=region_label(meeting["region_code"], region_names()),
        rows=rows,
        t=functools.partial(t, lang=lang),
        font=settings.cjk_font,
        lang=lang,
        held_on=fmt_date(meeting["held_on"], lang),
        generated_by=generated_by,
        recorded_by=users.display_names(ops, [meeting["created_by"]]).get(
            meeting["created_by"], meeting["created_by"]
        ),
        generated_at=fmt_time_zoned(now, lang=lang),
    )
    footer = _esc(t("minutes.title", lang, title=meeting["title"]))
    return f"minutes-{meeting['id']}.pdf", render.html_pdf(settings, body, {}, footer)
