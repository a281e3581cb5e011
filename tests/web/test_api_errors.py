"""The API answers every error as JSON, never an HTML page, and every malformed input the
fuzzer found (integers too large for the store, objects for strings, lone UTF-16
surrogates, deep nesting, unknown fields) is a 400 naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from ops import tokens
from tests.conftest import login

API = "/api/v1"
TOMORROW = (dt.date.today() + dt.timedelta(days=10)).isoformat()
INT32_MAX = 2**31 - 1
RANGE = "应为 1 到 2,147,483,647 之间的整数。"


@pytest.fixture(scope="module")
def h(server):
    from web import context

    _, tok = tokens.create(context.ops(), "ziyang_manager", "errors test")
    return {"Authorization": f"Bearer {tok}"}


@pytest.fixture(scope="module")
def task_id(server, h):
    """An instruction the token's user may act on (it issued it)."""
    r = server.test_client().post(
        f"{API}/tasks",
        headers=h,
        json={"title": "核实疑点", "assignee_region": "610924100000", "deadline": TOMORROW},
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["id"]


def raw(client, method: str, path: str, body: str, headers: dict):
    return client.open(
        path,
        method=method,
        data=body.encode("utf-8", "surrogatepass"),
        headers={**headers, "Content-Type": "application/json"},
    )


def fields_of(r, status: int = 400) -> dict:
    """The body of a JSON error of ``status``, its fields (may be empty)."""
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert body["status"] == status and isinstance(body["error"], str)
    return body.get("fields", {})


@pytest.mark.parametrize(
    "ident,message",
    [
        ("99999999999999999999999", RANGE),
        (str(2**63), RANGE),
        (str(INT32_MAX + 1), RANGE),
        ("0", RANGE),
        ("abc", RANGE),
    ],
)
def test_ids_beyond_the_store_are_400_in_paths(client, h, ident, message):
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("POST", "/transitions"),
        ("POST", "/comments"),
        ("POST", "/urge"),
    ):
        r = client.open(
            f"{API}/tasks/{ident}{suffix}",
            method=method,
            headers=h,
            json={"version": 1, "changes": {"title": "x"}, "action": "start", "body": "x"},
        )
        assert fields_of(r) == {"task_id": message}, (method, suffix)


def test_the_largest_id_is_a_404(client, h):
    fields_of(client.get(f"{API}/tasks/{INT32_MAX}", headers=h), 404)


@pytest.mark.parametrize(
    "body,field,message",
    [
        ({"action": "start", "version": 10**30}, "version", RANGE),
        ({"action": "start", "version": -1}, "version", RANGE),
        ({"action": {"a": 1}, "version": 1}, "action", "未知的操作。"),
        ({"action": ["start"], "version": 1}, "action", "未知的操作。"),
        ({"action": "start", "version": "1"}, "version", "应为整数。"),
        ({"action": "start", "version": True}, "version", "应为整数。"),
        ({"action": "start", "version": 1.5}, "version", "应为整数。"),
        ({"action": "start", "version": 1, "comment": {"x": 1}}, "comment", "应为文本。"),
        ({"action": "start", "version": 1, "sneaky": 1}, "sneaky", "不认识这个字段。"),
    ],
)
def test_transition_bodies(client, h, task_id, body, field, message):
    r = client.post(f"{API}/tasks/{task_id}/transitions", headers=h, json=body)
    assert fields_of(r) == {field: message}


@pytest.mark.parametrize(
    "over,field,message",
    [
        ({"households": [10**30]}, "households", RANGE),
        ({"households": [1, "2"]}, "households", "应为整数。"),
        ({"households": "1,2"}, "households", "应为列表。"),
        ({"meeting_id": 2**63}, "meeting_id", RANGE),
        ({"title": {"zh": "x"}}, "title", "应为文本。"),
        ({"issue": "yes"}, "issue", "应为 true 或 false。"),
        ({"deadline": 20261231}, "deadline", "日期格式无效（应为 YYYY-MM-DD）。"),
        ({"regions": [{"code": "610924100000"}]}, "regions", "应为文本。"),
        ({"priority": {"a": 1}}, "priority", "优先级无效。"),
        ({"assignee": "610924100000"}, "assignee", "不认识这个字段。"),
    ],
)
def test_new_task_bodies(client, h, over, field, message):
    r = client.post(
        f"{API}/tasks",
        headers=h,
        json={"title": "核实", "assignee_region": "610924100000", "deadline": TOMORROW, **over},
    )
    assert fields_of(r) == {field: message}


def test_edit_bodies(client, h, task_id):
    r = client.patch(
        f"{API}/tasks/{task_id}",
        headers=h,
        json={"version": 1, "changes": {"title": "x", "state": "closed"}},
    )
    assert fields_of(r) == {"changes.state": "不认识这个字段。"}
    r = client.patch(
        f"{API}/tasks/{task_id}", headers=h, json={"version": 2**40, "changes": {"title": "x"}}
    )
    assert fields_of(r) == {"version": RANGE}


