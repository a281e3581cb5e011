"""Field work on phones (掌上扶贫, /m): a cadre's households with what is due on each, a
visit (走访) recorded with its photos, a risk reported as a monitoring case (discovery
channel 干部走访排查), and the township's list of overdue visits.

What a phone sends carries an idempotency key (domain/field.py): its offline queue may
send an item more than once (the answer was lost, the connection came back twice), and
the store keeps it once; sending it again answers what the first made. Every refusal is
a ``CaseError`` (400 bad input, 403 the wrong role, 404 outside the scope or none, 409 a
key already used by another account) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from access import Resource, Scope, can, can_access, prefix_of
from config import Settings
from domain import cases as C
from domain import clock
from domain import field as F
from i18n import N_
from ops import cases as case_store
from ops import field as store
from ops.scoped import store_id
from queries.runner import Warehouse
from services import cases as case_service
from services.attachments import IMAGE_TYPES, MAX_BYTES, clean_name, kind_of

CaseError = C.CaseError
MAX_LIST = 3000  # households on one list (a township's; a village has a few hundred)
VISIT_CHANNEL = 2  # discovery 干部走访排查: found on a cadre's visit


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes


def gate(scope: Scope, action: str, region: str) -> None:
    case_service.gate(scope, action, region)


def unit_of(scope: Scope, unit) -> str:
    """The unit a list is asked for: the user's own, or one within it (CaseError 404 for
    any other, as for one that does not exist)."""
    code = scope.region_code if unit in (None, "") else unit
    if not isinstance(code, str) or not can_access(scope, code):
        raise CaseError(404, N_("field.err.unit"))
    return code


def households(
    wh: Warehouse,
    engine: Engine,
    scope: Scope,
    settings: Settings,
    unit=None,
    now: dt.datetime | None = None,
    action: str = "field.work",
    cadre_id: int | None = None,
) -> list[dict]:
    """The unit's households that cadres visit (``cadre_id``: those that cadre is paired
    with now), each with what is due: the next visit (and whether it is overdue), the
    open case's step the user records next, the measures planned and not yet recorded as
    carried out. Those with something due come first. ``action``: the township's overdue
    list is read as "visits.view"."""
    code = unit_of(scope, unit)
    gate(scope, action, code)
    today = clock.day(now or clock.utcnow())
    rows = wh.run(
        "field_households", scope, unit_prefix=prefix_of(code), limit=MAX_LIST, cadre_id=cadre_id
    ).to_dict("records")
    last = store.last_visits(engine, scope, prefix_of(code))
    open_cases = case_service.cases_of(
        engine, scope, states=C.OPEN + C.MONITORED, unit=code, limit=MAX_LIST
    )
    cases = {c["household_id"]: c for c in open_cases}
    planned: dict[int, int] = {}
    household_of_case = {c["id"]: h for h, c in cases.items()}
    for m in case_store.measures(engine, list(household_of_case)) if cases else []:
        if m["done_on"] is None:
            hid = household_of_case[m["case_id"]]
            planned[hid] = planned.get(hid, 0) + 1
    out = []
    for r in rows:
        r = {k: (None if v != v else v) for k, v in r.items()}  # NaN -> None
        hid = int(r["household_id"])
        due, overdue = F.visit_due(
            last.get(hid),
            r["monitor_state"],
            today,
            settings.visit_days_monitored,
            settings.visit_days_other,
        )
        case = cases.get(hid)
        item = {
            **r,
            "household_id": hid,
            "last_visit": last.get(hid),
            "visit_due": due,
            "visit_overdue": overdue,
            "case": case,
            "case_step": case["next_step"] if case else None,
            "measures_due": planned.get(hid, 0),
        }
        item["due_count"] = int(overdue) + int(item["case_step"] is not None) + item["measures_due"]
        out.append(item)
    out.sort(key=lambda i: (-i["due_count"], i["visit_due"] or dt.date.min, i["household_no"]))
    return out


def my_cadre(engine: Engine, scope: Scope) -> int | None:
    """The registry cadre this account is linked to (its households are "mine")."""
    return store.cadre_of(engine, scope.username)


def link_cadre(
    engine: Engine, wh: Warehouse, by: str, account: Scope, cadre_id, ip: str = ""
) -> int:
    """Link ``account`` (a cadre's or a manager's, of a county or below) to the registry
    cadre ``cadre_id``, who must be paired now with households within the account's
    region (CaseError 400 otherwise); audited as ``user_link_cadre``. The households."""
    from services import audit

    gate(account, "field.work", account.region_code)
    cid = store_id(cadre_id)
    found = 0 if cid is None else len(wh.run("cadre_households", account, cadre_id=cid))
    if not found:
        raise CaseError(400, N_("field.err.invalid"), {"cadre": N_("field.err.cadre")})
    with engine.begin() as conn:
        store.link_cadre(conn, account.username, cid, by, clock.utcnow())
    audit.record(
        engine, by, "user_link_cadre", target=account.username, detail={"cadre": cid}, ip=ip
    )
    return found


def villages(wh: Warehouse, scope: Scope, unit=None) -> list[dict]:
    """The unit's villages with the number of households cadres visit in each."""
    code = unit_of(scope, unit)
    rows = wh.run("field_villages", scope, unit_prefix=prefix_of(code))
    return [
        {"code": r["village_code"], "name": r["village_name"], "households": int(r["households"])}
        for r in rows.to_dict("records")
    ]


