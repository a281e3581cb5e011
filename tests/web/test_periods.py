"""Honest periods and numbers (issue #16 §2): one rounding rule (half up, neutral zero),
legends without degenerate classes, a partial as-of month said as such ("截至12月1日",
never "12月末"), every column of a table of the period in its title, poverty incidence
"不适用" after 2020, rule hits (预警线索) apart from warned households (预警户), and the
wall's times in the deployment's zone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from access import Scope
from components import charts, maps
from components import monitoring as mon_view
from components import overview as ov_view
from components import region as region_view
from components.theme import NO_DATA
from domain import indicators
from domain.indicators import INDICATORS
from i18n import (
    fmt_change,
    fmt_count,
    fmt_money,
    fmt_month_period,
    fmt_number,
    fmt_pct,
    fmt_points,
    fmt_signed_number,
    fmt_year_period,
    is_partial_month,
    language,
    points_shown,
    rounded,
    shown,
)
from queries import api
from tests.web.test_overview import _props, _text, logged_in

PROVINCE = "610000000000"
# The data's date in the middle of a month: December is partial (one day of it).
PARTIAL = api.DataVersion("v", dt.date(2026, 12, 1), 1.0)
INCIDENCE = INDICATORS["poverty_incidence"]


# ------------------------------------------------------------------ one rounding rule
@pytest.mark.parametrize(
    "value,digits,text",
    [
        (7.055, 2, "7.06"),  # binary 7.05499999...: round() and f"{:.2f}" give 7.05
        (2.675, 2, "2.68"),  # f"{2.675:.2f}" == "2.67"
        (0.125, 2, "0.13"),  # half to even would give 0.12
        (2.5, 0, "3"),  # round(2.5) == 2
        (-2.5, 0, "-3"),  # half away from zero, symmetrically
        (1234567.5, 0, "1,234,568"),
        (-0.004, 2, "0.00"),  # rounds to zero: no minus sign
    ],
)
def test_fmt_number_rounds_half_up_on_the_decimal_value(value, digits, text):
    assert fmt_number(value, digits) == text


def test_counts_in_wan_round_half_up():
    with language("zh"):
        assert fmt_count(70_550) == "7.06万"  # f"{7.055:.2f}" reads 7.05万
        assert fmt_count(70_549) == "7.05万"
        assert fmt_count(123_450) == "12.3万"  # 12.345 → 12.3 (one decimal)
        assert fmt_count(125_000) == "12.5万"
        assert fmt_count(1_255_000) == "126万"  # 125.5 → 126 (round() gives 126 too)
        assert fmt_count(1_245_000) == "125万"  # 124.5 → 125 (round() gives 124)
        assert fmt_count(102_500_000) == "1.03亿"  # 1.025 → 1.03 (f-string: 1.02)
    with language("en"):
        assert fmt_count(70_550) == "70,550"
    assert fmt_money(70_550, "zh") == "7.1万元"  # 7.055 → 7.1


def test_percentages_round_half_up_and_never_read_minus_zero():
    assert fmt_pct(0.0125) == "1.3%"  # f"{1.25:.1f}%" == "1.2%"
    assert fmt_pct(0.00125, 2) == "0.13%"
    assert fmt_pct(-0.00001) == "0.0%"  # was "-0.0%"
    assert fmt_pct(-0.0006) == "-0.1%"
    assert fmt_pct(None) == "—"


def test_a_change_that_rounds_to_zero_is_neutral():
    assert fmt_points(-0.0004, "zh") == "±0.0个百分点" and points_shown(-0.0004) == 0.0
    assert fmt_points(-0.0005, "zh") == "-0.1个百分点"  # half up: -0.05 points shows
    assert fmt_signed_number(-0.004, 2) == "±0.00" and shown(-0.004, 2) == 0.0
    assert fmt_signed_number(-0.005, 2) == "-0.01"
    assert fmt_signed_number(1.005, 2) == "+1.01"
    assert str(rounded(-0.0001, 1)) == "0.0"


def _region_view(
    months: pd.DataFrame,
    version=PARTIAL,
    month=dt.date(2026, 12, 1),
    years: pd.DataFrame | None = None,
    year: int = 2026,
) -> api.RegionView:
    return api.RegionView(
        unit={"code": "610900000000", "name": "安康市", "level": 2},
        version=version,
        year=year,
        month=month,
        trail=[],
        outline={},
        map_parent={},
        children=pd.DataFrame(),
        geometry=pd.DataFrame(),
        years=pd.DataFrame(columns=["year"]) if years is None else years,
        months=months,
        breakdowns=pd.DataFrame(),
    )


def test_a_card_whose_change_rounds_away_has_no_arrow_and_no_colour():
    from components import kpi
    from components.theme import NEUTRAL

    months = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-11-01", "2026-12-01"]),
            "hh_unresolved_per_1000": [0.4712, 0.4688],
        }
    )
    card = region_view.card_for(
        _region_view(months), INDICATORS["hh_unresolved_per_1000"], lang="zh"
    )
    assert (card.value, card.delta, card.direction) == ("0.47", "较11月末 ±0.00", 0)
    html = _text(kpi.card(card))
    assert "▼" not in html and "▲" not in html and NEUTRAL in html and "-0.00" not in html


# ------------------------------------------------------------------ map legends
def test_legend_classes_are_distinct_as_shown_and_none_is_empty():
    """Quantiles 0.0021 and 0.0024 both show as 0.2%: one class, not "0.2% – 0.2%"."""
    values = pd.Series([0.0019, 0.0021, 0.0022, 0.0024, 0.0024, 0.0031, 0.0150, 0.0152, None])
    bounds = maps.classes(values, digits=INCIDENCE.digits)
    labels = maps.class_labels(bounds, lambda b: region_view.fmt_value(INCIDENCE, b, lang="zh"))
    assert labels == ["≤ 0.2%", "0.2% – 1.5%"]
    values = pd.Series([0.0010, 0.0021, 0.0024, 0.0026, 0.0031, 0.0033, 0.0090, 0.0150])
    bounds = maps.classes(values, digits=INCIDENCE.digits)
    labels = maps.class_labels(bounds, lambda b: region_view.fmt_value(INCIDENCE, b, lang="zh"))
    assert labels == ["≤ 0.2%", "0.2% – 0.3%", "0.3% – 0.9%", "0.9% – 1.5%"]
    for label in labels[1:]:
        low, high = label.split(" – ")
        assert low != high
    used = {maps.class_of(v, bounds, INCIDENCE.digits) for v in values.dropna()}
    assert used == set(range(len(bounds)))  # every class has a unit in it


def test_legend_classes_of_counts_are_whole_and_of_a_flat_map_one_class():
    assert maps.classes(pd.Series([3, 3, 3, 3]), digits=0) == [3.0]
    bounds = maps.classes(pd.Series([0, 1, 1, 2, 5, 9, 40]), digits=0)
    assert bounds == sorted(set(bounds)) and all(b == int(b) for b in bounds)


def test_the_region_page_legend_has_no_degenerate_class(server):
    from pages import region

    with logged_in(server, "province_leader"):
        for key in ("poverty_incidence", "risk_eliminated_rate", "hh_unresolved_per_1000"):
            year = 2018 if key == "poverty_incidence" else None
            props = list(
                _props(
                    json.loads(
                        _text(
                            region.layout(
                                code=PROVINCE, indicator=key, year=str(year) if year else None
                            )
                        )
                    )
                )
            )
            legend = [p for p in props if p.get("id") == "region-legend"][0]
            items = [
                _text(p.get("children"))
                for p in _props(legend)
                if p.get("className") == "jz-legend-item"
            ]
            for item in items:
                if " – " in item:
                    low, high = json.loads(item)[-1].split(" – ")
                    assert low != high, (key, item)


# ------------------------------------------------------------------ periods
def test_period_labels_of_a_partial_month():
    as_of = dt.date(2026, 12, 1)
    with language("zh"):
        assert fmt_month_period(dt.date(2026, 12, 1), as_of) == "截至12月1日"
        assert fmt_month_period(dt.date(2026, 11, 1), as_of) == "2026年11月 末"
        assert fmt_year_period(2026, as_of) == "2026 年（截至12月1日）"
        assert fmt_year_period(2019, as_of) == "2019 年末"
        assert fmt_change("month", "+5", dt.date(2026, 12, 1), as_of) == "较11月末 +5"
        assert fmt_change("month", "+5", dt.date(2026, 11, 1), as_of) == "较上月 +5"
        assert fmt_change("year", "+5", 2026, as_of) == "较2025年末 +5"
        assert (
            fmt_change("month", "+5", dt.date(2027, 1, 1), dt.date(2027, 1, 9))
            == "较2026年12月末 +5"
        )
    with language("en"):
        assert fmt_month_period(dt.date(2026, 12, 1), as_of) == "to 1 Dec"
        assert fmt_year_period(2026, as_of) == "2026, to 1 Dec"
        assert fmt_change("month", "+5", dt.date(2026, 12, 1), as_of) == "+5 on end of Nov"
    # A date on the month's last day closes the month (and 31 December the year).
    assert not is_partial_month(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert is_partial_month(dt.date(2026, 10, 1), dt.date(2026, 10, 30))
    with language("zh"):
        assert fmt_year_period(2026, dt.date(2026, 12, 31)) == "2026 年末"


def test_a_card_of_the_partial_month_says_to_which_day_and_what_it_compares():
    months = pd.DataFrame(
        {"month": pd.to_datetime(["2026-11-01", "2026-12-01"]), "hh_monitored": [1010, 1011]}
    )
    card = region_view.card_for(_region_view(months), INDICATORS["hh_monitored"], lang="zh")
    assert (card.period, card.delta) == ("截至12月1日", "较11月末 +1")
    assert "月末" not in card.period and "月 末" not in card.period


def test_overview_cards_of_the_partial_month_and_year():
    years = pd.DataFrame(
        {
            "year": [2025, 2026],
            "hh_registered": [100, 101],
            "pp_registered": [300, 300],
            "pp_exited": [300, 300],
            "pp_not_exited": [0, 0],
            "poverty_incidence": [None, None],
            "monitoring_line": [7000, 7200],
            "hh_below_monitoring_line": [5, 5],
        }
    )
    months = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-11-01", "2026-12-01"]),
            "hh_monitored": [10, 11],
            "hh_type1": [1, 1],
            "hh_type2": [1, 1],
            "hh_type3": [8, 9],
            "risk_eliminated_rate": [0.8, 0.8],
            "hh_unresolved": [2, 2],
        }
    )
    ov = api.Overview(
        {"code": PROVINCE, "name": "陕西省", "level": 1},
        PARTIAL,
        2026,
        dt.date(2026, 12, 1),
        years,
        months,
        pd.DataFrame(),
    )
    cards = {k.key: k for k in ov_view.cards(ov, lang="zh")}
    assert (cards["hh_monitored"].period, cards["hh_monitored"].delta) == (
        "截至12月1日",
        "较11月末 +1",
    )
    assert (cards["hh_registered"].period, cards["hh_registered"].delta) == (
        "2026 年（截至12月1日）",
        "较2025年末 +1",
    )
    assert ov_view.children_title(ov, lang="zh") == "下级单位（2026 年（截至12月1日））"


def test_charts_mark_the_partial_month_instead_of_a_collapse():
    months = pd.DataFrame(
        {
            "month": pd.date_range("2025-01-01", "2026-12-01", freq="MS"),
            "hh_type1": 500,
            "hh_type2": 300,
            "hh_type3": 100,
            "hh_new_identified": [9] * 23 + [1],
            "hh_new_eliminated": [8] * 23 + [0],
        }
    )
    fig = mon_view.trend_figure(months, "陕西省", dt.date(2026, 12, 1), lang="zh")
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert notes == ["截至12月1日"]
    bars = [d for d in fig["data"] if d["type"] == "bar"]
    assert all(d["marker"]["pattern"]["shape"][-1] == "/" for d in bars)
    assert all(s == "" for d in bars for s in d["marker"]["pattern"]["shape"][:-1])
    # A complete last month: nothing marked.
    full = mon_view.trend_figure(months, "陕西省", dt.date(2026, 12, 31), lang="zh")
    assert full["layout"]["annotations"] == []
    assert all("pattern" not in d["marker"] for d in full["data"] if d["type"] == "bar")
    fig = charts.series(
        [2024, 2025, 2026], [1.0, 2.0, 3.0], "t", bars=True, percent=False, partial="截至12月1日"
    )
    assert fig["layout"]["annotations"][0]["text"] == "截至12月1日"
    assert fig["data"][0]["marker"]["pattern"]["shape"] == ["", "", "/"]


def test_equal_spans_of_a_running_month():
    assert api.equal_spans(dt.date(2026, 12, 1)) == (
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 1),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 1),
    )
    # 31 March against 1-28 February (February has no 29th-31st in 2026).
    assert api.equal_spans(dt.date(2026, 3, 31))[2:] == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_month_on_month_flows_compare_equal_spans(server, wh):
    """The monitoring page's note: days 1..D of the running month against days 1..D of
    the month before, counted from the monitoring table."""
    from components import monitoring as view

    scope = Scope("province_leader", "leader", PROVINCE)
    with logged_in(server, "province_leader"):
        w = api.data_version(server_wh(server))
        as_of = dt.date(w.as_of.year, w.as_of.month, 10)
        spans = api.equal_spans(as_of)
        df = server_wh(server).run(
            "flows_to_day",
            scope,
            unit_prefix="61",
            **dict(zip(("day_from", "day_to", "prev_from", "prev_to"), spans)),
        )
        note = _text(
            view.to_day_note(
                {
                    **df.iloc[0].to_dict(),
                    "from": spans[0],
                    "to": spans[1],
                    "prev_from": spans[2],
                    "prev_to": spans[3],
                },
                lang="zh",
            )
        )
    expected = wh.execute(
        """select count(*) filter (where identify_date between ? and ?),
                                    count(*) filter (where identify_date between ? and ?)
                             from monitoring""",
        list(spans),
    ).fetchall()[0]
    assert (int(df["identified"].iloc[0]), int(df["identified_before"].iloc[0])) == expected
    assert f"本月截至{as_of.month}月10日（10 天）" in note
    prev = spans[2]
    assert f"上月同期（{prev.month}月1日–{prev.month}月10日）" in note


def server_wh(server):
    from web import context

    return context.warehouse()


# ------------------------------------------------------------------ one period per table
def test_a_year_view_takes_the_month_that_ends_the_year(server):
    scope = Scope("province_leader", "leader", PROVINCE)
    with logged_in(server, "province_leader"):
        wh = server_wh(server)
        version = api.data_version(wh)
        v = api.region_view(wh, scope, PROVINCE, 2022, "2026-05", period="year")
        assert v.month == dt.date(2022, 12, 1)
        v = api.region_view(wh, scope, PROVINCE, 2019, None, period="year")
        assert v.month == dt.date(2019, 12, 1)  # before monitoring: its columns are empty
        v = api.region_view(wh, scope, PROVINCE, None, None, period="year")
        assert v.month == version.last_month
        v = api.region_view(wh, scope, PROVINCE, 2019, "2024-03", period="month")
        assert (v.year, v.month) == (2024, dt.date(2024, 3, 1))


def test_the_ranking_table_has_every_column_of_one_period(server, wh):
    """The ranking headed "2019 年末" showed monitored and unresolved households of the
    as-of month; now its monthly columns are December 2019's (none: monitoring began in
    2020), and in 2022 December 2022's."""
    from pages import region

    scope = Scope("province_leader", "leader", PROVINCE)
    with logged_in(server, "province_leader"):
        for year in (2019, 2022):
            v = api.region_view(server_wh(server), scope, PROVINCE, year, "2026-10", period="year")
            table = region_view.ranked_table(v, INCIDENCE, lambda c: c, lang="zh")
            fields = [c["field"] for c in table.columnDefs][2:]
            assert fields == [
                "poverty_incidence",
                "hh_registered",
                "hh_not_exited",
                "hh_monitored",
                "hh_unresolved",
            ]
            expected = dict(
                wh.execute(
                    "select region_code, hh_monitored from indicator_month where month = ?",
                    [dt.date(year, 12, 1)],
                ).fetchall()
            )
            for row in table.rowData:
                assert row["hh_monitored"] == expected.get(row["code"]), (year, row["code"])
            assert region_view.period_label(INCIDENCE, v, lang="zh") == f"{year} 年末"
        page = _text(
            region.layout(
                code=PROVINCE, indicator="poverty_incidence", year="2019", month="2026-10"
            )
        )
        assert "下级单位排名（2019 年末）" in page
        # A year and a month that are not one moment (a view built without a period):
        # the table keeps to the indicator's period.
        v = api.region_view(server_wh(server), scope, PROVINCE, 2019, "2026-10")
        inds = region_view.rank_indicators(v, INCIDENCE)
        assert {i.period for i in inds} == {"year"}
        v = api.region_view(server_wh(server), scope, PROVINCE, 2019, "2026-05")
        inds = region_view.rank_indicators(v, INDICATORS["hh_monitored"])
        assert {i.period for i in inds} == {"month"}