def test_lone_surrogates_are_400_naming_the_field(client, h, task_id):
    r = raw(
        client,
        "POST",
        f"{API}/tasks",
        f'{{"title": "\\ud800", "assignee_region": "610924100000", "deadline": "{TOMORROW}"}}',
        h,
    )
    assert fields_of(r) == {"title": "含有无效字符（单独的 UTF-16 代理项或空字符）。"}
    r = raw(client, "POST", f"{API}/tasks/{task_id}/comments", '{"body": "ok \\udfff"}', h)
    assert fields_of(r) == {"body": "含有无效字符（单独的 UTF-16 代理项或空字符）。"}
    r = raw(client, "POST", f"{API}/tasks/{task_id}/comments", '{"body": "a\\u0000b"}', h)
    assert fields_of(r) == {"body": "含有无效字符（单独的 UTF-16 代理项或空字符）。"}
    # A key of the object, too.
    r = raw(client, "POST", f"{API}/tasks/{task_id}/comments", '{"\\ud800": 1}', h)
    assert fields_of(r) == {"_": "含有无效字符（单独的 UTF-16 代理项或空字符）。"}
    # A pair of surrogates is one character: accepted.
    r = raw(client, "POST", f"{API}/tasks/{task_id}/comments", '{"body": "\\ud83d\\ude00"}', h)
    assert r.status_code == 201 and r.get_json()["events"][-1]["body"] == "😀"


@pytest.mark.parametrize("depth", [40, 5000, 100_000])
def test_deep_nesting_is_400(client, h, task_id, depth):
    body = '{"body": ' + "[" * depth + "]" * depth + "}"
    r = raw(client, "POST", f"{API}/tasks/{task_id}/comments", body, h)
    assert fields_of(r) == {"_": "请求内容嵌套过深（最多 8 层）。"}


def test_malformed_json_is_400(client, h):
    assert fields_of(raw(client, "POST", f"{API}/tasks", '{"title": ', h)) == {
        "_": "请求内容不是有效的 JSON。"
    }
    assert fields_of(raw(client, "POST", f"{API}/tasks", "[1, 2]", h)) == {
        "_": "请求内容应为一个 JSON 对象。"
    }
    r = client.post(f"{API}/tasks", headers=h, data=b"\xff\xfe{}", content_type="application/json")
    assert fields_of(r) == {"_": "请求内容不是有效的 JSON。"}


@pytest.mark.parametrize(
    "query,field,message",
    [
        ("offset=99999999999999999999", "offset", "起始位置应为 0 到 2,147,483,647 之间的整数。"),
        ("offset=-1", "offset", "起始位置应为 0 到 2,147,483,647 之间的整数。"),
        ("limit=1e3", "limit", "条数应在 1 到 5000 之间。"),
        ("limit=%D9%A1", "limit", "条数应在 1 到 5000 之间。"),  # an Arabic-Indic digit
        ("issuer=a%00b", "issuer", "含有无效字符（单独的 UTF-16 代理项或空字符）。"),
        ("issuer=" + "x" * 65, "issuer", "不能超过 64 个字。"),
        ("state=%ED%A0%80", "state", "事项状态无效。"),
    ],
)
def test_list_queries(client, h, query, field, message):
    assert fields_of(client.get(f"{API}/tasks?{query}", headers=h)) == {field: message}


def test_too_large_is_413_json(client, h, task_id):
    r = client.post(f"{API}/tasks/{task_id}/comments", headers=h, json={"body": "x" * (300 * 1024)})
    assert fields_of(r, 413) == {}
    assert r.get_json()["error"] == "请求内容过大（上限 256 KB）。"


def test_every_status_is_json(server, h, task_id, monkeypatch):
    anon = server.test_client()
    fields_of(anon.get(f"{API}/tasks"), 401)
    cadre = server.test_client()
    login(cadre, "ziyang_cadre")
    fields_of(cadre.post(f"{API}/tasks/{task_id}/urge", json={}), 403)
    fields_of(anon.get(f"{API}/nothing/at/all", headers=h), 404)
    r = anon.delete(f"{API}/tasks/{task_id}", headers=h)
    fields_of(r, 405)
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS, PATCH"
    r = anon.patch(f"{API}/tasks", headers=h, json={})
    fields_of(r, 405)
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    r = anon.options(f"{API}/tasks/{task_id}/transitions", headers=h)
    assert r.status_code == 200 and r.headers["Allow"] == "OPTIONS, POST"
    # An unknown address is a 404 whatever the method (not the Dash page, not a 405).
    for method in ("GET", "POST", "PATCH", "DELETE"):
        fields_of(anon.open(f"{API}/tasks/1/explode", method=method, headers=h), 404)
    r = anon.post(
        f"{API}/tasks/{task_id}/transitions", headers=h, json={"action": "withdraw", "version": 999}
    )
    assert fields_of(r, 409) == {}


def test_a_server_error_is_json_without_details(server, h, task_id, monkeypatch):
    from ops import tasks as T

    def broken(*_a, **_k):
        raise RuntimeError("secret detail /srv/jingzhun/ops.sqlite3")

    monkeypatch.setattr(T, "get", broken)
    r = server.test_client().get(f"{API}/tasks/{task_id}", headers=h)
    assert fields_of(r, 500) == {}
    text = r.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text
    assert r.get_json()["error"] == "服务器处理请求时出错，错误已记入日志。"
