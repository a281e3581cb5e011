"""The department data page and the cross-check page: who may do what, checked in the
callbacks and routes (a department, unit or case sent by the browser is never trusted)."""

from __future__ import annotations

import base64
import json

from access import Scope
from etl.idnumber import check_digit
from ops import doubts as D
from ops import imports as ledger
from ops.scoped import SYSTEM
from tests.conftest import login


def _post(client, output: str, outputs, inputs, state=None):
    return client.post(
        "/_dash-update-component",
        json={
            "output": output,
            "outputs": outputs,
            "inputs": inputs,
            "state": state or [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        },
    )


def _upload(client, dept: str, name: str, data: bytes):
    return _post(
        client,
        "imp-result.children",
        {"id": "imp-result", "property": "children"},
        [
            {
                "id": "imp-upload",
                "property": "contents",
                "value": "data:text/csv;base64," + base64.b64encode(data).decode(),
            }
        ],
        [
            {"id": "imp-upload", "property": "filename", "value": name},
            {"id": "imp-department", "property": "value", "value": dept},
        ],
    )


def _text(r) -> str:
    return json.dumps(r.get_json(), ensure_ascii=False)


def test_department_users_import_for_their_own_department_only(as_user, app_module):
    from web import context

    first = "610924198001010" + "17"
    first = first[:17] + check_digit(first[:17])
    data = (
        "身份证号,姓名,死亡日期,户籍地区划代码\n"
        f"{first},某,2026-01-01,610924000000\n{first},某,2026-01-01,610924000000\n"
    ).encode()
    police = as_user("province_police")
    before = len(ledger.batches(context.ops(), SYSTEM, None, 1000))
    r = _upload(police, "police", "deaths.csv", data)
    assert r.status_code == 200 and "接收 1 行，拒收 1 行" in _text(r)
    batch = ledger.batches(context.ops(), SYSTEM, "police", 1)[0]
    assert (batch["feed"], batch["imported_by"]) == ("death", "province_police")
    # Another department's data: refused, nothing recorded.
    r = _upload(police, "medins", "m.csv", data + b"x")
    assert r.status_code == 403
    health = as_user("province_health")  # a department that sends no data
    assert _upload(health, "health", "d.csv", data + b"y").status_code == 403
    assert _upload(as_user("ziyang_manager"), "police", "d.csv", data + b"z").status_code == 403
    assert len(ledger.batches(context.ops(), SYSTEM, None, 1000)) == before + 1
    # The report: the importer's department (and admins); others get 404.
    assert police.get(f"/imports/report/{batch['id']}.csv").status_code == 200
    assert as_user("province_admin").get(f"/imports/report/{batch['id']}.csv").status_code == 200
    assert health.get(f"/imports/report/{batch['id']}.csv").status_code == 404
    # Templates: the header row, in Chinese, UTF-8 with a BOM.
    t = police.get("/imports/template/death.csv")
    assert t.data.decode("utf-8-sig") == "身份证号,姓名,死亡日期,户籍地区划代码\n"
    assert police.get("/imports/template/nope.csv").status_code == 404


def test_sending_cases_checks_the_unit_and_the_role(as_user, app_module, wh):
    from web import context

    outputs = [
        {"id": "cc-feedback", "property": "children"},
        {"id": "shell-url", "property": "href"},
    ]
    deps = as_user("ziyang_manager").get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["inputs"][0]["id"] == "cc-send")

    def send(client, code, check):
        return _post(
            client,
            dep["output"],
            outputs,
            [{"id": "cc-send", "property": "n_clicks", "value": 1}],
            [{"id": "cc-state", "property": "data", "value": {"code": code, "check": check}}],
        )

    check, open_cases = wh.execute("""
        select check_id, count(*) as n from doubt where starts_with(village_code, '610924')
        group by check_id order by n, check_id limit 1""").fetchone()
    province = Scope("x", "admin", "610000000000")
    before = set(D.decided(context.ops(), province))
    ziyang = as_user("ziyang_manager")
    r = send(ziyang, "610000000000", check)
    assert r.status_code == 200 and "无权访问" in _text(r)
    cadre = as_user("ziyang_cadre")
    r = send(cadre, "610924100000", check)
    assert "只有领导和管理人员可以交办事项" in _text(r)
    r = send(ziyang, "610924000000", check)
    assert r.status_code == 200
    href = r.get_json()["response"]["shell-url"]["href"]
    assert href.startswith(f"/crosschecks/610924000000?check={check}&sent={open_cases}")
    scope = Scope("ziyang_manager", "manager", "610924000000")
    now_sent = set(D.decided(context.ops(), province)) - before
    assert now_sent and now_sent <= set(D.decided(context.ops(), scope))  # Ziyang's only
    sent = [d for d in D.decided(context.ops(), scope).values() if d["check_id"] == check]
    assert len(sent) == open_cases and {d["state"] for d in sent} == {"sent"}
    # Nothing left to send.
    assert "没有待处理的疑点" in _text(send(ziyang, "610924000000", check))