def overdue_by_village(items: list[dict]) -> list[dict]:
    """The township's view of ``households``: per village, its households, how many are
    overdue for a visit and how many were never visited in the platform."""
    villages: dict[str, dict] = {}
    for i in items:
        v = villages.setdefault(
            i["village_code"],
            {"code": i["village_code"], "name": i["village_name"], "households": 0}
            | {"overdue": 0, "never": 0},
        )
        v["households"] += 1
        v["overdue"] += int(i["visit_overdue"])
        v["never"] += int(i["last_visit"] is None)
    return sorted(villages.values(), key=lambda v: (-v["overdue"], v["code"]))


def _household(wh: Warehouse, scope: Scope, household_id) -> dict:
    home = case_service.api.case_household(wh, scope, household_id)
    if home is None:
        raise CaseError(404, N_("field.err.household"))
    return home


def _photos(photos: list[Photo]) -> list[dict]:
    """The photos checked by their content: images only (JPEG, PNG, WebP), at most
    ``MAX_PHOTOS`` of at most ``MAX_BYTES`` each."""
    if len(photos) > F.MAX_PHOTOS:
        raise CaseError(400, N_("field.err.invalid"), {"photos": N_("field.err.photo_many")})
    out = []
    for p in photos:
        content = p.content if isinstance(p.content, bytes | bytearray) else b""
        if not content:
            raise CaseError(400, N_("field.err.invalid"), {"photos": N_("field.err.photo_empty")})
        if len(content) > MAX_BYTES:
            raise CaseError(400, N_("field.err.invalid"), {"photos": N_("field.err.photo_big")})
        mime = kind_of(bytes(content))
        if mime not in IMAGE_TYPES.values():
            raise CaseError(400, N_("field.err.invalid"), {"photos": N_("field.err.photo_type")})
        out.append(
            {
                "name": clean_name(p.name),
                "mime": mime,
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "content": bytes(content),
            }
        )
    return out


def _sent_before(engine: Engine, scope: Scope, key: str, kind: str) -> int | None:
    """The id of what ``key`` made, if this account sent it before (409 when another
    account's submission holds the key: a key is never shared or guessed into)."""
    with engine.connect() as conn:
        row = store.submission(conn, key)
    if row is None:
        return None
    if row["username"] != scope.username or row["kind"] != kind:
        raise CaseError(409, N_("field.err.key_used"))
    return int(row["ref_id"])


