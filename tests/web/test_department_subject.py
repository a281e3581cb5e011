"""What a department account sees (issue #17, V4): its own checks' cases, its own rules'
warnings, the households behind them (masked), and nothing else: no figures, no lists or
exports of households, no export menu, no dispatch view."""

from __future__ import annotations

import json
import re

import dash
import pytest

from access import AccessDenied, Scope
from tests.web.test_overview import _props, _text, logged_in

POLICE_CHECKS = {"private_vehicle", "deceased_member"}  # over the vehicle and death feeds
POLICE_RULES = {"main_worker_died"}  # its evidence is dept_death
PROVINCE = "610000000000"
BEILIN = "610103000000"  # a county-level unit (Xi'an's Beilin district)
MASKED_ID = re.compile(r"\d{3}\*{11}[\dX]{4}")


def _by_id(page, cid: str) -> dict:
    found = [p for p in _props(json.loads(_text(page))) if p.get("id") == cid]
    assert found, f"no component {cid}"
    return found[0]


def _ids(page) -> set[str]:
    return {p["id"] for p in _props(json.loads(_text(page))) if isinstance(p.get("id"), str)}


@pytest.fixture(scope="module")
def county_police(server, wh):
    """A police account of the county-level unit with the most police cases."""
    from ops import users
    from web import context

    code = wh.execute("""
        select h.county_code from doubt as d join household as h using (household_id)
        where d.check_id in ('private_vehicle', 'deceased_member')
        group by 1 order by count(*) desc, 1 limit 1""").fetchone()[0]
    if users.get(context.ops(), "county_police_17") is None:
        users.create(
            context.ops(),
            "county_police_17",
            "Kq7#county-police",
            "department",
            code,
            3,
            department="police",
        )
    return code


def _police_cases(wh, prefix: str = "61") -> set[str]:
    return {
        r[0]
        for r in wh.execute(
            "select doubt_key from doubt where check_id in ('private_vehicle', 'deceased_member') "
            "and starts_with(village_code, ?)",
            [prefix],
        ).fetchall()
    }


def test_police_sees_the_cases_of_its_own_checks_only(server, wh):
    """Before: every department's cases of the province (medical costs, tax, ...)."""
    from pages import crosschecks

    with logged_in(server, "province_police"):
        page = crosschecks.layout(code=PROVINCE)
    summary = _by_id(page, "cc-summary")
    listed = {row["props"]["data-check"] for row in summary["children"][1]["props"]["children"]}
    assert listed == POLICE_CHECKS
    keys = {r["doubt_key"] for r in _by_id(page, "cc-cases")["rowData"]}
    assert keys == _police_cases(wh)
    options = {o["value"] for o in _by_id(page, "cc-check")["data"]}
    assert options == {""} | POLICE_CHECKS
    send = _by_id(page, "cc-send")  # a department issues nothing: no button shown
    assert send["disabled"] is True and send["style"] == {"display": "none"}
    assert _by_id(page, "cc-close-case")["disabled"] is True
    note = _text(_by_id(page, "cc-subject"))
    assert "本部门账号只看本部门数据（机动车登记、死亡注销登记）触发的比对疑点" in note
    # Another department's check asked for by name: all of its own, not the other's.
    with logged_in(server, "province_police"):
        other = crosschecks.layout(code=PROVINCE, check="medical_costs")
    assert {r["doubt_key"] for r in _by_id(other, "cc-cases")["rowData"]} == _police_cases(wh)


def test_a_county_police_account_sees_its_county_and_its_checks(server, wh, county_police):
    from pages import crosschecks

    with logged_in(server, "county_police_17"):
        page = crosschecks.layout(code=county_police)
        outside = crosschecks.layout(code=PROVINCE)
    keys = {r["doubt_key"] for r in _by_id(page, "cc-cases")["rowData"]}
    assert keys == _police_cases(wh, county_police[:6]) and keys
    assert "无权访问" in _text(outside)