def test_the_overview_table_has_every_column_of_one_period(server, wh):
    from pages import overview

    scope = Scope("province_leader", "leader", PROVINCE)
    with logged_in(server, "province_leader"):
        ov = api.overview(server_wh(server), scope, PROVINCE, 2022)
        assert ov.month == dt.date(2022, 12, 1)
        table = ov_view.children_table(ov, lambda c: c, lang="zh")
        text = _text(overview.layout(year="2022"))
    assert "下级单位（2022 年末）" in text
    expected = dict(
        wh.execute(
            "select region_code, hh_unresolved from indicator_month where month = '2022-12-01'"
        ).fetchall()
    )
    assert {r["code"]: r["hh_unresolved"] for r in table.rowData} == {
        c: expected[c] for c in (r["code"] for r in table.rowData)
    }


def test_the_household_list_count_names_its_period(server):
    from pages import households

    version = api.DataVersion("v", dt.date(2026, 12, 1), 1.0)
    from queries import households as hl

    with language("zh"):
        assert (
            households.list_period(
                hl.build(PROVINCE, "monitored", None, dt.date(2026, 12, 1)), version
            )
            == "截至12月1日"
        )
        assert (
            households.list_period(hl.build(PROVINCE, "not_exited", 2019, None), version)
            == "2019 年末"
        )
        assert households.list_period(hl.build(PROVINCE, "all"), version) == "截至12月1日"


