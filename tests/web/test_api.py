"""The instructions API: the OpenAPI document matches what every operation accepts and
returns (both come from the models and the operations of web/openapi.py); tokens;
conflicts; per-field errors; scope."""

from __future__ import annotations

import datetime as dt
import re

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ops import tokens, users
from tests.conftest import login
from web.openapi import OPERATIONS, SPEC, Error, models, schemas

API = "/api/v1"
TOMORROW = (dt.date.today() + dt.timedelta(days=10)).isoformat()


REGISTRY = Registry().with_resource(
    "urn:spec", Resource.from_contents(SPEC, default_specification=DRAFT202012)
)


def _validator(schema: dict):
    """A validator for a schema of the document (its $refs resolve inside the document)."""
    resolved = {"$ref": "urn:spec" + schema["$ref"]} if "$ref" in schema else schema
    return jsonschema.Draft202012Validator(
        resolved, registry=REGISTRY, format_checker=jsonschema.FormatChecker()
    )


def check(response, path: str, method: str) -> dict:
    """The response's status is documented for the operation and its body fits, both
    the document's schema and the answer's model (strictly: exact JSON types)."""
    op = SPEC["paths"][path][method]
    documented = op["responses"]
    status = str(response.status_code)
    assert status in documented, (path, method, status, response.get_data(as_text=True)[:300])
    schema = documented[status]["content"]["application/json"]["schema"]
    body = response.get_json()
    _validator(schema).validate(body)
    answer = OPERATIONS[op["operationId"]]
    model = answer.answer if response.status_code == answer.status else Error
    model.model_validate_json(response.get_data(), strict=True)
    return body


@pytest.fixture(scope="module")
def token(server):
    from web import context

    _, tok = tokens.create(context.ops(), "ziyang_manager", "test field app")
    return tok


def bearer(tok: str) -> dict:
    return {"Authorization": f"Bearer {tok}"}


def new_task(client, **over):
    return client.post(
        f"{API}/tasks",
        json={
            "title": "核实向阳镇监测户收入",
            "content": "入户核实后反馈。",
            "type": "alert_verification",
            "priority": "high",
            "source": "alert",
            "assignee_region": "610924100000",
            "deadline": TOMORROW,
            "households": [1, 2],
            **over,
        },
    )


def test_the_document_is_valid_openapi(client):
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    validate_spec(r.get_json())
    assert r.get_json() == SPEC


def test_every_documented_operation(server, token):
    """Exercise every path and method of the document and validate each answer."""
    seen = set()
    leader = server.test_client()
    login(leader, "ankang_leader")
    county = server.test_client()  # the assignee side, with a token (no session)
    h = bearer(token)

    r = leader.post(
        f"{API}/tasks",
        json={
            "title": "落实紫阳县监测户帮扶措施",
            "assignee_region": "610924000000",
            "deadline": TOMORROW,
            "type": "meeting_decision",
        },
    )
    task = check(r, "/tasks", "post")
    seen.add(("/tasks", "post"))
    assert r.status_code == 201 and task["state"] == "issued" and task["version"] == 1

    listing = check(county.get(f"{API}/tasks?state=issued", headers=h), "/tasks", "get")
    seen.add(("/tasks", "get"))
    assert task["id"] in [x["id"] for x in listing["tasks"]]

    got = check(county.get(f"{API}/tasks/{task['id']}", headers=h), "/tasks/{task_id}", "get")
    seen.add(("/tasks/{task_id}", "get"))
    assert got["allowed_actions"] == ["acknowledge", "comment"]

    edited = check(
        leader.patch(
            f"{API}/tasks/{task['id']}", json={"version": 1, "changes": {"priority": "urgent"}}
        ),
        "/tasks/{task_id}",
        "patch",
    )
    seen.add(("/tasks/{task_id}", "patch"))
    assert edited["priority"] == "urgent" and edited["version"] == 2

    acked = check(
        county.post(
            f"{API}/tasks/{task['id']}/transitions",
            headers=h,
            json={"action": "acknowledge", "version": 2},
        ),
        "/tasks/{task_id}/transitions",
        "post",
    )
    seen.add(("/tasks/{task_id}/transitions", "post"))
    assert acked["state"] == "acknowledged"

    commented = check(
        county.post(
            f"{API}/tasks/{task['id']}/comments", headers=h, json={"body": "已安排专人核实"}
        ),
        "/tasks/{task_id}/comments",
        "post",
    )
    seen.add(("/tasks/{task_id}/comments", "post"))
    assert commented["events"][-1]["kind"] == "comment"

    urged = check(
        leader.post(f"{API}/tasks/{task['id']}/urge", json={"body": "请加快"}),
        "/tasks/{task_id}/urge",
        "post",
    )
    seen.add(("/tasks/{task_id}/urge", "post"))
    assert urged["urge_count"] == 1

    assert (
        check(server.test_client().get(f"{API}/openapi.json"), "/openapi.json", "get") == SPEC
    )  # public
    seen.add(("/openapi.json", "get"))

    documented = {(p, m) for p, ops in SPEC["paths"].items() for m in ops}
    assert seen == documented


