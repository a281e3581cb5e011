"""User accounts: roles, one region each, passwords and the login lockout."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from access.roles import ROLES, STAFF_ROLES  # noqa: F401 - re-exported for callers
from etl.codes import CODES
from ops.schema import login_throttle, users

DEPARTMENTS = frozenset(str(k) for k in CODES["department"])
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # the login form refuses longer ones (web/auth.py MAX_FIELD)
USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{2,63}")
REGION = re.compile(r"61\d{10}")
# Hashing a password nobody has: unknown usernames cost as much time as real ones.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")


class UserError(ValueError):
    """A user cannot be created or changed; the message says why."""


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
        return str(self.id)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _row_to_user(row) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name,
                role=row.role, region_code=row.region_code, department=row.department,
                active=bool(row.active))


def validate(username: str, password: str | None, role: str, region_code: str,
             department: str | None, region_level: int | None) -> None:
    """Raise UserError naming the first problem. ``region_level`` is None if unknown."""
    if not USERNAME.fullmatch(username or ""):
        raise UserError("username must be 3-64 lower-case letters, digits, '.', '_' or '-'")
    if password is not None:
        check_password(password)
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


def create(engine: Engine, username: str, password: str, role: str, region_code: str,
           region_level: int | None, department: str | None = None,
           display_name: str | None = None) -> User:
    validate(username, password, role, region_code, department, region_level)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.username == username)).first():
            raise UserError(f"user {username} already exists")
        conn.execute(users.insert().values(
            username=username, password_hash=generate_password_hash(password),
            display_name=display_name or username, role=role, region_code=region_code,
            department=department, active=True, failed_logins=0, created_at=now,
            password_changed_at=now))
    return get(engine, username)


def get(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return _row_to_user(row) if row else None


def get_by_id(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
    return _row_to_user(row) if row else None


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


def password_problem(password: str | None) -> str | None:
    """The password policy, for every way a password is set (``manage.py users``, the
    admin pages, a user changing their own): the first rule ``password`` breaks
    ("too_short", "too_long"), or None."""
    if len(password or "") < MIN_PASSWORD:
        return "too_short"
    if len(password) > MAX_PASSWORD:
        return "too_long"
    return None


def check_password(password: str | None) -> None:
    """Raise UserError if ``password`` breaks the policy (``password_problem``)."""
    problem = password_problem(password)
    if problem == "too_short":
        raise UserError(f"password must have at least {MIN_PASSWORD} characters")
    if problem == "too_long":
        raise UserError(f"password must have at most {MAX_PASSWORD} characters")


def set_password(engine: Engine, username: str, password: str) -> None:
    check_password(password)
    with engine.begin() as conn:
        n = conn.execute(users.update().where(users.c.username == username).values(
            password_hash=generate_password_hash(password), failed_logins=0,
            locked_until=None, password_changed_at=datetime.now(UTC))).rowcount
    if n == 0:
        raise UserError(f"no user {username}")


def set_active(engine: Engine, username: str, active: bool) -> None:
    with engine.begin() as conn:
        n = conn.execute(users.update().where(users.c.username == username)
                         .values(active=active)).rowcount
    if n == 0:
        raise UserError(f"no user {username}")


def has_password(engine: Engine, username: str, password: str) -> bool:
    """True if ``username`` exists and ``password`` is its password."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users.c.password_hash)
                           .where(users.c.username == username)).first()
    return bool(row) and check_password_hash(row.password_hash, password)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    outcome: str  # ok, bad_credentials, locked, disabled


def authenticate(engine: Engine, username: str, password: str,
                 now: datetime | None = None) -> LoginResult:
    """Check a password with the lockout: five failures lock for 15 minutes.

    An unknown username is throttled exactly like a real one, and costs as much time,
    so the answers never tell whether a username exists.
    """
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
        table, key = (users, users.c.username) if row else (login_throttle,
                                                            login_throttle.c.username)
        if row is None:
            row = conn.execute(sa.select(login_throttle)
                               .where(login_throttle.c.username == username)).first()
            if row is None:
                conn.execute(login_throttle.insert().values(username=username, failed_logins=0))
                row = conn.execute(sa.select(login_throttle)
                                   .where(login_throttle.c.username == username)).first()
            real = False
        else:
            real = True
        locked_until = _aware(row.locked_until)
        if locked_until and locked_until > now:
            check_password_hash(_DUMMY_HASH, password)
            return LoginResult(None, "locked")
        ok = check_password_hash(row.password_hash if real else _DUMMY_HASH, password) and real
        if ok:
            conn.execute(table.update().where(key == username)
                         .values(failed_logins=0, locked_until=None))
            user = _row_to_user(row)
            return LoginResult(user, "ok" if user.active else "disabled")
        failures = (row.failed_logins or 0) + 1
        values = {"failed_logins": failures}
        if failures >= MAX_FAILURES:
            values = {"failed_logins": 0, "locked_until": now + LOCK_FOR}
        conn.execute(table.update().where(key == username).values(**values))
        return LoginResult(None, "locked" if failures >= MAX_FAILURES else "bad_credentials")
