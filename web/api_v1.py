"""The JSON API for instructions, /api/v1: a Blueprint whose routes are the operations
of web/openapi.py (its table names each one's path, body, query and answer models; the
OpenAPI document is generated from the same table and models).

Session login or a per-user API token (Authorization: Bearer ...). The same scope and
permission rules as the pages, a version check on every update (409 with the current
instruction when stale), and 400 with one message per field for bad input.

Every answer is JSON, errors too (web.headers turns werkzeug's and unexpected ones into
JSON for /api/). Bodies are read by the operation's model after the checks a model
cannot make (UTF-8 JSON, storable text, at most MAX_DEPTH levels, MAX_BODY bytes); ids
in paths are ASCII digits within what the store's INTEGER columns hold.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.routing import Map, Rule

from access import current_scope
from components.tasks import describe
from i18n import N_, t
from ops import tasks as T
from queries.grid import storable
from services import tasks as task_service
from web import context
from web.auth import client_ip
from web.gate import PUBLIC, gated
from web.openapi import DIGITS, INT32_MAX, MAX_BODY, MAX_DEPTH, OPERATIONS, SPEC, TaskQuery
from web.places import PLACES, region_exists

API = "/api/v1"
bp = Blueprint("api_v1", __name__, url_prefix=API)


def init(server: Flask) -> None:
    """Register the API on the app."""
    server.register_blueprint(bp)


# ------------------------------------------------------------------ answers
DATE_FIELDS = ("deadline", "ack_deadline", "overdue_at", "created_at", "updated_at", "closed_at")


def _iso(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def task_json(task: dict) -> dict:
    """A task as the API returns it (web.openapi.Task): dates as ISO strings, events'
    times too."""
    out = dict(task)
    for k in DATE_FIELDS:
        out[k] = _iso(out.get(k))
    if "events" in out:
        out["events"] = [{**e, "at": _iso(e["at"])} for e in out["events"]]
    return out


@bp.app_errorhandler(T.TaskError)
def error(exc: T.TaskError):
    """A refusal as the API answers it (web.openapi.Error)."""
    body = {"error": describe(exc), "status": exc.status}
    if exc.fields:
        body["fields"] = {k: _message(v) for k, v in exc.fields.items()}
    if exc.current is not None:
        body["current"] = task_json(exc.current)
    return jsonify(body), exc.status


@bp.before_app_request
def api_routing():
    """/api/ addresses are answered by the API alone: an unknown one is a JSON 404
    (not the Dash page its catch-all route would serve), a method it does not take a
    JSON 405 with the methods it does (OPTIONS lists them), and a body is read up to
    MAX_BODY bytes (beyond: 413, not the app's 20 MB upload limit)."""
    if not request.path.startswith("/api/"):
        return None
    allowed = _api_routes().bind("").allowed_methods(request.path)
    if not allowed:
        return jsonify({"error": t("api.err.no_such_path"), "status": 404}), 404
    allow = {"Allow": ", ".join(sorted(allowed))}
    if request.method == "OPTIONS":
        return Response(status=200, headers=allow)
    if request.method not in allowed:
        return jsonify({"error": t("api.err.method"), "status": 405}), 405, allow
    request.max_content_length = MAX_BODY
    return None


def _api_routes() -> Map:
    """The app's /api/ routes alone, built once per app."""
    routes = current_app.extensions.get("jz_api_routes")
    if routes is None:
        routes = Map(
            [
                Rule(r.rule, methods=r.methods, endpoint=r.endpoint)
                for r in current_app.url_map.iter_rules()
                if r.rule.startswith("/api/")
            ]
        )
        current_app.extensions["jz_api_routes"] = routes
    return routes


# ------------------------------------------------------------------ reading input
BAD_TEXT = N_("api.err.bad_text")
INVALID = N_("task.err.invalid")


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
        raise T.TaskError(400, INVALID, {"_": N_("api.err.json_required")})
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise T.TaskError(400, INVALID, {"_": _too_deep()}) from None
    except ValueError:  # not UTF-8, not JSON
        raise T.TaskError(400, INVALID, {"_": N_("api.err.bad_json")}) from None
    try:
        field = _scan(data)
    except _TooDeep:
        raise T.TaskError(400, INVALID, {"_": _too_deep()}) from None
    if field is not None:
        raise T.TaskError(400, INVALID, {field: BAD_TEXT})
    if not isinstance(data, dict):
        raise T.TaskError(400, INVALID, {"_": N_("task.err.not_object")})
    return raw


def _too_deep() -> tuple[str, dict]:
    return N_("api.err.too_deep"), {"max": MAX_DEPTH}


# pydantic's error type -> message key; by field where the field has its own message.
INT_RANGE, TOO_LONG, LIST_LONG = (
    N_("api.err.int_range"),
    N_("api.err.too_long"),
    N_("api.err.list_long"),
)
OFFSET_RANGE, LIMIT = N_("api.err.offset_range"), N_("api.err.limit")
BAD_DATE, BAD_EDIT = N_("task.err.bad_date"), N_("task.err.bad_edit")
ERROR_KEYS = {
    "extra_forbidden": N_("api.err.unknown_field"),
    "missing": N_("api.err.missing"),
    "int_type": N_("api.err.int"),
    "int_parsing": N_("api.err.int"),
    "int_from_float": N_("api.err.int"),
    "greater_than_equal": INT_RANGE,
    "less_than_equal": INT_RANGE,
    "string_type": N_("task.err.not_text"),
    "string_too_long": TOO_LONG,
    "string_pattern_mismatch": N_("task.err.bad_region"),
    "bool_type": N_("api.err.bool"),
    "list_type": N_("api.err.list"),
    "too_long": LIST_LONG,
    "model_type": N_("api.err.object"),
    "model_attributes_type": N_("api.err.object"),
    "date_type": BAD_DATE,
    "date_parsing": BAD_DATE,
    "date_from_datetime_parsing": BAD_DATE,
    "date_from_datetime_inexact": BAD_DATE,
    "datetime_type": BAD_DATE,
    "datetime_parsing": BAD_DATE,
    "datetime_from_date_parsing": BAD_DATE,
    "bad_text": BAD_TEXT,
}
FIELD_KEYS = {
    ("title", "string_too_long"): N_("task.err.title_long"),
    ("changes.title", "string_too_long"): N_("task.err.title_long"),
    ("content", "string_too_long"): N_("task.err.text_long"),
    ("changes.content", "string_too_long"): N_("task.err.text_long"),
    ("comment", "string_too_long"): N_("task.err.text_long"),
    ("body", "string_too_long"): N_("task.err.text_long"),
    ("body", "string_too_short"): N_("task.err.comment_empty"),
    ("action", "literal_error"): N_("task.err.unknown_action"),
    ("type", "literal_error"): N_("task.err.bad_type"),
    ("state", "literal_error"): N_("task.err.bad_state"),
    ("priority", "literal_error"): N_("task.err.bad_priority"),
    ("changes.priority", "literal_error"): N_("task.err.bad_priority"),
    ("source", "literal_error"): N_("task.err.bad_source"),
    ("version", "missing"): N_("task.err.version_missing"),
    ("changes", "missing"): BAD_EDIT,
    ("changes", "value_error"): BAD_EDIT,  # nothing to change
    # The list's counts: one message each, whatever is wrong.
    **{("limit", kind): LIMIT for kind in ("int_type", "greater_than_equal", "less_than_equal")},
    **{
        ("offset", kind): OFFSET_RANGE
        for kind in ("int_type", "greater_than_equal", "less_than_equal")
    },
}


def field_errors(exc: ValidationError) -> dict[str, str | tuple[str, dict]]:
    """One message per field (the first), named by its path without list positions."""
    out: dict[str, str | tuple[str, dict]] = {}
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in err["loc"] if isinstance(p, str)) or "_"
        if field in out:
            continue
        kind = err["type"]
        key = FIELD_KEYS.get((field, kind)) or ERROR_KEYS.get(kind, N_("api.err.invalid_value"))
        if field == "_" and kind == "model_type":
            key = N_("task.err.not_object")
        if key == INT_RANGE:
            out[field] = _int_range(1)  # every bounded integer of a body is an id/version
        elif key == OFFSET_RANGE:
            out[field] = (key, _int_range(0)[1])
        elif key in (TOO_LONG, LIST_LONG):
            out[field] = (key, {"max": f"{(err.get('ctx') or {}).get('max_length', 0):,}"})
        else:
            out[field] = key
    return out