def test_documented_errors(server, token):
    leader = server.test_client()
    login(leader, "ankang_leader")
    h = bearer(token)
    county = server.test_client()
    # 400 with a message per field
    bad = check(
        leader.post(
            f"{API}/tasks",
            json={"title": "", "assignee_region": "610700000000", "deadline": "2020-01-01"},
        ),
        "/tasks",
        "post",
    )
    assert bad["status"] == 400
    assert set(bad["fields"]) == {"title", "assignee_region", "deadline"}
    assert bad["fields"]["deadline"] == "期限不能早于今天。"
    assert check(leader.post(f"{API}/tasks", data="title=x"), "/tasks", "post")["status"] == 400
    assert check(
        leader.post(f"{API}/tasks", json={**_ok(), "content": "x" * 10_001}), "/tasks", "post"
    )["fields"] == {"content": "内容不能超过 10,000 个字。"}
    # 403 with the reason
    r = county.post(f"{API}/tasks", headers=h, json=_ok(assignee_region="610924100000"))
    assert r.status_code == 201  # a county manager issues to its townships
    cadre = server.test_client()
    login(cadre, "ziyang_cadre")
    forbidden = check(
        cadre.post(f"{API}/tasks", json=_ok(assignee_region="610924100000")), "/tasks", "post"
    )
    assert forbidden["status"] == 403 and "只有领导和管理人员" in forbidden["error"]
    # 409: a stale version, and an illegal transition, both with the reason
    task = check(leader.post(f"{API}/tasks", json=_ok()), "/tasks", "post")
    ok = county.post(
        f"{API}/tasks/{task['id']}/transitions",
        headers=h,
        json={"action": "acknowledge", "version": 1},
    )
    assert ok.status_code == 200
    stale = check(
        leader.patch(
            f"{API}/tasks/{task['id']}", json={"version": 1, "changes": {"title": "新标题"}}
        ),
        "/tasks/{task_id}",
        "patch",
    )
    assert stale["status"] == 409 and stale["current"]["state"] == "acknowledged"
    illegal = check(
        county.post(
            f"{API}/tasks/{task['id']}/transitions",
            headers=h,
            json={"action": "pass", "version": 2},
        ),
        "/tasks/{task_id}/transitions",
        "post",
    )
    assert illegal["status"] == 409
    assert illegal["error"] == "当前状态为“已签收”，不能执行“审核通过”。"
    unknown = check(
        county.post(
            f"{API}/tasks/{task['id']}/transitions",
            headers=h,
            json={"action": "explode", "version": 2},
        ),
        "/tasks/{task_id}/transitions",
        "post",
    )
    assert unknown["status"] == 400
    # 404 for an id outside the region
    other = server.test_client()
    login(other, "hanzhong_manager")
    assert check(other.get(f"{API}/tasks/{task['id']}"), "/tasks/{task_id}", "get")["status"] == 404
    assert check(other.get(f"{API}/tasks/999999"), "/tasks/{task_id}", "get")["status"] == 404


