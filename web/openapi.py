"""The OpenAPI 3.1 document of /api/v1 (its schemas are JSON Schema, so responses can be
checked against them directly), and the models the API reads request bodies with.

Request bodies are pydantic models (strict types, unknown fields refused, integers
bounded to what the store holds); their schemas in the document are generated from the
models, so what is documented is what is accepted. What a schema cannot say (a title
that is only spaces, a region outside the user's scope, a deadline in the past) is
checked by ops.tasks, with its own messages.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.json_schema import models_json_schema

from ops import tasks as T

INT32_MAX = 2**31 - 1  # ids and versions are INTEGER columns: 32 bits on PostgreSQL
CODE_PATTERN = "^61[0-9]{10}$"
CODE = {"type": "string", "pattern": CODE_PATTERN}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


SCHEMAS = {
    "Event": {
        "type": "object",
        "required": ["id", "at", "actor", "kind", "version"],
        "properties": {
            "id": {"type": "integer"}, "at": DATETIME, "actor": {"type": "string"},
            "kind": {"enum": ["create", "transition", "comment", "urge", "edit",
                              "escalate", "overdue"]},
            "from_state": _nullable({"enum": list(T.STATES)}),
            "to_state": _nullable({"enum": list(T.STATES)}),
            "body": {"type": "string"}, "version": {"type": "integer"},
        },
    },
    "Link": {"type": "object", "required": ["kind", "ref"],
             "properties": {"kind": {"enum": ["region", "household"]},
                            "ref": {"type": "string"}}},
    "Task": {
        "type": "object",
        "required": ["id", "title", "content", "type", "priority", "source", "state",
                     "version", "issuer", "issuer_region", "assignee_region", "deadline",
                     "ack_deadline", "overdue", "days_left", "allowed_actions"],
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string", "maxLength": T.MAX_TITLE},
            "content": {"type": "string"}, "type": {"enum": list(T.TYPES)},
            "priority": {"enum": list(T.PRIORITIES)}, "source": {"enum": list(T.SOURCES)},
            "source_ref": {"type": "string"}, "meeting_id": _nullable({"type": "integer"}),
            "state": {"enum": list(T.STATES)}, "version": {"type": "integer"},
            "issuer": {"type": "string"}, "issuer_region": CODE, "assignee_region": CODE,
            "assignee_user": _nullable({"type": "string"}),
            "deadline": DATE, "ack_deadline": DATETIME,
            "escalated_to": _nullable(CODE), "overdue_at": _nullable(DATETIME),
            "urge_count": {"type": "integer"}, "created_at": DATETIME,
            "updated_at": DATETIME, "closed_at": _nullable(DATETIME),
            "overdue": {"type": "boolean"}, "days_left": {"type": "integer"},
            "allowed_actions": {"type": "array", "items": {"type": "string"}},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
        },
    },
    "TaskList": {"type": "object", "required": ["tasks", "count", "offset"],
                 "properties": {"tasks": {"type": "array",
                                          "items": {"$ref": "#/components/schemas/Task"}},
                                "count": {"type": "integer"},
                                "offset": {"type": "integer"}}},
    "Error": {"type": "object", "required": ["error", "status"],
              "properties": {"error": {"type": "string"}, "status": {"type": "integer"},
                             "fields": {"type": "object",
                                        "additionalProperties": {"type": "string"}},
                             "current": {"$ref": "#/components/schemas/Task"}}},
}


# ------------------------------------------------------------------ request bodies
class Body(BaseModel):
    """A request body: exactly these fields, each of exactly its JSON type."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _whole(value):
    """1.0 is the integer 1, as JSON Schema counts it; 1.5, "1" and true are not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Id = Annotated[int, Field(ge=1, le=INT32_MAX), BeforeValidator(_whole)]
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
Title = Annotated[str, Field(max_length=T.MAX_TITLE)]
Text = Annotated[str, Field(max_length=T.MAX_TEXT)]


class NewTask(Body):
    title: Title
    content: Text = ""
    type: Literal[T.TYPES] = "other"
    priority: Literal[T.PRIORITIES] = "normal"
    source: Literal[T.SOURCES] = "region"
    source_ref: Annotated[str, Field(max_length=100)] = ""
    assignee_region: Code
    assignee_user: Annotated[str, Field(max_length=64)] = None
    deadline: dt.date
    ack_deadline: dt.datetime = None
    meeting_id: Id = None
    regions: Annotated[list[Code], Field(max_length=T.MAX_LINKS)] = []
    households: Annotated[list[Id], Field(max_length=T.MAX_LINKS)] = []
    issue: bool = True


class Transition(Body):
    action: Literal[tuple(T.ACTIONS)]
    version: Id
    comment: Text = ""


class EditChanges(Body):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    title: Title = None
    content: Text = None
    priority: Literal[T.PRIORITIES] = None
    deadline: dt.date = None

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self


class Edit(Body):
    version: Id
    changes: EditChanges


class Comment(Body):
    body: Annotated[Text, Field(min_length=1)]


class Urge(Body):
    body: Text = ""


BODIES = {m.__name__: m for m in (NewTask, Transition, Edit, EditChanges, Comment, Urge)}


def _tidy(schema):
    """A generated schema without pydantic's titles and the ``null`` defaults of fields
    that are optional but not nullable (absent, not null)."""
    if isinstance(schema, list):
        return [_tidy(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        out[key] = value if key in ("enum", "default") else _tidy(value)
    if "properties" in schema:  # a property may be called "title"
        out["properties"] = {k: _tidy(v) for k, v in schema["properties"].items()}
    return out


def body_schemas() -> dict[str, dict]:
    """The JSON Schemas of the request bodies, as the document's components."""
    _, defs = models_json_schema([(m, "validation") for m in BODIES.values()],
                                 ref_template="#/components/schemas/{model}")
    return {name: _tidy(schema) for name, schema in defs["$defs"].items()}


