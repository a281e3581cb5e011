"""The JSON API for instructions, /api/v1 (documented in web/openapi.py).

Session login or a per-user API token (Authorization: Bearer ...). The same scope and
permission rules as the pages, a version check on every update (409 with the current
instruction when stale), and 400 with one message per field for bad input.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, jsonify, request

from access import CODE, current_scope
from components.tasks import describe
from etl.refdata import region_levels
from ops import audit
from ops import tasks as T
from web import context
from web.auth import client_ip
from web.gate import PUBLIC, gated
from web.i18n import t
from web.openapi import SPEC
from web.places import PLACES

API = "/api/v1"
PAGE = 500  # instructions per page unless ?limit= asks for another number (up to 5000)


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
        body["fields"] = {k: t(v) for k, v in exc.fields.items()}
    if exc.current is not None:
        body["current"] = task_json(exc.current)
    return jsonify(body), exc.status


def _body() -> dict:
    if not request.is_json:
        raise T.TaskError(400, "task.err.invalid", {"_": "api.err.json_required"})
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise T.TaskError(400, "task.err.invalid", {"_": "task.err.not_object"})
    return data


def _flag(name: str):
    v = request.args.get(name)
    if v is None or v == "":
        return None
    if v not in ("true", "false"):
        raise T.TaskError(400, "task.err.invalid", {name: "api.err.bool"})
    return v == "true"


def init(server: Flask) -> None:
    @server.errorhandler(T.TaskError)
    def task_error(exc):
        return error(exc)

    @server.route(f"{API}/openapi.json")
    @gated(PUBLIC)
    def openapi():
        return jsonify(SPEC)

    @server.route(f"{API}/tasks", methods=["GET"])
    @gated("tasks.view")
    def list_tasks():
        scope = current_scope()
        args = request.args
        for name, allowed in (("state", T.STATES), ("type", T.TYPES)):
            if args.get(name) and args[name] not in allowed:
                raise T.TaskError(400, "task.err.invalid", {name: f"task.err.bad_{name}"})
        region = args.get("region") or None
        if region is not None and not CODE.fullmatch(region):
            raise T.TaskError(400, "task.err.invalid", {"region": "task.err.bad_region"})
        try:
            limit, offset = int(args.get("limit", PAGE)), int(args.get("offset", 0))
        except ValueError:
            limit = offset = -1
        if not 1 <= limit <= 5000:
            raise T.TaskError(400, "task.err.invalid", {"limit": "api.err.limit"})
        if offset < 0:
            raise T.TaskError(400, "task.err.invalid", {"offset": "api.err.offset"})
        found = T.list_tasks(context.ops(), scope, state=args.get("state") or None,
                             type=args.get("type") or None, overdue=_flag("overdue"),
                             escalated=_flag("escalated"), region=region,
                             issuer=args.get("issuer") or None, limit=offset + limit)
        page = found[offset:]
        return jsonify({"tasks": [task_json(x) for x in page], "count": len(page),
                        "offset": offset})

    @server.route(f"{API}/tasks", methods=["POST"])
    @gated("tasks.issue")
    def create_task():
        scope = current_scope()
        task = T.create(context.ops(), scope, _body(), PLACES)  # households too
        audit.record(context.ops(), scope.username, "task_create", target=f"task:{task['id']}",
                     ip=client_ip())
        return jsonify(task_json(task)), 201

    @server.route(f"{API}/tasks/<int:task_id>", methods=["GET"])
    @gated("tasks.view")
    def get_task(task_id: int):
        return jsonify(task_json(T.get(context.ops(), current_scope(), task_id)))

    @server.route(f"{API}/tasks/<int:task_id>", methods=["PATCH"])
    @gated("tasks.issue")
    def edit_task(task_id: int):
        data = _body()
        task = T.edit(context.ops(), current_scope(), task_id, data.get("version"),
                      data.get("changes"), _exists)
        return jsonify(task_json(task))

    @server.route(f"{API}/tasks/<int:task_id>/transitions", methods=["POST"])
    @gated("tasks.view")
    def transition_task(task_id: int):
        data = _body()
        task = T.act(context.ops(), current_scope(), task_id, data.get("action"),
                     data.get("version"), data.get("comment") or "")
        return jsonify(task_json(task))

    @server.route(f"{API}/tasks/<int:task_id>/comments", methods=["POST"])
    @gated("tasks.view")
    def comment_task(task_id: int):
        task = T.comment(context.ops(), current_scope(), task_id, _body().get("body"))
        return jsonify(task_json(task)), 201

    @server.route(f"{API}/tasks/<int:task_id>/urge", methods=["POST"])
    @gated("tasks.issue")
    def urge_task(task_id: int):
        task = T.urge(context.ops(), current_scope(), task_id, _body().get("body") or "")
        return jsonify(task_json(task)), 201

    @server.route("/api/<path:rest>", methods=["GET", "POST", "PATCH"])
    @gated(PUBLIC)
    def api_not_found(rest: str):
        """Any other /api address: a JSON 404, not the app's HTML page."""
        return jsonify({"error": t("api.err.no_such_path"), "status": 404}), 404

    @server.errorhandler(405)
    def not_allowed(exc):
        if request.path.startswith(API):
            return jsonify({"error": t("api.err.method"), "status": 405}), 405
        return exc
