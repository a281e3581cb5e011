"""Every chart of the pages, by name, rebuilt on the server for a PNG: from the same
query-layer call and the same figure function as its page, through the gate, with the
page's parameters (never a figure sent by the browser).

    /export/chart/<name>.png?region=CODE[&year=&month=&indicator=&household=]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from access import Scope
from components import charts
from components import monitoring as mon
from components import overview as ov_view
from components import region as region_view
from domain import indicators
from i18n import t
from queries import api
from queries.runner import Warehouse

Builder = Callable[[Warehouse, Scope, Mapping], dict]


def _code(scope: Scope, q: Mapping) -> str:
    return str(q.get("region") or scope.region_code)


def _year(q: Mapping) -> int | None:
    y = str(q.get("year") or "")
    return int(y) if y.isdigit() else None


def _region(wh, scope, q, breakdowns: bool = False) -> api.RegionView:
    return api.region_view(wh, scope, _code(scope, q), q.get("year"), q.get("month"),
                           breakdowns=breakdowns)


def _monitoring(wh, scope, q) -> api.MonitoringView:
    return api.monitoring_view(wh, scope, _code(scope, q), [])


def _region_trend(wh, scope, q) -> dict:
    ind = indicators.get(q.get("indicator"))
    year = q.get("year") or (indicators.POVERTY_ERA_DEFAULT_YEAR if ind.poverty_era else None)
    v = api.region_view(wh, scope, _code(scope, q), year, q.get("month"), breakdowns=False,
                        period=ind.period)
    return region_view.trend(v, ind)


def _breakdown(kind: str, value: str, title_key: str, ratio: bool = False) -> Builder:
    def build(wh, scope, q) -> dict:
        v = _region(wh, scope, q, breakdowns=True)
        return region_view.breakdown(v.breakdown(kind), value, kind, t(
            title_key, region=v.unit["name"], year=v.year), ratio=ratio)
    return build


def _calendar(metric: str) -> Builder:
    def build(wh, scope, q) -> dict:
        mv = _monitoring(wh, scope, q)
        return mon.calendar_figure(mv.calendar, metric, mv.region.map_parent["name"],
                                   mv.region.version.as_of)
    return build


def _matrix(wh, scope, q) -> dict:
    mv = _monitoring(wh, scope, q)
    v = mv.region
    return mon.matrix_figure(mv.matrix, v.children[["code", "name"]], v.map_parent["name"])


def _timely(wh, scope, q) -> dict:
    v = _monitoring(wh, scope, q).region
    return mon.timely_figure(v.children, v.map_parent["name"])


def _mon_trend(wh, scope, q) -> dict:
    v = _monitoring(wh, scope, q).region
    return mon.trend_figure(v.months, v.unit["name"], v.version.as_of)


def _quality(wh, scope, q) -> dict:
    from components import quality as quality_view
    from queries import quality

    unit, checks = quality.unit_counts(wh, scope, _code(scope, q))
    return quality_view.checks_figure(checks, unit["name"])


def _income(wh, scope, q) -> dict:
    hv = api.household_view(wh, scope, q.get("household", ""))
    return charts.income(hv.income, t("hhd.income_title", name=hv.household["head_name"]))


CHARTS: dict[str, Builder] = {
    "overview-poverty": lambda wh, scope, q: ov_view.poverty_figure(
        api.overview(wh, scope, _code(scope, q), _year(q))),
    "overview-monitoring": lambda wh, scope, q: ov_view.monitoring_figure(
        api.overview(wh, scope, _code(scope, q), _year(q))),
    "region-trend": _region_trend,
    "region-causes": _breakdown("cause", "households", "region.causes_title"),
    "region-risks": _breakdown("risk", "households", "region.risks_title"),
    "region-channels": _breakdown("channel", "share", "region.channels_title", ratio=True),
    "mon-matrix": _matrix,
    "mon-calendar-hh_new_warned": _calendar("hh_new_warned"),
    "mon-calendar-hh_new_identified": _calendar("hh_new_identified"),
    "mon-calendar-hh_new_eliminated": _calendar("hh_new_eliminated"),
    "mon-timely": _timely,
    "mon-trend": _mon_trend,
    "household-income": _income,
    "quality-checks": _quality,
}


def build(wh: Warehouse, scope: Scope, name: str, q: Mapping) -> dict:
    """The figure ``name`` for the parameters ``q`` (KeyError for an unknown name)."""
    return CHARTS[name](wh, scope, q)
