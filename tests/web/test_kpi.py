"""Changes on the KPI cards (page, wall, briefing): what rounds away is no change."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from components import kpi
from components import overview as ov_view
from components import region as region_view
from components import wall as wall_view
from components.theme import BAD, GOOD, NEUTRAL
from domain.indicators import INDICATORS
from i18n import fmt_points
from queries import api
from tests.web.test_overview import _text

VERSION = api.DataVersion("v", dt.date(2026, 10, 31), 1.0)


def test_fmt_points_a_change_that_rounds_away_reads_plus_minus_zero():
    assert fmt_points(-0.0004, "zh") == "±0.0个百分点"
    assert fmt_points(0.0004, "zh") == "±0.0个百分点"
    assert fmt_points(0.0, "en") == "±0.0 pp"
    assert fmt_points(-0.0006, "zh") == "-0.1个百分点"
    assert fmt_points(0.0123, "en") == "+1.2 pp"
    assert fmt_points(None, "zh") == "—"


def _region_view(months: pd.DataFrame) -> api.RegionView:
    empty = pd.DataFrame(columns=["year"])
    return api.RegionView(
        unit={"code": "610900000000", "name": "安康市", "level": 2},
        version=VERSION,
        year=2026,
        month=dt.date(2026, 10, 1),
        trail=[],
        outline={},
        map_parent={},
        children=pd.DataFrame(),
        geometry=pd.DataFrame(),
        years=empty,
        months=months,
        breakdowns=pd.DataFrame(),
    )


def test_region_card_a_ratio_change_that_rounds_away_is_neutral():
    """-0.04 percentage points used to read "▼ 较上月 -0.0个百分点" in red."""
    months = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-09-01", "2026-10-01"]),
            "risk_eliminated_rate": [0.9012, 0.9008],
        }
    )
    card = region_view.card_for(_region_view(months), INDICATORS["risk_eliminated_rate"], lang="zh")
    assert (card.value, card.delta, card.direction) == ("90.1%", "较上月 ±0.0个百分点", 0)
    shown = _text(kpi.card(card))
    assert "较上月 ±0.0个百分点" in shown and "▼" not in shown and NEUTRAL in shown
    # A change that shows stays coloured: -0.1 points of the eliminated rate is bad.
    months["risk_eliminated_rate"] = [0.9012, 0.9002]
    card = region_view.card_for(_region_view(months), INDICATORS["risk_eliminated_rate"], lang="zh")
    assert (card.delta, card.direction) == ("较上月 -0.1个百分点", -1)
    assert BAD in _text(kpi.card(card))


def _overview(
    incidence: tuple[float, float], eliminated: tuple[float, float], year: int = 2026
) -> api.Overview:
    """Two years and two months of one unit; ``year`` is the overview's (and its
    months' year)."""
    years = pd.DataFrame(
        {
            "year": [year - 1, year],
            "hh_registered": [100, 100],
            "pp_registered": [300, 300],
            "pp_exited": [300, 300],
            "pp_not_exited": [0, 0],
            "poverty_incidence": list(incidence),
            "monitoring_line": [7000, 7200],
            "hh_below_monitoring_line": [5, 5],
        }
    )
    months = pd.DataFrame(
        {
            "month": pd.to_datetime([f"{year}-09-01", f"{year}-10-01"]),
            "hh_monitored": [10, 10],
            "hh_type1": [1, 1],
            "hh_type2": [1, 1],
            "hh_type3": [8, 8],
            "risk_eliminated_rate": list(eliminated),
            "hh_unresolved": [2, 2],
        }
    )
    return api.Overview(
        {"code": "610000000000", "name": "陕西省", "level": 1},
        VERSION,
        year,
        dt.date(year, 10, 1),
        years,
        months,
        pd.DataFrame(),
    )


def test_overview_and_wall_cards_a_ratio_change_that_rounds_away_is_neutral():
    # Incidence exists up to 2020: its change is compared there (the year is complete).
    cards = {
        k.key: k
        for k in ov_view.cards(
            _overview(incidence=(0.0021, 0.0020), eliminated=(0.8504, 0.8500), year=2020), lang="zh"
        )
    }
    assert (cards["poverty_incidence"].delta, cards["poverty_incidence"].direction) == (
        "较上年 ±0.0个百分点",
        0,
    )
    ov = _overview(incidence=(None, None), eliminated=(0.8504, 0.8500))
    cards = {k.key: k for k in ov_view.cards(ov, lang="zh")}
    assert (cards["risk_eliminated_rate"].delta, cards["risk_eliminated_rate"].direction) == (
        "较上月 ±0.0个百分点",
        0,
    )
    wall = _text(wall_view._kpi(cards["risk_eliminated_rate"], "zh"))
    assert "较上月 ±0.0个百分点" in wall and "is-flat" in wall and "▼" not in wall
    # A visible change keeps its arrow and colour on the wall.
    ov = _overview(incidence=(0.0021, 0.0020), eliminated=(0.8504, 0.8304))
    k = {k.key: k for k in ov_view.cards(ov, lang="zh")}["risk_eliminated_rate"]
    assert (k.delta, k.direction) == ("较上月 -2.0个百分点", -1)
    assert "is-bad" in _text(wall_view._kpi(k, "zh")) and GOOD not in _text(kpi.card(k))
