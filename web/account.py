"""A user changes their own password: /account/password, a plain Flask form like /login
(server-rendered, CSRF token, no Dash; the header links to it).

The current password is checked by ``users.authenticate``, so wrong ones count towards
the same lockout as logins; the attempt that locks the account also ends its sessions.
The new password must pass the policy of every other way a password is set
(``users.password_problem``: length, not the username, no repetition or run, not a
common password), differ from the current one and match its confirmation. A change ends
every other session of the account (its generation moves on); this browser's session is
issued again under the new generation, with its original login time.
A refusal changes nothing; every attempt goes to the audit log (action
"password_change", never a password). Wall accounts cannot change theirs (the wall's
fence refuses them this page like every other): an administrator resets it with
``manage.py users set-password``.
"""

from __future__ import annotations

from flask import Flask, redirect, render_template, request, session
from flask_login import current_user, login_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from i18n import get_lang, t
from ops import audit, users
from web import context
from web.auth import client_ip, end_session, error_response
from web.gate import gated

PATH = "/account/password"
ACTION = "password_change"
FIELDS = ("current_password", "new_password", "confirm_password")


def _page(error: str | None = None, status: int = 200, done: bool = False):
    lang = get_lang()
    return render_template(
        "password.html", t=t, lang=lang, error=error, done=done, csrf_token=generate_csrf(),
        user=current_user, min=users.MIN_PASSWORD, max=users.MAX_PASSWORD, path=PATH,
        other_lang="en" if lang == "zh" else "zh"), status


def init(server: Flask) -> None:
    @server.route(PATH, methods=["GET", "POST"])
    @gated("account.own")
    def change_password():
        if current_user.role == "wall":  # also fenced off by web/wall.py
            return error_response(403, "password.err.wall")
        if request.method in ("GET", "HEAD"):
            return _page(done=bool(session.pop("password_changed", False)))

        engine = context.ops()
        username = current_user.username

        def refuse(outcome: str, key: str, status: int = 400, **kw):
            audit.record(engine, username, ACTION, target=username, outcome=outcome,
                         ip=client_ip())
            return _page(t(key, **kw), status)

        try:
            validate_csrf(request.form.get("csrf_token", ""))
        except ValidationError:
            return refuse("csrf_refused", "password.err.csrf")
        current, new, confirm = (request.form.get(f, "") for f in FIELDS)
        if not current or not new or not confirm:
            return refuse("incomplete", "password.err.required")
        if len(current) > users.MAX_PASSWORD:  # cannot be right: not worth hashing
            return refuse("bad_current", "password.err.current", 401)
        result = users.authenticate(engine, username, current)
        if result.outcome == "locked":
            audit.record(engine, username, ACTION, target=username, outcome="locked",
                         ip=client_ip())
            lang = get_lang()
            users.end_sessions(engine, username)  # a stolen session guessing: all end
            end_session()
            return render_template("error.html", message=t("password.err.locked"),
                                   status=401, lang=lang, t=t, back="/login",
                                   back_label=t("password.to_login")), 401
        if result.outcome != "ok":
            return refuse("bad_current", "password.err.current", 401)
        if new != confirm:
            return refuse("mismatch", "password.err.mismatch")
        problem = users.password_problem(new, username)
        if problem:
            return refuse(problem, f"password.err.{problem}", min=users.MIN_PASSWORD,
                          max=users.MAX_PASSWORD)
        if new == current:
            return refuse("same_password", "password.err.same")
        users.set_password(engine, username, new)  # ends every session of the account
        login_user(users.get(engine, username))  # but this one: issued again
        audit.record(engine, username, ACTION, target=username, ip=client_ip())
        session["password_changed"] = True
        # Post/redirect/get: reloading the confirmation does not submit the form again.
        return redirect(PATH, code=303)
