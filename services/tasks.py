"""Instructions issued from a page or the API: the store's workflow (ops/tasks.py) with
its audit entry. ``TaskError`` is the store's refusal (a status and a message key), which
the callers turn into a message."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from access import Scope
from ops import tasks as T
from ops.tasks import TaskError
from services import audit

__all__ = ["TaskError", "create", "record_meeting"]


def create(
    ops: Engine, scope: Scope, data: dict, region_exists: Callable[[str], bool], ip: str = ""
) -> dict:
    """A new instruction (ops.tasks.create: checks the role, every field and the places)
    and its audit entry ``task_create``. Raises TaskError; returns the instruction."""
    task = T.create(ops, scope, data, region_exists)
    audit.record(ops, scope.username, "task_create", target=f"task:{task['id']}", ip=ip)
    return task


def record_meeting(
    ops: Engine,
    scope: Scope,
    title: str,
    held_on,
    attendees: str,
    decisions: list[tuple[str, str, str]],
    region_exists: Callable[[str], bool],
    ip: str = "",
) -> tuple[int, list[int]]:
    """A command meeting's record and one instruction per decision (text, unit,
    deadline), with the audit entry ``meeting_create``. Every decision is checked before
    anything is written: a refused one (TaskError) leaves neither the meeting nor an
    instruction. Returns the meeting's id and the instructions' ids."""
    now = T.utcnow()
    for text, unit, deadline in decisions:
        T.validate(
            scope,
            {"title": text[: T.MAX_TITLE], "assignee_region": unit, "deadline": deadline},
            now,
            region_exists,
        )
    meeting = T.create_meeting(ops, scope, title or "", held_on, attendees or "")
    created = [
        T.create(
            ops,
            scope,
            {
                "title": text[: T.MAX_TITLE],
                "content": text,
                "assignee_region": unit,
                "deadline": deadline,
                "type": "meeting_decision",
                "source": "meeting",
                "source_ref": str(meeting),
                "meeting_id": meeting,
                "priority": "high",
            },
            region_exists,
        )["id"]
        for text, unit, deadline in decisions
    ]
    audit.record(
        ops,
        scope.username,
        "meeting_create",
        target=f"meeting:{meeting}",
        detail={"tasks": created},
        ip=ip,
    )
    return meeting, created
