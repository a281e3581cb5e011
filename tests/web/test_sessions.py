"""Sessions end on the server: a copied session cookie stops working after a logout, a
password change, an administrator's change of role, region or state, and after the
absolute lifetime; logout is a POST with the CSRF token."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

import manage
from domain import clock
from ops import audit, users
from tests.conftest import DEMO_PASSWORDS, csrf_token, login

PASSWORD = "session-test-pw-1"
LAYOUT = "/_dash-layout"


@pytest.fixture
def account(server):
    """A fresh account of its own and a browser logged in as it."""
    from web import context

    engine = context.ops()
    username = f"sess_{len(users.list_users(engine))}"
    users.create(engine, username, PASSWORD, "manager", "610924000000", 3)
    client = server.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return engine, username, client


def copy_of(server, client):
    """Another browser holding the same session cookie (a stolen copy)."""
    other = server.test_client()
    other.set_cookie("jz_session", client.get_cookie("jz_session").value)
    assert other.get(LAYOUT).status_code == 200
    return other


def _logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})


def test_a_copied_cookie_dies_with_the_logout(server, account):
    engine, username, client = account
    stolen = copy_of(server, client)
    r = _logout(client)
    assert (r.status_code, r.headers["Location"]) == (303, "/login")
    assert client.get(LAYOUT).status_code == 401
    assert stolen.get(LAYOUT).status_code == 401
    assert stolen.get("/").headers["Location"].startswith("/login")
    assert audit.recent(engine, actor=username, action="logout")[0]["outcome"] == "ok"


def test_a_new_login_is_not_touched_by_an_old_logout(server, account):
    _engine, username, client = account
    _logout(client)
    assert login(client, username, PASSWORD).status_code == 302
    assert client.get(LAYOUT).status_code == 200


def test_a_copied_cookie_dies_with_a_password_change(server, account):
    """The user's own browser stays logged in; the copy does not."""
    _engine, username, client = account
    stolen = copy_of(server, client)
    r = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(client, "/account/password"),
            "current_password": PASSWORD,
            "new_password": "changed-pw-2026",
            "confirm_password": "changed-pw-2026",
        },
    )
    assert r.status_code == 303
    assert client.get(LAYOUT).status_code == 200
    assert stolen.get(LAYOUT).status_code == 401


@pytest.mark.parametrize(
    "change",
    ["set_password", "set_role", "set_region", "disable", "cli_set_role", "cli_set_password"],
)
def test_a_copied_cookie_dies_with_an_administrators_change(
    server, account, change, monkeypatch, capsys
):
    engine, username, client = account
    stolen = copy_of(server, client)
    if change == "set_password":
        users.set_password(engine, username, "reset-by-admin-1")
    elif change == "set_role":
        users.set_role(engine, username, "leader", "610924000000", 3)
    elif change == "set_region":
        users.set_role(engine, username, "manager", "610900000000", 2)
    elif change == "disable":
        users.set_active(engine, username, False)
    elif change == "cli_set_role":
        assert (
            manage.main(
                [
                    "users",
                    "set-role",
                    "--username",
                    username,
                    "--role",
                    "leader",
                    "--region",
                    "610924000000",
                ]
            )
            == 0
        )
        assert capsys.readouterr().out.strip() == f"{username} is now leader of 610924000000"
    else:
        monkeypatch.setattr("sys.stdin", io.StringIO("reset-by-cli-1\n"))
        assert (
            manage.main(["users", "set-password", "--username", username, "--password-stdin"]) == 0
        )
    assert client.get(LAYOUT).status_code == 401
    assert stolen.get(LAYOUT).status_code == 401


def test_the_session_has_an_absolute_lifetime(server, account, monkeypatch):
    """Twelve hours after the login the session ends, however busy it was: the cookie's
    own expiry slides with each request, the login time does not."""
    _engine, _username, client = account
    start = clock.utcnow()
    for hours in (1, 4, 8, 11.9):  # busy all day
        monkeypatch.setattr(clock, "utcnow", lambda h=hours: start + timedelta(hours=h))
        assert client.get(LAYOUT).status_code == 200, hours
    monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(hours=12, seconds=5))
    assert client.get(LAYOUT).status_code == 401
    assert client.get("/").headers["Location"].startswith("/login")


