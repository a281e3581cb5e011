"""The models of /api/v1 and its OpenAPI 3.1 document, generated from them.

Every request body, the list's query and every answer is a pydantic model; a small
table (``OPERATIONS``) names each operation's address, body, query and answer. The API
(web/api_v1.py) registers its routes from that table and reads bodies and queries with
its models, and the document (``SPEC``) is assembled from the same table and the models'
JSON Schemas, so what is documented is what is accepted and answered.

Request models are strict (exact JSON types, unknown fields refused, integers bounded
to what the store holds). What a schema cannot say (a title that is only spaces, a
region outside the user's scope, a deadline in the past) is checked by ops.tasks, with
its own messages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    TypeAdapter,
    model_validator,
)
from pydantic.json_schema import models_json_schema
from pydantic_core import PydanticCustomError

from ops import tasks as T
from queries.grid import storable

INT32_MAX = 2**31 - 1  # ids and versions are INTEGER columns: 32 bits on PostgreSQL
CODE_PATTERN = "^61[0-9]{10}$"
MAX_BODY = 256 * 1024  # bytes of a request body
MAX_DEPTH = 8  # levels of nesting of a request body (the deepest documented is 3)
PAGE, MAX_PAGE = 500, 5000  # instructions per page unless ?limit= asks (at most MAX_PAGE)
DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII digits; more than 12 is beyond any bound
REF = "#/components/schemas/{model}"
EVENT_KINDS = ("create", "transition", "comment", "urge", "edit", "escalate", "overdue")


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


# ------------------------------------------------------------------ the list's query
def _count(value):
    """A decimal count of ASCII digits (int() would take "1_000", " 5" or Arabic-Indic
    digits); anything else is left for the strict integer type to refuse."""
    return int(value) if isinstance(value, str) and DIGITS.fullmatch(value) else value


def _flag(value):
    """ "true" or "false"; anything else is left for the strict boolean type to refuse."""
    return {"true": True, "false": False}.get(value, value)


def _storable(value):
    if isinstance(value, str) and not storable(value):
        raise PydanticCustomError("bad_text", "text that cannot be stored")
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]


class TaskQuery(BaseModel):
    """The filters of the list. A parameter sent is a filter, even empty, never ignored
    (an empty state, type or region is a bad one); only an empty issuer is no filter."""

    model_config = ConfigDict(extra="ignore", strict=True)

    state: Literal[T.STATES] = None
    type: Literal[T.TYPES] = None
    overdue: Flag = None
    escalated: Flag = None
    region: Code = None
    issuer: Annotated[str, Field(max_length=64), BeforeValidator(_storable)] = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE), BeforeValidator(_count)] = PAGE
    offset: Annotated[int, Field(ge=0, le=INT32_MAX), BeforeValidator(_count)] = 0

    @model_validator(mode="before")
    @classmethod
    def _empty_issuer(cls, data):
        if isinstance(data, dict) and data.get("issuer") == "":
            return {k: v for k, v in data.items() if k != "issuer"}
        return data


# ------------------------------------------------------------------ answers
class Answer(BaseModel):
    """An answer: at least these fields (an answer may carry more)."""


class Event(Answer):
    id: int
    at: dt.datetime
    actor: str
    kind: Literal[EVENT_KINDS]
    from_state: Literal[T.STATES] | None = None
    to_state: Literal[T.STATES] | None = None
    body: str = None
    version: int


class Link(Answer):
    kind: Literal["region", "household"]
    ref: str


class Task(Answer):
    id: int
    title: Title
    content: str
    type: Literal[T.TYPES]
    priority: Literal[T.PRIORITIES]
    source: Literal[T.SOURCES]
    source_ref: str = None
    meeting_id: int | None = None
    state: Literal[T.STATES]
    version: int
    issuer: str
    issuer_region: Code
    assignee_region: Code
    assignee_user: str | None = None
    deadline: dt.date
    ack_deadline: dt.datetime
    escalated_to: Code | None = None
    overdue_at: dt.datetime | None = None
    urge_count: int = None
    created_at: dt.datetime = None
    updated_at: dt.datetime = None
    closed_at: dt.datetime | None = None
    overdue: bool
    days_left: int
    allowed_actions: list[str]
    links: list[Link] = None
    events: list[Event] = None


class TaskList(Answer):
    tasks: list[Task]
    count: int
    offset: int


class Error(Answer):
    error: str
    status: int
    fields: dict[str, str] = None  # one message per field
    current: Task = None  # the instruction as it is now (409)


class Document(RootModel[dict[str, Any]]):
    """This document."""


# ------------------------------------------------------------------ the operations
@dataclass(frozen=True)
class Operation:
    """One operation: its address under /api/v1, what it reads, what it answers."""

    id: str  # the document's operationId
    method: str
    path: str  # "/tasks/{task_id}": each {name} is an id (PATH_IDS)
    summary: str
    answer: type[BaseModel]
    answered: str  # what the answer is, in a few words
    status: int = 200
    errors: tuple[int, ...] = (400, 401, 403)
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    public: bool = False

    @property
    def rule(self) -> str:
        """The path as a Flask rule: {task_id} is <task_id> (read by the API as an id)."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)

    @property
    def path_ids(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


ONE = (400, 401, 403, 404)  # an operation on one instruction
CHANGE = (*ONE, 409, 413)  # ... that can be stale or illegal
OPERATIONS = {
    op.id: op
    for op in (
        Operation(
            "getDocument",
            "get",
            "/openapi.json",
            "This document",
            Document,
            "The OpenAPI document",
            errors=(),
            public=True,
        ),
        Operation(
            "listTasks",
            "get",
            "/tasks",
            "Instructions in your region",
            TaskList,
            "The instructions",
            query=TaskQuery,
        ),
        Operation(
            "createTask",
            "post",
            "/tasks",
            "Create (and issue) an instruction",
            Task,
            "Created",
            201,
            (400, 401, 403, 413),
            body=NewTask,
        ),
        Operation(
            "getTask",
            "get",
            "/tasks/{task_id}",
            "One instruction with its timeline",
            Task,
            "The instruction",
            errors=ONE,
        ),
        Operation(
            "editTask",
            "patch",
            "/tasks/{task_id}",
            "Edit title, content, priority, deadline",
            Task,
            "Edited",
            errors=CHANGE,
            body=Edit,
        ),
        Operation(
            "transitionTask",
            "post",
            "/tasks/{task_id}/transitions",
            "Take a workflow action",
            Task,
            "Done",
            errors=CHANGE,
            body=Transition,
        ),
        Operation(
            "commentTask",
            "post",
            "/tasks/{task_id}/comments",
            "Comment on the timeline",
            Task,
            "Commented",
            201,
            (*ONE, 413),
            body=Comment,
        ),
        Operation(
            "urgeTask",
            "post",
            "/tasks/{task_id}/urge",
            "Urge the assignee unit (催办)",
            Task,
            "Urged",
            201,
            (*ONE, 413),
            body=Urge,
        ),
    )
}
ERRORS = {
    400: "Invalid input: one message per field",
    401: "Not logged in",
    403: "Not allowed, with the reason",
    404: "No such task, or outside your region",
    409: "Stale version or illegal transition; the current task",
    413: f"The body is larger than {MAX_BODY // 1024} KB",
}
PATH_IDS: dict[str, Any] = {"task_id": Id}  # the type of each {name} in a path


# ------------------------------------------------------------------ the document
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


def models() -> list[type[BaseModel]]:
    """Every body and answer model of the operations, and the models they hold."""
    named = [m for op in OPERATIONS.values() for m in (op.body, op.answer) if m is not None]
    return list(dict.fromkeys([*named, Error]))


def schemas() -> dict[str, dict]:
    """The JSON Schemas of the bodies and answers, as the document's components."""
    _, defs = models_json_schema([(m, "validation") for m in models()], ref_template=REF)
    return {name: _tidy(schema) for name, schema in defs["$defs"].items()}


def _content(model: type[BaseModel]) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}}


