"""Login, lockout, CSRF, the gate in front of every route, and production refusals."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from ops import audit, users
from tests.conftest import DEMO_PASSWORDS, csrf_token, login

ROOT = Path(__file__).resolve().parents[2]
ROLES_BY_USER = {
    "province_leader": "leader",
    "hanzhong_manager": "manager",
    "province_health": "department",
    "ziyang_cadre": "cadre",
    "province_admin": "admin",
}
PUBLIC = {
    "auth.login",
    "auth.healthz",
    "_dash_assets.static",
    "/_favicon.ico",
    "api_v1.openapi",
    "feedback.public_form",  # a household's card form: no account
}
# Plain HTML forms: posted as forms, not as JSON.
FORMS = {
    "account.change_password",
    "auth.logout",
    "feedback.public_form",
    "feedback.ticket",
    "feedback.intake",
    "feedback.hotline_import",
    "changes.one",
}
# The page routing callback Dash sends when a page opens.
PAGE_CALLBACK = {
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ],
    "inputs": [
        {"id": "_pages_location", "property": "pathname", "value": "/"},
        {"id": "_pages_location", "property": "search", "value": ""},
    ],
    "changedPropIds": ["_pages_location.pathname"],
    "state": [],
}


def concrete_requests(server) -> list[tuple[str, str, str, dict | None]]:
    """(endpoint, method, url, json) for every route of the app."""
    html = server.test_client()
    out = []
    for rule in server.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = rule.rule
            url = url.replace("<path:filename>", "app.css")
            url = url.replace(
                "<string:package_name>/<path:fingerprinted_path>",
                "dash/dash-renderer/build/dash_renderer.v4_4_1m1.min.js",
            )
            url = url.replace("<code>", "en").replace("<path:path>", "no-such-page")
            url = url.replace("<fmt>", "csv").replace("<int:task_id>", "1")
            url = url.replace("<path:rest>", "nothing")
            for name in ("ticket_id", "household_id", "file_id", "change_id"):
                url = url.replace(f"<int:{name}>", "1")
            body = (
                PAGE_CALLBACK
                if url == "/_dash-update-component"
                else {}
                if method in ("POST", "PATCH") and rule.endpoint not in FORMS
                else None
            )
            if rule.endpoint == "auth.login" and method == "POST":
                continue  # the login form has its own tests
            out.append((rule.endpoint, method, url, body))
    del html
    return out


def test_every_route_is_in_the_matrix(server):
    endpoints = {e for e, *_ in concrete_requests(server)}
    assert endpoints == {r.endpoint for r in server.url_map.iter_rules()}
    assert "account.change_password" in endpoints  # /account/password: every role but the wall


def _call(client, method, url, body):
    return client.open(url, method=method, json=body)


def test_anonymous(server):
    for endpoint, method, url, body in concrete_requests(server):
        r = _call(server.test_client(), method, url, body)
        if endpoint in PUBLIC:
            assert r.status_code == 200, (url, r.status_code)
        elif (
            url.startswith(("/_dash-", "/export/", "/api/", "/wall/", "/imports/", "/m/api/"))
            or url == "/_reload-hash"
        ):
            assert r.status_code == 401, (url, r.status_code)
            assert r.get_json()["status"] == 401
        else:
            assert r.status_code == 302, (url, r.status_code)
            assert r.headers["Location"].startswith("/login"), url


def _expect_refused(app, endpoint: str, scope) -> bool:
    """Whether the access table refuses ``scope`` the action ``endpoint`` declares."""
    from access import can
    from web.gate import PUBLIC, SESSION

    action = getattr(app.view_functions[endpoint], "jz_action", PUBLIC)
    if action == PUBLIC:
        return False
    if action == SESSION:
        return scope.role == "wall"
    return not can(scope, action)


@pytest.mark.parametrize("username", sorted(ROLES_BY_USER))
def test_each_role(as_user, username):
    from access import scope_of
    from ops import users
    from web import context

    client = as_user(username)
    scope = scope_of(users.get(context.ops(), username))
    refused = set()
    for endpoint, method, url, body in concrete_requests(client.application):
        if endpoint in ("auth.logout",):
            continue  # tested below: it ends the session
        r = _call(client, method, url, body)
        assert r.status_code != 401, (username, url, r.status_code)
        if r.status_code == 403:
            refused.add(url)
        # A route refuses exactly when the access table refuses its declared action; the
        # API may also refuse an action for a reason of its own (403 with the reason).
        if not url.startswith("/api/"):
            # The endpoint the address reaches (a placeholder left in it reaches the
            # pages' catch-all instead).
            routed = client.application.url_map.bind("localhost").match(url.split("?")[0], method)[
                0
            ]
            assert (r.status_code == 403) == _expect_refused(client.application, routed, scope), (
                username,
                url,
            )
        if r.status_code == 302:
            assert not r.headers["Location"].startswith("/login"), (username, url)
    # What the table says, spelled out for the accounts where it matters.
    if username == "province_health":  # a department: its own subject, no household lists
        assert "/export/households.csv" in refused
    if username in ("province_leader", "ziyang_cadre", "hanzhong_manager"):
        assert any(u.startswith("/imports/template/") for u in refused), refused


def test_login_redirects_to_next_and_never_off_site(client):
    r = login(client, "ziyang_manager", next_path="/?year=2019")
    assert (r.status_code, r.headers["Location"]) == (302, "/?year=2019")
    for evil in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        c = client.application.test_client()
        r = login(c, "ziyang_manager", next_path=evil)
        assert r.headers["Location"] == "/"


def test_session_cookie_flags(client):
    r = login(client, "ziyang_manager")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # demo over plain http; production sets Secure


def test_logout(as_user):
    c = as_user("ziyang_manager")
    assert c.get("/_dash-layout").status_code == 200
    r = c.post("/logout", data={"csrf_token": csrf_token(c, "/logout")})
    assert (r.status_code, r.headers["Location"]) == (303, "/login")
    assert c.get("/_dash-layout").status_code == 401


def _attempt(client, username, password):
    r = login(client, username, password)
    return r.status_code, r.get_data(as_text=True)


@pytest.mark.parametrize("username", ["lockout_real", "lockout_ghost"])
def test_five_wrong_passwords_lock_for_fifteen_minutes(server, username):
    """A real and an unknown username get the same answers, so names cannot be probed."""
    from web import context

    engine = context.ops()
    if username == "lockout_real":
        users.create(engine, username, "right-password-1", "manager", "610924000000", 3)
    client = server.test_client()
    for _ in range(4):
        status, body = _attempt(client, username, "wrong-password")
        assert status == 401 and "用户名或密码错误" in body
    status, body = _attempt(client, username, "wrong-password")
    assert status == 401 and "账户已锁定" in body
    # Locked: even the right password is refused.
    status, body = _attempt(client, username, "right-password-1")
    assert status == 401 and "账户已锁定" in body
    entries = audit.recent(engine, actor=username, action="login")
    assert [e["outcome"] for e in entries] == ["locked", "locked"] + ["bad_credentials"] * 4


def test_lock_expires(server):
    from datetime import UTC, datetime, timedelta

    from web import context

    engine = context.ops()
    users.create(engine, "lockout_expiry", "right-password-1", "manager", "610924000000", 3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(5):
        users.authenticate(engine, "lockout_expiry", "nope-nope-nope", now=start)
    assert (
        users.authenticate(
            engine, "lockout_expiry", "right-password-1", now=start + timedelta(minutes=14)
        ).outcome
        == "locked"
    )
    assert (
        users.authenticate(
            engine,
            "lockout_expiry",
            "right-password-1",
            now=start + timedelta(minutes=15, seconds=1),
        ).outcome
        == "ok"
    )


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_login_needs_the_csrf_token(client, token):
    data = {"username": "ziyang_manager", "password": DEMO_PASSWORDS["ziyang_manager"]}
    if token is not None:
        data["csrf_token"] = token
    r = client.post("/login", data=data)
    assert r.status_code == 400
    assert "页面已过期或请求来源无效" in r.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


@pytest.mark.parametrize(
    "form",
    [
        {"username": "ziyang_manager"},
        {"password": "x"},
        {"username": "", "password": ""},
        {"username": "u" * 65, "password": "x"},
        {"username": "ziyang_manager", "password": "p" * 257},
    ],
)
def test_malformed_login_form(client, form):
    r = client.post("/login", data={"csrf_token": csrf_token(client), **form})
    assert r.status_code == 400
    assert "登录请求无效" in r.get_data(as_text=True)


def test_disabled_user_loses_the_session(server, as_user):
    """And a disabled account's right password gets the answer of a wrong one."""
    from web import context

    engine = context.ops()
    users.create(engine, "soon_disabled", "right-password-1", "manager", "610924000000", 3)
    c = server.test_client()
    assert login(c, "soon_disabled", "right-password-1").status_code == 302
    assert c.get("/_dash-layout").status_code == 200
    users.set_active(engine, "soon_disabled", False)
    assert c.get("/_dash-layout").status_code == 401
    right = login(server.test_client(), "soon_disabled", "right-password-1")
    wrong = login(server.test_client(), "soon_disabled", "wrong-password-1")
    assert right.status_code == wrong.status_code == 401
    assert "已停用" not in right.get_data(as_text=True)
    assert _error(right) == _error(wrong) == "用户名或密码错误。"
    outcomes = [e["outcome"] for e in audit.recent(engine, actor="soon_disabled", action="login")]
    assert outcomes == ["bad_credentials", "disabled", "ok"]


