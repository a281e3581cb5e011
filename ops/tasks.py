"""Instructions (督办事项): the state machine, who may do what, and every change as an event.

draft → issued → acknowledged → in_progress → reported → closed, with review after a
report (pass closes, return sends back to in progress) and withdrawal from any open
state. An instruction is overdue when its deadline passes before it closes; one not
acknowledged by its acknowledgement deadline is escalated to the parent unit. Nothing is
ever deleted; every change is an append-only event with actor and time.

Updates carry the version the user saw: a stale version is a conflict (409) and changes
nothing. Every refusal is a TaskError with a status and a message key.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access import (
    CODE,
    AccessDenied,
    Resource,
    RoleDenied,
    Scope,
    can,
    level_of,
    prefix_of,
    raise_for,
)
from domain import clock
from i18n import N_
from ops.schema import digests, meetings, task_events, task_links, tasks, users
from ops.scoped import SYSTEM, WholeStore, store_id, within

STATES = ("draft", "issued", "acknowledged", "in_progress", "reported", "closed", "withdrawn")
OPEN = ("draft", "issued", "acknowledged", "in_progress", "reported")
FINAL = ("closed", "withdrawn")
TYPES = ("meeting_decision", "alert_verification", "crosscheck_doubt", "data_correction", "other")
PRIORITIES = ("urgent", "high", "normal", "low")
SOURCES = ("meeting", "alert", "household", "region", "crosscheck", "case", "feedback")
MAX_TITLE, MAX_TEXT, MAX_LINKS = 200, 10_000, 50
MAX_ID = 2**31 - 1  # a household id (the warehouse's are 32-bit)
ACK_WITHIN = dt.timedelta(hours=48)

# action -> (states it may start from, state it leads to, who may take it)
ACTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "issue": (("draft",), "issued", "issuer"),
    "acknowledge": (("issued",), "acknowledged", "assignee"),
    "start": (("acknowledged",), "in_progress", "assignee"),
    "report": (("in_progress",), "reported", "assignee"),
    "pass": (("reported",), "closed", "issuer"),
    "return": (("reported",), "in_progress", "issuer"),
    "withdraw": (OPEN, "withdrawn", "issuer"),
}


class TaskError(Exception):
    """A refused request: HTTP-like status, a message key, and per-field keys for 400."""

    def __init__(
        self,
        status: int,
        key: str,
        fields: dict | None = None,
        current: dict | None = None,
        **params,
    ):
        super().__init__(key)
        self.status, self.key, self.fields, self.current, self.params = (
            status,
            key,
            fields or {},
            current,
            params,
        )


utcnow = clock.utcnow  # the store's clock (domain.clock): moments in UTC, days local


def _aware(value):
    return clock.aware(value) if isinstance(value, dt.datetime) else value


def parent_of(code: str) -> str | None:
    """The unit directly above (None for the province)."""
    level = level_of(code)
    keep = {2: 2, 3: 4, 4: 6, 5: 9}.get(level)
    return None if keep is None else code[:keep].ljust(12, "0")


# ------------------------------------------------------------------ permissions
# Role permission comes from the access table (access/roles.py): "tasks.view" to see an
# instruction, "tasks.issue" for the issuer side, "tasks.work" for the assignee. What is
# here is the standing: whose instruction it is (issuer, unit above, assignee unit).
# A department account's subject is what is addressed to it by name: an instruction to
# a unit concerns no department, so a department account neither sees nor works one.
def _concerns(actor: Scope, task: dict) -> frozenset[str] | None:
    """The departments ``task`` concerns, as far as ``actor`` can tell: the actor's own
    if the instruction is addressed to the actor by name."""
    if actor.department and task.get("assignee_user") == actor.username:
        return frozenset({actor.department})
    return None


def can_view(actor: Scope, task: dict) -> bool:
    concerns = _concerns(actor, task)
    return any(
        can(actor, "tasks.view", Resource(region=task[k], departments=concerns))
        for k in ("assignee_region", "issuer_region")
    )


def _is_issuer_side(actor: Scope, task: dict) -> bool:
    """The issuer, or a leader or manager above the issuer's unit."""
    if actor.username == task["issuer"]:
        return can(actor, "tasks.issue")
    return actor.region_code != task["issuer_region"] and can(
        actor, "tasks.issue", Resource(region=task["issuer_region"])
    )


def _is_assignee(actor: Scope, task: dict) -> bool:
    work = Resource(region=task["assignee_region"], departments=_concerns(actor, task))
    if task.get("assignee_user"):
        return actor.username == task["assignee_user"] and can(actor, "tasks.work", work)
    return actor.region_code == task["assignee_region"] and can(actor, "tasks.work", work)


