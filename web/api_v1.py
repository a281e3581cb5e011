"""The JSON API for instructions, /api/v1 (documented in web/openapi.py).

Session login or a per-user API token (Authorization: Bearer ...). The same scope and
permission rules as the pages, a version check on every update (409 with the current
instruction when stale), and 400 with one message per field for bad input.

Every answer is JSON, errors too (web.headers turns werkzeug's and unexpected ones into
JSON for /api/). Bodies are read by the models of web.openapi after the checks a model
cannot make (UTF-8 JSON, storable text, at most MAX_DEPTH levels, MAX_BODY bytes); ids
in paths and queries are ASCII digits within what the store's INTEGER columns hold.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from flask import Flask, Response, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.routing import Map, Rule

from access import CODE, current_scope
from components.tasks import describe
from etl.refdata import region_levels
from i18n import t
from ops import audit
from ops import tasks as T
from queries.grid import storable
from web import context
from web.auth import client_ip
from web.gate import PUBLIC, gated
from web.openapi import (
    INT32_MAX,
    MAX_BODY,
    MAX_DEPTH,
    SPEC,
    Comment,
    Edit,
    NewTask,
    Transition,
    Urge,
)
from web.places import PLACES

API = "/api/v1"
PAGE = 500  # instructions per page unless ?limit= asks for another number (up to 5000)
DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII digits; more than 12 is beyond any bound


def _exists(code: str) -> bool:
    return code in region_levels()


def _iso(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


DATE_FIELDS = ("deadline", "ack_deadline", "overdue_at", "created_at", "updated_at",
               "closed_at")


def task_json(task: dict) -> dict:
    """A task as the API returns it: dates as ISO strings, events' times too."""
    out = dict(task)
    for k in DATE_FIELDS:
        out[k] = _iso(out.get(k))
    if "events" in out:
        out["events"] = [{**e, "at": _iso(e["at"])} for e in out["events"]]
    return out


def error(exc: T.TaskError):
    body = {"error": describe(exc), "status": exc.status}
    if exc.fields:
        body["fields"] = {k: _message(v) for k, v in exc.fields.items()}
    if exc.current is not None:
        body["current"] = task_json(exc.current)
    return jsonify(body), exc.status


# ------------------------------------------------------------------ reading input
BAD_TEXT = "api.err.bad_text"


class _TooDeep(Exception):
    pass


def _scan(data) -> str | None:
    """The field holding unstorable text, "_" when a key is; raises _TooDeep past
    MAX_DEPTH levels. Iterative: the depth bound is what it checks."""
    stack = [(data, None, 1)]
    while stack:
        value, field, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _TooDeep
        if isinstance(value, str):
            if not storable(value):
                return field or "_"
        elif isinstance(value, dict):
            for k, v in value.items():
                if not storable(k):
                    return field or "_"
                stack.append((v, field or k, depth + 1))
        elif isinstance(value, list):
            stack.extend((v, field, depth + 1) for v in value)
    return None


def _raw_body() -> bytes:
    """The JSON body as bytes, after the checks a model cannot make: JSON at all, text
    that can be stored, nesting within bounds (413 beyond MAX_BODY, by the request)."""
    if not request.is_json:
        raise T.TaskError(400, "task.err.invalid", {"_": "api.err.json_required"})
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise T.TaskError(400, "task.err.invalid", {"_": _too_deep()}) from None
    except ValueError:  # not UTF-8, not JSON
        raise T.TaskError(400, "task.err.invalid", {"_": "api.err.bad_json"}) from None
    try:
        field = _scan(data)
    except _TooDeep:
        raise T.TaskError(400, "task.err.invalid", {"_": _too_deep()}) from None
    if field is not None:
        raise T.TaskError(400, "task.err.invalid", {field: BAD_TEXT})
    if not isinstance(data, dict):
        raise T.TaskError(400, "task.err.invalid", {"_": "task.err.not_object"})
    return raw


def _too_deep() -> tuple[str, dict]:
    return "api.err.too_deep", {"max": MAX_DEPTH}


