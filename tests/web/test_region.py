"""The region page, the household list and the household page, called directly."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from access import AccessDenied, RegionNotFound, Scope
from components import maps
from components import region as view
from domain import indicators
from ops import audit
from queries import api
from queries import households as hl
from tests.conftest import login
from tests.web.test_overview import _props, _text, logged_in

PROVINCE = "610000000000"


@pytest.fixture(scope="module")
def chain(wh) -> list[str]:
    """Province → Hanzhong → its largest county → its largest township → largest village."""
    codes = [PROVINCE, "610700000000"]
    for _ in range(3):
        codes.append(
            wh.execute(
                """
            select r.code from region as r
            join rollup_year as y on y.region_code = r.code and y.year = 2018
            where r.parent_code = ? order by y.hh_registered desc, r.code limit 1""",
                [codes[-1]],
            ).fetchone()[0]
        )
    return codes


def _wh(server):
    from web import context

    return context.warehouse()


def test_chain_reaches_a_village(chain):
    assert [len(c) for c in chain] == [12] * 5
    assert chain[4][9:] != "000"


@pytest.mark.parametrize("level", [0, 1, 2, 3, 4])
def test_layout_at_every_level(server, chain, wh, level):
    from pages import region

    code = chain[level]
    with logged_in(server, "province_leader"):
        page = region.layout(code=code)
    props = list(_props(json.loads(_text(page))))
    geo = [p for p in props if p.get("id") == "region-map-geojson"][0]
    features = geo["data"]["features"]
    parent = chain[3] if level == 4 else code  # a village shows its township's villages
    expected = wh.execute("select count(*) from region where parent_code = ?", [parent]).fetchone()[
        0
    ]
    assert len(features) == expected > 0
    kinds = {f["geometry"]["type"] for f in features}
    assert kinds == ({"Point"} if level >= 3 else {"Polygon", "MultiPolygon"} & kinds) and kinds
    schematic = {f["properties"]["schematic"] for f in features}
    assert schematic == ({True} if level >= 2 else {False})
    legend = _text([p for p in props if p.get("id") == "region-legend"][0])
    assert "无数据" in legend
    assert ("示意" in legend) == (level >= 2)


INDICATOR_CASES = [(k, 2018 if i.poverty_era else 2025) for k, i in indicators.INDICATORS.items()]


@pytest.mark.parametrize("key,year", INDICATOR_CASES)
def test_numbers_agree_across_levels(server, chain, key, year):
    """For each unit of the chain: the parent's map and ranked table, the unit's own card
    and (for counts) the household list give the same figure."""
    ind = indicators.INDICATORS[key]
    month = dt.date(2026, 10, 1)
    scope = Scope("province_leader", "leader", PROVINCE)
    wh = _wh(server)
    seen = 0
    with logged_in(server, "province_leader"):
        for parent, child in zip(chain, chain[1:]):
            pv = api.region_view(wh, scope, parent, year, month.isoformat())
            cv = api.region_view(wh, scope, child, year, month.isoformat())
            on_map = pv.children.set_index("code").loc[child, ind.column]
            table = view.ranked_table(pv, ind, lambda c: c, lang="zh")
            in_table = [r for r in table.rowData if r["code"] == child][0][ind.key]
            card, _ = view._current_and_previous(cv, ind)
            values = [on_map, in_table, card]
            if ind.household_filter:
                q = hl.build(child, ind.household_filter, year, month)
                values.append(hl.count(wh, scope, q))
            clean = [None if v is None or v != v else float(v) for v in values]
            assert clean.count(clean[0]) == len(clean), (key, child, clean)
            seen += clean[0] is not None and clean[0] != 0
    assert seen >= 2, f"{key}: too few non-zero figures to compare"


def test_map_colours_follow_the_values(server, chain):
    scope = Scope("province_leader", "leader", PROVINCE)
    ind = indicators.INDICATORS["poverty_incidence"]
    with logged_in(server, "province_leader"):
        v = api.region_view(_wh(server), scope, chain[1], 2016, None)
        fc, bounds, colours = maps.feature_collection(
            v.geometry,
            v.children,
            ind,
            lambda x: view.fmt_value(ind, x, lang="zh"),
            lambda c: c,
            lang="zh",
        )
    values = v.children.set_index("code")[ind.column]
    ranked = sorted(fc["features"], key=lambda f: values[f["properties"]["code"]])
    order = [colours.index(f["properties"]["color"]) for f in ranked]
    assert order == sorted(order) and len(set(order)) == len(bounds) > 1


@pytest.mark.parametrize(
    "username,code,message",
    [
        ("ziyang_manager", "610902000000", "无权访问"),
        ("ziyang_manager", "610700000000", "无权访问"),
        ("hanzhong_manager", "610924000000", "无权访问"),
        ("ziyang_manager", "61092400", "未找到该地区"),
        ("ziyang_manager", "610924999000", "未找到该地区"),
    ],
)
def test_region_refusals(server, username, code, message):
    from pages import households, region

    with logged_in(server, username):
        for page in (region.layout(code=code), households.layout(code=code)):
            text = _text(page)
            assert message in text and "region-map" not in text and "hh-grid" not in text


def test_breadcrumb_never_above_the_scope(server):
    from pages import region

    with logged_in(server, "ziyang_manager"):
        text = _text(region.layout(code="610924100000"))
    assert "城关镇" in text and "紫阳县" in text
    assert "安康市" not in text and "陕西省" not in text


def test_url_state_round_trip(server):
    from pages import region

    with logged_in(server, "province_leader"):
        url = region.change_view("poverty_incidence", "2016", "2026-05", "610700000000")
        assert url == "/region/610700000000?indicator=poverty_incidence&year=2016&month=2026-05"
        text = _text(
            region.layout(
                code="610700000000", indicator="poverty_incidence", year="2016", month="2026-05"
            )
        )
    assert '"value": "poverty_incidence"' in text and '"value": "2016"' in text
    assert "2016 年末" in text


def test_callbacks_refuse_other_regions(server):
    from pages import households, region

    with logged_in(server, "ziyang_manager"):
        with pytest.raises(AccessDenied):
            region.change_view("poverty_incidence", "2016", "2026-05", "610902000000")
        outside = {"properties": {"code": "610902000000", "href": "/region/610902000000"}}
        assert region.drill(outside) is region.dash.no_update
        inside = {
            "properties": {"code": "610924100000", "href": "/region/610924100000?indicator=x"}
        }
        assert region.drill(inside) == "/region/610924100000?indicator=x"
        forged = {"properties": {"code": "610924100000", "href": "https://evil.example/"}}
        assert region.drill(forged) == "/region/610924100000"
        with pytest.raises(AccessDenied):
            households.get_rows(
                {"startRow": 0, "endRow": 100}, {"code": "610902000000", "preset": "all"}
            )


def test_household_list_rows(server, wh):
    from pages import households

    with logged_in(server, "ziyang_manager"):
        resp, count, csv_href, _, over = households.get_rows(
            {"startRow": 0, "endRow": 50, "sortModel": [{"colId": "members", "sort": "desc"}]},
            {"code": "610924000000", "preset": "registered", "year": 2018},
        )
    n = wh.execute("""select count(*) from household where county_code = '610924000000'
                      and is_registered and identify_year <= 2018""").fetchone()[0]
    # The count names the moment it is of: the end of the preset's year.
    assert resp["rowCount"] == n and count == f"共 {n:,} 户（2018 年末）"
    rows = resp["rowData"]
    assert len(rows) == 50 and rows[0]["members"] == max(r["members"] for r in rows)
    assert all(r["phone"] is None or "****" in r["phone"] for r in rows)
    assert csv_href.startswith("/export/households.csv?unit=610924000000&preset=registered")
    assert over is None


def test_an_export_above_the_cap_is_refused_on_the_page(server, wh, monkeypatch):
    """Above the cap the buttons link nowhere and a click says why, with the count."""
    from pages import households

    monkeypatch.setattr(hl, "EXPORT_CAP", 50)
    n = wh.execute("select count(*) from household where county_code = '610924000000'").fetchone()[
        0
    ]
    with logged_in(server, "ziyang_manager"):
        resp, count, csv_href, xlsx_href, over = households.get_rows(
            {"startRow": 0, "endRow": 50}, {"code": "610924000000", "preset": "all"}
        )
        assert (csv_href, xlsx_href, over) == (None, None, {"n": n, "cap": 50})
        # The whole registry: as of the data's date (31 October in the tiny warehouse).
        assert count == f"共 {n:,} 户（截至10月31日） · 导出上限 50 户，请先缩小范围"
        alert = _text(households.export_refused(1, None, over))
    assert f"共 {n:,} 户，超过导出上限 50 户，未导出。" in alert
    with logged_in(server, "ziyang_manager"):
        assert households.export_refused(1, None, None) is None
        assert households.export_refused(1, None, {"n": "<script>"}) is None


def test_an_export_link_above_the_cap_answers_a_page_not_json(as_user, monkeypatch):
    """Followed anyway (a link made before the list grew), the refusal is a page in the
    user's language with the way back, not raw JSON with \\u escapes."""
    monkeypatch.setattr(hl, "EXPORT_CAP", 50)
    c = as_user("ziyang_manager")
    r = c.get(
        "/export/households.csv?unit=610924000000&preset=all",
        headers={"Accept": "text/html", "Sec-Fetch-Mode": "navigate"},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 413 and r.mimetype == "text/html"
    assert "共 " in body and " 户，超过导出上限 50 户" in body
    assert 'href="/households/610924000000?preset=all&amp;year=' in body
    r = c.get("/export/households.csv?unit=610924000000&preset=all")
    assert r.status_code == 413 and r.is_json


@pytest.mark.parametrize(
    "filter_model,sort_model,message",
    [
        (
            {"phone": {"filterType": "text", "type": "contains", "filter": "138"}},
            None,
            "cannot filter on phone",
        ),
        (
            {"head_name": {"filterType": "text", "type": "regex", "filter": ".*"}},
            None,
            "text filter regex",
        ),
        (
            {"members": {"filterType": "number", "type": "equals", "filter": "1; drop table x"}},
            None,
            "not a number",
        ),
        (None, [{"colId": "phone", "sort": "asc"}], "cannot sort on phone"),
        (None, [{"colId": "members", "sort": "sideways"}], "cannot sort on members"),
        ("not a dict", None, "malformed filter"),
    ],
)
def test_bad_filters(filter_model, sort_model, message):
    with pytest.raises(hl.BadFilter, match=message):
        hl.build("610924000000", "all", 2020, dt.date(2026, 1, 1), filter_model, sort_model)


def test_filters_are_bound_not_formatted():
    q = hl.build(
        "610924000000",
        "all",
        filter_model={
            "head_name": {"filterType": "text", "type": "contains", "filter": "'; drop table x; --"}
        },
    )
    assert "drop" not in q.fragments()["where"]
    assert q.params == {"f0": "'; drop table x; --"}


def test_export_csv_and_xlsx(server, wh):
    client = server.test_client()
    login(client, "ziyang_manager")
    args = "unit=610924100000&preset=registered&year=2018&month=2026-10&filter=%7B%7D&sort=%5B%5D"
    r = client.get("/export/households.csv?" + args)
    assert r.status_code == 200
    text = r.get_data().decode("utf-8-sig")
    lines = text.strip().splitlines()
    n = wh.execute("""select count(*) from household where township_code = '610924100000'
                      and is_registered and identify_year <= 2018""").fetchone()[0]
    assert lines[0].startswith("户编号,户主,乡镇,村,联系电话") and len(lines) == n + 1
    assert "****" in text and "一般贫困户" in text
    # Years are whole numbers and incomes have two decimals, also in a list with gaps
    # (a non-registered household has no years: pandas made the column floats, "2014.0").
    years = wh.execute("""select identify_year, exit_year, per_capita_income from household
                          where township_code = '610924100000' and is_registered
                            and identify_year <= 2018 order by household_id limit 1""").fetchone()
    first = lines[1].split(",")
    assert first[7:9] == [str(years[0]), str(years[1])] and first[-1] == f"{years[2]:.2f}"
    gaps = client.get("/export/households.csv?unit=610924000000&preset=all")
    rows = [r.split(",") for r in gaps.get_data().decode("utf-8-sig").strip().splitlines()[1:]]
    assert any(r[7] == "" for r in rows) and any(r[7] for r in rows)
    assert all(not r[7].endswith(".0") and not r[8].endswith(".0") for r in rows)
    x = client.get("/export/households.xlsx?" + args)
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(x.get_data())).active
    assert ws.max_row == n + 1 and ws.cell(1, 1).value == "户编号"
    from web import context

    entries = audit.recent(context.ops(), actor="ziyang_manager", action="export_households")
    assert entries[0]["outcome"] == "ok" and json.loads(entries[0]["detail"])["rows"] == n