def test_the_briefing_of_a_partial_month_says_so(server):
    from exports import briefing
    from web import context

    scope = Scope("province_leader", "leader", PROVINCE)
    with logged_in(server, "province_leader"):
        wh = server_wh(server)
        version = api.data_version(wh)
        b = briefing.collect(wh, context.ops(), scope, PROVINCE, version.last_month, "测试")
    expected = region_view.period_label(
        INDICATORS["hh_monitored"], api.region_view(wh, scope, PROVINCE, None, None), lang="zh"
    )
    assert b.figures_period == expected
    if is_partial_month(version.last_month, version.as_of):
        assert b.to_date and b.to_date in b.period
    # The table of units below: every column of the briefing's month.
    assert len(b.children_header) - 1 == len(
        [
            k
            for k in briefing.CHILD_COLUMNS
            if version.last_month == version.month_for_year(version.last_month.year)
            or INDICATORS[k].period == "month"
        ]
    )


# ------------------------------------------------------------------ incidence after 2020
def test_incidence_after_2020_is_not_applicable_on_cards_and_tables():
    assert not INCIDENCE.applies(2021) and INCIDENCE.applies(2020)
    with language("zh"):
        assert region_view.fmt_value(INCIDENCE, 0.0, year=2023, lang="zh") == "不适用"
        assert region_view.fmt_value(INCIDENCE, 0.0, year=2020, lang="zh") == "0.0%"
        years = pd.DataFrame({"year": [2022, 2023], "poverty_incidence": [0.0, 0.0]})
        card = region_view.card_for(
            _region_view(pd.DataFrame(columns=["month"]), years=years, year=2023),
            INCIDENCE,
            lang="zh",
        )
        assert (card.value, card.delta, card.direction) == ("不适用", "", 0)
        assert card.note == "贫困线 2020 年后停用"
    with language("en"):
        assert region_view.fmt_value(INCIDENCE, None, year=2023, lang="en") == "n/a"
        assert (
            region_view.not_applicable_note(INCIDENCE, lang="en")
            == "n/a — the poverty line ended in 2020"
        )


