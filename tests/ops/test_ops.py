"""The operational store: migrations, users, the users command line."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import manage
from ops import migrations, users


def test_migrations_are_recorded_and_idempotent(engine):
    assert migrations.current(engine) == migrations.head() and not migrations.pending(engine)
    assert migrations.migrate(engine) == []
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"


def test_audit_log_refuses_changes(engine):
    from ops import audit

    audit.record(engine, "tester", "probe", target="x")
    for statement in ("update audit_log set outcome = 'changed'", "delete from audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    assert [e["action"] for e in audit.recent(engine)] == ["probe"]


def test_lockout_on_each_backend(engine):
    users.create(engine, "locked_out", "right-password-1", "manager", "610924000000", 3)
    outcomes = [
        users.authenticate(engine, name, "wrong-password").outcome
        for name in ("locked_out", "nobody_here")
        for _ in range(5)
    ]
    assert outcomes == (["bad_credentials"] * 4 + ["locked"]) * 2
    assert users.authenticate(engine, "locked_out", "right-password-1").outcome == "locked"


@pytest.mark.parametrize(
    "args,message",
    [
        (("Bad Name", "long-enough-1", "manager", "610924000000", 3, None), "username must be"),
        (("ok_name", "short", "manager", "610924000000", 3, None), "at least 10"),
        (("ok_name", "long-enough-1", "boss", "610924000000", 3, None), "role must be"),
        (("ok_name", "long-enough-1", "manager", "110000000000", None, None), "12-digit Shaanxi"),
        (("ok_name", "long-enough-1", "manager", "610924999000", None, None), "not a Shaanxi"),
        (("ok_name", "long-enough-1", "cadre", "610924000000", 3, None), "township or village"),
        (("ok_name", "long-enough-1", "department", "610000000000", 1, None), "needs --department"),
        (("ok_name", "long-enough-1", "manager", "610000000000", 1, "health"), "only department"),
    ],
)
def test_user_validation(engine, args, message):
    with pytest.raises(users.UserError, match=message):
        users.create(engine, *args)
    assert users.list_users(engine) == []


def test_passwords_are_salted_slow_hashes(engine):
    a = users.create(engine, "user_a", "same-password-1", "manager", "610924000000", 3)
    b = users.create(engine, "user_b", "same-password-1", "manager", "610924000000", 3)
    with engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(sa.text("select password_hash from users"))]
    assert hashes[0] != hashes[1] and all(h.startswith("scrypt:") for h in hashes)
    assert a.username == "user_a" and b.region_code == "610924000000"


def _stdin(monkeypatch, text: str) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_users_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JZ_OPS_DB", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    create = [
        "users",
        "create",
        "--username",
        "ankang_mgr",
        "--password-stdin",
        "--role",
        "manager",
        "--region",
        "610900000000",
    ]
    _stdin(monkeypatch, "long-enough-1\n")
    assert manage.main(create) == 0
    _stdin(monkeypatch, "long-enough-1\n")
    assert manage.main(create) == 1
    assert capsys.readouterr().err.strip() == "error: user ankang_mgr already exists"
    _stdin(monkeypatch, "another-long-1\n")
    assert (
        manage.main(["users", "set-password", "--username", "ankang_mgr", "--password-stdin"]) == 0
    )
    assert manage.main(["users", "disable", "--username", "ankang_mgr"]) == 0
    capsys.readouterr()
    assert manage.main(["users", "list", "--within", "610900000000"]) == 0
    assert capsys.readouterr().out.split("\t")[:5] == [
        "ankang_mgr",
        "manager",
        "610900000000",
        "-",
        "disabled",
    ]
    assert manage.main(["users", "list", "--within", "6109"]) == 1
    assert "not a 12-digit" in capsys.readouterr().err


def test_no_account_takes_the_command_lines_name(engine):
    """The audit log names the command line "manage.py" (``--as`` by default): an
    account of that name would pass for the operator."""
    with pytest.raises(users.UserError, match="command line's name"):
        users.create(engine, users.OPERATOR, "Long-enough-pass-7", "admin", "610924000000", 3)