def test_export_refusals(server, monkeypatch):
    client = server.test_client()
    login(client, "ziyang_manager")
    r = client.get("/export/households.csv?unit=610902000000&preset=all")
    assert r.status_code == 403 and "汉滨" not in r.get_data(as_text=True)
    assert (
        client.get("/export/households.csv?unit=610924000000&filter=%7Bbroken").status_code == 400
    )
    # The export's filter and sort pass the grid's own checks: nothing deep, nothing
    # unknown, no JSON too deep to read, answered 400 with the reason.
    from urllib.parse import quote

    for filter_, sort, reason in (
        ('{"members": {"conditions": [{"conditions": [{"type": "equals"}]}]}}', "[]", "筛选条件"),
        ('{"no_such_column": {"type": "equals", "filter": 1}}', "[]", "no_such_column"),
        ("[" * 100_000 + "]" * 100_000, "[]", ""),
        ("{}", '[{"colId": "id_number;drop", "sort": "asc"}]', "id_number;drop"),
    ):
        r = client.get(
            f"/export/households.csv?unit=610924000000&filter={quote(filter_)}&sort={quote(sort)}"
        )
        assert r.status_code == 400 and reason in r.get_json()["error"], (filter_, r.data[:200])
    monkeypatch.setattr(hl, "EXPORT_CAP", 50)
    r = client.get("/export/households.csv?unit=610924000000&preset=all")
    assert r.status_code == 413 and "超过导出上限 50 户" in r.get_json()["error"]
    assert server.test_client().get("/export/households.csv?unit=610924000000").status_code == 401