def test_incidence_after_2020_renders_not_applicable_on_the_region_page(server):
    from pages import region

    with logged_in(server, "province_leader"):
        page = json.loads(
            _text(region.layout(code=PROVINCE, indicator="poverty_incidence", year="2023"))
        )
    props = list(_props(page))
    features = [p for p in props if p.get("id") == "region-map-geojson"][0]["data"]["features"]
    assert features and {f["properties"]["color"] for f in features} == {NO_DATA}
    assert all(f["properties"]["tooltip"].endswith("：不适用") for f in features)
    legend = _text([p for p in props if p.get("id") == "region-legend"][0])
    assert "不适用：贫困线 2020 年后停用" in legend and "无数据" not in legend
    table = [p for p in props if p.get("id") == "region-ranking"][0]
    assert {r["poverty_incidence_fmt"] for r in table["rowData"]} == {"不适用"}
    assert {r["poverty_incidence"] for r in table["rowData"]} == {None}
    cards = [p for p in props if p.get("data-kpi") == "poverty_incidence"]
    assert "不适用" in _text(cards[0]) and "0.0%" not in _text(cards[0])


def test_incidence_after_2020_renders_not_applicable_on_the_overview(server):
    from pages import overview

    with logged_in(server, "province_leader"):
        text = _text(overview.layout())  # the latest year
        scope = Scope("province_leader", "leader", PROVINCE)
        ov = api.overview(server_wh(server), scope, PROVINCE, None)
    card = [k for k in ov_view.cards(ov, lang="zh") if k.key == "poverty_incidence"][0]
    assert (card.value, card.delta) == ("不适用", "")
    rows = ov_view.children_table(ov, lambda c: c, lang="zh").rowData
    assert {r["poverty_incidence_fmt"] for r in rows} == {"不适用"}
    assert "不适用" in text