def _error(response) -> str:
    """The login page's message."""
    return re.search(
        r'class="jz-error" role="alert">([^<]*)<', response.get_data(as_text=True)
    ).group(1)


def test_healthz_has_no_data(client, wh):
    body = client.get("/healthz").get_json()
    version = wh.execute("select version from data_version").fetchone()[0]
    assert body == {"status": "ok", "data_version": version, "as_of": "2026-10-31"}


def test_language_switch(as_user):
    c = as_user("ziyang_manager")
    r = c.get("/lang/en?next=/%3Fyear%3D2019")
    assert (r.status_code, r.headers["Location"]) == (302, "/?year=2019")
    token = csrf_token(c, "/logout")
    assert "Log in" in c.post(
        "/logout", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)


def test_audit_log_is_append_only(server):
    from web import context

    engine = context.ops()
    audit.record(engine, "tester", "probe")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("update audit_log set outcome = 'changed'"))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text("delete from audit_log"))


# ------------------------------------------------------------------ production mode
def _start(tmp_path, extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JZ_")}
    env.update(
        {
            "JZ_ENV": "production",
            "JZ_OPS_DB": f"sqlite:///{tmp_path / 'ops.sqlite3'}",
            "JZ_WAREHOUSE": str(tmp_path / "none.duckdb"),
            "JZ_CACHE_DIR": str(tmp_path / "cache"),
        },
        **extra,
    )
    code = (
        "import app, json; c = app.server.config; print(json.dumps("
        "[c['SESSION_COOKIE_SECURE'], c['SESSION_COOKIE_HTTPONLY'], "
        "c['SESSION_COOKIE_SAMESITE']]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_without_a_secret_key(tmp_path):
    r = _start(tmp_path, {})
    assert r.returncode == 2
    assert r.stderr.strip() == "error: JZ_SECRET_KEY must be set in production"


def test_production_refuses_while_a_demo_password_is_set(tmp_path):
    from etl.refdata import region_levels
    from ops import db, demo, migrations

    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    demo.ensure(engine, region_levels())
    for name in list(DEMO_PASSWORDS)[1:]:
        users.set_password(engine, name, "a-real-secret-password")
    r = _start(tmp_path, {"JZ_SECRET_KEY": "k" * 40})
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "error: demo passwords are still set for: province_leader "
        "(change them with `python manage.py users set-password`)"
    )
    users.set_password(engine, "province_leader", "a-real-secret-password")
    r = _start(tmp_path, {"JZ_SECRET_KEY": "k" * 40})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == [True, True, "Lax"]


def test_the_app_refuses_a_store_behind_the_head_revision(tmp_path):
    """The app does not migrate: `manage.py migrate` does, before it starts."""
    r = _start(tmp_path, {"JZ_SECRET_KEY": "k" * 40})
    assert r.returncode == 2
    assert "run `python manage.py migrate`" in r.stderr


def test_production_creates_no_demo_accounts(tmp_path):
    from ops import db, migrations

    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    migrations.migrate(engine)
    r = _start(tmp_path, {"JZ_SECRET_KEY": "k" * 40})
    assert r.returncode == 0, r.stderr
    assert users.list_users(engine) == []


def test_matrix_page_html_has_no_external_references(as_user):
    """Offline: the page's scripts and styles come from this server."""
    html = as_user("ziyang_manager").get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls


def test_a_department_account_opens_on_its_first_page(as_user):
    """A department account has no overview (its subject is its own data): the home page
    sends it to the first page it may open, and the overview is refused, not blank."""
    client = as_user("province_police")
    r = client.get("/")
    assert (r.status_code, r.headers["Location"]) == (302, "/warnings")
    assert as_user("ziyang_manager").get("/").status_code == 200


def test_head_asks_like_get(server):
    """A HEAD (a monitor, `curl -I`) is a GET without the body: never the POST branch's
    CSRF refusal, and it logs nobody out."""
    client = server.test_client()
    assert client.head("/login").status_code == 200
    login(client, "ziyang_manager")
    assert client.head("/logout").status_code == 200
    assert client.head("/account/password").status_code == 200
    assert client.get("/_dash-layout").status_code == 200  # still logged in
