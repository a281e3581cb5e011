"""A user's own sessions and password: logging in and out, and changing one's password
(/account/password), each written to the audit log (never a password).

The routes (web/auth.py, web/account.py) read the form and render the answer; the
checks, the store's writes and the audit entries are here. A disabled account is
answered exactly as a wrong password (its outcome "disabled" is the audit log's word
only).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from i18n import N_
from ops import users
from services import audit

PASSWORD_CHANGE = "password_change"
# What a refused password says, by the policy's rule (ops.users.password_problem).
PROBLEM_MESSAGES = {
    "too_short": N_("password.err.too_short"),
    "too_long": N_("password.err.too_long"),
    "username": N_("password.err.username"),
    "repeated": N_("password.err.repeated"),
    "sequence": N_("password.err.sequence"),
    "common": N_("password.err.common"),
}


def refused(
    engine: Engine, username: str, action: str, outcome: str, ip: str = "", target: str = ""
) -> None:
    """A request refused before anything was checked (a form without its CSRF token)."""
    audit.record(engine, username, action, target=target, outcome=outcome, ip=ip)


def login(engine: Engine, username: str, password: str, ip: str = "") -> users.LoginResult:
    """Check ``username``'s password with the lockout, the attempt recorded."""
    result = users.authenticate(engine, username, password, address=ip)
    audit.record(engine, username, "login", outcome=result.outcome, ip=ip)
    return result


def logout(engine: Engine, username: str, ip: str = "") -> None:
    """End every session of the account (its generation moves on), recorded."""
    users.end_sessions(engine, username)
    audit.record(engine, username, "logout", ip=ip)


class PasswordRefused(ValueError):
    """The new password is not taken: ``outcome`` for the audit log, ``key`` and
    ``params`` the message (i18n), ``status`` the answer's."""

    def __init__(self, outcome: str, key: str, status: int = 400, **params):
        super().__init__(outcome)
        self.outcome, self.key, self.status, self.params = outcome, key, status, params


class Locked(PasswordRefused):
    """The wrong current password that locked the account: its sessions ended."""


def _refuse(engine, username, ip, outcome, key, status=400, **params) -> PasswordRefused:
    audit.record(engine, username, PASSWORD_CHANGE, target=username, outcome=outcome, ip=ip)
    return PasswordRefused(outcome, key, status, **params)


def _check_current(engine: Engine, username: str, current: str, ip: str) -> None:
    if len(current) > users.MAX_PASSWORD:  # cannot be right: not worth hashing
        raise _refuse(engine, username, ip, "bad_current", N_("password.err.current"), 401)
    result = users.authenticate(engine, username, current)
    if result.outcome == "locked":
        audit.record(engine, username, PASSWORD_CHANGE, target=username, outcome="locked", ip=ip)
        users.end_sessions(engine, username)  # a stolen session guessing: all end
        raise Locked("locked", N_("password.err.locked"), 401)
    if result.outcome != "ok":
        raise _refuse(engine, username, ip, "bad_current", N_("password.err.current"), 401)


def change_password(
    engine: Engine, username: str, current: str, new: str, confirm: str, ip: str = ""
) -> None:
    """Change ``username``'s password from ``current`` to ``new`` (typed twice): the
    current one checked with the lockout, the new one held to the policy and different.
    Every session of the account ends. PasswordRefused (or Locked) with nothing changed;
    every attempt recorded."""
    if not current or not new or not confirm:
        raise _refuse(engine, username, ip, "incomplete", N_("password.err.required"))
    _check_current(engine, username, current, ip)
    if new != confirm:
        raise _refuse(engine, username, ip, "mismatch", N_("password.err.mismatch"))
    problem = users.password_problem(new, username)
    if problem:
        raise _refuse(
            engine,
            username,
            ip,
            problem,
            PROBLEM_MESSAGES[problem],
            min=users.MIN_PASSWORD,
            max=users.MAX_PASSWORD,
        )
    if new == current:
        raise _refuse(engine, username, ip, "same_password", N_("password.err.same"))
    users.set_password(engine, username, new)  # ends every session of the account
    audit.record(engine, username, PASSWORD_CHANGE, target=username, ip=ip)
