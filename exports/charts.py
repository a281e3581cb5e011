"""The one chart registry: every chart of the pages, by name, with its title, the pages
that show it, the page's query and its figure.

The same entry serves three readers, so a chart cannot differ between them:

- a page lays its charts out from the registry (``on_page``) and draws each with
  ``figure(name, data, lang)`` from the data its layout already read;
- the PNG route rebuilds a chart on the server with ``build``: the same query-layer call
  as its page (through the gate, with the page's parameters, never a figure sent by the
  browser), then the same figure:

      /export/chart/<name>.png?region=CODE[&year=&month=&indicator=&household=]

- the briefing PDF draws its charts with ``figure`` from the briefing's own views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from access import Scope
from components import charts
from components import monitoring as mon
from components import overview as ov_view
from components import quality as quality_view
from components import region as region_view
from domain import indicators
from i18n import N_, t
from queries import api
from queries import quality as quality_q
from queries.runner import Warehouse

Loader = Callable[[Warehouse, Scope, Mapping], Any]
Figure = Callable[[Any, str], dict]


@dataclass(frozen=True)
class Chart:
    """One chart: ``load`` reads its data as its page does (for a PNG), ``draw`` turns
    that data and a language into the figure. ``title`` is the msgid of its title and
    ``tab`` of its tab's label on the page, when the page shows it in a tab."""

    name: str
    title: str
    pages: tuple[str, ...]
    load: Loader
    draw: Figure
    tab: str | None = None


def _code(scope: Scope, q: Mapping) -> str:
    return str(q.get("region") or scope.region_code)


def _year(q: Mapping) -> int | None:
    y = str(q.get("year") or "")
    return int(y) if y.isdigit() else None


# --- what each page reads (the PNG route's queries) -------------------------------------


def _overview(wh, scope, q) -> api.Overview:
    return api.overview(wh, scope, _code(scope, q), _year(q))


def _region_trend_data(wh, scope, q) -> tuple[api.RegionView, indicators.Indicator]:
    ind = indicators.get(q.get("indicator"))
    year = q.get("year") or (indicators.POVERTY_ERA_DEFAULT_YEAR if ind.poverty_era else None)
    v = api.region_view(
        wh, scope, _code(scope, q), year, q.get("month"), breakdowns=False, period=ind.period
    )
    return v, ind


def _region_breakdowns(wh, scope, q) -> api.RegionView:
    return api.region_view(
        wh, scope, _code(scope, q), q.get("year"), q.get("month"), breakdowns=True
    )


def _monitoring(wh, scope, q) -> api.MonitoringView:
    return api.monitoring_view(wh, scope, _code(scope, q), [])


def _monitoring_region(wh, scope, q) -> api.RegionView:
    return _monitoring(wh, scope, q).region


def _quality(wh, scope, q) -> tuple[dict, Any]:
    return quality_q.unit_counts(wh, scope, _code(scope, q))


def _household(wh, scope, q) -> api.HouseholdView:
    return api.household_view(wh, scope, q.get("household", ""))


# --- the figures, from the data a page or the briefing holds ----------------------------


def _region_trend(data, lang: str) -> dict:
    v, ind = data
    return region_view.trend(v, ind, lang=lang)


def _breakdown(kind: str, value: str, title: str, ratio: bool = False) -> Figure:
    def draw(v, lang: str) -> dict:
        return region_view.breakdown(
            v.breakdown(kind),
            value,
            kind,
            t(title, lang, region=v.unit["name"], year=v.year),
            ratio=ratio,
            lang=lang,
        )

    return draw


def _calendar(metric: str, title: str) -> Figure:
    def draw(mv, lang: str) -> dict:
        return mon.calendar_figure(
            mv.calendar,
            metric,
            mv.region.map_parent["name"],
            mv.region.version.as_of,
            title=title,
            lang=lang,
        )

    return draw


def _matrix(mv, lang: str) -> dict:
    v = mv.region
    return mon.matrix_figure(
        mv.matrix, v.children[["code", "name"]], v.map_parent["name"], lang=lang
    )


def _timely(v, lang: str) -> dict:
    return mon.timely_figure(v.children, v.map_parent["name"], lang=lang)


