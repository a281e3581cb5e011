"""The operational store's scope filter: the warehouse's region gate, for SQL.

Every list or get function of ``ops`` that serves a user builds its WHERE clause here,
from the user's ``Scope``: rows whose region column lies within the scope's region (a
code prefix, as in the warehouse) and, for a department account, of its own department
where the table has one. There is no "no filter" for a user: a function called with a
scope and nothing else returns the scope's rows and no others.

The background jobs (the schedule's tick, the import refresh, a build) need the whole
store; they say so by passing ``SYSTEM``, which no user's session can hold (it is not a
``Scope``, and the access table names no role for it).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from access import AccessDenied, Scope


class WholeStore:
    """The scope of the background jobs: every row. Not a user's scope."""

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = WholeStore()


MAX_STORE_ID = 2**63 - 1  # the largest id either backend's integer keys hold


def store_id(value) -> int | None:
    """An id that came from outside (a path, a browser's state, a request body) as the
    store's key, or None when it cannot name a row: not an integer (``True`` is not
    one), or beyond what the store holds. Callers answer None as "not found"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= MAX_STORE_ID:
        return None
    return value


def within(column: sa.ColumnElement, scope: Scope | WholeStore) -> ColumnElement:
    """``column`` (a 12-digit region code) lies within the scope's region. An empty
    code ('' for old rows whose region is not known: an import batch whose importer is
    gone, an audit entry of an account since deleted) lies within the province's scope
    only: it could be anywhere, and only the province holds every place."""
    if scope is SYSTEM:
        return sa.true()
    if not isinstance(scope, Scope):
        raise AccessDenied("no scope")  # deny by default
    inside = column.startswith(scope.prefix, autoescape=True)
    return sa.or_(inside, column == "") if scope.level == 1 else inside


def of_subject(column: sa.ColumnElement, scope: Scope | WholeStore) -> ColumnElement:
    """``column`` (a department) is the scope's own department, for a department
    account; anything for everyone else."""
    if scope is SYSTEM:
        return sa.true()
    if not isinstance(scope, Scope):
        raise AccessDenied("no scope")
    if scope.role == "department":
        # A department account without a department sees nothing (the gate refuses it).
        return column == scope.department if scope.department else sa.false()
    return sa.true()


def scoped(
    query: sa.Select,
    region: sa.ColumnElement,
    scope: Scope | WholeStore,
    department: sa.ColumnElement | None = None,
) -> sa.Select:
    """``query`` restricted to the scope: by region, and by department where the table
    has one (``department``)."""
    query = query.where(within(region, scope))
    if department is not None:
        query = query.where(of_subject(department, scope))
    return query