def test_a_wall_login_lasts_a_week(server, monkeypatch):
    """The command-centre wall stands unattended: its login lasts JZ_WALL_SESSION_HOURS
    (a week), not a working day; then it ends like any other."""
    from web import context

    engine = context.ops()
    username = f"wall_{len(users.list_users(engine))}"
    users.create(engine, username, PASSWORD, "wall", "610924000000", 3)
    client = server.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    start = clock.utcnow()
    assert server.permanent_session_lifetime == timedelta(hours=168)  # the cookie's
    for hours in (13, 100, 167.9):
        monkeypatch.setattr(clock, "utcnow", lambda h=hours: start + timedelta(hours=h))
        assert client.get("/wall/heartbeat").status_code == 200, hours
    monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(hours=168, seconds=5))
    assert client.get("/wall/heartbeat").status_code == 401


def test_a_session_without_a_login_time_is_refused(server, account):
    """Sessions issued before the absolute lifetime existed carry no login time."""
    _engine, _username, client = account
    with client.session_transaction() as s:
        del s["login_at"]
    assert client.get(LAYOUT).status_code == 401


def test_a_session_of_the_old_form_is_refused(server, account):
    """A session naming its account by id alone (before generations) is void."""
    engine, username, client = account
    with client.session_transaction() as s:
        s["_user_id"] = str(users.get(engine, username).id)
    assert client.get(LAYOUT).status_code == 401


def test_get_logout_only_asks(server, account):
    """A link or an image on another site (GET /logout) logs nobody out: the page asks,
    and its form POSTs with the CSRF token."""
    _engine, username, client = account
    r = client.get(
        "/logout", headers={"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<form method="post" action="/logout">' in html
    assert 'name="csrf_token"' in html and username in html
    assert client.get(LAYOUT).status_code == 200


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_post_logout_needs_the_csrf_token(server, account, token):
    engine, username, client = account
    data = {} if token is None else {"csrf_token": token}
    r = client.post("/logout", data=data)
    assert r.status_code == 400
    assert "页面已过期，尚未退出" in r.get_data(as_text=True)
    assert client.get(LAYOUT).status_code == 200
    assert audit.recent(engine, actor=username, action="logout")[0]["outcome"] == "csrf_refused"


def test_anonymous_logout_goes_to_the_login(client):
    for method in ("GET", "POST"):
        r = client.open("/logout", method=method)
        assert (r.status_code, r.headers["Location"]) == (302, "/login")


def _components(node):
    """Every component of a layout (its JSON), depth first."""
    if isinstance(node, dict):
        if "type" in node and "props" in node:
            yield node
        for value in node.values():
            yield from _components(value)
    elif isinstance(node, list):
        for value in node:
            yield from _components(value)


def test_the_header_logs_out_by_a_form(as_user):
    """The shell's logout is a form posting the CSRF token, not a link."""
    client = as_user("ziyang_manager")
    parts = list(_components(client.get(LAYOUT).get_json()))
    form = next(c for c in parts if c["type"] == "Form")
    assert (form["props"]["action"], form["props"]["method"]) == ("/logout", "post")
    inside = list(_components(form["props"]["children"]))
    token = next(c["props"] for c in inside if c["props"].get("name") == "csrf_token")
    assert token["type"] == "hidden" and token["value"]
    button = next(c["props"] for c in inside if c["type"] == "Button")
    assert (button["type"], button["children"]) == ("submit", "退出")
    assert not [c for c in parts if c["props"].get("href") == "/logout"]
    r = client.post("/logout", data={"csrf_token": token["value"]})
    assert r.status_code == 303 and client.get(LAYOUT).status_code == 401


def test_a_wall_account_can_log_out(as_user):
    c = as_user("province_wall")
    r = c.post("/logout", data={"csrf_token": csrf_token(c, "/logout")})
    assert r.status_code == 303 and c.get(LAYOUT).status_code == 401
    assert login(c, "province_wall", DEMO_PASSWORDS["province_wall"]).status_code == 302


def _browser(server, address: str):
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, csrf_token(client)


def test_sixty_parallel_logins_never_let_the_right_one_in_past_the_limit(server):
    """The issue's attack over HTTP: 60 parallel logins, wrong passwords and the right
    one as request 45, each from its own address. Four are told "wrong", the rest
    "locked", and the right one is among the locked (it logged in before)."""
    import threading
    from collections import Counter

    from web import context

    users.create(context.ops(), "race_target", PASSWORD, "manager", "610924000000", 3)
    browsers = [_browser(server, f"198.51.100.{i}") for i in range(60)]
    # The first 44 race each other (before, they all read "no failures yet" and none
    # locked); then the right one and the 15 others race.
    statuses: dict[int, tuple[int, str]] = {}
    barrier = threading.Barrier(44)

    def attempt(i, wait=True):
        client, token = browsers[i]
        if wait:
            barrier.wait()
        r = client.post(
            "/login",
            data={
                "csrf_token": token,
                "username": "race_target",
                "password": PASSWORD if i == 44 else f"wrong-password-{i}",
            },
        )
        statuses[i] = (r.status_code, r.get_data(as_text=True))

    first = [threading.Thread(target=attempt, args=(i,)) for i in range(44)]
    for th in first:
        th.start()
    for th in first:
        th.join(120)
    rest = [threading.Thread(target=attempt, args=(i, False)) for i in range(44, 60)]
    for th in rest:
        th.start()
    for th in rest:
        th.join(120)
    answers = Counter(
        "locked" if "账户已锁定" in body else "wrong" if "用户名或密码错误" in body else str(status)
        for status, body in statuses.values()
    )
    assert answers == {"wrong": 4, "locked": 56}
    assert statuses[44][0] == 401 and "账户已锁定" in statuses[44][1]


def test_twenty_failures_from_one_address_stop_it(server):
    """Whatever names are tried; another address is not concerned."""
    from web import context

    users.create(context.ops(), "addr_target", PASSWORD, "manager", "610924000000", 3)
    client, token = _browser(server, "203.0.113.77")
    for i in range(20):
        r = client.post(
            "/login",
            data={"csrf_token": token, "username": f"spray_{i}", "password": "wrong-password-1"},
        )
        assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True), i
    r = client.post(
        "/login", data={"csrf_token": token, "username": "addr_target", "password": PASSWORD}
    )
    assert r.status_code == 401
    assert "此网络地址登录失败次数过多" in r.get_data(as_text=True)
    other, token = _browser(server, "203.0.113.78")
    assert (
        other.post(
            "/login", data={"csrf_token": token, "username": "addr_target", "password": PASSWORD}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    "peer,forwarded,address",
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),  # behind the local proxy
        ("127.0.0.1", "10.9.9.9, 203.0.113.5", "203.0.113.5"),  # the proxy's entry is last
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("198.51.100.3", "203.0.113.5", "198.51.100.3"),  # a client's own header: ignored
    ],
)
def test_the_client_address(server, peer, forwarded, address):
    from web.auth import client_ip

    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with server.test_request_context("/login", headers=headers, environ_base={"REMOTE_ADDR": peer}):
        assert client_ip() == address