@dataclass(frozen=True)
class _Standing:
    """What the actor is to one task, worked out once."""

    visible: bool
    issuer_side: bool
    assignee: bool
    superior: bool
    read_only: bool = False


def _standing(actor: Scope, task: dict) -> _Standing:
    return _Standing(
        visible=can_view(actor, task),
        issuer_side=_is_issuer_side(actor, task),
        assignee=_is_assignee(actor, task),
        superior=actor.region_code != task["assignee_region"]
        and can(actor, "tasks.issue", Resource(region=task["assignee_region"])),
        # May see instructions (a wall, elsewhere), never act on one.
        read_only=not can(actor, "tasks.view"),
    )


def _may_issue(actor: Scope) -> None:
    """TaskError 403 unless the actor's role may issue instructions (the table's
    "tasks.issue"), at its level."""
    try:
        raise_for(actor, "tasks.issue")
    except RoleDenied as exc:
        raise TaskError(403, exc.key) from None
    except AccessDenied:
        raise TaskError(403, N_("task.err.cannot_issue")) from None


def _refusal(st: _Standing, state: str, action: str) -> str | None:
    if st.read_only:
        return N_("task.err.read_only")
    if action == "comment":
        return None if st.visible else N_("task.err.not_visible")
    if action == "urge":
        if state in FINAL or state == "draft":
            return N_("task.err.not_open")
        return None if st.superior else N_("task.err.not_superior")
    if action == "edit":
        if state in FINAL:
            return N_("task.err.final")
        return None if st.issuer_side else N_("task.err.not_issuer")
    if action not in ACTIONS:
        return "task.err.unknown_action"
    sources, _, who = ACTIONS[action]
    if state not in sources:
        return N_("task.err.illegal_transition")
    if who == "issuer" and not st.issuer_side:
        return N_("task.err.not_issuer")
    if who == "assignee" and not st.assignee:
        return N_("task.err.not_assignee")
    return None


def refusal(actor: Scope, task: dict, action: str) -> str | None:
    """Why ``actor`` may not take ``action`` on ``task`` (a message key), or None."""
    return _refusal(_standing(actor, task), task["state"], action)


def allowed_actions(actor: Scope, task: dict) -> list[str]:
    st = _standing(actor, task)
    return [
        a for a in (*ACTIONS, "urge", "edit", "comment") if _refusal(st, task["state"], a) is None
    ]


# ------------------------------------------------------------------ validation
@dataclass
class NewTask:
    title: str
    content: str
    type: str
    priority: str
    source: str
    assignee_region: str
    deadline: dt.date
    ack_deadline: dt.datetime
    source_ref: str = ""
    assignee_user: str | None = None
    meeting_id: int | None = None
    regions: list[str] = field(default_factory=list)
    households: list[int] = field(default_factory=list)
    issue: bool = True


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class Places:
    """What the store cannot check by itself, from the warehouse: whether a unit exists,
    and which of some households lie under a unit (``households_in(region, ids)`` -> the
    ids found there). Callable as ``region_exists``, so it goes wherever that goes."""

    region_exists: Callable[[str], bool]
    households_in: Callable[[str, list[int]], set[int]] | None = None

    def __call__(self, code: str) -> bool:
        return self.region_exists(code)


def _households_outside(region_exists, region: str, households: list[int]) -> bool:
    """Whether any household named is not under the assignee unit. Households cannot be
    checked with a bare ``region_exists`` (no warehouse): then any named is refused."""
    if not households:
        return False
    found = getattr(region_exists, "households_in", None)
    if found is None:
        return True
    return not set(households) <= set(found(region, sorted(set(households))))


def _words(data: dict, errors: dict) -> tuple[str, str]:
    """The title (required) and the content."""
    title = data.get("title")
    title = title.strip() if isinstance(title, str) else ""
    if not title:
        errors["title"] = N_("task.err.title_empty")
    elif len(title) > MAX_TITLE:
        errors["title"] = "task.err.title_long"
    content = data.get("content") or ""
    if not isinstance(content, str):
        errors["content"] = "task.err.not_text"
    elif len(content) > MAX_TEXT:
        errors["content"] = "task.err.text_long"
    for name, allowed, default in (
        ("type", TYPES, "other"),
        ("priority", PRIORITIES, "normal"),
        ("source", SOURCES, "region"),
    ):
        if data.get(name, default) not in allowed:
            errors[name] = f"task.err.bad_{name}"
    return title, content


def _assignee_region(actor: Scope, data: dict, region_exists, errors: dict):
    region = data.get("assignee_region")
    if not isinstance(region, str) or not CODE.fullmatch(region) or not region_exists(region):
        errors["assignee_region"] = "task.err.bad_region"
    elif not actor.contains(region):
        errors["assignee_region"] = N_("task.err.region_outside")
    return region


