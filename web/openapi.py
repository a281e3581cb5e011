"""The OpenAPI 3.1 document of /api/v1 (its schemas are JSON Schema, so responses can be
checked against them directly)."""

from __future__ import annotations

from ops import tasks as T

CODE = {"type": "string", "pattern": "^61[0-9]{10}$"}
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
    "NewTask": {
        "type": "object", "required": ["title", "assignee_region", "deadline"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": T.MAX_TITLE},
            "content": {"type": "string", "maxLength": T.MAX_TEXT},
            "type": {"enum": list(T.TYPES)}, "priority": {"enum": list(T.PRIORITIES)},
            "source": {"enum": list(T.SOURCES)}, "source_ref": {"type": "string"},
            "assignee_region": CODE, "assignee_user": {"type": "string"},
            "deadline": DATE, "ack_deadline": DATETIME,
            "meeting_id": {"type": "integer"},
            "regions": {"type": "array", "items": CODE},
            "households": {"type": "array", "items": {"type": "integer"}},
            "issue": {"type": "boolean", "default": True},
        },
    },
    "Transition": {"type": "object", "required": ["action", "version"],
                   "properties": {"action": {"enum": list(T.ACTIONS)},
                                  "version": {"type": "integer"},
                                  "comment": {"type": "string", "maxLength": T.MAX_TEXT}}},
    "Edit": {"type": "object", "required": ["version", "changes"],
             "properties": {"version": {"type": "integer"},
                            "changes": {"type": "object", "properties": {
                                "title": {"type": "string"}, "content": {"type": "string"},
                                "priority": {"enum": list(T.PRIORITIES)},
                                "deadline": DATE}}}},
    "Comment": {"type": "object", "required": ["body"],
                "properties": {"body": {"type": "string", "minLength": 1,
                                        "maxLength": T.MAX_TEXT}}},
    "Urge": {"type": "object",
             "properties": {"body": {"type": "string", "maxLength": T.MAX_TEXT}}},
    "Error": {"type": "object", "required": ["error", "status"],
              "properties": {"error": {"type": "string"}, "status": {"type": "integer"},
                             "fields": {"type": "object",
                                        "additionalProperties": {"type": "string"}},
                             "current": {"$ref": "#/components/schemas/Task"}}},
}


def _json(ref: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _errors(*codes: int) -> dict:
    text = {400: "Invalid input: one message per field", 401: "Not logged in",
            403: "Not allowed, with the reason", 404: "No such task, or outside your region",
            409: "Stale version or illegal transition; the current task"}
    return {str(c): {"description": text[c], **_json("Error")} for c in codes}


TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}

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
                                 ("region", CODE), ("issuer", {"type": "string"}),
                                 ("limit", {"type": "integer", "minimum": 1,
                                            "maximum": 5000, "default": 500}),
                                 ("offset", {"type": "integer", "minimum": 0,
                                             "default": 0}))],
                "responses": {"200": {"description": "The instructions", **_json("TaskList")},
                              **_errors(400, 401)},
            },
            "post": {
                "operationId": "createTask", "summary": "Create (and issue) an instruction",
                "requestBody": {"required": True, **_json("NewTask")},
                "responses": {"201": {"description": "Created", **_json("Task")},
                              **_errors(400, 401, 403)},
            },
        },
        "/tasks/{task_id}": {
            "get": {"operationId": "getTask", "summary": "One instruction with its timeline",
                    "parameters": [TASK_ID],
                    "responses": {"200": {"description": "The instruction", **_json("Task")},
                                  **_errors(401, 404)}},
            "patch": {"operationId": "editTask", "summary": "Edit title, content, priority, "
                                                           "deadline",
                      "parameters": [TASK_ID], "requestBody": {"required": True, **_json("Edit")},
                      "responses": {"200": {"description": "Edited", **_json("Task")},
                                    **_errors(400, 401, 403, 404, 409)}},
        },
        "/tasks/{task_id}/transitions": {
            "post": {"operationId": "transitionTask", "summary": "Take a workflow action",
                     "parameters": [TASK_ID],
                     "requestBody": {"required": True, **_json("Transition")},
                     "responses": {"200": {"description": "Done", **_json("Task")},
                                   **_errors(400, 401, 403, 404, 409)}},
        },
        "/tasks/{task_id}/comments": {
            "post": {"operationId": "commentTask", "summary": "Comment on the timeline",
                     "parameters": [TASK_ID], "requestBody": {"required": True,
                                                              **_json("Comment")},
                     "responses": {"201": {"description": "Commented", **_json("Task")},
                                   **_errors(400, 401, 403, 404)}},
        },
        "/tasks/{task_id}/urge": {
            "post": {"operationId": "urgeTask", "summary": "Urge the assignee unit (催办)",
                     "parameters": [TASK_ID], "requestBody": {"required": True,
                                                              **_json("Urge")},
                     "responses": {"201": {"description": "Urged", **_json("Task")},
                                   **_errors(400, 401, 403, 404)}},
        },
    },
}
