"""The data-quality page (/quality/<code>), its CSV export and its chart, called directly
and over HTTP: exact figures from the warehouse, the user's scope only, refusals."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import time

import duckdb
import pytest

from access import AccessDenied
from ops import audit
from tests.conftest import AS_OF
from tests.web.test_overview import _kpis, _props, _text, logged_in

ZIYANG, HANZHONG, PROVINCE = "610924000000", "610700000000", "610000000000"
ID = re.compile(r"\d{17}[\dX]")


@pytest.fixture(scope="module", autouse=True)
def evaluated(warehouse_path, server):
    """The session's warehouse with the checks evaluated. The build evaluates them; a
    build that does not yet is evaluated here, on a copy put in place the way the app's
    own refresh does it (the app switches to it within its reload time)."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    have = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'quality_issue'"
    ).fetchone()[0]
    con.close()
    if have:
        return
    from etl import quality

    tmp = warehouse_path.with_name("quality-copy.duckdb")
    shutil.copyfile(warehouse_path, tmp)
    c = duckdb.connect(str(tmp))
    quality.evaluate(c, quality.load(), AS_OF)
    c.close()
    os.replace(tmp, warehouse_path)
    time.sleep(0.5)


@pytest.fixture(scope="module")
def db(warehouse_path, evaluated):
    con = duckdb.connect(str(warehouse_path), read_only=True)
    yield con
    con.close()


def _by_id(tree, cid: str) -> dict:
    return [p for p in _props(json.loads(_text(tree))) if p.get("id") == cid][0]


def test_a_county_manager_sees_their_county(server, db):
    from pages import quality

    with logged_in(server, "ziyang_manager"):
        page = quality.layout(code=ZIYANG)
    text = _text(page)
    assert "紫阳县 数据质量" in text
    issues, households, flagged = db.execute(
        """
        select (select count(*) from quality_issue where county_code = ?),
               (select count(*) from household where county_code = ?),
               (select count(distinct household_id) from quality_issue where county_code = ?)""",
        [ZIYANG] * 3,
    ).fetchone()
    assert issues > 0
    kpis = _kpis(page)
    assert kpis["issues"] == f"{issues:,}"
    assert kpis["households_flagged"] == f"{flagged:,}"
    assert kpis["per_1000"] == f"{1000 * issues / households:.2f}"
    checks = db.execute(
        "select count(*), count(*) filter (where evaluable) from quality_check"
    ).fetchone()
    assert kpis["checks"] == f"{checks[1]} / {checks[0]}" and checks[0] >= 20
    # The rows behind the count: every one in the county, ID and phone numbers masked.
    rows = _by_id(page, "quality-issues")["rowData"]
    assert len(rows) == min(issues, 500)
    numbers = {
        r[0]
        for r in db.execute(
            "select household_no from household where county_code = ?", [ZIYANG]
        ).fetchall()
    }
    assert {r["household_no"] for r in rows} <= numbers
    assert not ID.search(json.dumps(rows))
    assert all(r["phone"] in ("—", "") or "****" in r["phone"] for r in rows)
    # Counts by check: the table names every check in force, with the county's figures.
    by_check = dict(
        db.execute(
            "select check_id, count(*) from quality_issue where county_code = ? group by 1",
            [ZIYANG],
        ).fetchall()
    )
    table = _by_id(page, "quality-checks")
    shown = {}
    for tr in _props(table):
        if "data-check" in tr:
            cells = [c for c in tr["children"]]
            shown[tr["data-check"]] = cells[3]["props"]["children"]
    assert len(shown) == checks[0]
    assert {k: v for k, v in shown.items() if v != "0"} == {
        k: f"{v:,}" for k, v in by_check.items()
    }


