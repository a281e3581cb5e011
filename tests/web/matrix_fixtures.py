"""What the access matrix (tests/web/test_access_matrix.py) needs: accounts of every role
at three levels, rows of the operational store in two other regions, the values a
browser of another region would send, and the scan of an answer for what must not be in
it.

The "other regions" are B, 城固县 of 汉中市 (outside 安康市, the matrix's city), and C,
汉滨区 of 安康市 (inside the city, outside 紫阳县, the matrix's county). Each has its own
accounts (the "forgers"): the matrix renders every page as them and takes the values of
their pages (codes, ids, grid rows) as what a user of region A forges.
"""

from __future__ import annotations

import base64
import datetime as dt
import html as html_lib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import sqlalchemy as sa

from tests.conftest import login

PASSWORD = "Matrix-Zq7-passphrase-2026"
DEPARTMENT = "police"  # the matrix's department accounts
# The matrix's region A, one unit per level: Shaanxi, 安康市, 紫阳县. A cadre works at a
# township or a village, so its two accounts are 紫阳县城关镇 and one of its villages.
LEVELS = {"province": "610000000000", "city": "610900000000", "county": "610924000000"}
TOWNSHIP = "610924100000"
ROLES = ("leader", "manager", "department", "cadre", "admin", "wall")


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    level: str  # province, city, county; township or village for a cadre
    region: str
    department: str | None = None

    @property
    def key(self) -> str:
        return f"{self.role}@{self.level}"


def matrix_accounts(village: str) -> list[Account]:
    out = []
    for role in ROLES:
        if role == "cadre":
            places = {"township": TOWNSHIP, "village": village}
        else:
            places = LEVELS
        for level, region in places.items():
            out.append(
                Account(
                    f"mx-{role}-{level}",
                    role,
                    level,
                    region,
                    DEPARTMENT if role == "department" else None,
                )
            )
    return out


@dataclass
class Other:
    """A region outside some matrix accounts, with its forgers and its seeded rows."""

    name: str  # "B" or "C"
    home: str  # the forgers' unit
    code: str  # the unit the rows are in and the pages are opened at
    forgers: dict[str, Account] = field(default_factory=dict)
    household_id: int | None = None
    household_no: str | None = None
    task_id: int | None = None
    meeting_id: int | None = None
    batch_ids: dict[str, int] = field(default_factory=dict)  # department -> batch id
    job_id: str | None = None
    warning_key: str | None = None
    open_warning_key: str | None = None
    doubt_key: str | None = None
    file_id: int | None = None  # an attachment of a monitoring case
    photo_id: int | None = None  # a photo of a cadre's visit
    ticket_id: int | None = None  # a household's feedback ticket
    change_id: int | None = None  # a change request on a household
    layouts: dict[str, dict] = field(default_factory=dict)  # page module -> props by id

    @property
    def marker(self) -> str:
        return f"MARK-{self.name}-"


OTHERS = {"B": ("610700000000", "610722000000"), "C": ("610902000000", "610902000000")}
FORGER_ROLES = ("leader", "manager", "admin", "department", "health")


def make_others() -> dict[str, Other]:
    others = {}
    for name, (home, code) in OTHERS.items():
        o = Other(name, home, code)
        for r in FORGER_ROLES:
            role = "department" if r == "health" else r
            dept = "health" if r == "health" else DEPARTMENT if r == "department" else None
            o.forgers[r] = Account(f"mx-{name.lower()}-{r}", role, "forger", home, dept)
        others[name] = o
    return others


def create_account(engine, account: Account, levels: dict[str, int]) -> None:
    from ops import users

    if users.get(engine, account.username) is None:
        users.create(
            engine,
            account.username,
            PASSWORD,
            account.role,
            account.region,
            levels.get(account.region),
            account.department,
            f"矩阵{account.key}",
        )


def logged_in(server, account: Account):
    client = server.test_client()
    r = login(client, account.username, PASSWORD)
    assert r.status_code == 302, (account.username, r.status_code, r.get_data(as_text=True)[:300])
    return client