# pydantic's error type -> message key; by field where the field has its own message.
ERROR_KEYS = {
    "extra_forbidden": "api.err.unknown_field", "missing": "api.err.missing",
    "int_type": "api.err.int", "int_parsing": "api.err.int", "int_from_float": "api.err.int",
    "greater_than_equal": "api.err.int_range", "less_than_equal": "api.err.int_range",
    "string_type": "task.err.not_text", "string_too_long": "api.err.too_long",
    "string_pattern_mismatch": "task.err.bad_region", "bool_type": "api.err.bool",
    "list_type": "api.err.list", "too_long": "api.err.list_long",
    "model_type": "api.err.object", "model_attributes_type": "api.err.object",
    "date_type": "task.err.bad_date", "date_parsing": "task.err.bad_date",
    "date_from_datetime_parsing": "task.err.bad_date",
    "date_from_datetime_inexact": "task.err.bad_date",
    "datetime_type": "task.err.bad_date", "datetime_parsing": "task.err.bad_date",
    "datetime_from_date_parsing": "task.err.bad_date",
}
FIELD_KEYS = {
    ("title", "string_too_long"): "task.err.title_long",
    ("changes.title", "string_too_long"): "task.err.title_long",
    ("content", "string_too_long"): "task.err.text_long",
    ("changes.content", "string_too_long"): "task.err.text_long",
    ("comment", "string_too_long"): "task.err.text_long",
    ("body", "string_too_long"): "task.err.text_long",
    ("body", "string_too_short"): "task.err.comment_empty",
    ("action", "literal_error"): "task.err.unknown_action",
    ("type", "literal_error"): "task.err.bad_type",
    ("priority", "literal_error"): "task.err.bad_priority",
    ("changes.priority", "literal_error"): "task.err.bad_priority",
    ("source", "literal_error"): "task.err.bad_source",
    ("version", "missing"): "task.err.version_missing",
    ("changes", "missing"): "task.err.bad_edit",
    ("changes", "value_error"): "task.err.bad_edit",  # nothing to change
}


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per field (the first), named by its path without list positions."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in err["loc"] if isinstance(p, str)) or "_"
        if field in out:
            continue
        kind = err["type"]
        key = FIELD_KEYS.get((field, kind)) or ERROR_KEYS.get(kind, "api.err.invalid_value")
        if field == "_" and kind == "model_type":
            key = "task.err.not_object"
        if key == "api.err.int_range":
            out[field] = _int_range(1)  # every bounded integer of a body is an id/version
        elif key in ("api.err.too_long", "api.err.list_long"):
            out[field] = (key, {"max": f"{(err.get('ctx') or {}).get('max_length', 0):,}"})
        else:
            out[field] = key
    return out


def _int_range(lo: int, hi: int = INT32_MAX) -> tuple[str, dict]:
    return "api.err.int_range", {"lo": f"{lo:,}", "hi": f"{hi:,}"}


def _message(value) -> str:
    """A field's message: a key, or a key and its parameters."""
    if isinstance(value, tuple):
        key, params = value
        return t(key, **params)
    return t(value)


def _body(model: type[BaseModel]) -> dict:
    """The request body checked against ``model``: the fields it sent, in JSON form
    (ops.tasks reads them as it always has), or TaskError(400) naming each bad field."""
    raw = _raw_body()
    try:
        parsed = model.model_validate_json(raw)
    except ValidationError as exc:
        raise T.TaskError(400, "task.err.invalid", field_errors(exc)) from None
    return parsed.model_dump(mode="json", exclude_unset=True)


def _task_id(value: str) -> int:
    """A task id from the path: 1..INT32_MAX (what the store holds), else 400."""
    if not DIGITS.fullmatch(value) or not 1 <= int(value) <= INT32_MAX:
        raise T.TaskError(400, "task.err.invalid", {"task_id": _int_range(1)})
    return int(value)


def _text_arg(name: str, max_length: int = 64) -> str | None:
    v = request.args.get(name)
    if v is None or v == "":
        return None
    if not storable(v):
        raise T.TaskError(400, "task.err.invalid", {name: BAD_TEXT})
    if len(v) > max_length:
        raise T.TaskError(400, "task.err.invalid",
                          {name: ("api.err.too_long", {"max": f"{max_length:,}"})})
    return v


def _int_arg(name: str, default: int, lo: int, hi: int, message) -> int:
    """A decimal integer query argument within lo..hi (ASCII digits only: int() would
    take "1_000", " 5" or Arabic-Indic digits)."""
    v = request.args.get(name)
    if v is None:
        return default
    if not DIGITS.fullmatch(v) or not lo <= int(v) <= hi:
        raise T.TaskError(400, "task.err.invalid", {name: message})
    return int(v)


def _flag(name: str):
    v = request.args.get(name)
    if v is None:
        return None
    if v not in ("true", "false"):
        raise T.TaskError(400, "task.err.invalid", {name: "api.err.bool"})
    return v == "true"