def test_police_sees_the_warnings_of_its_own_rules_only(server, wh):
    """Before: every rule's warnings, with the one-click instruction."""
    from pages import warnings

    with logged_in(server, "province_police"):
        page = warnings.layout(unit=PROVINCE)
    rows = _by_id(page, "warn-grid")["rowData"]
    assert {r["warning_key"].split(":")[0] for r in rows} <= POLICE_RULES
    queue = {
        r[0]
        for r in wh.execute("""
        select w.rule_id || ':' || w.household_id || ':' || w.warned_on from warning as w
        left join monitoring as m using (household_id)
        where w.rule_id = 'main_worker_died'
          and not coalesce(m.identify_date >= w.warned_on, false)
          and not coalesce(m.check_date >= w.warned_on, false)""").fetchall()
    }
    assert {r["warning_key"] for r in rows} == queue
    assert {o["value"] for o in _by_id(page, "warn-rule")["data"]} == {"", "main_worker_died"}
    fields = [c["field"] for c in _by_id(page, "warn-grid")["columnDefs"]]
    # A department decides nothing, and sees no score (made of every rule's hits).
    assert fields == [
        "warned_on",
        "days",
        "status",
        "household",
        "head_name",
        "place",
        "rule",
        "risk",
        "evidence",
    ]
    assert all(r["score"] is None and r["factors"] == "" for r in rows)  # every rule's score
    total = wh.execute(
        "select count(*) from warning where rule_id = 'main_worker_died'"
    ).fetchone()[0]
    counts = _by_id(page, "warn-counts")["children"]
    households = len({k.split(":")[1] for k in queue})
    assert counts.startswith(f"待处置预警线索 {len(queue)} 条（涉及 {households} 户）")
    assert f"已处置 {total - len(queue)} 条" in counts


def test_a_department_cannot_turn_a_warning_into_an_instruction(server):
    from pages import warnings

    with logged_in(server, "province_leader"):
        key = _by_id(warnings.layout(unit=PROVINCE), "warn-grid")["rowData"][0]["warning_key"]
    with logged_in(server, "province_police"):
        alert, *rest = warnings.to_instruction(
            {"value": {"key": key}}, {"code": PROVINCE, "rule": ""}
        )
    assert "无权访问" in _text(alert)
    assert rest == [dash.no_update] * 3


def test_health_has_no_feed_and_is_told_why_its_lists_are_empty(server):
    from pages import crosschecks, warnings

    with logged_in(server, "province_health"):
        cc = crosschecks.layout(code=PROVINCE)
        warn = warnings.layout(unit=PROVINCE)
    assert _by_id(cc, "cc-cases")["rowData"] == []
    assert _by_id(warn, "warn-grid")["rowData"] == []
    assert _by_id(cc, "cc-check")["data"] == [{"value": "", "label": "全部比对项目"}]
    assert _by_id(warn, "warn-rule")["data"] == [{"value": "", "label": "全部预警规则"}]
    assert (
        _text(_by_id(cc, "cc-subject")).count(
            "卫健部门尚无接入本平台的数据，因此没有由本部门数据触发的比对疑点"
        )
        == 1
    )
    assert "卫健部门尚无接入本平台的数据，因此没有由本部门数据触发的预警线索" in _text(
        _by_id(warn, "warn-subject")
    )


def _household(wh, where: str) -> int:
    return wh.execute(
        f"select household_id from household where {where} order by household_id limit 1"
    ).fetchone()[0]


def test_police_opens_only_the_households_behind_its_cases_masked(server, wh, app_module):
    from pages import household
    from queries import api
    from web import context

    police = _household(
        wh, "household_id in (select household_id from doubt where check_id = 'private_vehicle')"
    )
    medical = _household(
        wh,
        "household_id in (select household_id from doubt where "
        "check_id = 'medical_costs') and household_id not in (select "
        "household_id from doubt where check_id in ('private_vehicle', "
        "'deceased_member') union select household_id from warning "
        "where rule_id = 'main_worker_died')",
    )
    with logged_in(server, "province_police"):
        page = household.layout(household_id=str(police))
        refused = household.layout(household_id=str(medical))
    members = _by_id(page, "hhd-members")["rowData"]
    assert members and all(MASKED_ID.fullmatch(m["id_number"]) for m in members)
    assert _by_id(page, "hhd-reveal")["display"] == "none"
    assert "hhd-score" not in _ids(page)  # the score is every rule's
    assert "未找到该户，或该户不在您的辖区内" in _text(refused)
    # Asked for full numbers anyway: masked, the role may not see them.
    scope = Scope("province_police", "department", PROVINCE, "police")
    v = api.household_view(context.warehouse(), scope, police, reveal=True)
    assert not v.revealed and all(MASKED_ID.fullmatch(i) for i in v.members["id_number"])
    with pytest.raises(Exception) as exc:
        api.household_view(context.warehouse(), scope, medical)
    assert type(exc.value).__name__ == "RegionNotFound"
    # The gate itself: the household's departments are the subject's.
    assert api.household_departments(
        context.warehouse(), Scope("province_leader", "leader", PROVINCE), police
    ) >= {"police"}


