"""Monitoring cases as work (识别认定): opening a case on a household from any discovery
channel, recording each step of the procedure by the level that does it, and the county's
decision on one case or on a list of them. The procedure is domain/cases.py; the rows and
events ops/cases.py. This module reads the warehouse (the household, its registry record)
and decides who may do what (access/roles.py: ``cases.*``).

Every refusal is a ``CaseError`` with a status (400 bad input, 403 the wrong role or
level, 404 outside the scope or none, 409 out of order or a stale version) and a message
key; a refused request changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from access import AccessDenied, Resource, RoleDenied, Scope, can, can_access, prefix_of, raise_for
from config import Settings
from domain import cases as C
from domain import clock
from domain import elimination as E
from i18n import N_
from ops import cases as store
from ops import field as field_store
from queries import api
from queries.runner import Warehouse
from services import audit, background, elimination

CaseError = C.CaseError
log = logging.getLogger("jingzhun.cases")
MAX_BULK = 200
WARNING_CHANNEL = 5  # 平台数据分析: the platform's early-warning rules


def gate(scope: Scope, action: str, region: str) -> None:
    """``raise_for`` as a CaseError: 403 with the role's or level's message, 404 for a
    place outside the scope (as for one that does not exist)."""
    try:
        raise_for(scope, action, Resource(region=region))
    except RoleDenied as e:
        raise CaseError(403, e.key) from None
    except AccessDenied:
        raise CaseError(404, N_("case.err.not_found")) from None


def _step_gate(scope: Scope, step: str, region: str) -> None:
    """The step's level (or its other level) may record it on ``region``."""
    actions = [C.LEVEL_ACTION[level] for level in C.STEPS[step].levels]
    if any(can(scope, a, Resource(region=region)) for a in actions):
        return
    gate(scope, actions[0], region)


def _warned_on(value, today: dt.date) -> dt.date:
    if value is None or value == "":
        return today
    day = C.parse_date(value)
    if day is None or day > today:
        raise CaseError(400, N_("case.err.invalid"), {"warned_on": N_("case.err.date")})
    return day


def open_case(
    engine: Engine,
    wh: Warehouse,
    scope: Scope,
    household_id,
    channel,
    *,
    note: str = "",
    source_ref: str = "",
    warned_on=None,
    household_no: str | None = None,
    now: dt.datetime | None = None,
    submission: tuple[str, str] | None = None,
) -> dict:
    """Open a case on a household of the scope (by its id, or by its number when
    ``household_no`` is given): found through ``channel`` (code "discovery") on
    ``warned_on`` (today if not given). A household already under
    monitoring, or with an open case, gets a 409. ``submission``: the (key, kind) of a
    phone's submission that opens it (services/field.py), kept in the same transaction."""
    now = now or clock.utcnow()
    home = (
        api.case_household(wh, scope, household_no=household_no)
        if household_no is not None
        else api.case_household(wh, scope, household_id)
    )
    if home is None:
        raise CaseError(404, N_("case.err.household"))
    gate(scope, "cases.open", home["village_code"])
    errors = {}
    channel = C.code_of("discovery", channel)
    if channel is None:
        errors["channel"] = N_("case.err.channel")
    if not isinstance(note, str) or len(note) > C.MAX_NOTE:
        errors["note"] = N_("case.err.note_long")
    if errors:
        raise CaseError(400, N_("case.err.invalid"), errors)
    if home["monitoring_state"] == 2 or store.included(engine, home["household_id"]):
        raise CaseError(409, N_("case.err.monitored"))
    values = {
        "household_id": int(home["household_id"]),
        "household_no": str(home["household_no"]),
        "village_code": str(home["village_code"]),
        "monitoring_id": home["monitoring_id"],
        "channel": channel,
        "source_ref": str(source_ref)[:100],
        "warned_on": _warned_on(warned_on, clock.day(now)),
    }
    try:
        with engine.begin() as conn:
            if store.open_case_of(conn, values["household_id"]) is not None:
                raise CaseError(409, N_("case.err.open_exists"))
            case_id = store.insert(conn, scope, values, note.strip(), now)
            if submission is not None:
                key, kind = submission
                field_store.record_submission(conn, key, scope.username, kind, case_id, now)
    except sa_exc.IntegrityError:  # a second opening at the same moment
        raise CaseError(409, N_("case.err.open_exists")) from None
    return get(engine, scope, case_id, now)