def _parameters(op: Operation) -> list[dict]:
    """The path's ids, then the query's fields, each with its model's schema."""
    out = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _tidy(TypeAdapter(PATH_IDS[name]).json_schema()),
        }
        for name in op.path_ids
    ]
    if op.query is not None:
        fields = _tidy(op.query.model_json_schema(ref_template=REF))["properties"]
        out += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in fields.items()
        ]
    return out


def _operation(op: Operation) -> dict:
    out: dict[str, Any] = {"operationId": op.id, "summary": op.summary}
    if parameters := _parameters(op):
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {"required": True, **_content(op.body)}
    out["responses"] = {
        str(op.status): {"description": op.answered, **_content(op.answer)},
        **{str(c): {"description": ERRORS[c], **_content(Error)} for c in op.errors},
    }
    if op.public:
        out["security"] = []
    return out


def document() -> dict:
    """The OpenAPI document of /api/v1, from the operations and their models."""
    paths: dict[str, dict] = {}
    for op in OPERATIONS.values():
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Jingzhun instructions API",
            "version": "1.0.0",
            "description": "Instructions (督办事项): list, read, create, transition, "
            "comment. Log in with the session cookie of /login, or send "
            "`Authorization: Bearer <token>` (manage.py tokens create). "
            "The same scope and permission rules as the pages apply.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "jz_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }


SPEC = document()