def _int_range(lo: int, hi: int = INT32_MAX) -> tuple[str, dict]:
    return INT_RANGE, {"lo": f"{lo:,}", "hi": f"{hi:,}"}


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
        raise T.TaskError(400, INVALID, field_errors(exc)) from None
    return parsed.model_dump(mode="json", exclude_unset=True)


def _query(model: type[BaseModel]) -> BaseModel:
    """The query string read by ``model`` (the first value of each parameter), or
    TaskError(400) naming each bad parameter."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise T.TaskError(400, INVALID, field_errors(exc)) from None


def _path_id(name: str, value: str) -> int:
    """An id from the path: 1..INT32_MAX (what the store holds), else 400."""
    if not DIGITS.fullmatch(value) or not 1 <= int(value) <= INT32_MAX:
        raise T.TaskError(400, INVALID, {name: _int_range(1)})
    return int(value)


# ------------------------------------------------------------------ the operations
def operation(op_id: str, action: str):
    """Register a view as the document's operation ``op_id``, behind ``action``.

    The view is called with the path's ids (``task_id``), the ``body`` read by the
    operation's body model and the ``query`` read by its query model, as the operation
    has them; what it returns is answered as JSON with the operation's status."""
    op = OPERATIONS[op_id]

    def register(view):
        @functools.wraps(view)
        def answer(**path):
            args = {name: _path_id(name, value) for name, value in path.items()}
            if op.body is not None:
                args["body"] = _body(op.body)
            if op.query is not None:
                args["query"] = _query(op.query)
            return jsonify(view(**args)), op.status

        bp.add_url_rule(op.rule, view.__name__, gated(action)(answer), methods=[op.method.upper()])
        return view

    return register