def _day(value) -> dt.date:
    """A day the warehouse gave (a pandas Timestamp or a date)."""
    return value.date() if isinstance(value, dt.datetime) else value


def open_from_warning(
    engine: Engine,
    wh: Warehouse,
    scope: Scope,
    key: str,
    now: dt.datetime | None = None,
    channel=WARNING_CHANNEL,
    note: str = "",
) -> dict:
    """A case on a warning's household, warned on the warning's day (the 15 days run
    from the warning)."""
    warning = api.warning_by_key(wh, scope, key)
    if warning is None:
        raise CaseError(404, N_("case.err.warning"))
    return open_case(
        engine,
        wh,
        scope,
        int(warning["household_id"]),
        channel,
        note=note,
        source_ref=f"warning:{key}",
        warned_on=_day(warning["warned_on"]),
        now=now,
    )


def next_step(scope: Scope, case: dict) -> str | None:
    """The step the user may record next on ``case``, or None."""
    step = C.NEXT_STEP.get(case["state"])
    if step is None:
        return None
    actions = [C.LEVEL_ACTION[level] for level in C.STEPS[step].levels]
    region = Resource(region=case["village_code"])
    return step if any(can(scope, a, region) for a in actions) else None


def may_override(scope: Scope, case: dict) -> bool:
    """The user may record the county's override of the elimination standard."""
    return case["state"] == "included" and can(
        scope, "cases.county", Resource(region=case["village_code"])
    )


def decorate(scope: Scope, case: dict, today: dt.date) -> dict:
    """A case as pages and the API show it: its clock and what the user may do."""
    return {
        **case,
        "days_left": C.days_left(case, today),
        "overdue": C.is_overdue(case, today),
        "responsible": C.responsible_unit(case),
        "next_step": next_step(scope, case),
        "risk_list": [int(r) for r in case["risks"].split(",") if r],
    }


def get(engine: Engine, scope: Scope, case_id, now: dt.datetime | None = None) -> dict:
    """A case of the scope with its events (CaseError 404 for any other)."""
    if not can(scope, "cases.view"):
        raise CaseError(403, N_("error.role"))
    case = store.get(engine, scope, case_id)
    if case is None:
        raise CaseError(404, N_("case.err.not_found"))
    return decorate(scope, case, clock.day(now or clock.utcnow()))


def check_version(version, case: dict) -> None:
    if isinstance(version, int) and not isinstance(version, bool) and version != case["version"]:
        raise CaseError(409, N_("case.err.conflict"), current=case)  # someone was first


def _record(conn, scope: Scope, case_id, version, data, now: dt.datetime, wh=None) -> int:
    """One step on one case inside the caller's transaction; the case's id. A proposal
    to eliminate the risk runs the standard first (``wh``: the warehouse it reads)."""
    case = store.locked(conn, case_id, scope)
    step = data.get("step") if isinstance(data, dict) else None
    if isinstance(step, str) and step in C.STEPS:
        _step_gate(scope, step, case["village_code"])
    check_version(version, case)
    parsed = C.parse_step(case, data, clock.day(now))
    values = C.row_values(parsed)
    checked = _precheck(conn, wh, scope, case, parsed) if parsed.step == "elim_proposal" else {}
    event = {
        "kind": parsed.step,
        "to_state": values["state"],
        "on_date": parsed.on,
        "body": parsed.note,
        "data": _event_data(parsed) | checked,
    }
    store.update(conn, scope, case, version, values, event, now)
    return case["id"]