def test_the_warehouse_has_no_incidence_after_2020(wh):
    rows = wh.execute(
        "select count(*) from indicator_year where year > 2020 and poverty_incidence is not null"
    ).fetchall()
    assert rows[0][0] == 0


# ------------------------------------------------------------------ 预警线索 and 预警户
def test_rule_hits_and_warned_households_are_named_and_counted_apart(server, wh):
    from pages import monitoring, warnings

    with logged_in(server, "province_leader"):
        mon_page = _text(monitoring.layout(code=PROVINCE))
        warn_page = _text(warnings.layout())
        from ops import warnings as W
        from web import context

        scope = Scope("province_leader", "leader", PROVINCE)
        decided = list(W.decided(context.ops(), scope))  # other tests may have decided some
        counts = server_wh(server).run(
            "warning_counts",
            scope,
            unit_prefix="61",
            decided=decided,
            as_of=api.data_version(server_wh(server)).as_of,
        )
    c = counts.iloc[0]
    assert int(c["undecided_households"]) <= int(c["undecided"])
    assert (
        f"待处置预警线索 {int(c['undecided']):,} 条（涉及 {int(c['undecided_households']):,} 户）"
        in mon_page
    )
    warned = wh.execute("select count(*) from monitoring").fetchall()[0][0]
    assert '"预警户"' in mon_page and f"{warned:,}" in mon_page
    assert (
        f"待处置预警线索 {int(c['undecided']):,} 条（涉及 {int(c['undecided_households']):,} 户）"
        in warn_page
        and "预警线索处置" in warn_page
    )


