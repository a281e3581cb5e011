"""User accounts: roles, one region each, passwords, sessions and the login lockout.

Sessions: a session names its account as "<id>:<generation>" (``User.get_id``). Every
request loads the account again (``session_user``) and refuses the session once the
account's ``session_generation`` has moved on: it is bumped, in one UPDATE, on logout,
on a password set by anyone, on a change of role or region, and on disable. So a copied
session cookie dies with those events even though the cookie itself is signed, not
stored.

Lockout (``authenticate``): every attempt first claims a slot in one atomic
``UPDATE … SET failed_logins = failed_logins + 1 … RETURNING`` (the row is locked by the
database for that statement only, never while a password is hashed), and only an
attempt whose slot is within the limit has its password checked. Concurrent attempts
therefore cannot all see "four failures so far": the sixth slot is refused whatever its
password. A success gives the slots back. The same is done per client address
(``address_throttle``) over a window, whatever names are tried.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from werkzeug.security import check_password_hash, generate_password_hash

from access.roles import ROLES, STAFF_ROLES  # noqa: F401 - re-exported for callers
from domain import clock
from domain.codes import CODES
from ops.schema import address_throttle, login_throttle, users

DEPARTMENTS = frozenset(str(k) for k in CODES["department"])
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
# Per client address, whatever names are tried: failures within a window, then a lock.
ADDRESS_MAX_FAILURES = 20
ADDRESS_WINDOW = timedelta(minutes=15)
ADDRESS_LOCK_FOR = timedelta(minutes=15)
PRUNE_EVERY = timedelta(minutes=1)
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # the login form refuses longer ones (web/auth.py MAX_FIELD)
USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{2,63}")
REGION = re.compile(r"61\d{10}")
# The command line's name in the audit log and as ``--as`` default: no account may take it.
OPERATOR = "manage.py"
SESSION_ID = re.compile(r"([0-9]{1,18}):([0-9]{1,18})")
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
# Hashing a password nobody has: unknown usernames cost as much time as real ones.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")
# The key of the buckets unknown names are throttled in (``throttle_key``): the app's
# secret key (web/auth.py), so that nobody outside can tell which names share a bucket.
_throttle_key = secrets.token_bytes(32)
_pruned = {"at": datetime.min.replace(tzinfo=UTC)}
_prune_lock = threading.Lock()


class UserError(ValueError):
    """A user cannot be created or changed; the message says why."""


class PasswordRefused(UserError):
    """A password breaks the policy; ``problem`` names the rule (``password_problem``)
    for a translated message (``password.err.<problem>``)."""

    def __init__(self, problem: str, message: str):
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class User:
    """A logged-in account as the web layer sees it (flask-login's user object)."""

    id: int
    username: str
    display_name: str
    role: str
    region_code: str
    department: str | None
    active: bool
    session_generation: int = 0

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session keeps: the account and the generation it was issued under
        (flask-login's "alternative tokens"): ``session_user`` refuses it once the
        account's generation moved on."""
        return f"{self.id}:{self.session_generation}"


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _row_to_user(row) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        region_code=row.region_code,
        department=row.department,
        active=bool(row.active),
        session_generation=row.session_generation or 0,
    )


def validate(
    username: str,
    password: str | None,
    role: str,
    region_code: str,
    department: str | None,
    region_level: int | None,
) -> None:
    """Raise UserError naming the first problem. ``region_level`` is None if unknown."""
    if not USERNAME.fullmatch(username or ""):
        raise UserError("username must be 3-64 lower-case letters, digits, '.', '_' or '-'")
    if username == OPERATOR:
        raise UserError(f"{OPERATOR} is the command line's name in the audit log")
    if password is not None:
        check_password(password, username)
    validate_role(role, region_code, department, region_level)


def validate_role(
    role: str, region_code: str, department: str | None, region_level: int | None
) -> None:
    """Raise UserError if an account cannot have this role, region and department."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if not REGION.fullmatch(region_code or ""):
        raise UserError("region must be a 12-digit Shaanxi division code")
    if region_level is None:
        raise UserError(f"region {region_code} is not a Shaanxi division unit")
    if role == "cadre" and region_level < 4:
        raise UserError("a cadre works at township or village level")
    if role == "department" and not department:
        raise UserError("a department user needs --department")
    if department and department not in DEPARTMENTS:
        raise UserError(f"department must be one of {', '.join(sorted(DEPARTMENTS))}")
    if role != "department" and department:
        raise UserError("only department users have a department")


def create(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    region_code: str,
    region_level: int | None,
    department: str | None = None,
    display_name: str | None = None,
) -> User:
    validate(username, password, role, region_code, department, region_level)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
            raise UserError(f"user {username} already exists")
        conn.execute(
            users.insert().values(
                username=username,
                password_hash=generate_password_hash(password),
                display_name=display_name or username,
                role=role,
                region_code=region_code,
                department=department,
                active=True,
                failed_logins=0,
                created_at=now,
                password_changed_at=now,
                session_generation=0,
            )
        )
    return get(engine, username)


def get(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return _row_to_user(row) if row else None


def get_by_id(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
    return _row_to_user(row) if row else None


def session_user(engine: Engine, session_id: str | None) -> User | None:
    """The account a session was issued to (``User.get_id``), if it is active and the
    session's generation is still the account's; None otherwise (a session from before
    a logout, a password change, a role or region change or a disable; or one of the
    old "<id>" form)."""
    match = SESSION_ID.fullmatch(str(session_id or ""))
    if match is None:
        return None
    user = get_by_id(engine, int(match.group(1)))
    if user is None or not user.active or user.session_generation != int(match.group(2)):
        return None
    return user


def end_sessions(engine: Engine, username: str) -> None:
    """End every session of ``username`` (logout): one UPDATE of its generation."""
    with engine.begin() as conn:
        conn.execute(
            users.update()
            .where(users.c.username == username)
            .values(session_generation=users.c.session_generation + 1)
        )


def display_names(engine: Engine, usernames=None) -> dict[str, str]:
    """username -> the name people know the account by (``display_name``), for the
    accounts named (all of them when ``usernames`` is None). Screens show these, never
    the username."""
    q = sa.select(users.c.username, users.c.display_name)
    if usernames is not None:
        wanted = sorted({str(u) for u in usernames if u})
        if not wanted:
            return {}
        q = q.where(users.c.username.in_(wanted))
    with engine.connect() as conn:
        return {r.username: r.display_name or r.username for r in conn.execute(q)}


def list_users(engine: Engine, within: str | None = None) -> list[User]:
    """All users, or those whose region lies within the unit ``within`` (a prefix)."""
    q = sa.select(users).order_by(users.c.region_code, users.c.username)
    if within:
        q = q.where(users.c.region_code.startswith(within))
    with engine.connect() as conn:
        return [_row_to_user(r) for r in conn.execute(q)]


# ------------------------------------------------------------------ password policy
@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (ops/data/common-passwords.txt), lower-case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(x for x in lines if x and not x.startswith("#"))


_RINGS = ("0123456789", "abcdefghijklmnopqrstuvwxyz")


def _is_sequence(text: str) -> bool:
    """Each character follows the one before on the digits or the alphabet, one way
    ("1234567890", "abcdefghij", "9876543210"), wrapping round."""
    for ring in _RINGS:
        if not all(c in ring for c in text):
            continue
        steps = {(ring.index(b) - ring.index(a)) % len(ring) for a, b in zip(text, text[1:])}
        if steps in ({1}, {len(ring) - 1}):
            return True
    return False


def _is_repetition(text: str) -> bool:
    """One character, or a block of up to four, over and over ("aaaaaaaaaa", "abab…")."""
    return any(text == (text[:n] * (len(text) // n + 1))[: len(text)] for n in range(1, 5))


def password_problem(password: str | None, username: str | None = None) -> str | None:
    """The password policy, for every way a password is set (``manage.py users``, the
    admin pages, a user changing their own): the first rule ``password`` breaks, or
    None. Rules: at least MIN_PASSWORD and at most MAX_PASSWORD characters ("too_short",
    "too_long"); not the username nor containing it, whatever the case ("username");
    not one character or a short block repeated ("repeated"); not a run of digits or
    letters ("sequence"); not in the shipped list of common passwords ("common")."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return "too_short"
    if len(password) > MAX_PASSWORD:
        return "too_long"
    folded = password.casefold()
    if username and username.casefold() in folded:
        return "username"
    if _is_repetition(folded):
        return "repeated"
    if _is_sequence(folded):
        return "sequence"
    if folded in common_passwords():
        return "common"
    return None


_PROBLEMS = {
    "too_short": f"password must have at least {MIN_PASSWORD} characters",
    "too_long": f"password must have at most {MAX_PASSWORD} characters",
    "username": "password must not contain the username",
    "repeated": "password must not be one character or a short block repeated",
    "sequence": "password must not be a run of digits or letters",
    "common": "password is in the list of common passwords",
}


def check_password(password: str | None, username: str | None = None) -> None:
    """Raise PasswordRefused if ``password`` breaks the policy (``password_problem``)."""
    problem = password_problem(password, username)
    if problem:
        raise PasswordRefused(problem, _PROBLEMS[problem])


def set_password(engine: Engine, username: str, password: str) -> None:
    """A new password (also clears a lockout); every session of the account ends."""
    check_password(password, username)
    with engine.begin() as conn:
        n = conn.execute(
            users.update()
            .where(users.c.username == username)
            .values(
                password_hash=generate_password_hash(password),
                failed_logins=0,
                locked_until=None,
                password_changed_at=datetime.now(UTC),
                session_generation=users.c.session_generation + 1,
            )
        ).rowcount
    if n == 0:
        raise UserError(f"no user {username}")


def set_active(engine: Engine, username: str, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions at their next request."""
    values: dict = {"active": active}
    if not active:
        values["session_generation"] = users.c.session_generation + 1
    with engine.begin() as conn:
        n = conn.execute(
            users.update().where(users.c.username == username).values(**values)
        ).rowcount
    if n == 0:
        raise UserError(f"no user {username}")


def set_role(
    engine: Engine,
    username: str,
    role: str,
    region_code: str,
    region_level: int | None,
    department: str | None = None,
) -> User:
    """Give an account another role, region or department; its sessions end (the next
    login carries the new scope)."""
    validate_role(role, region_code, department, region_level)
    with engine.begin() as conn:
        n = conn.execute(
            users.update()
            .where(users.c.username == username)
            .values(
                role=role,
                region_code=region_code,
                department=department,
                session_generation=users.c.session_generation + 1,
            )
        ).rowcount
    if n == 0:
        raise UserError(f"no user {username}")
    return get(engine, username)


def has_password(engine: Engine, username: str, password: str) -> bool:
    """True if ``username`` exists and ``password`` is its password."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.password_hash).where(users.c.username == username)
        ).first()
    return bool(row) and check_password_hash(row.password_hash, password)


# ---------------------------------------------------------------------- the lockout
@dataclass(frozen=True)
class LoginResult:
    user: User | None
    # ok, bad_credentials, locked, throttled (the address), disabled (the right password
    # of a disabled account: the audit log's word; the user is answered as for a wrong one)
    outcome: str


def set_throttle_key(key: str | bytes) -> None:
    """The secret unknown names are bucketed with (the app's secret key)."""
    global _throttle_key
    _throttle_key = key.encode() if isinstance(key, str) else bytes(key)


def throttle_key(username: str) -> str:
    """The login_throttle row of a name that is no account: one of 4096 buckets ("?"
    and three hex digits of a keyed hash), so that made-up names cannot grow the table,
    while each still locks after as many failures as a real one (sooner if other
    made-up names share its bucket). No username can start with "?"."""
    digest = hmac.new(
        _throttle_key, username.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()
    return "?" + digest[:3]


def _insert_missing(conn: Connection, table: sa.Table, values: dict) -> None:
    """Insert a row unless its key exists (SQLite and PostgreSQL alike)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(table).values(**values).on_conflict_do_nothing())


def _unlocked(table: sa.Table, now: datetime):
    return sa.or_(table.c.locked_until.is_(None), table.c.locked_until <= now)


def _claim(conn: Connection, table: sa.Table, key_column, key: str, now: datetime, *returning):
    """Count one more attempt on an unlocked row, atomically; the row after it (the
    columns ``returning``), or None if the row is locked or missing."""
    return conn.execute(
        table.update()
        .where(key_column == key, _unlocked(table, now))
        .values(failed_logins=table.c.failed_logins + 1)
        .returning(*returning)
    ).first()


def _lock(
    engine: Engine, table: sa.Table, key_column, key: str, until: datetime, now: datetime
) -> None:
    """Lock a row that is not locked yet (a lock is never lengthened by later attempts)."""
    with engine.begin() as conn:
        conn.execute(
            table.update()
            .where(key_column == key, _unlocked(table, now))
            .values(failed_logins=0, locked_until=until)
        )


def _prune(conn: Connection, now: datetime) -> None:
    """Drop address rows whose window and lock are over, and login_throttle rows of the
    old form (one per unknown name), at most once a minute per process."""
    with _prune_lock:
        if now - _pruned["at"] < PRUNE_EVERY:
            return
        _pruned["at"] = now
    conn.execute(
        address_throttle.delete().where(
            address_throttle.c.window_start <= now - ADDRESS_WINDOW,
            _unlocked(address_throttle, now),
        )
    )
    conn.execute(login_throttle.delete().where(~login_throttle.c.username.startswith("?")))


def _claim_address(engine: Engine, address: str, now: datetime) -> int | None:
    """One more attempt from ``address`` in its window; the count, or None if the address
    is locked (or this attempt is past its limit, which locks it)."""
    t = address_throttle
    stale = t.c.window_start <= now - ADDRESS_WINDOW
    with engine.begin() as conn:
        _prune(conn, now)
        _insert_missing(conn, t, {"address": address, "failed_logins": 0, "window_start": now})
        count = conn.execute(
            t.update()
            .where(t.c.address == address, _unlocked(t, now))
            .values(
                failed_logins=sa.case((stale, 1), else_=t.c.failed_logins + 1),
                window_start=sa.case(
                    (stale, sa.literal(now, t.c.window_start.type)), else_=t.c.window_start
                ),
            )
            .returning(t.c.failed_logins)
        ).scalar()
    if count is not None and count > ADDRESS_MAX_FAILURES:
        _lock_address(engine, address, now)
        return None
    return count


def _lock_address(engine: Engine, address: str, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            address_throttle.update()
            .where(address_throttle.c.address == address, _unlocked(address_throttle, now))
            .values(failed_logins=0, window_start=now, locked_until=now + ADDRESS_LOCK_FOR)
        )


def _release_address(engine: Engine, address: str | None) -> None:
    """Give back the slot of an attempt that was no guess (a success, a locked account)."""
    if address is None:
        return
    with engine.begin() as conn:
        conn.execute(
            address_throttle.update()
            .where(address_throttle.c.address == address, address_throttle.c.failed_logins > 0)
            .values(failed_logins=address_throttle.c.failed_logins - 1)
        )


def authenticate(
    engine: Engine,
    username: str,
    password: str,
    now: datetime | None = None,
    address: str | None = None,
) -> LoginResult:
    """Check a password with the lockout: five failures lock for 15 minutes, and twenty
    from one client ``address`` within 15 minutes lock the address for 15 (no address:
    no address limit, e.g. a logged-in user confirming their password).

    Atomic: the attempt is counted before its password is checked (module docstring).
    An unknown username is throttled like a real one (in a bucket, ``throttle_key``) and
    costs as much time; a disabled account's right password counts as a failure and is
    reported "disabled" only here, for the audit log: the answers never tell whether a
    username exists or is disabled.
    """
    now = (now or clock.utcnow()).astimezone(UTC)
    address = address or None
    address_count = _claim_address(engine, address, now) if address else 0
    if address_count is None:
        return LoginResult(None, "throttled")
    with engine.begin() as conn:
        row = _claim(conn, users, users.c.username, username, now, *users.c)
        if row is not None:
            table, column, key, count = users, users.c.username, username, row.failed_logins
        elif conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
            table, column, key, count = users, users.c.username, username, None  # locked
        else:
            table, column, key = login_throttle, login_throttle.c.username, throttle_key(username)
            _insert_missing(conn, table, {"username": key, "failed_logins": 0})
            claimed = _claim(conn, table, column, key, now, table.c.failed_logins)
            count = claimed.failed_logins if claimed else None
    if count is None or count > MAX_FAILURES:
        check_password_hash(_DUMMY_HASH, password)  # as slow as any other answer
        if count is not None:  # past the limit, and the lock may not be written yet
            _lock(engine, table, column, key, now + LOCK_FOR, now)
        _release_address(engine, address)
        return LoginResult(None, "locked")
    right = (
        check_password_hash(row.password_hash if row is not None else _DUMMY_HASH, password)
        and row is not None
    )
    if right and row.active:
        with engine.begin() as conn:
            conn.execute(
                users.update()
                .where(users.c.username == username)
                .values(failed_logins=0, locked_until=None)
            )
        _release_address(engine, address)
        return LoginResult(_row_to_user(row), "ok")
    # A wrong password, a name that is no account, or a disabled account: one failure.
    if address and address_count >= ADDRESS_MAX_FAILURES:
        _lock_address(engine, address, now)
    if count >= MAX_FAILURES:
        _lock(engine, table, column, key, now + LOCK_FOR, now)
        return LoginResult(None, "locked")
    return LoginResult(None, "disabled" if right else "bad_credentials")