def scope_of_account(account: Account):
    from access import Scope

    return Scope(account.username, account.role, account.region, account.department)


# ------------------------------------------------------------------ seeding the store
def seed(engine, settings, wh, wh_con, other: Other) -> None:
    """Rows of ``other``'s region in every table a page or route reads, through the
    functions of ops/ where they take a scope (tasks, meetings, decisions), directly
    where the row is the outcome of a file or a background job (batches, jobs, cases)."""
    from etl import imports as I
    from etl.refdata import region_levels
    from exports import jobs
    from ops import schema
    from ops import tasks as T
    from ops import warnings as W

    manager = scope_of_account(other.forgers["manager"])
    leader = scope_of_account(other.forgers["leader"])
    prefix = other.code[:6]
    hh = wh_con.execute(
        "select household_id, household_no, village_code from household "
        "where county_code = ? order by household_id limit 1",
        [other.code],
    ).fetchone()
    other.household_id, other.household_no = int(hh[0]), hh[1]
    township = hh[2][:9] + "000"
    deadline = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    # The task names the household where the store can check it lies under the assignee
    # (ops.tasks.Places, from the warehouse); the older store took no household names.
    places = getattr(T, "Places", None)
    exists = (
        places(
            lambda c: c in region_levels(),
            lambda region, ids: set(ids) if hh[2].startswith(region[:6]) else set(),
        )
        if places
        else (lambda c: c in region_levels())
    )
    task = T.create(
        engine,
        manager,
        {
            "title": f"{other.marker}TASK",
            "content": f"{other.marker}CONTENT",
            "assignee_region": township,
            "deadline": deadline,
            "type": "other",
            "priority": "normal",
            **({"households": [other.household_id]} if places else {}),
        },
        exists,
    )
    other.task_id = task["id"]
    T.comment(engine, manager, task["id"], f"{other.marker}COMMENT")
    other.meeting_id = T.create_meeting(
        engine,
        manager,
        f"{other.marker}MEETING",
        dt.date.today().isoformat(),
        f"{other.marker}ATTENDEES",
    )
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        # Batches whose every row was rejected: they have an error report, and nothing
        # a later test's warehouse build would have to merge (a build merges every batch
        # with accepted rows, and needs their files).
        for dept, feed in ((DEPARTMENT, "vehicle"), ("health", "medical")):
            bid = conn.execute(
                schema.import_batches.insert().values(
                    feed=feed,
                    department=dept,
                    file_name=f"{other.marker}BATCH-{dept}.csv",
                    checksum=f"{other.name}-{dept}-matrix",
                    rows_total=2,
                    rows_accepted=0,
                    rows_rejected=2,
                    imported_by=other.forgers["department"].username,
                    imported_at=now,
                    status="loaded",
                    region_code=other.home,
                )
            ).inserted_primary_key[0]
            other.batch_ids[dept] = int(bid)
            path = I.report_file(settings.import_dir, int(bid))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f"file,row,field,value\n{other.marker}REPORT,2,x,y\n".encode())
        other.job_id = f"{other.name.lower()}" + "0" * 31
        conn.execute(
            schema.export_jobs.insert().values(
                id=other.job_id,
                username=leader.username,
                kind="briefing",
                target=f"{other.code} 2026-10",
                region_code=other.code,
                params="{}",
                status="done",
                progress=100,
                message="",
                filename=f"{other.marker}JOB.pdf",
                size=20,
                created_at=now,
                updated_at=now,
                finished_at=now,
            )
        )
    path = jobs.file_path(settings, other.job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(f"%PDF-1.4 {other.marker}FILE".encode())
    # A decided warning and a case sent for checking, from the warehouse's own rows (the
    # key of a warning: rule, household and day); another warning for the forged clicks.
    rows = wh_con.execute(
        "select rule_id || ':' || household_id || ':' || warned_on, household_id, "
        "village_code from warning where village_code like ? order by warning_id limit 2",
        [prefix + "%"],
    ).fetchall()
    other.warning_key, other.open_warning_key = rows[0][0], rows[1][0]
    W.dismiss(
        engine,
        manager,
        {"warning_key": rows[0][0], "household_id": int(rows[0][1]), "village_code": rows[0][2]},
        f"{other.marker}DISMISSED",
    )
    doubt = wh_con.execute(
        "select doubt_key, check_id, household_id, village_code from doubt "
        "where village_code like ? order by doubt_key limit 1",
        [prefix + "%"],
    ).fetchone()
    other.doubt_key = doubt[0]
    with engine.begin() as conn:
        conn.execute(
            schema.doubt_cases.insert().values(
                doubt_key=doubt[0],
                check_id=doubt[1],
                household_id=int(doubt[2]),
                village_code=doubt[3],
                state="sent",
                note=f"{other.marker}DOUBT",
                updated_by=manager.username,
                updated_at=now,
            )
        )
        conn.execute(
            schema.doubt_events.insert().values(
                doubt_key=doubt[0],
                at=now,
                actor=manager.username,
                state="sent",
                note=f"{other.marker}DOUBT",
            )
        )
        # A monitoring case with an attachment (its download route names the file).
        case_id = conn.execute(
            schema.monitoring_cases.insert().values(
                household_id=other.household_id,
                household_no=other.household_no,
                village_code=hh[2],
                channel=2,
                source_ref="",
                state="opened",
                warned_on=dt.date.today(),
                due_on=dt.date.today() + dt.timedelta(days=15),
                last_on=dt.date.today(),
                risks="",
                decision_note=f"{other.marker}CASE",
                override_note="",
                opened_by=manager.username,
                created_at=now,
                updated_at=now,
                version=1,
            )
        ).inserted_primary_key[0]
        content = f"%PDF-1.4 {other.marker}ATTACHMENT\n%%EOF\n".encode()
        other.file_id = conn.execute(
            schema.case_files.insert().values(
                case_id=case_id,
                state="opened",
                name=f"{other.marker}FILE.pdf",
                mime="application/pdf",
                size=len(content),
                sha256="0" * 64,
                content=content,
                uploaded_by=manager.username,
                uploaded_at=now,
            )
        ).inserted_primary_key[0]
        # A cadre's visit with a photo, and a feedback ticket (the field pages, /m/).
        visit_id = conn.execute(
            schema.visits.insert().values(
                household_id=other.household_id,
                household_no=other.household_no,
                region_code=hh[2],
                visited_on=dt.date.today(),
                kind=1,
                notes=f"{other.marker}VISIT",
                created_by=manager.username,
                created_at=now,
            )
        ).inserted_primary_key[0]
        photo = f"{other.marker}PHOTO".encode()
        other.photo_id = conn.execute(
            schema.visit_files.insert().values(
                visit_id=visit_id,
                name=f"{other.marker}PHOTO.png",
                mime="image/png",
                size=len(photo),
                sha256="0" * 64,
                content=photo,
            )
        ).inserted_primary_key[0]
        other.ticket_id = conn.execute(
            schema.feedback_tickets.insert().values(
                household_id=other.household_id,
                household_no=other.household_no,
                region_code=hh[2],
                unit_code=hh[2][:9] + "000",
                channel=2,
                type=3,
                text=f"{other.marker}FEEDBACK",
                contact="",
                source_ref="",
                state="received",
                received_on=dt.date.today(),
                deadline=dt.date.today() + dt.timedelta(days=5),
                version=1,
                created_by=manager.username,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        other.change_id = conn.execute(
            schema.change_requests.insert().values(
                household_id=other.household_id,
                household_no=other.household_no,
                region_code=hh[2],
                kind="phone",
                person_key="",
                person_name="",
                values='{"phone": "13900000000"}',
                original=f'{{"phone": "{other.marker}CHANGE"}}',
                note=f"{other.marker}CHANGE",
                state="submitted",
                version=1,
                created_by=manager.username,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]


def store_snapshot(engine, others) -> dict:
    """The seeded rows of the other regions as they stand (nothing forged may change
    them): tasks with their event count, meetings, batches, decisions, cases, feedback
    tickets, change requests, the forgers' accounts."""
    from ops import schema as S

    with engine.connect() as conn:
        ids = [o.task_id for o in others]
        tasks = {
            r.id: (r.state, r.version, r.title, r.assignee_region)
            for r in conn.execute(sa.select(S.tasks).where(S.tasks.c.id.in_(ids)))
        }
        events = conn.execute(
            sa.select(sa.func.count())
            .select_from(S.task_events)
            .where(S.task_events.c.task_id.in_(ids))
        ).scalar()
        meetings = conn.execute(sa.select(sa.func.count()).select_from(S.meetings)).scalar()
        batches = {r.id: (r.status, r.file_name) for r in conn.execute(sa.select(S.import_batches))}
        decisions = {
            r.warning_key: (r.outcome, r.note)
            for r in conn.execute(
                sa.select(S.warning_decisions).where(
                    S.warning_decisions.c.warning_key.in_([o.warning_key for o in others])
                )
            )
        }
        cases = {
            r.doubt_key: (r.state, r.note)
            for r in conn.execute(
                sa.select(S.doubt_cases).where(
                    S.doubt_cases.c.doubt_key.in_([o.doubt_key for o in others])
                )
            )
        }
        tickets = {
            r.id: (r.state, r.version, r.text)
            for r in conn.execute(
                sa.select(S.feedback_tickets).where(
                    S.feedback_tickets.c.id.in_([o.ticket_id for o in others])
                )
            )
        }
        changes = {
            r.id: (r.state, r.version, r.values)
            for r in conn.execute(
                sa.select(S.change_requests).where(
                    S.change_requests.c.id.in_([o.change_id for o in others])
                )
            )
        }
        names = [a.username for o in others for a in o.forgers.values()]
        accounts = {
            r.username: (r.active, r.password_hash, r.role, r.region_code)
            for r in conn.execute(sa.select(S.users).where(S.users.c.username.in_(names)))
        }
    return {
        "tasks": tasks,
        "task_events": events,
        "meetings": meetings,
        "batches": batches,
        "decisions": decisions,
        "cases": cases,
        "tickets": tickets,
        "changes": changes,
        "accounts": accounts,
    }


# ------------------------------------------------------------------ what must not show
CJK = re.compile(r"[\u3400-\u9fff]+")
CODE_RE = re.compile(r"(?<!\d)(61\d{10}(?:\d{4})?)(?!\d)")


def common_names(regions, people, text: str) -> set[str]:
    """The names of units and people that the app's own words contain (a rule's name,
    a label): their showing is no evidence of anything."""
    return {n for n in {r[1] for r in regions} | {p[1] for p in people} if n in text}


def subject_households(wh_con, department: str) -> set[int]:
    """The households behind the cases and warnings a department's data raises in this
    build (queries.subject's map of checks and rules to departments)."""
    from queries.subject import load_map

    sub = load_map(wh_con).subject(department)
    found = set()
    if sub.checks:
        found |= {
            r[0]
            for r in wh_con.execute(
                "select distinct household_id from doubt where list_contains(?, check_id)",
                [list(sub.checks)],
            ).fetchall()
        }
    if sub.rules:
        found |= {
            r[0]
            for r in wh_con.execute(
                "select distinct household_id from warning where list_contains(?, rule_id)",
                [list(sub.rules)],
            ).fetchall()
        }
    return found


class Scanner:
    """Finds, in an answer, the names and codes of units and the names of people that
    lie outside one scope, and the markers of the other regions' store rows.

    Names are matched leftmost-longest over runs of Chinese characters, with the names
    the scope may show (its own units and people, the units above it) in the same table,
    so that an allowed name containing a forbidden one ("大石泉村" / "石泉村") is not
    taken for it. A name the scope may also show (two villages of the same name), or one
    the app's own words contain, is not evidence and is left out."""

    def __init__(
        self,
        scope,
        regions: list[tuple[str, str]],
        people: list[tuple[str, str, int]],
        common: set[str],
        markers: list[str],
        subject: set[int] | None = None,
    ):
        self.scope = scope
        self.ancestors = {scope.region_code[:n].ljust(12, "0") for n in (2, 4, 6, 9)}
        allowed, foreign = set(), {}
        for code, name in regions:
            if scope.contains(code) or code in self.ancestors:
                allowed.add(name)
            else:
                foreign.setdefault(name, f"unit {code}")
        # A department sees the people of the households behind its own cases and
        # warnings only (its subject), within its region.
        for village, name, household in people:
            if scope.contains(village) and (subject is None or household in subject):
                allowed.add(name)
            else:
                foreign.setdefault(name, f"person of {village}")
        self.table = {n: None for n in allowed}
        for name, what in foreign.items():
            if name not in allowed and len(name) >= 2 and name not in common:
                self.table[name] = what
        # The lengths of the names beginning with each pair of characters, longest first:
        # most places of a text begin no name, and one look-up says so.
        starts: dict[str, set[int]] = {}
        for name in self.table:
            starts.setdefault(name[:2], set()).add(len(name))
        self.starts = {k: sorted(v, reverse=True) for k, v in starts.items()}
        self.markers = markers
        self.units = {code for code, _name in regions}
        self._seen: dict[int, list[str]] = {}

    def names(self, text: str) -> list[str]:
        found = []
        table, starts = self.table, self.starts
        for m in CJK.finditer(text):
            run = m.group(0)
            i, n = 0, len(run)
            while i < n - 1:
                lengths = starts.get(run[i : i + 2])
                step = 1
                for k in lengths or ():
                    hit = run[i : i + k]
                    if hit in table:
                        if table[hit] is not None:
                            found.append(f"{hit} ({table[hit]})")
                        step = k
                        break
                i += step
        return found

    def codes(self, text: str, sent: str) -> list[str]:
        """Codes of units (12 digits) and household numbers (16) outside the scope that
        the request did not itself send."""
        out = []
        for m in CODE_RE.finditer(text):
            code = m.group(1)
            unit = code[:12]
            if (
                code in sent
                or unit in self.ancestors
                or self.scope.contains(unit)
                or unit not in self.units
            ):  # a made-up code is no unit's
                continue
            if len(code) == 12 and not code.endswith("0" * 6) and unit[:6] + "0" * 6 in sent:
                continue
            out.append(code)
        return out

    def problems(self, text: str, sent: str) -> list[str]:
        found = [f"marker {mk}" for mk in self.markers if mk in text]
        key = hash(text)
        if key not in self._seen:  # many answers are alike (refusals, the same shell)
            self._seen[key] = sorted(set(self.names(text)))
        # A name the request itself sent, echoed back (a form filled from the browser's
        # own data), is not one the server let out.
        found += [f"name {n}" for n in self._seen[key] if n.split(" (")[0] not in sent][:5]
        found += [f"code {c}" for c in sorted(set(self.codes(text, sent)))[:5]]
        return found


def text_of(response) -> str:
    """What an answer shows, whatever its form: JSON decoded (Dash escapes non-ASCII),
    HTML unescaped, CSV and Excel as their text; other files as their bytes' ASCII."""
    data = response.get_data()
    mime = response.mimetype or ""
    if data[:2] == b"PK":  # xlsx, zip
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return html_lib.unescape(
                    " ".join(
                        z.read(n).decode("utf-8", "replace")
                        for n in z.namelist()
                        if n.endswith(".xml")
                    )
                )
        except zipfile.BadZipFile:
            pass
    text = data.decode("utf-8-sig", "replace")
    if "json" in mime:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return html_lib.unescape(text)


def csv_upload(marker: str) -> str:
    body = f"证件号码,姓名\n61072219800101{marker}1,{marker}\n".encode("utf-8-sig")
    return "data:text/csv;base64," + base64.b64encode(body).decode()