def test_no_bare_warning_label_for_rule_hits():
    """Every catalog text on rule hits says 预警线索 (or alert); 预警 alone is the warned
    household of the procedure."""
    from i18n import CATALOG

    for key in (
        "warn.title",
        "warn.counts",
        "warn.decided",
        "mon.to_warnings",
        "mon.warnings_overdue",
        "wall.ticker",
        "wall.ticker.none",
        "nav.warnings",
        "warning.err.decided",
        "warning.err.not_found",
        "tpl.warning.title",
        "task.type.alert_verification",
    ):
        assert "预警线索" in CATALOG["zh"][key], key
        assert "warning" not in CATALOG["en"][key].lower(), key
    for key in ("mon.stage.warned", "mon.tab.hh_new_warned"):
        assert "预警户" in CATALOG["zh"][key]


# ------------------------------------------------------------------ the wall's time zone
def test_the_wall_clock_runs_in_the_zone_the_server_names():
    """The clock is drawn in the browser, in the zone of data-zone (Intl.DateTimeFormat
    with timeZone), never the screen computer's."""
    js = (Path(__file__).resolve().parents[2] / "assets" / "wall.js").read_text()
    assert "Intl.DateTimeFormat" in js and "timeZone: zone" in js
    assert 'getAttribute("data-zone")' in js
    assert "toLocaleTimeString" not in js and "getHours()" not in js