def _submission(engine: Engine, scope: Scope, value, kind: str) -> tuple[str, int | None]:
    """A phone's submission checked before anything else: its key, the user's role for
    field work, and the id of what the key made if this account sent it before."""
    key = F.key_of(value)
    if key is None:
        raise CaseError(400, N_("field.err.invalid"), {"key": N_("field.err.key")})
    if not can(scope, "field.work"):
        gate(scope, "field.work", scope.region_code)
    return key, _sent_before(engine, scope, key, kind)


def _again(found: dict | None) -> tuple[dict, bool]:
    """What an earlier send of the key made (404 when it now lies outside the scope: the
    account's region changed since)."""
    if found is None:
        raise CaseError(404, N_("field.err.household"))
    return found, True


def record_visit(
    engine: Engine,
    wh: Warehouse,
    scope: Scope,
    key,
    household_id,
    fields: dict,
    photos: list[Photo] = (),
    now: dt.datetime | None = None,
) -> tuple[dict, bool]:
    """Record a visit to a household of the scope with its photos; the visit and whether
    it had been stored before (the same key sent again: nothing more is stored)."""
    now = now or clock.utcnow()
    key, earlier = _submission(engine, scope, key, "visit")
    if earlier is not None:
        return _again(store.visit(engine, scope, earlier))
    home = _household(wh, scope, household_id)
    gate(scope, "field.work", home["village_code"])
    visit = F.visit_input(fields, clock.day(now))
    files = _photos(list(photos))
    values = {
        "household_id": int(home["household_id"]),
        "household_no": str(home["household_no"]),
        "region_code": str(home["village_code"]),
        "visited_on": visit.visited_on,
        "kind": visit.kind,
        "notes": visit.notes,
        "lat": visit.lat,
        "lon": visit.lon,
    }
    try:
        with engine.begin() as conn:
            visit_id = store.insert_visit(conn, scope, values, files, now)
            store.record_submission(conn, key, scope.username, "visit", visit_id, now)
    except sa_exc.IntegrityError:  # the same key sent twice at the same moment
        earlier = _sent_before(engine, scope, key, "visit")
        if earlier is None:
            raise
        return _again(store.visit(engine, scope, earlier))
    return store.visit(engine, scope, visit_id), False


def report_risk(
    engine: Engine,
    wh: Warehouse,
    scope: Scope,
    key,
    household_id,
    note,
    now: dt.datetime | None = None,
) -> tuple[dict, bool]:
    """A risk found on a visit: a monitoring case opened on the household with the
    discovery channel 干部走访排查 (services/cases.py: its checks, its 409 for a household
    already monitored or with an open case); the case and whether it had been opened by
    this key before."""
    now = now or clock.utcnow()
    key, earlier = _submission(engine, scope, key, "risk")
    if earlier is not None:
        return case_service.get(engine, scope, earlier, now), True  # 404 outside the scope
    text = note.strip() if isinstance(note, str) else ""
    if not text:
        raise CaseError(400, N_("field.err.invalid"), {"note": N_("field.err.risk_empty")})
    home = _household(wh, scope, household_id)
    gate(scope, "field.work", home["village_code"])
    try:
        case = case_service.open_case(
            engine,
            wh,
            scope,
            home["household_id"],
            VISIT_CHANNEL,
            note=text,
            source_ref="field",
            now=now,
            submission=(key, "risk"),
        )
    except CaseError:
        earlier = _sent_before(engine, scope, key, "risk")  # sent twice at once
        if earlier is None:
            raise
        return case_service.get(engine, scope, earlier, now), True
    return case, False


def visits_of(engine: Engine, scope: Scope, household_id) -> list[dict]:
    """A household's visits within the scope (none for a role that may not see them)."""
    if not can(scope, "visits.view"):
        return []
    try:
        hid = int(str(household_id))
    except ValueError:
        return []
    return store.visits_of(engine, scope, hid) if 0 < hid < 2**63 else []


def photo(engine: Engine, scope: Scope, file_id) -> dict | None:
    """A visit's photo within the scope; None for any other, as for none."""
    if not can(scope, "visits.view"):
        return None
    row = store.photo_of(engine, scope, file_id)
    if row is None or not can(scope, "visits.view", Resource(region=row["region_code"])):
        return None
    return row