def _mon_trend(v, lang: str) -> dict:
    return mon.trend_figure(v.months, v.unit["name"], v.version.as_of, lang=lang)


def _quality_checks(data, lang: str) -> dict:
    unit, checks = data
    return quality_view.checks_figure(checks, unit["name"], lang=lang)


def _income(hv, lang: str) -> dict:
    return charts.income(
        hv.income, t("hhd.income_title", lang, name=hv.household["head_name"]), lang=lang
    )


_ENTRIES = (
    Chart(
        "overview-poverty",
        N_("overview.trend.poverty"),
        ("overview",),
        _overview,
        lambda ov, lang: ov_view.poverty_figure(ov, lang=lang),
    ),
    Chart(
        "overview-monitoring",
        N_("overview.trend.monitoring"),
        ("overview", "briefing"),
        _overview,
        lambda ov, lang: ov_view.monitoring_figure(ov, lang=lang),
    ),
    Chart("region-trend", N_("region.trend"), ("region",), _region_trend_data, _region_trend),
    Chart(
        "region-causes",
        N_("region.causes_title"),
        ("region", "briefing"),
        _region_breakdowns,
        _breakdown("cause", "households", N_("region.causes_title")),
        tab=N_("region.causes"),
    ),
    Chart(
        "region-risks",
        N_("region.risks_title"),
        ("region", "briefing"),
        _region_breakdowns,
        _breakdown("risk", "households", N_("region.risks_title")),
        tab=N_("region.risks"),
    ),
    Chart(
        "region-channels",
        N_("region.channels_title"),
        ("region",),
        _region_breakdowns,
        _breakdown("channel", "share", N_("region.channels_title"), ratio=True),
        tab=N_("region.channels"),
    ),
    Chart("mon-matrix", N_("mon.matrix_title"), ("monitoring",), _monitoring, _matrix),
    Chart(
        "mon-calendar-hh_new_warned",
        N_("mon.calendar.hh_new_warned"),
        ("monitoring",),
        _monitoring,
        _calendar("hh_new_warned", N_("mon.calendar.hh_new_warned")),
        tab=N_("mon.tab.hh_new_warned"),
    ),
    Chart(
        "mon-calendar-hh_new_identified",
        N_("mon.calendar.hh_new_identified"),
        ("monitoring",),
        _monitoring,
        _calendar("hh_new_identified", N_("mon.calendar.hh_new_identified")),
        tab=N_("mon.tab.hh_new_identified"),
    ),
    Chart(
        "mon-calendar-hh_new_eliminated",
        N_("mon.calendar.hh_new_eliminated"),
        ("monitoring",),
        _monitoring,
        _calendar("hh_new_eliminated", N_("mon.calendar.hh_new_eliminated")),
        tab=N_("mon.tab.hh_new_eliminated"),
    ),
    Chart("mon-timely", N_("mon.timely_title"), ("monitoring",), _monitoring_region, _timely),
    Chart(
        "mon-trend",
        N_("mon.trend_title"),
        ("monitoring", "briefing"),
        _monitoring_region,
        _mon_trend,
    ),
    Chart("household-income", N_("hhd.income_title"), ("household",), _household, _income),
    Chart("quality-checks", N_("quality.chart_title"), ("quality",), _quality, _quality_checks),
)
CHARTS: dict[str, Chart] = {c.name: c for c in _ENTRIES}


def on_page(page: str) -> list[Chart]:
    """The charts ``page`` shows (a page's name, or "briefing"), in the registry's order."""
    return [c for c in _ENTRIES if page in c.pages]


def figure(name: str, data, lang: str) -> dict:
    """The figure ``name`` from the data its page (or the briefing) already read."""
    return CHARTS[name].draw(data, lang)


def build(wh: Warehouse, scope: Scope, name: str, q: Mapping, lang: str | None = None) -> dict:
    """The figure ``name`` for the parameters ``q``, read through the gate as its page
    reads it (KeyError for an unknown name). ``lang`` is the request's when not given:
    the PNG route runs in a request."""
    if lang is None:
        from i18n import get_lang

        lang = get_lang()
    chart = CHARTS[name]
    return chart.draw(chart.load(wh, scope, q), lang)