def init(server: Flask) -> None:
    @server.errorhandler(T.TaskError)
    def task_error(exc):
        return error(exc)

    routes: list[Map] = []

    @server.before_request
    def api_routing():
        """/api/ addresses are answered by the API alone: an unknown one is a JSON 404
        (not the Dash page its catch-all route would serve), a method it does not take a
        JSON 405 with the methods it does (OPTIONS lists them), and a body is read up to
        MAX_BODY bytes (beyond: 413, not the app's 20 MB upload limit)."""
        if not request.path.startswith("/api/"):
            return None
        if not routes:
            routes.append(Map([Rule(r.rule, methods=r.methods, endpoint=r.endpoint)
                               for r in server.url_map.iter_rules()
                               if r.rule.startswith("/api/")]))
        allowed = routes[0].bind("").allowed_methods(request.path)
        if not allowed:
            return jsonify({"error": t("api.err.no_such_path"), "status": 404}), 404
        allow = {"Allow": ", ".join(sorted(allowed))}
        if request.method == "OPTIONS":
            return Response(status=200, headers=allow)
        if request.method not in allowed:
            return jsonify({"error": t("api.err.method"), "status": 405}), 405, allow
        request.max_content_length = MAX_BODY
        return None

    @server.route(f"{API}/openapi.json")
    @gated(PUBLIC)
    def openapi():
        return jsonify(SPEC)

    @server.route(f"{API}/tasks", methods=["GET"])
    @gated("tasks.view")
    def list_tasks():
        scope = current_scope()
        args = request.args
        # A parameter sent is a filter, even empty (as the document says): never ignored.
        for name, allowed in (("state", T.STATES), ("type", T.TYPES)):
            if name in args and args[name] not in allowed:
                raise T.TaskError(400, "task.err.invalid", {name: f"task.err.bad_{name}"})
        region = args.get("region")
        if region is not None and not CODE.fullmatch(region):
            raise T.TaskError(400, "task.err.invalid", {"region": "task.err.bad_region"})
        limit = _int_arg("limit", PAGE, 1, 5000, "api.err.limit")
        offset = _int_arg("offset", 0, 0, INT32_MAX, _offset_range())
        found = T.list_tasks(context.ops(), scope, state=args.get("state") or None,
                             type=args.get("type") or None, overdue=_flag("overdue"),
                             escalated=_flag("escalated"), region=region,
                             issuer=_text_arg("issuer"), limit=offset + limit)
        page = found[offset:]
        return jsonify({"tasks": [task_json(x) for x in page], "count": len(page),
                        "offset": offset})

    @server.route(f"{API}/tasks", methods=["POST"])
    @gated("tasks.issue")
    def create_task():
        scope = current_scope()
        task = T.create(context.ops(), scope, _body(NewTask), PLACES)  # households too
        audit.record(context.ops(), scope.username, "task_create", target=f"task:{task['id']}",
                     ip=client_ip())
        return jsonify(task_json(task)), 201

    @server.route(f"{API}/tasks/<task_id>", methods=["GET"])
    @gated("tasks.view")
    def get_task(task_id: str):
        return jsonify(task_json(T.get(context.ops(), current_scope(), _task_id(task_id))))

    @server.route(f"{API}/tasks/<task_id>", methods=["PATCH"])
    @gated("tasks.issue")
    def edit_task(task_id: str):
        ident = _task_id(task_id)
        data = _body(Edit)
        task = T.edit(context.ops(), current_scope(), ident, data["version"],
                      data["changes"], _exists)
        return jsonify(task_json(task))

    @server.route(f"{API}/tasks/<task_id>/transitions", methods=["POST"])
    @gated("tasks.view")
    def transition_task(task_id: str):
        ident = _task_id(task_id)
        data = _body(Transition)
        task = T.act(context.ops(), current_scope(), ident, data["action"],
                     data["version"], data.get("comment") or "")
        return jsonify(task_json(task))

    @server.route(f"{API}/tasks/<task_id>/comments", methods=["POST"])
    @gated("tasks.view")
    def comment_task(task_id: str):
        ident = _task_id(task_id)
        task = T.comment(context.ops(), current_scope(), ident, _body(Comment)["body"])
        return jsonify(task_json(task)), 201

    @server.route(f"{API}/tasks/<task_id>/urge", methods=["POST"])
    @gated("tasks.issue")
    def urge_task(task_id: str):
        ident = _task_id(task_id)
        task = T.urge(context.ops(), current_scope(), ident, _body(Urge).get("body", ""))
        return jsonify(task_json(task)), 201


def _offset_range() -> tuple[str, dict]:
    return "api.err.offset_range", _int_range(0)[1]