def _deadlines(data: dict, now: dt.datetime, errors: dict):
    """The deadline (a day, not past) and the acknowledgement deadline (a moment, not
    past; None: the default, set once the deadline is known good)."""
    deadline = _date(data.get("deadline"))
    if deadline is None:
        errors["deadline"] = "task.err.bad_date"
    elif deadline < clock.day(now):
        errors["deadline"] = N_("task.err.deadline_past")
    ack = data.get("ack_deadline")
    ack_at = None
    if ack not in (None, ""):
        try:
            ack_at = _aware(dt.datetime.fromisoformat(str(ack)))
        except ValueError:
            errors["ack_deadline"] = "task.err.bad_date"
        else:
            if ack_at < now:
                errors["ack_deadline"] = N_("task.err.deadline_past")
    return deadline, ack_at


def _links(actor: Scope, data: dict, region_exists, region, errors: dict):
    """The regions (within the actor's) and households (under the assignee) it names."""
    regions, households = data.get("regions") or [], data.get("households") or []
    if (
        not isinstance(regions, list)
        or len(regions) > MAX_LINKS
        or not all(isinstance(r, str) and CODE.fullmatch(r) and actor.contains(r) for r in regions)
    ):
        errors["regions"] = N_("task.err.region_outside")
    if (
        not isinstance(households, list)
        or len(households) > MAX_LINKS
        or not all(
            isinstance(h, int) and not isinstance(h, bool) and 0 < h <= MAX_ID for h in households
        )
    ):
        errors["households"] = N_("task.err.bad_households")
    elif "assignee_region" not in errors and _households_outside(region_exists, region, households):
        errors["households"] = N_("task.err.household_outside")
    return regions, households


def _references(data: dict, errors: dict):
    source_ref = data.get("source_ref") or ""
    if not isinstance(source_ref, str) or len(source_ref) > 100:
        errors["source_ref"] = "task.err.not_text"
    assignee_user = data.get("assignee_user") or None
    if assignee_user is not None and (
        not isinstance(assignee_user, str) or len(assignee_user) > 64
    ):
        errors["assignee_user"] = "task.err.not_text"
    return source_ref, assignee_user


def validate(
    actor: Scope, data: dict, now: dt.datetime, region_exists: Callable[[str], bool] | Places
) -> NewTask:
    """A new instruction from user input, or TaskError(400) naming each bad field, in
    the order the form shows them.

    The households it names must lie under the assignee unit (``region_exists`` a
    ``Places`` that can tell); the assignee account, if any, is checked by ``insert``
    against the store."""
    if not isinstance(data, dict):
        raise TaskError(400, "task.err.invalid", {"_": "task.err.not_object"})
    errors: dict[str, str] = {}
    title, content = _words(data, errors)
    region = _assignee_region(actor, data, region_exists, errors)
    deadline, ack_at = _deadlines(data, now, errors)
    regions, households = _links(actor, data, region_exists, region, errors)
    source_ref, assignee_user = _references(data, errors)
    if errors:
        raise TaskError(400, "task.err.invalid", errors)
    if ack_at is None:
        ack_at = min(now + ACK_WITHIN, clock.end_of_day(deadline))
    return NewTask(
        title=title,
        content=content,
        type=data.get("type", "other"),
        priority=data.get("priority", "normal"),
        source=data.get("source", "region"),
        assignee_region=region,
        deadline=deadline,
        ack_deadline=ack_at,
        source_ref=source_ref,
        assignee_user=assignee_user,
        meeting_id=data.get("meeting_id"),
        regions=regions,
        households=households,
        issue=data.get("issue", True) is not False,
    )


# ------------------------------------------------------------------ reading
def _row(conn: Connection, task_id) -> dict | None:
    """The task of that id; None for an unknown id or anything that cannot be one."""
    task_id = store_id(task_id)
    if task_id is None:
        return None
    row = conn.execute(sa.select(tasks).where(tasks.c.id == task_id)).first()
    return dict(row._mapping) if row else None


def decorate(task: dict, now: dt.datetime, actor: Scope | None = None) -> dict:
    """Add what is derived, never stored twice: overdue, days left, allowed actions."""
    for k in ("ack_deadline", "overdue_at", "created_at", "updated_at", "closed_at"):
        task[k] = _aware(task.get(k))
    deadline = _date(task["deadline"])
    task["deadline"] = deadline
    task["overdue"] = (
        task["state"] in OPEN and task["state"] != "draft" and deadline < clock.day(now)
    )
    task["days_left"] = (deadline - clock.day(now)).days
    if actor is not None:
        task["allowed_actions"] = allowed_actions(actor, task)
    return task