NAVIGATE = {"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}


@pytest.mark.parametrize(
    "user,path,status,message",
    [
        ("ziyang_manager", "/export/households.csv?unit=610902000000&preset=all", 403, "无权访问"),
        (
            "ziyang_manager",
            "/export/households.csv?unit=610924000000&filter=%7Bbroken",
            400,
            "筛选条件",
        ),
        ("ziyang_manager", "/export/households.pdf", 404, ""),
        ("ziyang_manager", "/export/chart/nope.png", 404, ""),
        ("ziyang_manager", "/export/job/999999", 404, ""),
        # Department data is for department staff and admins (access/roles.py).
        ("ziyang_manager", "/imports/template/police_vehicle.csv", 403, "无权访问"),
        ("province_police", "/imports/report/999999.csv", 404, "错误报告"),
        ("province_police", "/imports/template/nope.csv", 404, "模板"),
    ],
)
def test_a_refused_link_is_a_page_for_the_browser(as_user, user, path, status, message):
    """A link opened in the browser (another user's, a stale one) is refused with a page
    in the user's language, never raw JSON with \\u escapes; the app's own requests
    still get JSON."""
    c = as_user(user)
    r = c.get(path, headers=NAVIGATE)
    body = r.get_data(as_text=True)
    assert (r.status_code, r.mimetype) == (status, "text/html")
    assert message in body and "\\u" not in body and "返回总览" in body
    assert c.get(path).is_json


def test_an_export_link_after_the_session_ended_goes_to_login(server):
    r = server.test_client().get("/export/households.csv?unit=610924000000", headers=NAVIGATE)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")


def _household_in(wh, county: str) -> int:
    return wh.execute(
        """select household_id from household where county_code = ?
                         and monitor_type is not null order by household_id limit 1""",
        [county],
    ).fetchone()[0]


def test_household_page(server, wh):
    from pages import household

    hid = _household_in(wh, "610924000000")
    with logged_in(server, "ziyang_manager"):
        text = _text(household.layout(household_id=str(hid)))
    ids = [
        r[0]
        for r in wh.execute("select id_number from person where household_id = ?", [hid]).fetchall()
    ]
    assert all(i not in text for i in ids)
    assert all(i[:3] + "*" * 11 + i[-4:] in text for i in ids)
    assert "监测记录" in text and "帮扶措施" in text and "帮扶责任人" in text


def test_reveal_is_for_field_roles_and_logged(server, wh):
    from pages import household
    from web import context

    hid = _household_in(wh, "610924000000")
    ids = [
        r[0]
        for r in wh.execute("select id_number from person where household_id = ?", [hid]).fetchall()
    ]
    with logged_in(server, "ziyang_manager"):
        text = _text(household.reveal(1, hid))
    assert all(i in text for i in ids)
    entry = audit.recent(context.ops(), actor="ziyang_manager", action="reveal_id")[0]
    assert entry["target"] == f"household:{hid}"
    with logged_in(server, "province_leader"):
        assert '"display": "none"' in _text(household.layout(household_id=str(hid)))
        with pytest.raises(AccessDenied):
            household.reveal(1, hid)


@pytest.mark.parametrize(
    "username,target", [("ziyang_manager", "610902000000"), ("ziyang_cadre", "610924000000")]
)
def test_household_outside_scope_is_not_found(server, wh, username, target):
    from pages import household

    hid = wh.execute(
        """select household_id from household where starts_with(village_code, ?)
                        and not starts_with(village_code, '610924100')
                        order by household_id limit 1""",
        [target[:6]],
    ).fetchone()[0]
    with logged_in(server, username):
        text = _text(household.layout(household_id=str(hid)))
        assert "未找到该户" in text and "家庭成员" not in text
        with pytest.raises(RegionNotFound):
            household.reveal(1, hid)


def test_household_bad_ids(server):
    from pages import household

    with logged_in(server, "ziyang_manager"):
        for bad in ("abc", "-1", "99999999999", "1.5"):
            assert "未找到该户" in _text(household.layout(household_id=bad))


def test_a_change_that_rounds_away_is_no_change():
    """Per-1,000 figures show two decimals: a change of -0.001 reads "±0.00" and is
    neither good nor bad (it used to read "-0.00", coloured as an improvement)."""
    import datetime as dt

    import pandas as pd

    from components import region as view
    from domain.indicators import INDICATORS
    from queries import api

    months = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-09-01", "2026-10-01"]),
            "hh_unresolved_per_1000": [0.471, 0.470],
            "hh_monitored": [100, 100],
        }
    )
    empty = pd.DataFrame(columns=["year"])
    v = api.RegionView(
        unit={"code": "610900000000", "name": "安康市", "level": 2},
        version=api.DataVersion("v", dt.date(2026, 10, 31), 1.0),
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
    card = view.card_for(v, INDICATORS["hh_unresolved_per_1000"], lang="zh")
    assert (card.value, card.delta, card.direction) == ("0.47", "较上月 ±0.00", 0)
    card = view.card_for(v, INDICATORS["hh_monitored"], lang="zh")
    assert (card.delta, card.direction) == ("较上月 0", 0)


def _households_of_every_preset(server, wh) -> list[tuple[str, int]]:
    """Five households of each list preset (as the province's lists order them; years
    presets in 2016, when households were still poor), and the ones with the most risk
    types (a list column of two or more crashed the page)."""
    scope = Scope("province_leader", "leader", PROVINCE)
    version = api.data_version(_wh(server))
    picks = []
    # A month in which some warning was still undecided at its end (the tiny warehouse
    # has none at the as-of month).
    pending_month = wh.execute("""
        select min(date_trunc('month', warning_date)) from monitoring
        where identify_date >= date_trunc('month', warning_date) + interval 1 month""").fetchone()[
        0
    ]
    for preset in hl.PRESETS:
        year = version.as_of.year if preset == "below_line" else 2016
        month = pending_month if preset == "pending" else version.as_of
        q = hl.build(PROVINCE, preset, year, month)
        picks += [(preset, int(h)) for h in hl.page(_wh(server), scope, q, 0, 5)["household_id"]]
    picks += [
        ("most_risks", int(h))
        for (h,) in wh.execute("""
        select m.household_id from monitoring as m join monitoring_risk as k using (monitoring_id)
        group by m.household_id having count(*) >= 2 order by count(*) desc, 1 limit 5""").fetchall()
    ]
    return picks


def test_household_page_for_every_preset(server, wh):
    """The household page opens for every kind of household a list offers, and names
    each of its risk types."""
    from domain.codes import CODES
    from pages import household

    picks = _households_of_every_preset(server, wh)
    assert {p for p, _ in picks} == set(hl.PRESETS) | {"most_risks"}
    assert len([p for p, _ in picks if p == "most_risks"]) == 5
    with logged_in(server, "province_leader"):
        for preset, hid in picks:
            text = _text(household.layout(household_id=str(hid)))
            no = wh.execute(
                "select household_no from household where household_id = ?", [hid]
            ).fetchone()[0]
            assert no in text, (preset, hid)
            risks = [
                r
                for (r,) in wh.execute(
                    """
                select k.risk_type from monitoring as m join monitoring_risk as k
                using (monitoring_id) where m.household_id = ? order by k.seq""",
                    [hid],
                ).fetchall()
            ]
            if risks:
                assert "风险类型：" + "、".join(CODES["risk"][r][0] for r in risks) in text


def test_household_page_says_when_it_exited(server, wh):
    from pages import household

    hid, year = wh.execute("""select household_id, exit_year from household
                              where county_code = '610924000000' and exit_year is not null
                                and exit_type = 1 order by household_id limit 1""").fetchone()
    with logged_in(server, "ziyang_manager"):
        text = _text(household.layout(household_id=str(hid)))
    assert f"{year} 年脱贫（正常脱贫）" in text


def test_a_failing_layout_says_so_instead_of_a_blank_page(server, monkeypatch):
    """An unexpected error in a page's layout (the household crash showed a blank page)
    shows a notice with the time to tell an administrator; refusals stay refusals."""
    import dash

    from pages import household

    def broken(*_a, **_k):
        raise ValueError("The truth value of an array is ambiguous")

    monkeypatch.setattr(household.api, "household_view", broken)
    page = next(p for p in dash.page_registry.values() if p["module"] == "pages.household")
    with logged_in(server, "ziyang_manager"):
        text = _text(page["layout"](household_id="1"))
    assert "页面出错，未能显示（" in text and "北京时间）" in text
    assert "truth value" not in text
