"""Change requests (变更申请): a cadre reports on the phone that a household's registry
record changed — its phone, its conditions, a member's conditions, a member who left or
joined, the year's income — the township reviews it, and the refresh of the warehouse
applies the approved ones over the registry, keeping the registry's value beside the new
one (etl/changes.py).

A request records the registry's values when it was made (its ``original``): the
township sees what changes from what, and the refresh applies it only while the registry
still holds those values. Sent from the phone's offline queue with an idempotency key,
as a visit is (services/field.py). Every refusal is a ``CaseError`` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from access import Resource, Scope, can, can_access, prefix_of
from domain import changes as D
from domain import clock
from i18n import N_
from ops import changes as store
from ops import field as submissions
from ops.scoped import store_id
from queries.runner import Warehouse
from services import cases as case_service
from services import field

CaseError = D.CaseError
log = logging.getLogger("jingzhun.changes")


def _record(frame) -> dict | None:
    rows = frame.to_dict("records")
    return {k: D.as_text(v) for k, v in rows[0].items()} if rows else None


def _home(wh: Warehouse, scope: Scope, household_id) -> dict:
    hid = store_id(household_id)
    home = (
        None
        if hid is None
        else _record(wh.run("change_household", scope, household_id=hid, unmasked=True))
    )
    if home is None:
        raise CaseError(404, N_("field.err.household"))
    return home


def _member(wh: Warehouse, scope: Scope, home: dict, member) -> dict:
    """A present member of the household (404 for any other)."""
    pid = store_id(member)
    row = None
    if pid is not None:
        row = _record(
            wh.run(
                "change_member",
                scope,
                household_id=int(home["household_id"]),
                person_id=pid,
                id_number=None,
                unmasked=True,
            )
        )
    if row is None or row["left_date"] is not None:
        raise CaseError(404, N_("chg.err.member"))
    return row


def _original(
    wh: Warehouse, scope: Scope, home: dict, request: D.Request, member
) -> tuple[dict, str, str]:
    """What the registry holds of the fields the request changes, and the member's key
    and name: (original, person_key, person_name)."""
    kind, hid = request.kind, int(home["household_id"])
    if kind in ("phone", "conditions"):
        return {f: home[f] for f in D.KINDS[kind]}, "", ""
    if kind in D.MEMBER_KINDS:
        row = _member(wh, scope, home, member)
        if kind == "member_left" and row["relation"] == "01":  # the head: a new household
            raise CaseError(400, N_("chg.err.invalid"), {"kind": N_("chg.err.head_left")})
        if kind == "member_left" and request.values["left_date"] < (
            row["joined_date"] or row["birth_date"]
        ):
            raise CaseError(400, N_("chg.err.invalid"), {"left_date": N_("chg.err.before_join")})
        return {f: row[f] for f in D.KINDS[kind]}, row["id_number"], row["name"]
    if kind == "member_new":
        number = request.values["id_number"]
        held = wh.run("change_member", scope, household_id=hid, person_id=None, id_number=number)
        if len(held):
            raise CaseError(400, N_("chg.err.invalid"), {"id_number": N_("chg.err.held")})
        return {}, number, request.values["name"]
    row = _record(
        wh.run("change_income", scope, household_id=hid, year=int(request.values["year"]))
    )
    return {f: (row or {}).get(f) for f in D.AMOUNTS}, "", ""


def submit(
    engine: Engine,
    wh: Warehouse,
    scope: Scope,
    key,
    household_id,
    kind,
    fields: dict,
    member=None,
    now: dt.datetime | None = None,
) -> tuple[dict, bool]:
    """A change request on a household of the scope (``member``: the person's id for a
    member's change); the request and whether this key had made it before."""
    now = now or clock.utcnow()
    key, earlier = field._submission(engine, scope, key, "change")
    if earlier is not None:
        return field._again(store.get(engine, scope, earlier))
    home = _home(wh, scope, household_id)
    field.gate(scope, "field.work", home["village_code"])
    request = D.request_input(kind, fields, clock.day(now))
    original, person_key, person_name = _original(wh, scope, home, request, member)
    if store.open_on(engine, int(home["household_id"]), request.kind, person_key) is not None:
        raise CaseError(409, N_("chg.err.open"))
    values = {
        "household_id": int(home["household_id"]),
        "household_no": home["household_no"],
        "region_code": home["village_code"],
        "kind": request.kind,
        "person_key": person_key,
        "person_name": person_name,
        "values": D.changed_only(request, original),
        "original": original,
        "note": request.note,
    }
    try:
        with engine.begin() as conn:
            change_id = store.insert(conn, scope.username, values, now)
            submissions.record_submission(conn, key, scope.username, "change", change_id, now)
    except sa_exc.IntegrityError:  # the same key sent twice at the same moment
        earlier = field._sent_before(engine, scope, key, "change")
        if earlier is None:
            raise
        return field._again(store.get(engine, scope, earlier))
    return store.get(engine, scope, change_id), False


def decorate(scope: Scope, change: dict) -> dict:
    """A request with the actions this user may take on it."""
    actions = []
    if change["state"] == "submitted":
        region = Resource(region=change["region_code"])
        if can(scope, "changes.review", region) and change["created_by"] != scope.username:
            actions += list(D.REVIEW_ACTIONS)
        if change["created_by"] == scope.username:
            actions.append("withdraw")
    return {**change, "actions": actions}


def get(engine: Engine, scope: Scope, change_id) -> dict:
    if not can(scope, "changes.view"):
        raise CaseError(403, N_("error.role"))
    change = store.get(engine, scope, change_id)
    if change is None:
        raise CaseError(404, N_("chg.err.not_found"))
    return decorate(scope, change)


def act(
    engine: Engine, scope: Scope, change_id, version, action, note, now: dt.datetime | None = None
) -> dict:
    """Approve or reject a request (the township: ``changes.review``; never one's own), or
    withdraw one's own while it waits; a rejection needs its reason."""
    now = now or clock.utcnow()
    change = get(engine, scope, change_id)
    action = action if isinstance(action, str) else ""
    if action not in (*D.REVIEW_ACTIONS, "withdraw"):
        raise CaseError(400, N_("chg.err.invalid"), {"action": N_("chg.err.action")})
    if action == "withdraw":
        if change["created_by"] != scope.username:
            raise CaseError(403, N_("chg.err.not_yours"))
    else:
        case_service.gate(scope, "changes.review", change["region_code"])
        if change["created_by"] == scope.username:
            raise CaseError(403, N_("chg.err.own"))
    D.next_state(change["state"], action)
    text = note.strip() if isinstance(note, str) else ""
    if action == "reject" and not text:
        raise CaseError(400, N_("chg.err.invalid"), {"note": N_("chg.err.reason")})
    if len(text) > D.MAX_NOTE:
        raise CaseError(400, N_("chg.err.invalid"), {"note": N_("chg.err.note")})
    if store_id(version) != change["version"]:  # the page was made before another's step
        raise CaseError(409, N_("case.err.conflict"))
    version = change["version"]
    with engine.begin() as conn:
        done = store.update(conn, change, version, action, scope.username, text, now)
    if not done:
        raise CaseError(409, N_("case.err.conflict"))
    return get(engine, scope, change["id"])


def requests(
    engine: Engine,
    scope: Scope,
    unit=None,
    states: tuple[str, ...] | None = None,
    household_id: int | None = None,
    mine: bool = False,
    limit: int = 500,
    newest_first: bool = False,
) -> list[dict]:
    """Requests of the scope (of a unit within it, of ``states``, of a household, the
    user's own), decorated, oldest first (or newest); none for a role that may not see
    them."""
    if not can(scope, "changes.view"):
        return []
    code = scope.region_code if unit in (None, "") else unit
    if not isinstance(code, str) or not can_access(scope, code):
        return []
    rows = store.list_changes(
        engine,
        scope,
        under=prefix_of(code),
        states=states,
        household_id=household_id,
        created_by=scope.username if mine else None,
        limit=limit,
        newest_first=newest_first,
    )
    return [decorate(scope, r) for r in rows]


def counts(engine: Engine, scope: Scope) -> dict:
    """The scope's requests by state (none for a role that may not see them)."""
    if not can(scope, "changes.view"):
        return dict.fromkeys(D.STATES, 0)
    return store.counts(engine, scope, prefix_of(scope.region_code))


def for_warehouse(engine: Engine) -> list[dict]:
    """The requests a refresh or a registry load applies (the whole store)."""
    return store.for_warehouse(engine)


def after_refresh(engine: Engine, path: Path, now: dt.datetime | None = None) -> int:
    """The approved requests marked applied or superseded as the new warehouse at
    ``path`` says."""
    from etl import changes as merged

    moved = store.mark(engine, merged.outcomes(path), now or clock.utcnow())
    if moved:
        log.info("%d change requests applied or superseded by the refresh", moved)
    return moved