def get(engine: Engine, actor: Scope, task_id: int, now: dt.datetime | None = None) -> dict:
    """One instruction with its links and timeline (404 if unknown or not visible)."""
    now = now or utcnow()
    with engine.connect() as conn:
        task = _row(conn, task_id)
        if task is None or not can_view(actor, task):
            raise TaskError(404, N_("task.err.not_found"))
        task["links"] = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(task_links.c.kind, task_links.c.ref)
                .where(task_links.c.task_id == task["id"])
                .order_by(task_links.c.kind, task_links.c.ref)
            )
        ]
        task["events"] = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(task_events)
                .where(task_events.c.task_id == task["id"])
                .order_by(task_events.c.id)
            )
        ]
    for e in task["events"]:
        e["at"] = _aware(e["at"])
    return decorate(task, now, actor)


def list_tasks(
    engine: Engine,
    actor: Scope,
    now: dt.datetime | None = None,
    *,
    state: str | None = None,
    type: str | None = None,
    overdue: bool | None = None,
    region: str | None = None,
    issuer: str | None = None,
    escalated: bool | None = None,
    due_before: dt.date | None = None,
    limit: int = 5000,
) -> list[dict]:
    """The inbox of the actor's unit and the units below, and what the actor issued."""
    now = now or utcnow()
    q = sa.select(tasks).where(_visible(actor))
    if state:
        q = q.where(tasks.c.state == state)
    if type:
        q = q.where(tasks.c.type == type)
    if region:
        q = q.where(tasks.c.assignee_region.startswith(prefix_of(region)))
    if issuer:
        q = q.where(tasks.c.issuer == issuer)
    if overdue is not None:
        late = _overdue(now)
        q = q.where(late if overdue else sa.not_(late))
    if escalated is not None:
        q = q.where(
            tasks.c.escalated_to.is_not(None) if escalated else tasks.c.escalated_to.is_(None)
        )
    if due_before is not None:
        q = q.where(tasks.c.deadline <= due_before, tasks.c.state.in_(OPEN))
    q = q.order_by(tasks.c.deadline, tasks.c.id).limit(limit)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    return [decorate(r, now, actor) for r in rows]


# ------------------------------------------------------------------ writing
def _event(
    conn: Connection,
    task_id: int,
    now,
    actor: str,
    kind: str,
    version: int,
    from_state=None,
    to_state=None,
    body: str = "",
) -> None:
    conn.execute(
        task_events.insert().values(
            task_id=task_id,
            at=now,
            actor=actor,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            body=body,
            version=version,
        )
    )


def create(
    engine: Engine,
    actor: Scope,
    data: dict,
    region_exists: Callable[[str], bool],
    now: dt.datetime | None = None,
) -> dict:
    """A new instruction (issued at once unless ``issue`` is false), with its events."""
    now = now or utcnow()
    _may_issue(actor)
    new = validate(actor, data, now, region_exists)
    with engine.begin() as conn:
        task_id = insert(conn, actor, new, now)
    return get(engine, actor, task_id, now)