def _ok(**over):
    return {"title": "核实疑点", "assignee_region": "610924000000", "deadline": TOMORROW, **over}


def test_authentication(server, token):
    anon = server.test_client()
    assert anon.get(f"{API}/tasks").status_code == 401
    assert anon.get(f"{API}/tasks", headers=bearer("jz_not-a-token")).status_code == 401
    assert anon.get(f"{API}/tasks", headers=bearer(token)).status_code == 200
    # A token logs in for the request only: no session cookie is set.
    r = anon.get(f"{API}/tasks", headers=bearer(token))
    assert "Set-Cookie" not in r.headers
    # Tokens work only on the API.
    assert anon.get("/_dash-layout", headers=bearer(token)).status_code == 401


def test_revoked_and_disabled(server):
    from web import context

    engine = context.ops()
    users.create(engine, "token_holder", "long-enough-1", "manager", "610924000000", 3)
    token_id, tok = tokens.create(engine, "token_holder", "script")
    c = server.test_client()
    assert c.get(f"{API}/tasks", headers=bearer(tok)).status_code == 200
    tokens.revoke(engine, token_id)
    assert c.get(f"{API}/tasks", headers=bearer(tok)).status_code == 401
    _, tok2 = tokens.create(engine, "token_holder", "script 2")
    users.set_active(engine, "token_holder", False)
    assert c.get(f"{API}/tasks", headers=bearer(tok2)).status_code == 401


def test_list_filters_and_scope(server, token):
    h = bearer(token)
    c = server.test_client()
    for query, field in (
        ("state=nonsense", "state"),
        ("limit=0", "limit"),
        ("overdue=maybe", "overdue"),
        ("region=61", "region"),
    ):
        body = c.get(f"{API}/tasks?{query}", headers=h).get_json()
        assert body["status"] == 400 and field in body["fields"]
    everything = c.get(f"{API}/tasks", headers=h).get_json()["tasks"]
    assert everything and all(
        x["assignee_region"].startswith("610924") or x["issuer_region"].startswith("610924")
        for x in everything
    )


def test_json_required_and_methods(server, token):
    c = server.test_client()
    h = bearer(token)
    assert c.post(f"{API}/tasks", headers=h, data="{}").status_code == 400
    assert c.delete(f"{API}/tasks/1", headers=h).status_code == 405
    assert c.get(f"{API}/nothing", headers=h).get_json()["status"] == 404


# ------------------------------------------------------------------ the bodies' models
BODY_SAMPLES = [
    {},
    {"title": "x"},
    {"title": "x", "assignee_region": "610924100000", "deadline": TOMORROW},
    {"title": "x", "assignee_region": "610924100000", "deadline": TOMORROW, "extra": 1},
    {"title": 7, "assignee_region": "610924100000", "deadline": TOMORROW},
    {"title": "x", "assignee_region": "61092410000", "deadline": TOMORROW},
    {"title": "x" * 201, "assignee_region": "610924100000", "deadline": TOMORROW},
    {"title": "x", "assignee_region": "610924100000", "deadline": "tomorrow"},
    {
        "title": "x",
        "assignee_region": "610924100000",
        "deadline": TOMORROW,
        "households": [1, 2**31],
    },
    {
        "title": "x",
        "assignee_region": "610924100000",
        "deadline": TOMORROW,
        "households": list(range(1, 52)),
    },
    {"title": "x", "assignee_region": "610924100000", "deadline": TOMORROW, "issue": 1},
    {"title": "x", "assignee_region": "610924100000", "deadline": TOMORROW, "assignee_user": None},
    {"action": "start", "version": 1},
    {"action": "explode", "version": 1},
    {"action": "start", "version": 0},
    {"action": "start", "version": 2**31 - 1},
    {"action": "start", "version": 1.0},
    {"action": "start", "version": True},
    {"action": "start", "version": 1, "comment": "ok"},
    {"version": 1, "changes": {}},
    {"version": 1, "changes": {"title": "新标题"}},
    {"version": 1, "changes": {"state": "closed"}},
    {"version": 1, "changes": {"priority": "whenever"}},
    {"version": 1, "changes": None},
    {"body": ""},
    {"body": "ok"},
    {"body": None},
    {"body": "x" * 10_001},
    [],
    "text",
    None,
]