def test_the_wall_names_its_periods_and_zone(server):
    from components import wall

    scope = Scope("province_wall", "wall", PROVINCE)
    with logged_in(server, "province_wall"):
        w = api.wall_view(server_wh(server), scope, PROVINCE)
        period = fmt_month_period(w.region.month, w.region.version.as_of)
        text = _text(wall.map_panel(w, 0, lang="zh")) + _text(wall.ranking_panel(w, lang="zh"))
        header = _text(wall.header("陕西省", [], server_wh(server).version, 0, "zh"))
    assert f"陕西省 · {period}" in text and f"陕西省 风险排名（{period}）" in text
    assert "北京时间" in header and '"data-zone": "Asia/Shanghai"' in header
    with logged_in(server, "province_wall"):
        ticker = _text(wall.ticker(w.latest, {}, "zh"))
    assert "最新预警线索" in ticker
    assert indicators.POVERTY_LINE_LAST_YEAR == 2020


def test_switching_to_incidence_opens_its_last_poor_year(server):
    """From a monitoring indicator (year 2026 in the URL) to poverty incidence: the
    year 2019 (a map of "不适用" helps nobody); a year chosen with it stays."""
    from pages import region

    with logged_in(server, "province_leader"):
        current = "/region/610700000000?indicator=hh_monitored&year=2026&month=2026-05"
        url = region.change_view("poverty_incidence", "2026", "2026-05", "610700000000", current)
        assert url == "/region/610700000000?indicator=poverty_incidence&year=2019&month=2026-05"
        current = "/region/610700000000?indicator=poverty_incidence&year=2019&month=2026-05"
        url = region.change_view("poverty_incidence", "2023", "2026-05", "610700000000", current)
        assert url == "/region/610700000000?indicator=poverty_incidence&year=2023&month=2026-05"


def test_the_running_month_is_named_as_a_choice():
    with language("zh"):
        assert (
            region_view.month_label(dt.date(2026, 12, 1), dt.date(2026, 12, 1), lang="zh")
            == "2026年12月（截至1日）"
        )
        assert (
            region_view.month_label(dt.date(2026, 11, 1), dt.date(2026, 12, 1), lang="zh")
            == "2026年11月"
        )


def test_list_exports_round_half_up_like_the_pages():
    """The household list's CSV/XLSX per-capita income uses the same half-up rule as
    every page (Python's round() would give 7055.12: ties to even)."""
    import pandas as pd

    from exports import tables

    df = pd.DataFrame([{"household_no": "1", "per_capita_income": 7055.125}])
    _, rows = tables.household_table(df, "zh")
    assert rows[0][list(tables.HOUSEHOLD_COLUMNS).index("per_capita_income")] == 7055.13
