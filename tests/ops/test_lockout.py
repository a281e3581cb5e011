"""The login lockout under concurrency, the per-address limit, bounded throttle rows,
disabled accounts, and session generations; on each backend (tests/ops/conftest.py)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ops import users
from ops.schema import address_throttle, login_throttle
from ops.schema import users as users_table

RIGHT = "right-password-1"
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def account(engine):
    users.create(engine, "target_user", RIGHT, "manager", "610924000000", 3)
    return engine


def _in_parallel(engine, attempts: list[tuple[str, str]], address=None) -> list[str]:
    """Run the attempts (username, password) in threads released at once; outcomes in
    the order given."""
    outcomes: list[str | None] = [None] * len(attempts)
    barrier = threading.Barrier(len(attempts))

    def run(i, name, password):
        barrier.wait()
        outcomes[i] = users.authenticate(
            engine, name, password, address=address(i) if address else None
        ).outcome

    threads = [threading.Thread(target=run, args=(i, *a)) for i, a in enumerate(attempts)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    return outcomes


@pytest.mark.parametrize("name", ["target_user", "nobody_at_all"])
def test_sixty_parallel_wrong_logins_count_every_one(account, name):
    """Before: 34 "bad credentials" and 25 "locked" out of 60 (each read the count, then
    wrote its own). Now exactly four are answered "bad credentials", and the fifth
    failure locks, for a real name and an unknown one alike."""
    outcomes = _in_parallel(account, [(name, f"wrong-password-{i}") for i in range(60)])
    assert Counter(outcomes) == {"bad_credentials": 4, "locked": 56}


def test_the_right_password_past_the_threshold_never_logs_in(account, monkeypatch):
    """The attack of the issue: 60 parallel wrong logins with the right password as
    request 45. Hashing is slowed so that the first attempts are all in flight when the
    right one comes: it was let in before, it is refused now."""
    slow = users.check_password_hash

    def slow_hash(stored, password):
        time.sleep(0.2)
        return slow(stored, password)

    monkeypatch.setattr(users, "check_password_hash", slow_hash)
    outcomes: dict[int, str] = {}

    def run(i, password):
        outcomes[i] = users.authenticate(account, "target_user", password).outcome

    first = [threading.Thread(target=run, args=(i, f"wrong-{i}")) for i in range(44)]
    for th in first:
        th.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # until five attempts are counted or locked
        with account.connect() as conn:
            row = conn.execute(
                sa.select(users_table.c.failed_logins, users_table.c.locked_until).where(
                    users_table.c.username == "target_user"
                )
            ).one()
        if row.failed_logins >= 5 or row.locked_until is not None:
            break
        time.sleep(0.01)
    rest = [
        threading.Thread(target=run, args=(i, RIGHT if i == 44 else f"wrong-{i}"))
        for i in range(44, 60)
    ]
    for th in rest:
        th.start()
    for th in first + rest:
        th.join(120)
    assert outcomes[44] == "locked"
    assert Counter(outcomes.values()) == {"bad_credentials": 4, "locked": 56}
    # And it stays locked for the right password until the lock ends.
    assert users.authenticate(account, "target_user", RIGHT).outcome == "locked"


def test_a_success_gives_its_slot_back(account):
    for _ in range(4):
        assert (
            users.authenticate(account, "target_user", "nope-nope-1").outcome == "bad_credentials"
        )
    assert users.authenticate(account, "target_user", RIGHT).outcome == "ok"
    for _ in range(4):  # the count started again
        assert (
            users.authenticate(account, "target_user", "nope-nope-1").outcome == "bad_credentials"
        )
    assert users.authenticate(account, "target_user", "nope-nope-1").outcome == "locked"


def test_a_count_left_past_the_limit_heals_into_a_lock(account):
    """An attempt that died between its count and its lock leaves a count past the
    limit: the next attempt writes the lock (15 minutes), not a lock for ever."""
    with account.begin() as conn:
        conn.execute(
            users_table.update()
            .where(users_table.c.username == "target_user")
            .values(failed_logins=9)
        )
    assert users.authenticate(account, "target_user", RIGHT, now=START).outcome == "locked"
    assert (
        users.authenticate(
            account, "target_user", RIGHT, now=START + timedelta(minutes=15, seconds=1)
        ).outcome
        == "ok"
    )


def test_a_disabled_account_counts_its_right_password_as_a_failure(account):
    """The audit log may tell "disabled"; the answers (and the lockout) are a wrong
    password's."""
    users.set_active(account, "target_user", False)
    outcomes = [users.authenticate(account, "target_user", RIGHT).outcome for _ in range(6)]
    assert outcomes == ["disabled"] * 4 + ["locked"] * 2


# ------------------------------------------------------------------ per address
def test_twenty_failures_from_one_address_lock_it(account):
    """Whatever names are tried; the account's own right password too, once locked; other
    addresses are not concerned; the lock ends after 15 minutes."""
    addr = "192.0.2.7"
    for i in range(20):
        outcome = users.authenticate(
            account, f"guess_{i % 7}", "wrong-password-1", now=START, address=addr
        ).outcome
        assert outcome in ("bad_credentials", "locked"), i
    assert (
        users.authenticate(account, "target_user", RIGHT, now=START, address=addr).outcome
        == "throttled"
    )
    assert (
        users.authenticate(account, "target_user", RIGHT, now=START, address="192.0.2.8").outcome
        == "ok"
    )
    later = START + timedelta(minutes=15, seconds=1)
    assert (
        users.authenticate(account, "target_user", RIGHT, now=later, address=addr).outcome == "ok"
    )


