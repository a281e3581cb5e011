"""The department data page and the cross-check page: who may do what, checked in the
callbacks and routes (a department, unit or case sent by the browser is never trusted)."""

from __future__ import annotations

import base64
import json

from access import Scope
from etl.idnumber import check_digit
from ops import doubts as D
from ops import imports as ledger


def _post(client, output: str, outputs, inputs, state=None):
    return client.post("/_dash-update-component", json={
        "output": output, "outputs": outputs, "inputs": inputs, "state": state or [],
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]})


def _upload(client, dept: str, name: str, data: bytes):
    return _post(client, "imp-result.children", {"id": "imp-result", "property": "children"},
                 [{"id": "imp-upload", "property": "contents",
                   "value": "data:text/csv;base64," + base64.b64encode(data).decode()}],
                 [{"id": "imp-upload", "property": "filename", "value": name},
                  {"id": "imp-department", "property": "value", "value": dept}])


def _text(r) -> str:
    return json.dumps(r.get_json(), ensure_ascii=False)


def test_department_users_import_for_their_own_department_only(as_user, app_module):
    from web import context

    first = "610924198001010" + "17"
    first = first[:17] + check_digit(first[:17])
    data = ("身份证号,姓名,死亡日期,户籍地区划代码\n"
            f"{first},某,2026-01-01,610924000000\n{first},某,2026-01-01,610924000000\n"
            ).encode()
    police = as_user("province_police")
    before = len(ledger.batches(context.ops(), None, 1000))
    r = _upload(police, "police", "deaths.csv", data)
    assert r.status_code == 200 and "接收 1 行，拒收 1 行" in _text(r)
    batch = ledger.batches(context.ops(), "police", 1)[0]
    assert (batch["feed"], batch["imported_by"]) == ("death", "province_police")
    # Another department's data: refused, nothing recorded.
    r = _upload(police, "medins", "m.csv", data + b"x")
    assert r.status_code == 403
    health = as_user("province_health")  # a department that sends no data
    assert _upload(health, "health", "d.csv", data + b"y").status_code == 403
    assert _upload(as_user("ziyang_manager"), "police", "d.csv", data + b"z").status_code == 403
    assert len(ledger.batches(context.ops(), None, 1000)) == before + 1
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

    outputs = [{"id": "cc-feedback", "property": "children"},
               {"id": "shell-url", "property": "href"}]
    deps = as_user("ziyang_manager").get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["inputs"][0]["id"] == "cc-send")

    def send(client, code, check):
        return _post(client, dep["output"], outputs,
                     [{"id": "cc-send", "property": "n_clicks", "value": 1}],
                     [{"id": "cc-state", "property": "data",
                       "value": {"code": code, "check": check}}])

    check, open_cases = wh.execute("""
        select check_id, count(*) as n from doubt where starts_with(village_code, '610924')
        group by check_id order by n, check_id limit 1""").fetchone()
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
    assert D.decided(context.ops(), Scope("x", "admin", "610000000000")) == \
        D.decided(context.ops(), scope)  # nothing was sent outside Ziyang
    sent = [d for d in D.decided(context.ops(), scope).values()
            if d["check_id"] == check]
    assert len(sent) == open_cases and {d["state"] for d in sent} == {"sent"}
    # Nothing left to send.
    assert "没有待处理的疑点" in _text(send(ziyang, "610924000000", check))
