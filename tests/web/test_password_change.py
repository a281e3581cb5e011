"""A user changing their own password at /account/password."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from ops import audit, users
from ops.schema import users as users_table
from tests.conftest import csrf_token, login

PATH = "/account/password"
OLD = "old-password-123"
NEW = "new-password-456"


@pytest.fixture
def account(server):
    """A fresh account of its own (the demo accounts' passwords must stay) and a client
    logged in as it."""
    from web import context

    engine = context.ops()
    n = len(users.list_users(engine))
    username = f"pwchange_{n}"
    users.create(engine, username, OLD, "manager", "610924000000", 3)
    client = server.test_client()
    assert login(client, username, OLD).status_code == 302
    return engine, username, client


def _post(client, current=OLD, new=NEW, confirm=None, token: str | None = "fresh"):
    data = {
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    }
    if token == "fresh":
        token = csrf_token(client, PATH)
    if token is not None:
        data["csrf_token"] = token
    return client.post(PATH, data=data)


def _changed_at(engine, username):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(users_table.c.password_changed_at).where(users_table.c.username == username)
        ).scalar_one()


def _outcomes(engine, username):
    return [e["outcome"] for e in audit.recent(engine, actor=username, action="password_change")]


def _unchanged(engine, username, before):
    assert _changed_at(engine, username) == before
    assert users.has_password(engine, username, OLD)
    assert not users.has_password(engine, username, NEW)


def test_the_form(account):
    _engine, username, client = account
    r = client.get(PATH)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for text in (
        "修改密码",
        "当前密码",
        "新密码",
        "确认新密码",
        username,
        'name="csrf_token"',
        'autocomplete="new-password"',
    ):
        assert text in html, text
    assert "Dash" not in html and "_dash" not in html  # a plain page
    client.get("/lang/en")
    html = client.get(PATH).get_data(as_text=True)
    assert "Current password" in html and "Confirm the new password" in html


def test_the_header_offers_it(server):
    from components import shell

    with server.test_request_context("/"):
        _header_links(shell)


def _header_links(shell):
    import json

    from plotly.utils import PlotlyJSONEncoder

    def header(role):
        viewer = shell.Viewer("x", role, "陕西省", "610000000000")
        return json.dumps(
            shell.header(viewer, "zh", None), cls=PlotlyJSONEncoder, ensure_ascii=False
        )

    assert '"href": "/account/password"' in header("manager")
    assert '"children": "修改密码"' in header("manager")
    assert "/account/password" not in header("wall")


def test_change_then_login_with_the_new_password(server, account):
    engine, username, client = account
    before = _changed_at(engine, username)
    r = _post(client)
    assert (r.status_code, r.headers["Location"]) == (303, PATH)
    page = client.get(PATH).get_data(as_text=True)
    assert "密码已修改" in page
    assert "密码已修改" not in client.get(PATH).get_data(as_text=True)  # shown once
    assert client.get("/_dash-layout").status_code == 200  # still logged in
    after = _changed_at(engine, username)
    assert after > before
    assert after.replace(tzinfo=after.tzinfo or UTC) <= datetime.now(UTC)
    assert login(server.test_client(), username, OLD).status_code == 401
    assert login(server.test_client(), username, NEW).status_code == 302


def test_success_is_audited_without_the_password(account):
    engine, username, client = account
    _post(client)
    entry = audit.recent(engine, actor=username, action="password_change")[0]
    assert (entry["outcome"], entry["target"]) == ("ok", username)
    assert OLD not in str(entry) and NEW not in str(entry)


def test_wrong_current_password(account):
    engine, username, client = account
    before = _changed_at(engine, username)
    r = _post(client, current="not-my-password")
    assert r.status_code == 401
    assert "当前密码不正确" in r.get_data(as_text=True)
    _unchanged(engine, username, before)
    assert _outcomes(engine, username) == ["bad_current"]


def test_wrong_current_passwords_count_towards_the_login_lockout(server, account):
    """Four wrong here and one wrong login lock the account; the fifth here ends the
    session as well."""
    engine, username, client = account
    for _ in range(4):
        assert _post(client, current="not-my-password").status_code == 401
    r = _post(client, current="not-my-password")
    assert r.status_code == 401
    assert "账户已锁定并已退出登录" in r.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401  # logged out
    assert client.get(PATH).headers["Location"].startswith("/login")
    r = login(server.test_client(), username, OLD)  # locked: even the right one fails
    assert r.status_code == 401 and "账户已锁定" in r.get_data(as_text=True)
    assert _outcomes(engine, username) == ["locked"] + ["bad_current"] * 4
    assert users.has_password(engine, username, OLD)


def test_a_right_current_password_resets_the_failures(server, account):
    engine, username, client = account
    for _ in range(4):
        _post(client, current="not-my-password")
    _post(client, confirm="something-else")  # right current password, refused otherwise
    assert login(server.test_client(), username, "wrong-again").status_code == 401
    assert users.authenticate(engine, username, OLD).outcome == "ok"  # not locked


@pytest.mark.parametrize(
    "new,outcome,message",
    [
        ("short", "too_short", "密码至少需要 10 个字符"),
        ("123456789", "too_short", "密码至少需要 10 个字符"),
        ("x" * 257, "too_long", "密码不能超过 256 个字符"),
        ("aaaaaaaaaa", "repeated", "密码不能是同一字符或一小段字符的重复"),
        ("1234567890", "sequence", "密码不能是连续的数字或字母"),
        ("abcdefghij", "sequence", "密码不能是连续的数字或字母"),
        ("password123", "common", "该密码过于常见"),
        ("Qwertyuiop", "common", "该密码过于常见"),
        ("{username}-2026", "username", "密码不能包含用户名"),
        ("x{USERNAME}x", "username", "密码不能包含用户名"),
    ],
)
def test_the_new_password_must_pass_the_policy(account, new, outcome, message):
    engine, username, client = account
    new = new.format(username=username, USERNAME=username.upper())
    before = _changed_at(engine, username)
    r = _post(client, new=new)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    _unchanged(engine, username, before)
    assert _outcomes(engine, username) == [outcome]


def test_the_policy_is_the_one_of_every_password(server):
    """The same check refuses a password set by an administrator or manage.py."""
    from web import context

    assert users.password_problem("123456789") == "too_short"
    assert users.password_problem("1234567809") is None
    assert users.password_problem("x" * 257) == "too_long"
    with pytest.raises(users.UserError, match="at least 10"):
        users.set_password(context.ops(), "province_admin", "short")
    with pytest.raises(users.UserError, match="at least 10"):
        users.create(context.ops(), "pw_policy", "short", "manager", "610924000000", 3)
    with pytest.raises(users.UserError, match="must not contain the username"):
        users.set_password(context.ops(), "province_admin", "Province_Admin-2026")
    with pytest.raises(users.UserError, match="list of common passwords"):
        users.create(context.ops(), "pw_policy", "1q2w3e4r5t", "manager", "610924000000", 3)
    assert users.get(context.ops(), "pw_policy") is None


def test_the_confirmation_must_match(account):
    engine, username, client = account
    before = _changed_at(engine, username)
    r = _post(client, confirm=NEW + "x")
    assert r.status_code == 400
    assert "两次输入的新密码不一致" in r.get_data(as_text=True)
    _unchanged(engine, username, before)
    assert _outcomes(engine, username) == ["mismatch"]


def test_the_new_password_must_differ(account):
    engine, username, client = account
    before = _changed_at(engine, username)
    r = _post(client, new=OLD)
    assert r.status_code == 400
    assert "新密码不能与当前密码相同" in r.get_data(as_text=True)
    assert _changed_at(engine, username) == before
    assert _outcomes(engine, username) == ["same_password"]


def test_every_field_is_needed(account):
    engine, username, client = account
    r = _post(client, current="")
    assert r.status_code == 400 and "请填写当前密码" in r.get_data(as_text=True)
    assert users.has_password(engine, username, OLD)


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_it_needs_the_csrf_token(account, token):
    engine, username, client = account
    before = _changed_at(engine, username)
    r = _post(client, token=token)
    assert r.status_code == 400
    assert "页面已过期或请求来源无效" in r.get_data(as_text=True)
    _unchanged(engine, username, before)
    assert _outcomes(engine, username) == ["csrf_refused"]


def test_messages_in_english(account):
    _engine, _username, client = account
    client.get("/lang/en")
    r = _post(client, current="not-my-password")
    assert "The current password is wrong. Nothing was changed." in r.get_data(as_text=True)
    r = _post(client, new="short")
    assert "at least 10 characters" in r.get_data(as_text=True)


def test_anonymous_is_sent_to_the_login(client):
    for method in ("GET", "POST"):
        r = client.open(PATH, method=method)
        assert r.status_code == 302
        assert r.headers["Location"] == "/login?next=/account/password"


def test_a_wall_account_cannot(as_user):
    c = as_user("province_wall")
    assert c.get(PATH).status_code == 403
    assert _post(c, token="forged").status_code == 403