def test_the_units_below_the_map_and_the_league(server, db):
    from pages import quality

    with logged_in(server, "ziyang_manager"):
        page = quality.layout(code=ZIYANG, check="Q01")
    expected = dict(
        db.execute(
            """
        select r.code, count(i.household_id) from region as r
        left join quality_issue as i on i.township_code = r.code and i.check_id = 'Q01'
        where r.parent_code = ? group by r.code""",
            [ZIYANG],
        ).fetchall()
    )
    features = _by_id(page, "region-map-geojson")["data"]["features"]
    assert {f["properties"]["code"] for f in features} == set(expected)
    assert all(
        f["properties"]["href"] == f"/quality/{f['properties']['code']}?check=Q01" for f in features
    )
    league = _by_id(page, "quality-league")["rowData"]
    households = dict(
        db.execute(
            "select township_code, count(*) from household where county_code = ? group by 1",
            [ZIYANG],
        ).fetchall()
    )
    assert {r["code"]: r["issues"] for r in league} == {
        c: n for c, n in expected.items() if households.get(c)
    }
    rates = [r["per_1000"] for r in league]
    assert rates == sorted(rates, reverse=True)
    top = league[0]
    assert top["per_1000_fmt"] == f"{1000 * expected[top['code']] / households[top['code']]:.2f}"
    # The units below by check: all checks, whichever the page shows.
    children = {r["code"]: r for r in _by_id(page, "quality-children")["rowData"]}
    totals = dict(
        db.execute(
            "select township_code, count(*) from quality_issue where county_code = ? group by 1",
            [ZIYANG],
        ).fetchall()
    )
    assert {c: r["issues"] for c, r in children.items() if r["issues"]} == totals
    assert all(r.get("Q01", 0) == expected[c] for c, r in children.items())
    # The list is of the one check.
    rows = _by_id(page, "quality-issues")["rowData"]
    assert len(rows) == sum(expected.values())
    assert "quality-rows-title" in _text(page) and f"共 {len(rows)} 条" in _text(page)


@pytest.mark.parametrize(
    "user,code,key",
    [
        ("ziyang_manager", HANZHONG, "无权访问"),
        ("ziyang_manager", PROVINCE, "无权访问"),
        ("ziyang_manager", "610924999999", "未找到"),
        ("ziyang_manager", "nonsense", "未找到"),
        ("ziyang_cadre", "610924200000", "无权访问"),
    ],
)
def test_a_unit_outside_the_scope_is_refused(server, user, code, key):
    from pages import quality

    with logged_in(server, user):
        page = quality.layout(code=code)
    text = _text(page)
    assert key in text and "quality-title" not in text and "quality-issues" not in text


def test_the_callback_refuses_another_region(server, db):
    from pages import quality, region

    with logged_in(server, "ziyang_manager"):
        with pytest.raises(AccessDenied):
            quality.change_check("Q01", {"code": HANZHONG, "check": ""})
        assert (
            quality.change_check("Q05", {"code": ZIYANG, "check": ""})
            == f"/quality/{ZIYANG}?check=Q05"
        )
        assert (
            quality.change_check("nope", {"code": ZIYANG, "check": "Q05"}) == f"/quality/{ZIYANG}"
        )
        assert (
            quality.change_check("Q05", {"code": ZIYANG, "check": "Q05"}) is quality.dash.no_update
        )
        # A click on the map follows the page's own link, within the scope only.
        inside = {"properties": {"code": "610924100000", "href": "/quality/610924100000?check=Q01"}}
        assert region.drill(inside) == "/quality/610924100000?check=Q01"
        outside = {"properties": {"code": "610902000000", "href": "/quality/610902000000"}}
        assert region.drill(outside) is region.dash.no_update


def test_the_callback_over_http_refuses_another_region(as_user):
    c = as_user("ziyang_manager")
    deps = c.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["inputs"][0]["id"] == "quality-check")
    r = c.post(
        "/_dash-update-component",
        json={
            "output": dep["output"],
            "outputs": {"id": "shell-url", "property": "href"},
            "inputs": [{"id": "quality-check", "property": "value", "value": "Q01"}],
            "state": [
                {
                    "id": "quality-state",
                    "property": "data",
                    "value": {"code": HANZHONG, "check": ""},
                }
            ],
            "changedPropIds": ["quality-check.value"],
        },
    )
    assert r.status_code == 403


def _csv(r) -> list[list[str]]:
    return list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))


HEADER = [
    "检查规则",
    "严重程度",
    "户编号",
    "户主姓名",
    "联系电话",
    "乡镇",
    "村",
    "涉及成员",
    "身份证号",
    "疑点说明",
]