def _account(username: str, role: str, region: str, department: str | None = None):
    """A test account of the app's store (created once per session)."""
    from etl.refdata import region_levels
    from ops import users
    from web import context

    if users.get(context.ops(), username) is None:
        users.create(
            context.ops(),
            username,
            "Jz-test-account-2026",
            role,
            region,
            region_levels()[region],
            department,
            username,
        )


def _as(server, username: str):
    c = server.test_client()
    assert login(c, username, "Jz-test-account-2026").status_code == 302
    return c


def _listed(client, dept: str) -> str:
    return _text(
        _post(
            client,
            "..imp-templates.children...imp-batches.children..",
            [
                {"id": "imp-templates", "property": "children"},
                {"id": "imp-batches", "property": "children"},
            ],
            [
                {"id": "imp-department", "property": "value", "value": dept},
                {"id": "imp-result", "property": "children", "value": None},
            ],
        )
    )


def test_batches_and_reports_only_within_the_importers_region(server, app_module):
    """V3: a county's police user neither lists nor downloads a batch imported in
    Xi'an (404, as for an unknown batch); a county admin neither; the province admin
    and Xi'an's own police do. The batch carries the importer's region."""
    from web import context

    _account("xian_police", "department", "610100000000", "police")
    _account("ziyang_police", "department", "610924000000", "police")
    _account("ziyang_admin", "admin", "610924000000")
    first = "610102198001010" + "17"
    first = first[:17] + check_digit(first[:17])
    data = (
        "身份证号,姓名,死亡日期,户籍地区划代码\n"
        f"{first},西安某,2026-01-01,610102000000\n{first},西安某,2026-01-01,610102000000\n"
    ).encode()
    xian = _as(server, "xian_police")
    r = _upload(xian, "police", "xian-deaths.csv", data)
    assert "接收 1 行，拒收 1 行" in _text(r)
    batch = ledger.batches(context.ops(), SYSTEM, "police", 1)[0]
    assert (batch["imported_by"], batch["region_code"]) == ("xian_police", "610100000000")
    report = f"/imports/report/{batch['id']}.csv"
    assert xian.get(report).status_code == 200
    assert "xian-deaths.csv" in _listed(xian, "police")
    province = server.test_client()
    login(province, "province_admin")
    assert province.get(report).status_code == 200
    for name in ("ziyang_police", "ziyang_admin"):
        county = _as(server, name)
        r = county.get(report)
        assert r.status_code == 404, name
        body = r.get_json(silent=True)
        assert "未找到该批次的错误报告" in (body["error"] if body else r.get_data(as_text=True))
        assert "xian-deaths.csv" not in _listed(county, "police")
    scope = Scope("ziyang_admin", "admin", "610924000000")
    assert ledger.get(context.ops(), scope, batch["id"]) is None
    assert batch["id"] not in [b["id"] for b in ledger.batches(context.ops(), scope, None, 1000)]


def test_a_county_admin_cannot_merge_the_provinces_batches(server, app_module, monkeypatch):
    """imports.merge is the province admin's: a county admin's click is refused with
    the reason, and no refresh starts; the province admin's starts one."""
    from services import imports_refresh as web_imports

    _account("ziyang_admin", "admin", "610924000000")
    started = []
    monkeypatch.setattr(web_imports, "start_refresh", lambda *a: started.append(a) or True)

    def click(client):
        return _text(
            _post(
                client,
                "imp-refresh-result.children",
                {"id": "imp-refresh-result", "property": "children"},
                [{"id": "imp-refresh", "property": "n_clicks", "value": 1}],
            )
        )

    assert "仅省级系统管理员可以将部门数据并入数据仓库" in click(_as(server, "ziyang_admin"))
    assert started == []
    province = server.test_client()
    login(province, "province_admin")
    assert "已开始" in click(province)
    assert [a[2] for a in started] == ["province_admin"]