SCHEMAS.update(body_schemas())


def _json(ref: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _errors(*codes: int) -> dict:
    text = {400: "Invalid input: one message per field", 401: "Not logged in",
            403: "Not allowed, with the reason", 404: "No such task, or outside your region",
            409: "Stale version or illegal transition; the current task",
            413: f"The body is larger than {MAX_BODY // 1024} KB"}
    return {str(c): {"description": text[c], **_json("Error")} for c in codes}


MAX_BODY = 256 * 1024  # bytes of a request body
MAX_DEPTH = 8  # levels of nesting of a request body (the deepest documented is 3)
TASK_ID = {"name": "task_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": INT32_MAX}}

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "Jingzhun instructions API", "version": "1.0.0",
             "description": "Instructions (督办事项): list, read, create, transition, "
                            "comment. Log in with the session cookie of /login, or send "
                            "`Authorization: Bearer <token>` (manage.py tokens create). "
                            "The same scope and permission rules as the pages apply."},
    "servers": [{"url": "/api/v1"}],
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                            "session": {"type": "apiKey", "in": "cookie",
                                        "name": "jz_session"}},
    },
    "security": [{"bearer": []}, {"session": []}],
    "paths": {
        "/tasks": {
            "get": {
                "operationId": "listTasks", "summary": "Instructions in your region",
                "parameters": [
                    {"name": n, "in": "query", "required": False, "schema": s}
                    for n, s in (("state", {"enum": list(T.STATES)}),
                                 ("type", {"enum": list(T.TYPES)}),
                                 ("overdue", {"type": "boolean"}),
                                 ("escalated", {"type": "boolean"}),
                                 ("region", CODE),
                                 ("issuer", {"type": "string", "maxLength": 64}),
                                 ("limit", {"type": "integer", "minimum": 1,
                                            "maximum": 5000, "default": 500}),
                                 ("offset", {"type": "integer", "minimum": 0,
                                             "maximum": INT32_MAX, "default": 0}))],
                "responses": {"200": {"description": "The instructions", **_json("TaskList")},
                              **_errors(400, 401, 403)},
            },
            "post": {
                "operationId": "createTask", "summary": "Create (and issue) an instruction",
                "requestBody": {"required": True, **_json("NewTask")},
                "responses": {"201": {"description": "Created", **_json("Task")},
                              **_errors(400, 401, 403, 413)},
            },
        },
        "/tasks/{task_id}": {
            "get": {"operationId": "getTask", "summary": "One instruction with its timeline",
                    "parameters": [TASK_ID],
                    "responses": {"200": {"description": "The instruction", **_json("Task")},
                                  **_errors(400, 401, 403, 404)}},
            "patch": {"operationId": "editTask", "summary": "Edit title, content, priority, "
                                                           "deadline",
                      "parameters": [TASK_ID], "requestBody": {"required": True, **_json("Edit")},
                      "responses": {"200": {"description": "Edited", **_json("Task")},
                                    **_errors(400, 401, 403, 404, 409, 413)}},
        },
        "/tasks/{task_id}/transitions": {
            "post": {"operationId": "transitionTask", "summary": "Take a workflow action",
                     "parameters": [TASK_ID],
                     "requestBody": {"required": True, **_json("Transition")},
                     "responses": {"200": {"description": "Done", **_json("Task")},
                                   **_errors(400, 401, 403, 404, 409, 413)}},
        },
        "/tasks/{task_id}/comments": {
            "post": {"operationId": "commentTask", "summary": "Comment on the timeline",
                     "parameters": [TASK_ID], "requestBody": {"required": True,
                                                              **_json("Comment")},
                     "responses": {"201": {"description": "Commented", **_json("Task")},
                                   **_errors(400, 401, 403, 404, 413)}},
        },
        "/tasks/{task_id}/urge": {
            "post": {"operationId": "urgeTask", "summary": "Urge the assignee unit (催办)",
                     "parameters": [TASK_ID], "requestBody": {"required": True,
                                                              **_json("Urge")},
                     "responses": {"201": {"description": "Urged", **_json("Task")},
                                   **_errors(400, 401, 403, 404, 413)}},
        },
    },
}