def test_the_csv_export(as_user, db):
    from web import context

    c = as_user("ziyang_manager")
    r = c.get(f"/export/quality/{ZIYANG}.csv?check=Q25")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith(
        f'attachment; filename="quality-{ZIYANG}-Q25-'
    )
    rows = _csv(r)
    assert rows[0] == HEADER
    expected = db.execute(
        """
        select h.household_no, h.head_name, p.name, p.id_number, i.detail
        from quality_issue as i join household as h using (household_id)
        join person as p on p.person_id = i.person_id
        where i.county_code = ? and i.check_id = 'Q25'
        order by i.household_id, i.person_id""",
        [ZIYANG],
    ).fetchall()
    assert len(expected) > 0
    name = db.execute("select zh from quality_check where id = 'Q25'").fetchone()[0]
    assert [(r[0], r[1], r[2], r[3], r[7], r[8], r[9]) for r in rows[1:]] == [
        (f"Q25 {name}", "中", no, head, member, idn[:3] + "*" * 11 + idn[-4:], detail)
        for no, head, member, idn, detail in expected
    ]
    assert not ID.search(r.get_data().decode("utf-8-sig"))
    entry = audit.recent(context.ops(), actor="ziyang_manager", action="export_quality")[0]
    assert entry["target"] == ZIYANG and json.loads(entry["detail"]) == {
        "check": "Q25",
        "rows": len(expected),
    }
    # All checks: every issue of the county, and nothing from elsewhere.
    every = _csv(c.get(f"/export/quality/{ZIYANG}.csv"))
    n = db.execute("select count(*) from quality_issue where county_code = ?", [ZIYANG]).fetchone()[
        0
    ]
    assert len(every) == n + 1
    numbers = {
        r[0]
        for r in db.execute(
            "select household_no from household where county_code = ?", [ZIYANG]
        ).fetchall()
    }
    assert {r[2] for r in every[1:]} <= numbers


@pytest.mark.parametrize(
    "path,status",
    [
        (f"/export/quality/{HANZHONG}.csv", 403),
        (f"/export/quality/{PROVINCE}.csv?check=Q01", 403),
        ("/export/quality/610924999999.csv", 404),
        ("/export/quality/nonsense.csv", 404),
        (f"/export/chart/quality-checks.png?region={HANZHONG}", 403),
    ],
)
def test_exports_outside_the_scope_are_refused(as_user, path, status):
    r = as_user("ziyang_manager").get(path)
    assert r.status_code == status
    assert "户编号" not in r.get_data(as_text=True)


def test_an_export_above_the_cap_is_refused(as_user, monkeypatch, db):
    from queries import quality

    n = db.execute("select count(*) from quality_issue where county_code = ?", [ZIYANG]).fetchone()[
        0
    ]
    assert n >= 2
    cap = n - 1  # the generator's data has few problems: a cap just below the count
    monkeypatch.setattr(quality, "EXPORT_CAP", cap)
    r = as_user("ziyang_manager").get(f"/export/quality/{ZIYANG}.csv")
    assert r.status_code == 413
    assert r.get_json()["error"].startswith(
        f"共 {n:,} 条疑点数据，超过导出上限 {cap:,} 条，未导出。"
    )


def test_the_chart_is_rebuilt_for_the_png(server, db):
    from access import current_scope
    from exports import charts
    from web import context

    with logged_in(server, "ziyang_manager"):
        scope = current_scope()
        fig = charts.build(context.warehouse(), scope, "quality-checks", {"region": ZIYANG})
        with pytest.raises(AccessDenied):
            charts.build(context.warehouse(), scope, "quality-checks", {"region": HANZHONG})
    counts = db.execute(
        "select check_id, count(*) from quality_issue where county_code = ? "
        "group by 1 order by 2, 1 desc",
        [ZIYANG],
    ).fetchall()
    bars = fig["data"][0]
    assert fig["layout"]["title"]["text"] == "紫阳县 疑点数据（按检查规则）"
    assert bars["x"] == [n for _, n in counts]
    assert [label.split(" ")[0] for label in bars["y"]] == [c for c, _ in counts]


def test_the_page_is_in_the_navigation_of_staff_only(server):
    import dash

    from access import Scope
    from web import gate

    for role in ("leader", "manager", "cadre", "admin"):
        items = gate.nav_items(dash.page_registry, Scope("u", role, ZIYANG))
        assert [i.href for i in items if i.match == "/quality"] == [f"/quality/{ZIYANG}"]
    # A department account's subject is its own data; a wall account has no navigation.
    for scope in (Scope("u", "department", ZIYANG, "police"), Scope("w", "wall", PROVINCE)):
        assert not [i for i in gate.nav_items(dash.page_registry, scope) if i.match == "/quality"]


def test_english_labels(server, db):
    from pages import quality

    with logged_in(server, "ziyang_manager", lang="en"):
        text = _text(quality.layout(code=ZIYANG, check="Q18"))
    assert "紫阳县 data quality" in text
    assert "Q18 A member with a death record still a member" in text  # config/quality.yaml
    # A row's detail in English, when the county has such a row (the generator's data
    # has few problems since issue #16).
    if db.execute(
        "select count(*) from quality_issue where county_code = ? and check_id = 'Q18'", [ZIYANG]
    ).fetchone()[0]:
        assert "death recorded on" in text