def _precheck(conn, wh, scope: Scope, case: dict, step: C.StepInput) -> dict:
    """The standard on a proposal: refused (409, naming the failing conditions) unless
    all pass or the county overrode it; what the event records of it."""
    conditions = elimination.precheck(conn, wh, scope, case, step)
    failing = E.failing(conditions)
    if failing and not case["override_note"]:
        raise CaseError(409, N_("case.err.precheck"), failing=failing, conditions=conditions)
    out = {"precheck": {c.name: c.ok for c in conditions}}
    return out | ({"override": case["override_note"]} if failing else {})


def _event_data(step: C.StepInput) -> dict:
    out = {
        "outcome": step.outcome,
        "notice_start": step.notice_start,
        "objections": step.objections,
        "exclude_reason": step.exclude_reason,
        "monitor_type": step.monitor_type,
        "risks": list(step.risks),
        "method": step.method,
        "income": step.income,
        "stable_since": step.stable_since,
    }
    return {k: v for k, v in out.items() if v not in (None, "", [])}


def override(
    engine: Engine, scope: Scope, case_id, version, reason, now: dt.datetime | None = None
) -> dict:
    """The county's reasoned override of the elimination standard on a monitored case:
    its next proposal is not blocked by a failing condition (audited)."""
    now = now or clock.utcnow()
    with engine.begin() as conn:
        case = store.locked(conn, case_id, scope)
        gate(scope, "cases.county", case["village_code"])
        check_version(version, case)
        if case["state"] != "included":
            raise CaseError(409, N_("case.err.order"))
        if not isinstance(reason, str) or not reason.strip() or len(reason) > C.MAX_NOTE:
            raise CaseError(400, N_("case.err.invalid"), {"override": N_("case.err.reason_needed")})
        values = {"override_note": reason.strip(), "override_by": scope.username}
        event = {"kind": "override", "to_state": case["state"], "body": reason.strip()}
        store.update(conn, scope, case, version, values, event, now)
    audit.record(
        engine,
        scope.username,
        "case_override",
        f"case:{case['id']}",
        detail={"household_no": case["household_no"], "reason": reason.strip()},
        scope=scope,
    )
    return get(engine, scope, case["id"], now)


def record_step(
    engine: Engine,
    scope: Scope,
    case_id,
    version,
    data,
    now: dt.datetime | None = None,
    wh: Warehouse | None = None,
) -> dict:
    """Record the step ``data["step"]`` on a case with the values it needs; the case as
    it now is. ``wh``: the warehouse, which a proposal to eliminate the risk reads."""
    now = now or clock.utcnow()
    if not can(scope, "cases.view"):
        raise CaseError(403, N_("error.role"))
    with engine.begin() as conn:
        cid = _record(conn, scope, case_id, version, data, now, wh)
    return get(engine, scope, cid, now)


def decide_many(
    engine: Engine, scope: Scope, cases: list, data, now: dt.datetime | None = None
) -> list[int]:
    """The county's decision on a list of reviewed cases at once (``cases``: pairs of
    id and the version the user saw): all are decided, or none is and the error names
    the case that stopped them."""
    now = now or clock.utcnow()
    if not isinstance(cases, list) or not 1 <= len(cases) <= MAX_BULK:
        raise CaseError(400, N_("case.err.invalid"), {"cases": N_("case.err.bulk_size")})
    data = {**data, "step": "county_decision"} if isinstance(data, dict) else data
    decided = []
    with engine.begin() as conn:
        for item in cases:
            case_id, version = item if isinstance(item, list | tuple) and len(item) == 2 else (0, 0)
            try:
                decided.append(_record(conn, scope, case_id, version, data, now))
            except CaseError as e:
                e.params["case"] = case_id
                raise
    return decided


