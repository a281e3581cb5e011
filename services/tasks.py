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

__all__ = ["TaskError", "create"]


def create(ops: Engine, scope: Scope, data: dict, region_exists: Callable[[str], bool],
           ip: str = "") -> dict:
    """A new instruction (ops.tasks.create: checks the role, every field and the places)
    and its audit entry ``task_create``. Raises TaskError; returns the instruction."""
    task = T.create(ops, scope, data, region_exists)
    audit.record(ops, scope.username, "task_create", target=f"task:{task['id']}", ip=ip)
    return task