def test_a_household_of_police_cases_outside_a_county_account_is_refused(server, wh, county_police):
    from pages import household

    inside = _household(
        wh,
        f"county_code = '{county_police}' and household_id in "
        "(select household_id from doubt where check_id in "
        "('private_vehicle', 'deceased_member'))",
    )
    outside = _household(
        wh,
        f"county_code != '{county_police}' and household_id in "
        "(select household_id from doubt where check_id = "
        "'private_vehicle')",
    )
    # In the county, but no police data concerns it (a medical-costs case, say).
    unconcerned = _household(
        wh,
        f"county_code = '{county_police}' and household_id not in "
        "(select household_id from doubt where check_id in "
        "('private_vehicle', 'deceased_member') union select "
        "household_id from warning where rule_id = "
        "'main_worker_died')",
    )
    with logged_in(server, "county_police_17"):
        assert "hhd-members" in _ids(household.layout(household_id=str(inside)))
        assert "未找到该户" in _text(household.layout(household_id=str(outside)))
        assert "未找到该户" in _text(household.layout(household_id=str(unconcerned)))


def test_the_runner_lets_a_department_run_only_what_declares_its_subject(server):
    from web import context

    wh = context.warehouse()
    police = Scope("province_police", "department", PROVINCE, "police")
    for name, params in (
        ("unit_years", {"code": PROVINCE}),
        ("lifecycle", {"unit_prefix": "61"}),
        ("risk_households", {"unit_prefix": "61", "risk_type": 1}),
    ):
        with pytest.raises(AccessDenied, match="not within a department's subject"):
            wh.run(name, police, **params)
    children = wh.run("doubt_children", police, code=PROVINCE, check="", decided=[], year=2026)
    assert len(children) and children["hh_registered"].isna().all()  # no registry figures
    leader = wh.run(
        "doubt_children",
        Scope("l", "leader", PROVINCE),
        code=PROVINCE,
        check="",
        decided=[],
        year=2026,
    )
    assert leader["hh_registered"].notna().all()
    assert leader["undecided"].sum() > children["undecided"].sum() > 0


def _gated_layout(module: str):
    return next(p for p in dash.page_registry.values() if p["module"] == module)["layout"]


@pytest.mark.parametrize("username", ["province_police", "county_police_17", "ziyang_cadre"])
def test_departments_and_cadres_cannot_open_dispatch(server, county_police, username):
    with logged_in(server, username):
        page = _gated_layout("pages.dispatch")(code=PROVINCE)
    assert "无权访问：本页面或操作不向" in _text(page)


@pytest.mark.parametrize(
    "module",
    ["pages.households", "pages.overview", "pages.region", "pages.monitoring", "pages.briefings"],
)
def test_police_gets_no_household_list_and_no_figures(server, module):
    with logged_in(server, "province_police"):
        page = _gated_layout(module)()
    assert "无权访问：本页面或操作不向“行业部门”角色开放" in _text(page)


def test_police_cannot_export_households_or_images(as_user):
    c = as_user("province_police")
    for url in (
        f"/export/households.csv?unit={PROVINCE}",
        f"/export/households.xlsx?unit={PROVINCE}",
        "/export/chart/household-income.png?household=1",
        f"/export/quality/{PROVINCE}.csv",
    ):
        assert c.get(url).status_code == 403, url


def test_the_header_has_no_export_menu_for_a_department(server, app_module):
    with logged_in(server, "province_police"):
        police = _ids(app_module.serve_layout())
    with logged_in(server, "province_leader"):
        leader = _ids(app_module.serve_layout())
    assert {"shell-export", "shell-export-modal"} <= leader
    assert not {i for i in police if i.startswith("shell-export")}


def test_the_cross_check_map_drills_within_the_cross_checks(server, app_module, county_police):
    """Its clicks went to the region page's drill, gated for the figures: refused (403)
    for a department, and a leader landed on the region page instead of the cases."""
    from pages import crosschecks

    feature = {
        "properties": {
            "code": "610900000000",
            "href": "/crosschecks/610900000000?check=private_vehicle",
        }
    }
    with logged_in(server, "province_police"):
        assert crosschecks.drill(feature) == "/crosschecks/610900000000?check=private_vehicle"
        assert (
            crosschecks.drill({"properties": {"code": "610900000000", "href": "/x"}})
            == "/crosschecks/610900000000"
        )
        assert crosschecks.drill({"properties": {"code": "999"}}) is dash.no_update
    with logged_in(server, "county_police_17"):
        assert crosschecks.drill(feature) is dash.no_update  # outside its county
    inputs = {
        cid: [i["id"] for i in cb["inputs"]] for cid, cb in app_module.app.callback_map.items()
    }
    drills = [cid for cid, ids in inputs.items() if ids == ["cc-map-geojson"]]
    assert len(drills) == 1
    assert app_module.app.callback_map[drills[0]]["callback"].jz_action == "crosschecks.view"