def test_clients_behind_the_proxy_have_their_own_limits(server):
    """Twenty failures of one client behind the local proxy do not stop another."""
    from web import context

    users.create(context.ops(), "proxy_target", PASSWORD, "manager", "610924000000", 3)
    client, token = _browser(server, "127.0.0.1")
    for i in range(20):
        client.post(
            "/login",
            headers={"X-Forwarded-For": "203.0.113.90"},
            data={"csrf_token": token, "username": f"spray_{i}", "password": "wrong-password-1"},
        )
    r = client.post(
        "/login",
        headers={"X-Forwarded-For": "203.0.113.90"},
        data={"csrf_token": token, "username": "proxy_target", "password": PASSWORD},
    )
    assert "此网络地址登录失败次数过多" in r.get_data(as_text=True)
    r = client.post(
        "/login",
        headers={"X-Forwarded-For": "203.0.113.91"},
        data={"csrf_token": token, "username": "proxy_target", "password": PASSWORD},
    )
    assert r.status_code == 302


def test_the_login_seeds_the_csrf_secret(server, account):
    """The session has its CSRF secret from the login on: the page's first requests,
    sent side by side, find it there instead of each making one (the last cookie
    written would void the token the header's logout form was rendered with)."""
    _engine, _username, client = account
    with client.session_transaction() as s:
        secret = s.get("csrf_token")
    assert secret
    client.get("/_dash-layout")
    with client.session_transaction() as s:
        assert s["csrf_token"] == secret
