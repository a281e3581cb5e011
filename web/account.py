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

from flask import Blueprint, Flask, redirect, render_template, request, session
from flask_login import current_user, login_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from i18n import N_, get_lang, t
from ops import users
from services import sessions
from web import context
from web.auth import client_ip, end_session, error_response
from web.gate import gated

PATH = "/account/password"
FIELDS = ("current_password", "new_password", "confirm_password")

bp = Blueprint("account", __name__)


def _page(error: str | None = None, status: int = 200, done: bool = False):
    lang = get_lang()
    return render_template(
        "password.html",
        t=t,
        lang=lang,
        error=error,
        done=done,
        csrf_token=generate_csrf(),
        user=current_user,
        min=users.MIN_PASSWORD,
        max=users.MAX_PASSWORD,
        path=PATH,
        other_lang="en" if lang == "zh" else "zh",
    ), status


@bp.route(PATH, methods=["GET", "POST"])
@gated("account.own")
def change_password():
    """GET: the form (with the confirmation after a change); POST: the change
    (services.sessions.change_password), then post/redirect/get."""
    if current_user.role == "wall":  # also fenced off by web/wall.py
        return error_response(403, N_("password.err.wall"))
    if request.method in ("GET", "HEAD"):
        return _page(done=bool(session.pop("password_changed", False)))
    engine, username = context.ops(), current_user.username
    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except ValidationError:
        sessions.refused(
            engine, username, sessions.PASSWORD_CHANGE, "csrf_refused", client_ip(), target=username
        )
        return _page(t("password.err.csrf"), 400)
    current, new, confirm = (request.form.get(f, "") for f in FIELDS)
    try:
        sessions.change_password(engine, username, current, new, confirm, client_ip())
    except sessions.Locked:
        return _locked_out()
    except sessions.PasswordRefused as exc:
        return _page(t(exc.key, **exc.params), exc.status)
    login_user(users.get(engine, username))  # every other session ended: this one again
    session["password_changed"] = True
    # Post/redirect/get: reloading the confirmation does not submit the form again.
    return redirect(PATH, code=303)


def _locked_out():
    """The attempt that locked the account: this session ends too, with the way back
    to the login."""
    lang = get_lang()
    end_session()
    return render_template(
        "error.html",
        message=t("password.err.locked"),
        status=401,
        lang=lang,
        t=t,
        back="/login",
        back_label=t("password.to_login"),
    ), 401


def init(server: Flask) -> None:
    server.register_blueprint(bp)