def _operations_with_bodies():
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            if "requestBody" in op:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                yield path, method, ref.rsplit("/", 1)[1]


def test_every_api_route_is_documented_and_every_documented_operation_routed(server):
    """The routes under /api/v1 are the operations of the document, method for method,
    each registered from its entry in the operations table."""
    routed = {
        (re.sub(r"<(\w+)>", r"{\1}", rule.rule[len(API) :]), method.lower(), rule.endpoint)
        for rule in server.url_map.iter_rules()
        if rule.rule.startswith(API + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(p, m) for p, ops in SPEC["paths"].items() for m in ops}
    assert {(p, m) for p, m, _ in routed} == documented
    assert len(routed) == len(documented) == len(OPERATIONS) == 8
    assert {e for *_, e in routed} == {
        "api_v1.openapi",
        "api_v1.list_tasks",
        "api_v1.create_task",
        "api_v1.get_task",
        "api_v1.edit_task",
        "api_v1.transition_task",
        "api_v1.comment_task",
        "api_v1.urge_task",
    }
    for op in OPERATIONS.values():
        assert SPEC["paths"][op.path][op.method]["operationId"] == op.id


def test_each_documented_schema_is_its_model():
    """The document's schemas are generated from the models the API reads bodies and
    queries with and answers by; any hand edit of one of them shows here."""
    from web.openapi import TaskQuery

    generated = schemas()
    assert SPEC["components"]["schemas"] == generated
    assert set(generated) == {m.__name__ for m in models()} | {
        "EditChanges",
        "Event",
        "Link",
        "Task",
    }  # held by Edit, TaskList and Error
    for op in OPERATIONS.values():
        spec = SPEC["paths"][op.path][op.method]
        body = spec.get("requestBody", {}).get("content", {}).get("application/json")
        assert (body["schema"]["$ref"].rsplit("/", 1)[1] if body else None) == (
            op.body.__name__ if op.body else None
        ), op.id
        answer = spec["responses"][str(op.status)]["content"]["application/json"]
        assert answer["schema"]["$ref"].rsplit("/", 1)[1] == op.answer.__name__
        assert {c for c in spec["responses"] if c != str(op.status)} == {str(c) for c in op.errors}
    listing = SPEC["paths"]["/tasks"]["get"]["parameters"]
    assert [p["name"] for p in listing] == list(TaskQuery.model_fields)
    assert listing[-2]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 5000,
        "default": 500,
    }
    assert SPEC["paths"]["/tasks/{task_id}"]["get"]["parameters"] == [
        {
            "name": "task_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        }
    ]


@pytest.mark.parametrize("path,method,name", list(_operations_with_bodies()))
def test_the_document_and_the_model_agree_on_every_sample(path, method, name):
    """Whatever the document accepts, the model accepts, and what it refuses the model
    refuses (what the document cannot say, ops.tasks says after)."""
    import json

    import pydantic

    bodies = {m.__name__: m for m in models()}
    validator = _validator({"$ref": f"#/components/schemas/{name}"})
    for sample in BODY_SAMPLES:
        by_document = validator.is_valid(sample)
        try:
            bodies[name].model_validate_json(json.dumps(sample))
            by_model = True
        except pydantic.ValidationError:
            by_model = False
        assert by_document == by_model, (name, sample)