def cases_of(
    engine: Engine,
    scope: Scope,
    states: tuple[str, ...] | None = None,
    overdue: bool = False,
    household_id: int | None = None,
    now: dt.datetime | None = None,
    village: str | None = None,
    unit: str | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Cases of the scope (of ``states``, overdue only, of one household or village, or
    of a unit within the scope), decorated; none for a unit outside it. At most
    ``limit`` (by default 5,000 of a village, 500 else)."""
    if not can(scope, "cases.view") or (unit is not None and not can_access(scope, unit)):
        return []
    today = clock.day(now or clock.utcnow())
    rows = store.list_cases(
        engine,
        scope,
        states,
        overdue_on=today if overdue else None,
        household_id=household_id,
        village=village,
        limit=limit or (5000 if village else 500),
        under=None if unit is None else prefix_of(unit),
    )
    return [decorate(scope, r, today) for r in rows]


def refresh(engine: Engine, settings: Settings) -> tuple[int, float]:
    """Merge every case of the store into the warehouse, apply the approved change
    requests (services/changes.py) and make its figures again (``manage.py
    refresh-cases``): the households merged and the seconds it took."""
    from etl import warehouse
    from services import changes

    merged = warehouse.refresh_cases(
        settings.warehouse, store.for_warehouse(engine), changes.for_warehouse(engine)
    )
    changes.after_refresh(engine, settings.warehouse)
    return merged


_REFRESH = background.OneAtATime("cases_refresh", "jz-refresh-cases", log)


def start_refresh(engine: Engine, settings: Settings, scope: Scope, ip: str = "") -> bool:
    """The page's refresh (``cases.refresh``): see ``refresh_in_background``."""
    gate(scope, "cases.refresh", scope.region_code)
    return refresh_in_background(engine, settings, scope.username, ip)


def refresh_in_background(engine: Engine, settings: Settings, username: str, ip: str) -> bool:
    """The merge in a thread of this process, audited when it ends; False if one is
    running already."""

    def work() -> dict:
        merged, seconds = refresh(engine, settings)
        return {"households": merged, "seconds": round(seconds, 1)}

    return _REFRESH.start(engine, username, ip, work)


# ------------------------------------------------------------------ from the page
STEP_FIELDS = ("date", "outcome", "notice_start", "objections", "exclude_reason")
STEP_FIELDS += ("monitor_type", "risks", "note", "method", "income", "stable_since")
BULK_FIELDS = ("date", "outcome", "exclude_reason", "monitor_type", "risks", "note")


def household_of(wh: Warehouse, scope: Scope, case: dict) -> dict | None:
    """The case's household as the warehouse has it (None if it is not there)."""
    return api.case_household(wh, scope, case["household_id"])


def open_from_page(engine: Engine, wh: Warehouse, scope: Scope, warning, number, channel, note):
    """The page's "open a case": on the warning's household (its key) or on the
    household numbered."""
    note = note if isinstance(note, str) else ""
    if isinstance(warning, str) and warning:
        return open_from_warning(engine, wh, scope, warning, channel=channel, note=note)
    if not isinstance(number, str) or not number.strip():
        raise CaseError(400, N_("case.err.invalid"), {"household": N_("case.err.household_no")})
    return open_case(engine, wh, scope, None, channel, note=note, household_no=number)


def record_from_page(
    engine: Engine, wh: Warehouse, scope: Scope, current: dict, fields: tuple
) -> dict:
    """The page's step form: the next step of the case shown (``current``: its id and
    the version the user saw), with the form's values."""
    case = get(engine, scope, current.get("id"))
    step = C.NEXT_STEP.get(case["state"])
    if step is None:
        raise CaseError(409, N_("case.err.order"))
    data = {"step": step, **dict(zip(STEP_FIELDS, fields))}
    return record_step(engine, scope, case["id"], current.get("version"), data, wh=wh)


def decide_from_page(engine: Engine, scope: Scope, rows, fields: tuple) -> list[int]:
    """The page's list decision: the rows selected (their id and version), one decision."""
    rows = rows if isinstance(rows, list) else []
    pairs = [[r.get("id"), r.get("version")] for r in rows if isinstance(r, dict)]
    return decide_many(engine, scope, pairs, dict(zip(BULK_FIELDS, fields)))