def insert(conn: Connection, actor: Scope, new: NewTask, now: dt.datetime) -> int:
    """Write a validated instruction and its events inside the caller's transaction."""
    if new.meeting_id is not None:
        m = conn.execute(
            sa.select(meetings.c.region_code).where(meetings.c.id == new.meeting_id)
        ).first()
        if m is None or not actor.contains(m.region_code):
            raise TaskError(400, "task.err.invalid", {"meeting_id": N_("task.err.bad_meeting")})
    if new.assignee_user is not None:
        reason = assignee_refusal(conn, new.assignee_user, new.assignee_region)
        if reason:
            raise TaskError(400, "task.err.invalid", {"assignee_user": reason})
    task_id = conn.execute(
        tasks.insert().values(
            title=new.title,
            content=new.content,
            type=new.type,
            priority=new.priority,
            source=new.source,
            source_ref=new.source_ref,
            meeting_id=new.meeting_id,
            issuer=actor.username,
            issuer_region=actor.region_code,
            assignee_region=new.assignee_region,
            assignee_user=new.assignee_user,
            deadline=new.deadline,
            ack_deadline=new.ack_deadline,
            state="issued" if new.issue else "draft",
            version=1,
            urge_count=0,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key[0]
    links = [("region", r) for r in dict.fromkeys(new.regions)] + [
        ("household", str(h)) for h in dict.fromkeys(new.households)
    ]
    if links:
        conn.execute(
            task_links.insert(), [{"task_id": task_id, "kind": k, "ref": r} for k, r in links]
        )
    _event(
        conn,
        task_id,
        now,
        actor.username,
        "create",
        1,
        None,
        "draft",
        json.dumps(
            {
                "title": new.title,
                "assignee_region": new.assignee_region,
                "deadline": new.deadline.isoformat(),
            },
            ensure_ascii=False,
        ),
    )
    if new.issue:
        _event(conn, task_id, now, actor.username, "transition", 1, "draft", "issued")
    return task_id


def assignee_refusal(conn: Connection, username: str, region: str) -> str | None:
    """Why the account ``username`` cannot be the assignee of an instruction to the unit
    ``region`` (a message key), or None: it must exist, be active, be of that very unit
    (so that it sees the instruction) and have a role that works instructions."""
    row = conn.execute(
        sa.select(users.c.role, users.c.region_code, users.c.department, users.c.active).where(
            users.c.username == username
        )
    ).first()
    if row is None or not row.active:
        return N_("task.err.assignee_unknown")
    if row.region_code != region:
        return N_("task.err.assignee_outside")
    assignee = Scope(username, row.role, row.region_code, row.department)
    concerns = frozenset({row.department}) if row.department else None
    if not can(assignee, "tasks.work", Resource(region=region, departments=concerns)):
        return N_("task.err.assignee_role")
    return None


def _locked(conn: Connection, actor: Scope, task_id, action: str) -> dict:
    """The task, if the actor may see it (else 404) and take ``action`` on it (else 403,
    409 for a transition its state does not allow)."""
    task = _row(conn, task_id)
    if task is None or not can_view(actor, task):
        raise TaskError(404, N_("task.err.not_found"))
    reason = refusal(actor, task, action)
    if reason:
        raise TaskError(
            409 if reason == "task.err.illegal_transition" else 403,
            reason,
            state=task["state"],
            action=action,
        )
    return task


def _bump(conn: Connection, task: dict, version, values: dict, actor: Scope) -> int:
    """Write ``values`` if the task is still at ``version``; the new version."""
    if not isinstance(version, int) or isinstance(version, bool):
        raise TaskError(400, "task.err.invalid", {"version": "task.err.version_missing"})
    n = conn.execute(
        tasks.update()
        .where(tasks.c.id == task["id"], tasks.c.version == version)
        .values(version=version + 1, **values)
    ).rowcount
    if n != 1:
        current = decorate(_row(conn, task["id"]), utcnow(), actor)
        raise TaskError(409, N_("task.err.conflict"), current=current)
    return version + 1


def act(
    engine: Engine,
    actor: Scope,
    task_id,
    action: str,
    version,
    comment: str = "",
    now: dt.datetime | None = None,
) -> dict:
    """Take a state-machine action on an instruction."""
    now = now or utcnow()
    if not isinstance(comment, str) or len(comment) > MAX_TEXT:
        raise TaskError(400, "task.err.invalid", {"comment": "task.err.text_long"})
    if action not in ACTIONS:
        raise TaskError(400, "task.err.invalid", {"action": "task.err.unknown_action"})
    with engine.begin() as conn:
        task = _locked(conn, actor, task_id, action)
        _, to_state, _ = ACTIONS[action]
        values = {"state": to_state, "updated_at": now}
        if to_state in FINAL:
            values["closed_at"] = now
        if action == "return":
            values["closed_at"] = None
        new_version = _bump(conn, task, version, values, actor)
        _event(
            conn,
            task["id"],
            now,
            actor.username,
            "transition",
            new_version,
            task["state"],
            to_state,
            comment.strip() or action,
        )
    return get(engine, actor, task["id"], now)


def edit(
    engine: Engine,
    actor: Scope,
    task_id,
    version,
    changes: dict,
    region_exists: Callable[[str], bool],
    now: dt.datetime | None = None,
) -> dict:
    """Change title, content, priority or deadline (issuer side, open instructions)."""
    now = now or utcnow()
    allowed = {"title", "content", "priority", "deadline"}
    if not isinstance(changes, dict) or not changes or set(changes) - allowed:
        raise TaskError(400, "task.err.invalid", {"_": "task.err.bad_edit"})
    with engine.begin() as conn:
        task = _locked(conn, actor, task_id, "edit")
        merged = {
            **{
                k: task[k]
                for k in ("title", "content", "type", "priority", "source", "assignee_region")
            },
            "deadline": changes.get("deadline", _date(task["deadline"]).isoformat()),
            **{k: v for k, v in changes.items() if k != "deadline"},
        }
        checked = validate(actor, merged, now, region_exists)
        values = {k: getattr(checked, k) for k in changes}
        values["updated_at"] = now
        new_version = _bump(conn, task, version, values, actor)
        _event(
            conn,
            task["id"],
            now,
            actor.username,
            "edit",
            new_version,
            body=json.dumps(
                {k: str(v) for k, v in values.items() if k != "updated_at"}, ensure_ascii=False
            ),
        )
    return get(engine, actor, task["id"], now)


def comment(
    engine: Engine, actor: Scope, task_id, body: str, now: dt.datetime | None = None
) -> dict:
    """A comment on the timeline (no version change)."""
    return _note(engine, actor, task_id, "comment", body, now)


def urge(
    engine: Engine, actor: Scope, task_id, body: str = "", now: dt.datetime | None = None
) -> dict:
    """催办: a superior presses the assignee unit (no version change)."""
    return _note(engine, actor, task_id, "urge", body, now)


def _note(engine: Engine, actor: Scope, task_id, kind: str, body, now) -> dict:
    now = now or utcnow()
    if not isinstance(body, str) or (kind == "comment" and not body.strip()):
        raise TaskError(400, "task.err.invalid", {"body": "task.err.comment_empty"})
    if len(body) > MAX_TEXT:
        raise TaskError(400, "task.err.invalid", {"body": "task.err.text_long"})
    with engine.begin() as conn:
        task = _locked(conn, actor, task_id, kind)
        if kind == "urge":
            conn.execute(
                tasks.update()
                .where(tasks.c.id == task["id"])
                .values(urge_count=tasks.c.urge_count + 1)
            )
        _event(conn, task["id"], now, actor.username, kind, task["version"], body=body.strip())
    return get(engine, actor, task["id"], now)


# ------------------------------------------------------------------ meetings
def create_meeting(
    engine: Engine,
    actor: Scope,
    title: str,
    held_on,
    attendees: str,
    notes: str = "",
    now: dt.datetime | None = None,
) -> int:
    now = now or utcnow()
    errors = {}
    _may_issue(actor)
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        errors["title"] = N_("task.err.title_empty")
    day = _date(held_on)
    if day is None:
        errors["held_on"] = "task.err.bad_date"
    for name, value in (("attendees", attendees), ("notes", notes)):
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            errors[name] = "task.err.text_long"
    if errors:
        raise TaskError(400, "task.err.invalid", errors)
    with engine.begin() as conn:
        return conn.execute(
            meetings.insert().values(
                title=title.strip(),
                held_on=day,
                attendees=attendees,
                notes=notes,
                region_code=actor.region_code,
                created_by=actor.username,
                created_at=now,
            )
        ).inserted_primary_key[0]


def list_meetings(engine: Engine, actor: Scope, limit: int = 20) -> list[dict]:
    q = (
        sa.select(meetings)
        .where(within(meetings.c.region_code, actor))
        .order_by(meetings.c.held_on.desc(), meetings.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


# ------------------------------------------------------------------ the schedule
def tick(engine: Engine, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark overdue instructions, escalate unacknowledged ones, write today's digests.

    Idempotent: each instruction is marked overdue and escalated at most once, and each
    unit gets one digest a day, however often and from however many processes this runs.
    The schedule's job: it reads and writes the whole store (``SYSTEM``), no user's part.
    """
    now = now or utcnow()
    counts = {"overdue": 0, "escalated": 0, "digests": 0}
    with engine.begin() as conn:
        late = conn.execute(
            sa.select(tasks.c.id, tasks.c.version).where(
                _visible(SYSTEM),
                tasks.c.state.in_(OPEN[1:]),
                tasks.c.deadline < clock.day(now),
                tasks.c.overdue_at.is_(None),
            )
        ).all()
        for task_id, version in late:
            n = conn.execute(
                tasks.update()
                .where(tasks.c.id == task_id, tasks.c.overdue_at.is_(None))
                .values(overdue_at=now)
            ).rowcount
            if n:
                _event(conn, task_id, now, "system", "overdue", version)
                counts["overdue"] += 1
        unacknowledged = conn.execute(
            sa.select(tasks.c.id, tasks.c.version, tasks.c.assignee_region).where(
                tasks.c.state == "issued",
                tasks.c.ack_deadline < now,
                tasks.c.escalated_to.is_(None),
            )
        ).all()
        for task_id, version, region in unacknowledged:
            parent = parent_of(region)
            if parent is None:
                continue
            n = conn.execute(
                tasks.update()
                .where(tasks.c.id == task_id, tasks.c.escalated_to.is_(None))
                .values(escalated_to=parent)
            ).rowcount
            if n:
                _event(conn, task_id, now, "system", "escalate", version, body=parent)
                counts["escalated"] += 1
    counts["digests"] = _digests(engine, now)
    return counts


def _digests(engine: Engine, now: dt.datetime) -> int:
    """One digest a day for each unit with open instructions."""
    today = clock.day(now)
    week = today + dt.timedelta(days=7)
    q = (
        sa.select(
            tasks.c.assignee_region,
            sa.func.count().label("open"),
            sa.func.sum(sa.case((tasks.c.deadline < today, 1), else_=0)).label("overdue"),
            sa.func.sum(sa.case((tasks.c.deadline <= week, 1), else_=0)).label("due_week"),
            sa.func.sum(sa.case((tasks.c.state == "issued", 1), else_=0)).label("unacknowledged"),
            sa.func.sum(sa.case((tasks.c.escalated_to.is_not(None), 1), else_=0)).label(
                "escalated"
            ),
        )
        .where(tasks.c.state.in_(OPEN[1:]))
        .group_by(tasks.c.assignee_region)
    )
    # Today's digest is brought up to date at every tick. It used to be written once, at
    # the first tick of the day, and then kept saying what was true then: "未签收 0 件"
    # all day for an instruction issued after it.
    fields = ("open", "overdue", "due_week", "unacknowledged", "escalated")
    written = 0
    with engine.begin() as conn:
        done = {
            r.region_code: r.body
            for r in conn.execute(
                sa.select(digests.c.region_code, digests.c.body).where(digests.c.day == today)
            )
        }
        fresh = {
            row.assignee_region: json.dumps({k: int(getattr(row, k) or 0) for k in fields})
            for row in conn.execute(q).all()
        }
        for region in done.keys() - fresh.keys():  # nothing open any more
            fresh[region] = json.dumps(dict.fromkeys(fields, 0))
        for region, body in sorted(fresh.items()):
            if region not in done:
                written += _insert_ignore(
                    conn,
                    digests,
                    {"region_code": region, "day": today, "body": body, "created_at": now},
                )
            elif done[region] != body:
                written += conn.execute(
                    digests.update()
                    .where(digests.c.region_code == region, digests.c.day == today)
                    .values(body=body, created_at=now)
                ).rowcount
    return written


def digest_for(engine: Engine, actor: Scope, day: dt.date) -> dict | None:
    """The digest the schedule wrote on a day for the actor's own unit, if any. It
    counts the unit's instructions: a department account, which sees only those
    addressed to it by name, has none."""
    if not isinstance(actor, Scope) or actor.department:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(digests.c.body).where(
                digests.c.region_code == actor.region_code, digests.c.day == day
            )
        ).first()
    return json.loads(row.body) if row else None


def _insert_ignore(conn: Connection, table: sa.Table, values: dict) -> int:
    """Insert unless the key exists (another process got there first): rows written."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return conn.execute(insert(table).values(**values).on_conflict_do_nothing()).rowcount


# ------------------------------------------------------------------ the wall's board
def _overdue(now: dt.datetime):
    """Open (issued, not closed) and past its deadline on ``now``'s day, as SQL: the
    same rule as ``decorate``'s ``overdue``."""
    return sa.and_(tasks.c.state.in_(OPEN[1:]), tasks.c.deadline < clock.day(now))


def _visible(actor: Scope | WholeStore):
    """The instructions ``actor`` may see, as SQL (``can_view`` row by row): issued or
    assigned within the actor's region; for a department account, of those only the
    ones addressed to it by name."""
    seen = sa.or_(within(tasks.c.assignee_region, actor), within(tasks.c.issuer_region, actor))
    if isinstance(actor, Scope) and actor.department:
        return sa.and_(seen, tasks.c.assignee_user == actor.username)
    return seen


def board(engine: Engine, actor: Scope, now: dt.datetime | None = None, limit: int = 40) -> dict:
    """The wall's board: counts of open, overdue, escalated and recently closed
    instructions of the actor's region, the open ones that are overdue or escalated
    (most overdue first), and overdue counts by assignee unit."""
    now = now or utcnow()
    late = _overdue(now)
    escalated = sa.and_(tasks.c.state.in_(OPEN[1:]), tasks.c.escalated_to.is_not(None))
    month_ago = now - dt.timedelta(days=30)

    def count(cond):
        return sa.func.sum(sa.case((cond, 1), else_=0))

    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                count(tasks.c.state.in_(OPEN[1:])).label("open"),
                count(late).label("overdue"),
                count(escalated).label("escalated"),
                count(sa.and_(tasks.c.state == "closed", tasks.c.closed_at >= month_ago)).label(
                    "closed_30d"
                ),
            ).where(_visible(actor))
        ).one()
        items = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(tasks)
                .where(_visible(actor), sa.or_(late, escalated))
                .order_by(tasks.c.deadline, tasks.c.id)
                .limit(limit)
            )
        ]
        by_unit = conn.execute(
            sa.select(tasks.c.assignee_region, sa.func.count().label("n"))
            .where(_visible(actor), late)
            .group_by(tasks.c.assignee_region)
        ).all()
    return {
        "counts": {k: int(v or 0) for k, v in row._mapping.items()},
        "items": [decorate(r, now) for r in items],
        "overdue_by_region": {r.assignee_region: int(r.n) for r in by_unit},
    }


def open_by_unit(
    engine: Engine, actor: Scope, units: list[str], now: dt.datetime | None = None
) -> dict[str, dict]:
    """Per unit of ``units`` (sibling region codes): the open instructions (issued, not
    yet closed) the actor can see that are assigned to the unit or to any unit within
    it (``open_tasks``), how many of them are overdue (``overdue``) and their share
    (``overdue_rate``, None without open ones)."""
    now = now or utcnow()
    counts = {u: (0, 0) for u in units}
    if units:
        unit = sa.case(
            *[(tasks.c.assignee_region.startswith(prefix_of(u)), u) for u in units], else_=None
        ).label("unit")
        overdue = _overdue(now)
        query = (
            sa.select(
                unit,
                sa.func.count().label("n"),
                sa.func.sum(sa.case((overdue, 1), else_=0)).label("late"),
            )
            .where(_visible(actor), tasks.c.state.in_(OPEN[1:]))
            .group_by(unit)
        )
        with engine.connect() as conn:
            for row in conn.execute(query):
                if row.unit is not None:
                    counts[row.unit] = (int(row.n), int(row.late or 0))
    return {
        u: {"open_tasks": n, "overdue": late, "overdue_rate": late / n if n else None}
        for u, (n, late) in counts.items()
    }


def stamp(engine: Engine, actor: Scope) -> str:
    """Changes whenever an instruction the actor can see is created or changed."""
    with engine.connect() as conn:
        n, last, top = conn.execute(
            sa.select(
                sa.func.count(), sa.func.max(tasks.c.updated_at), sa.func.max(tasks.c.id)
            ).where(_visible(actor))
        ).one()
    return f"{n}:{top}:{last}"


# ------------------------------------------------------------------ briefings
def period_summary(
    engine: Engine,
    actor: Scope,
    region_code: str,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    limit: int = 15,
) -> dict:
    """Instructions to a unit and the units below it: issued and closed in [start, end),
    open and overdue now, and the most overdue ones. The caller has put the unit through
    the gate; only what the actor may see is counted."""
    from access import prefix_of

    now = now or utcnow()
    late = _overdue(now)
    from zoneinfo import ZoneInfo

    # Days begin in China's time; the store keeps UTC.
    cn = ZoneInfo("Asia/Shanghai")
    t0, t1 = (dt.datetime.combine(d, dt.time(), cn).astimezone(dt.UTC) for d in (start, end))
    where = sa.and_(_visible(actor), tasks.c.assignee_region.startswith(prefix_of(region_code)))

    def count(cond):
        return sa.func.sum(sa.case((cond, 1), else_=0))

    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                count(
                    sa.and_(
                        tasks.c.state != "draft", tasks.c.created_at >= t0, tasks.c.created_at < t1
                    )
                ).label("issued"),
                count(
                    sa.and_(
                        tasks.c.state == "closed", tasks.c.closed_at >= t0, tasks.c.closed_at < t1
                    )
                ).label("closed"),
                count(tasks.c.state.in_(OPEN[1:])).label("open"),
                count(late).label("overdue"),
            ).where(where)
        ).one()
        items = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(tasks)
                .where(where, late)
                .order_by(tasks.c.deadline, tasks.c.id)
                .limit(limit)
            )
        ]
    return {
        "counts": {k: int(v or 0) for k, v in row._mapping.items()},
        "overdue_items": [decorate(r, now) for r in items],
    }


def meeting_minutes(
    engine: Engine, actor: Scope, meeting_id, now: dt.datetime | None = None
) -> dict:
    """A meeting record and the instructions its decisions became, if the meeting is of
    the actor's region (TaskError 404 otherwise, as for an instruction)."""
    now = now or utcnow()
    try:
        mid = int(str(meeting_id))
    except ValueError:
        raise TaskError(404, N_("minutes.err.not_found")) from None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(meetings).where(meetings.c.id == mid, within(meetings.c.region_code, actor))
        ).first()
        if row is None:
            raise TaskError(404, N_("minutes.err.not_found"))
        items = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(tasks)
                .where(tasks.c.meeting_id == mid, _visible(actor))
                .order_by(tasks.c.id)
            )
        ]
    return {"meeting": dict(row._mapping), "tasks": [decorate(r, now) for r in items]}