def test_parallel_failures_from_one_address_are_all_counted(account):
    outcomes = _in_parallel(
        account,
        [(f"guess_{i}", "wrong-password-1") for i in range(40)],
        address=lambda i: "192.0.2.9",
    )
    counted = Counter(outcomes)
    assert (
        counted["throttled"] == 20
        and counted["throttled"] + counted["bad_credentials"] + counted["locked"] == 40
    )


def test_successes_and_locked_accounts_do_not_use_the_address_up(account):
    """An office behind one address: its logins and a locked colleague cost nothing."""
    addr = "192.0.2.10"
    for _ in range(30):
        assert (
            users.authenticate(account, "target_user", RIGHT, now=START, address=addr).outcome
            == "ok"
        )
    users.create(account, "locked_colleague", RIGHT, "manager", "610924000000", 3)
    outcomes = [
        users.authenticate(
            account, "locked_colleague", "wrong-password-1", now=START, address=addr
        ).outcome
        for _ in range(30)
    ]
    assert outcomes == ["bad_credentials"] * 4 + ["locked"] * 26
    with account.connect() as conn:
        assert (
            conn.execute(
                sa.select(address_throttle.c.failed_logins).where(
                    address_throttle.c.address == addr
                )
            ).scalar()
            == 5
        )


def test_failures_outside_the_window_are_forgotten(account):
    addr = "192.0.2.11"
    for i in range(19):
        users.authenticate(account, f"guess_{i}", "wrong-password-1", now=START, address=addr)
    later = START + timedelta(minutes=16)
    for i in range(19):
        assert (
            users.authenticate(
                account, f"other_{i}", "wrong-password-1", now=later, address=addr
            ).outcome
            != "throttled"
        )


def test_old_address_rows_are_pruned(account, monkeypatch):
    monkeypatch.setattr(users, "_pruned", {"at": datetime.min.replace(tzinfo=UTC)})
    for i in range(5):
        users.authenticate(
            account, "target_user", "wrong-password-1", now=START, address=f"198.51.100.{i}"
        )
    with account.begin() as conn:  # a row of the old form: one per unknown name
        conn.execute(login_throttle.insert().values(username="old_style_name", failed_logins=3))
    monkeypatch.setattr(users, "_pruned", {"at": datetime.min.replace(tzinfo=UTC)})
    later = START + timedelta(hours=1)
    users.authenticate(account, "target_user", RIGHT, now=later, address="203.0.113.1")
    with account.connect() as conn:
        addresses = conn.execute(sa.select(address_throttle.c.address)).scalars().all()
        throttled = conn.execute(sa.select(login_throttle.c.username)).scalars().all()
    assert addresses == ["203.0.113.1"]
    assert "old_style_name" not in throttled


# ------------------------------------------------------------ unknown usernames
def test_unknown_names_are_kept_in_at_most_4096_buckets(engine, monkeypatch):
    monkeypatch.setattr(users, "check_password_hash", lambda stored, password: False)
    names = [f"made_up_{i}" for i in range(300)]
    for name in names:
        assert users.authenticate(engine, name, "wrong-password-1").outcome in (
            "bad_credentials",
            "locked",
        )
    with engine.connect() as conn:
        keys = set(conn.execute(sa.select(login_throttle.c.username)).scalars())
    assert keys == {users.throttle_key(n) for n in names}
    assert all(len(k) == 4 and k[0] == "?" and int(k[1:], 16) < 4096 for k in keys)
    assert len({users.throttle_key(f"n{i}") for i in range(20_000)}) <= 4096
    assert not users.USERNAME.fullmatch(users.throttle_key("x"))  # never a real name


def test_buckets_depend_on_the_secret(monkeypatch):
    """Nobody without the secret key can tell which names share a bucket."""
    monkeypatch.setattr(users, "_throttle_key", b"one secret")
    a = [users.throttle_key(f"name{i}") for i in range(50)]
    users.set_throttle_key("another secret")
    b = [users.throttle_key(f"name{i}") for i in range(50)]
    assert a != b


# ------------------------------------------------------------------ sessions
def test_session_generations(account):
    engine = account
    user = users.get(engine, "target_user")
    sid = user.get_id()
    assert sid == f"{user.id}:0"
    assert users.session_user(engine, sid) == user
    for bad in (str(user.id), f"{user.id}:1", f"{user.id}:x", "", None, f"{user.id}:0:0", "١:0"):
        assert users.session_user(engine, bad) is None, bad
    steps = [
        lambda: users.end_sessions(engine, "target_user"),
        lambda: users.set_password(engine, "target_user", "another-pw-2026"),
        lambda: users.set_role(engine, "target_user", "leader", "610924000000", 3),
        lambda: users.set_role(engine, "target_user", "leader", "610900000000", 2),
        lambda: users.set_active(engine, "target_user", False),
    ]
    for generation, step in enumerate(steps, start=1):
        before = users.get(engine, "target_user").get_id()
        step()
        assert users.session_user(engine, before) is None
        assert users.get(engine, "target_user").session_generation == generation
    users.set_active(engine, "target_user", True)
    current = users.get(engine, "target_user").get_id()
    assert users.session_user(engine, current).role == "leader"


def test_set_role_refuses_what_create_refuses(account):
    with pytest.raises(users.UserError, match="township or village"):
        users.set_role(account, "target_user", "cadre", "610924000000", 3)
    with pytest.raises(users.UserError, match="no user"):
        users.set_role(account, "ghost", "manager", "610924000000", 3)
    user = users.get(account, "target_user")
    assert (user.role, user.region_code, user.session_generation) == ("manager", "610924000000", 0)