@operation("getDocument", PUBLIC)
def openapi() -> dict:
    return SPEC


@operation("listTasks", "tasks.view")
def list_tasks(query: TaskQuery) -> dict:
    found = T.list_tasks(
        context.ops(),
        current_scope(),
        state=query.state,
        type=query.type,
        overdue=query.overdue,
        escalated=query.escalated,
        region=query.region,
        issuer=query.issuer,
        limit=query.offset + query.limit,
    )
    page = found[query.offset :]
    return {"tasks": [task_json(x) for x in page], "count": len(page), "offset": query.offset}


@operation("createTask", "tasks.issue")
def create_task(body: dict) -> dict:
    task = task_service.create(
        context.ops(),
        current_scope(),
        body,
        PLACES,  # households too
        ip=client_ip(),
    )
    return task_json(task)


@operation("getTask", "tasks.view")
def get_task(task_id: int) -> dict:
    return task_json(T.get(context.ops(), current_scope(), task_id))


@operation("editTask", "tasks.issue")
def edit_task(task_id: int, body: dict) -> dict:
    return task_json(
        T.edit(
            context.ops(), current_scope(), task_id, body["version"], body["changes"], region_exists
        )
    )


@operation("transitionTask", "tasks.view")
def transition_task(task_id: int, body: dict) -> dict:
    return task_json(
        T.act(
            context.ops(),
            current_scope(),
            task_id,
            body["action"],
            body["version"],
            body.get("comment") or "",
        )
    )


@operation("commentTask", "tasks.view")
def comment_task(task_id: int, body: dict) -> dict:
    return task_json(T.comment(context.ops(), current_scope(), task_id, body["body"]))


@operation("urgeTask", "tasks.issue")
def urge_task(task_id: int, body: dict) -> dict:
    return task_json(T.urge(context.ops(), current_scope(), task_id, body.get("body", "")))
