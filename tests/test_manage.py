"""manage.py build-data: bad input gets one line and a non-zero status, and changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import manage
from access import Scope
from etl import generate, warehouse
from etl.refdata import REFERENCE_DIR
from queries.runner import Warehouse
from tests.conftest import AS_OF

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], capsys) -> tuple[int, str]:
    code = manage.main(args)
    err = capsys.readouterr().err
    return code, err


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize(
    "args,message",
    [
        (["--scale", "abc"], "error: --scale must be a positive number, got 'abc'"),
        (["--scale", "0"], "error: --scale must be a positive number, got '0'"),
        (["--scale", "-0.5"], "error: --scale must be a positive number, got '-0.5'"),
        (["--scale", "nan"], "error: --scale must be a positive number, got 'nan'"),
        (["--scale", "inf"], "error: --scale must be a positive number, got 'inf'"),
        (["--scale", "100"], "error: --scale must be at most 4, got '100'"),
        (["--seed", "1.5"], "error: --seed must be an integer, got '1.5'"),
        (["--seed", "forty-two"], "error: --seed must be an integer, got 'forty-two'"),
        (["--seed", "-1"], "error: --seed must be between 0 and 2^63-1, got '-1'"),
        (
            ["--as-of", "2026-02-30"],
            "error: --as-of must be a date as YYYY-MM-DD, got '2026-02-30'",
        ),
        (["--as-of", "2099-01-01"], "error: as-of date 2099-01-01 is in the future"),
    ],
)
def test_bad_arguments(tmp_path, capsys, args, message):
    out = tmp_path / "w.duckdb"
    code, err = run(["build-data", "--out", str(out), "--quiet", *args], capsys)
    assert code != 0
    assert err.strip() == message
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "out,message",
    [
        ("{tmp}/missing/w.duckdb", "error: output directory does not exist: {tmp}/missing"),
        ("{tmp}", "error: output path is a directory: {tmp}"),
        ("/proc/jz.duckdb", "error: output directory is not writable: /proc"),
    ],
)
def test_unwritable_output(tmp_path, capsys, out, message):
    out = out.format(tmp=tmp_path)
    code, err = run(["build-data", "--scale", "0.01", "--out", out, "--quiet"], capsys)
    assert (code, err.strip()) == (1, message.format(tmp=tmp_path))
    assert not Path("/proc/jz.duckdb").exists()


@pytest.mark.parametrize(
    "broken,message",
    [
        ("divisions.csv", "error: reference file missing: {ref}/divisions.csv"),
        ("geo/townships.geojson", "error: reference file missing: {ref}/geo/townships.geojson"),
    ],
)
def test_missing_reference_file(tmp_path, capsys, broken, message):
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    (ref / broken).unlink()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, err = run(
        [
            "build-data",
            "--scale",
            "0.01",
            "--out",
            str(out_dir / "w.duckdb"),
            "--reference-dir",
            str(ref),
            "--quiet",
        ],
        capsys,
    )
    assert (code, err.strip()) == (1, message.format(ref=ref))
    assert leftovers(out_dir) == []


def test_malformed_reference_keeps_the_old_warehouse(tmp_path, capsys):
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    (ref / "poverty_counties.csv").write_text("code,name\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    old = out_dir / "w.duckdb"
    old.write_bytes(b"the previous warehouse")
    code, err = run(
        [
            "build-data",
            "--scale",
            "0.01",
            "--out",
            str(old),
            "--reference-dir",
            str(ref),
            "--quiet",
        ],
        capsys,
    )
    assert code == 1
    assert err.strip() == (
        "error: poverty_counties.csv: header is code,name, expected code,name,city_code,exit_year"
    )
    assert old.read_bytes() == b"the previous warehouse"
    assert leftovers(out_dir) == ["w.duckdb"]


def test_a_failure_mid_build_keeps_the_old_warehouse(tmp_path, monkeypatch):
    old = tmp_path / "w.duckdb"
    old.write_bytes(b"the previous warehouse")

    def crash(self):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(generate.Gen, "departments", crash)
    with pytest.raises(RuntimeError):
        warehouse.build(old, scale=0.01, seed=1, as_of=AS_OF, progress=False)
    assert old.read_bytes() == b"the previous warehouse"
    assert leftovers(tmp_path) == ["w.duckdb"]


def test_successful_build_replaces_the_file(tmp_path):
    out = tmp_path / "w.duckdb"
    out.write_bytes(b"the previous warehouse")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "build-data",
            "--scale",
            "0.002",
            "--seed",
            "3",
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"built {out}: 2,094 households")
    assert "build-data" in result.stderr  # the progress bar
    assert out.read_bytes()[:4] != b"the "
    assert leftovers(tmp_path) == ["w.duckdb"]


def test_evaluate_rules_keeps_the_rules_in_force_on_a_bad_file(tmp_path, capsys, warehouse_path):
    import duckdb

    wh = tmp_path / "w.duckdb"
    shutil.copy(warehouse_path, wh)
    before = wh.read_bytes()
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        (ROOT / "config" / "rules.yaml")
        .read_text(encoding="utf-8")
        .replace("weight: 0.45", "weight: nine"),
        encoding="utf-8",
    )
    code, err = run(["evaluate-rules", "--rules", str(bad), "--warehouse", str(wh)], capsys)
    assert (code, err.strip()) == (1, "error: rules.yaml line 34: weight must be a number")
    assert wh.read_bytes() == before
    # A stricter threshold: fewer medical warnings, and the new file is the one in force.
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(
        (ROOT / "config" / "rules.yaml")
        .read_text(encoding="utf-8")
        .replace("version: 1", "version: 2")
        .replace("exited_threshold: 5000", "exited_threshold: 50000"),
        encoding="utf-8",
    )
    con = duckdb.connect(str(wh), read_only=True)
    old = con.execute("select count(*) from warning where rule_id = 'medical_costs'").fetchone()[0]
    con.close()
    # The running app's cached answers must not outlive the old warnings.
    app_wh = Warehouse(wh, tmp_path / "cache", reload_seconds=0)
    scope = Scope("p", "leader", "610000000000")
    before_version = app_wh.version["version"]
    assert (
        app_wh.run("warning_counts", scope, unit_prefix="61", decided=[], as_of=AS_OF)[
            "undecided"
        ].iloc[0]
        > 0
    )
    assert run(["evaluate-rules", "--rules", str(stricter), "--warehouse", str(wh)], capsys)[0] == 0
    con = duckdb.connect(str(wh), read_only=True)
    new = con.execute("select count(*) from warning where rule_id = 'medical_costs'").fetchone()[0]
    assert con.execute("select version from rule_set").fetchone()[0] == 2
    undecided = con.execute("""select count(*) from warning w
                               left join monitoring m using (household_id)
                               where not coalesce(m.identify_date >= w.warned_on, false)
                                 and not coalesce(m.check_date >= w.warned_on, false)
                               """).fetchone()[0]
    con.close()
    assert 0 < new < old
    assert app_wh.version["version"] != before_version
    assert app_wh.version["version"].startswith(before_version.split("+")[0])
    assert (
        app_wh.run("warning_counts", scope, unit_prefix="61", decided=[], as_of=AS_OF)[
            "undecided"
        ].iloc[0]
        == undecided
    )
    assert leftovers(tmp_path) == ["cache", "rules.yaml", "stricter.yaml", "w.duckdb"]


def test_demo_instructions(tmp_path, monkeypatch, capsys):
    """make run gives an empty demo store instructions at every stage (some overdue,
    some escalated), deterministically, once; production refuses."""
    from ops import db
    from ops import tasks as T

    monkeypatch.setenv("JZ_OPS_DB", f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    monkeypatch.setenv("JZ_ENV", "demo")
    assert manage.main(["demo-instructions"]) == 0
    assert "demo instructions written: 72" in capsys.readouterr().out
    engine = db.engine(f"sqlite:///{tmp_path / 'ops.sqlite3'}")
    province = Scope("province_leader", "leader", "610000000000")
    found = T.list_tasks(engine, province)
    states = {s: sum(t["state"] == s for t in found) for s in T.STATES}
    assert len(found) == 72 and all(
        states[s] for s in ("issued", "acknowledged", "in_progress", "reported", "closed")
    )
    board = T.board(engine, province)
    assert board["counts"]["overdue"] > 0 and board["counts"]["escalated"] > 0
    # Once only.
    assert manage.main(["demo-instructions"]) == 0
    assert "already holds instructions" in capsys.readouterr().out
    assert len(T.list_tasks(engine, province)) == 72
    monkeypatch.setenv("JZ_ENV", "production")
    assert manage.main(["demo-instructions"]) != 0


# ---------------------------------------------------------------- manage.py briefing
def test_briefing_cli_writes_the_pdf(app_module, tmp_path, capsys):
    from pypdf import PdfReader

    out = tmp_path / "ziyang.pdf"
    code = manage.main(
        [
            "briefing",
            "--region",
            "610924000000",
            "--period",
            "2026-10",
            "--out",
            str(out),
            "--as",
            "ziyang_manager",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith(f"briefing written to {out} (")
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    assert "紫阳县防止返贫动态监测简报" in text and "2026年10月" in text
    assert "紫阳县监测管理员" in text or "ziyang_manager" in text
    assert leftovers(tmp_path) == ["ziyang.pdf"]


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--region", "610924999999", "--period", "2026-10", "--as", "ziyang_manager"],
            "error: no such unit: '610924999999'",
        ),
        (
            ["--region", "abc", "--period", "2026-10", "--as", "ziyang_manager"],
            "error: no such unit: 'abc'",
        ),
        (
            ["--region", "610000000000", "--period", "2026-10", "--as", "ziyang_manager"],
            "error: region 610000000000 is outside the scope of 'ziyang_manager' (610924000000)",
        ),
        (
            ["--region", "610700000000", "--period", "2026-10", "--as", "ankang_leader"],
            "error: region 610700000000 is outside the scope of 'ankang_leader' (610900000000)",
        ),
        (
            ["--region", "610924000000", "--period", "2026-13", "--as", "ziyang_manager"],
            "error: malformed period '2026-13' (expected YYYY-MM)",
        ),
        (
            ["--region", "610924000000", "--period", "October", "--as", "ziyang_manager"],
            "error: malformed period 'October' (expected YYYY-MM)",
        ),
        (
            ["--region", "610924000000", "--period", "2027-01", "--as", "ziyang_manager"],
            "error: no data for 2027-01: periods run from 2020-01 to 2026-10",
        ),
        (
            ["--region", "610924000000", "--period", "2026-10", "--as", "nobody"],
            "error: no active user 'nobody'",
        ),
        (
            ["--region", "610000000000", "--period", "2026-10", "--as", "province_wall"],
            "error: 'province_wall' is a wall account of 610000000000: it may not make briefings",
        ),
    ],
)
def test_briefing_cli_bad_input(app_module, tmp_path, capsys, args, message):
    out = tmp_path / "b.pdf"
    code, err = run(["briefing", *args, "--out", str(out)], capsys)
    assert code == 1
    assert err.strip() == message
    assert leftovers(tmp_path) == []


def test_briefing_cli_missing_directory_and_options(app_module, tmp_path, capsys):
    code, err = run(
        [
            "briefing",
            "--region",
            "610924000000",
            "--period",
            "2026-10",
            "--out",
            str(tmp_path / "no" / "b.pdf"),
            "--as",
            "ziyang_manager",
        ],
        capsys,
    )
    assert code == 1 and err.strip() == f"error: no such directory: {tmp_path / 'no'}"
    code, err = run(
        [
            "briefing",
            "--region",
            "610924000000",
            "--out",
            str(tmp_path / "b.pdf"),
            "--as",
            "ziyang_manager",
        ],
        capsys,
    )
    assert code == 2 and "--period" in err
    assert leftovers(tmp_path) == []


def test_commands_write_the_warehouse_jz_warehouse_names(tmp_path, capsys, monkeypatch):
    """build-data and evaluate-rules write the warehouse of JZ_WAREHOUSE when no path is
    given (they replaced data/warehouse.duckdb, a running app's, whatever was set)."""
    target = tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("JZ_WAREHOUSE", str(target))
    default = ROOT / "data" / "warehouse.duckdb"
    before = default.stat().st_mtime_ns if default.exists() else None
    code, err = run(["build-data", "--scale", "0.002", "--as-of", "2026-10-31", "--quiet"], capsys)
    assert (code, err) == (0, "")
    assert target.is_file()
    code, err = run(["evaluate-rules"], capsys)
    assert (code, err) == (0, "")
    assert (default.stat().st_mtime_ns if default.exists() else None) == before


def test_the_build_sizes_its_memory_from_the_machine(monkeypatch):
    total, available = warehouse._memory_bytes()
    monkeypatch.delenv("JZ_BUILD_MEMORY", raising=False)
    limit = int(warehouse.memory_limit().removesuffix("MB")) << 20
    assert 1 << 30 <= limit <= max(1 << 30, 0.6 * min(total, available) + (1 << 20))
    monkeypatch.setenv("JZ_BUILD_MEMORY", "3GB")
    assert warehouse.memory_limit() == "3GB"


def test_a_load_takes_no_more_memory_than_its_size_needs(monkeypatch):
    monkeypatch.delenv("JZ_BUILD_MEMORY", raising=False)
    monkeypatch.setattr(warehouse, "_memory_bytes", lambda: (24 << 30, 20 << 30))
    assert warehouse.memory_limit() == f"{int(0.6 * (20 << 30)) >> 20}MB"  # 60% available
    assert warehouse.memory_limit(households=10_000) == "3072MB"  # small: 3 GB
    assert warehouse.memory_limit(households=1_000_000) == "3072MB"
    assert warehouse.memory_limit(households=3_000_000) == "10240MB"  # + 3.5 GB a million
    assert warehouse.memory_limit(households=10_000_000) == f"{int(0.6 * (20 << 30)) >> 20}MB"
    monkeypatch.setattr(warehouse, "_memory_bytes", lambda: (4 << 30, 2 << 30))
    assert warehouse.memory_limit(households=1_000_000) == "1228MB"  # the machine's limit


# ------------------------------------------------------- manage.py users: passwords
@pytest.fixture
def store(tmp_path, monkeypatch):
    """A store of its own for the users commands."""
    from ops import db

    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    monkeypatch.setenv("JZ_OPS_DB", url)
    yield url
    db.dispose_all()


CREATE = [
    "users",
    "create",
    "--username",
    "cli_user",
    "--role",
    "manager",
    "--region",
    "610924000000",
]


def _typed(monkeypatch, *answers: str) -> list[str]:
    """A person at a terminal typing ``answers`` at the hidden prompts; the prompts."""
    import getpass

    prompts: list[str] = []
    replies = iter(answers)
    monkeypatch.setattr(manage, "_interactive", lambda: True)
    monkeypatch.setattr(
        getpass, "getpass", lambda prompt="": prompts.append(prompt) or next(replies)
    )
    return prompts


def _users(url: str) -> list[str]:
    from ops import db, migrations
    from ops import users as U

    migrations.migrate(db.engine(url))
    return [u.username for u in U.list_users(db.engine(url))]


def test_users_create_asks_twice_hidden(store, monkeypatch, capsys):
    from ops import db
    from ops import users as U

    prompts = _typed(monkeypatch, "typed-secret-2026", "typed-secret-2026")
    assert manage.main(CREATE) == 0
    assert prompts == ["New password: ", "Repeat it: "]
    assert capsys.readouterr().out.strip() == "created cli_user (manager, 610924000000)"
    assert U.has_password(db.engine(store), "cli_user", "typed-secret-2026")
    prompts = _typed(monkeypatch, "typed-again-2026", "typed-again-2026")
    assert manage.main(["users", "set-password", "--username", "cli_user"]) == 0
    assert U.has_password(db.engine(store), "cli_user", "typed-again-2026")


@pytest.mark.parametrize(
    "setup,args,message",
    [
        (
            "typed:one-secret-2026,other-secret-2026",
            [],
            "error: the two passwords differ: nothing changed",
        ),
        ("no-terminal", [], "error: no terminal to ask for the password: use --password-stdin"),
        ("stdin:", ["--password-stdin"], "error: no password on standard input"),
        (
            "stdin:1234567890\n",
            ["--password-stdin"],
            "error: password must not be a run of digits or letters",
        ),
        (
            "stdin:password123\n",
            ["--password-stdin"],
            "error: password is in the list of common passwords",
        ),
        (
            "stdin:cli_user-2026\n",
            ["--password-stdin"],
            "error: password must not contain the username",
        ),
        ("stdin:short\n", ["--password-stdin"], "error: password must have at least 10 characters"),
    ],
)
def test_users_create_refuses_and_changes_nothing(store, monkeypatch, capsys, setup, args, message):
    import io

    kind, _, value = setup.partition(":")
    if kind == "typed":
        _typed(monkeypatch, *value.split(","))
    elif kind == "no-terminal":
        monkeypatch.setattr(manage, "_interactive", lambda: False)
    else:
        monkeypatch.setattr("sys.stdin", io.StringIO(value))
    code, err = run([*CREATE, *args], capsys)
    assert code == 1
    assert err.strip() == message
    assert _users(store) == []


def test_a_password_on_the_command_line_is_refused(store, capsys):
    code, err = run([*CREATE, "--password", "visible-in-ps-2026"], capsys)
    assert code == 2
    assert err.strip().startswith(
        "error: --password is not taken: a password on the command line shows in `ps`"
    )
    assert _users(store) == []
    code, err = run(["users", "set-password", "--username", "x", "--password", "p"], capsys)
    assert code == 2 and "--password-stdin" in err


def test_password_stdin_takes_the_first_line_only(store, monkeypatch):
    import io

    from ops import db
    from ops import users as U

    monkeypatch.setattr("sys.stdin", io.StringIO("from-a-script-2026\r\nignored\n"))
    assert manage.main([*CREATE, "--password-stdin"]) == 0
    assert U.has_password(db.engine(store), "cli_user", "from-a-script-2026")


def test_bad_arguments_are_refused_before_asking(store, monkeypatch, capsys):
    prompts = _typed(monkeypatch)
    code, err = run(
        [
            "users",
            "create",
            "--username",
            "cli_user",
            "--role",
            "cadre",
            "--region",
            "610924000000",
        ],
        capsys,
    )
    assert (code, err.strip()) == (1, "error: a cadre works at township or village level")
    code, err = run(["users", "set-password", "--username", "nobody"], capsys)
    assert (code, err.strip()) == (1, "error: no user nobody")
    assert prompts == []


def test_users_set_role(store, monkeypatch, capsys):
    import io

    from ops import audit, db

    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-2026\n"))
    assert manage.main([*CREATE, "--password-stdin"]) == 0
    capsys.readouterr()
    assert (
        manage.main(
            [
                "users",
                "set-role",
                "--username",
                "cli_user",
                "--role",
                "department",
                "--region",
                "610900000000",
                "--department",
                "health",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "cli_user is now department of 610900000000 (health)"
    code, err = run(
        [
            "users",
            "set-role",
            "--username",
            "cli_user",
            "--role",
            "cadre",
            "--region",
            "610900000000",
        ],
        capsys,
    )
    assert (code, err.strip()) == (1, "error: a cadre works at township or village level")
    entry = audit.recent(db.engine(os.environ["JZ_OPS_DB"]), actor="cli")[0]
    assert (entry["action"], entry["target"]) == ("user_set_role", "cli_user")


# ---------------------------------------------------- --as: the access table decides
@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["import", "--department", "police", "--file", "x.csv", "--as", "ziyang_manager"],
            "error: 'ziyang_manager' is a manager account of 610924000000: it may not import "
            "police files",
        ),
        (
            ["import", "--department", "police", "--file", "x.csv", "--as", "province_health"],
            "error: 'province_health' may not import police files (its scope: 610000000000, "
            "health)",
        ),
        (
            ["import", "--department", "police", "--file", "x.csv", "--as", "nobody"],
            "error: no active user 'nobody'",
        ),
        (
            ["load-registry", "--from", "{tmp}", "--as", "province_leader"],
            "error: 'province_leader' is a leader account of 610000000000: it may not load the "
            "registry",
        ),
        (
            ["load-registry", "--from", "{tmp}", "--as", "hanzhong_manager"],
            "error: 'hanzhong_manager' is a manager account of 610700000000: it may not load the "
            "registry",
        ),
        (
            [
                "exchange",
                "--region",
                "610924000000",
                "--period",
                "2026-10",
                "--out",
                "{tmp}/x.zip",
                "--as",
                "province_leader",
            ],
            "error: 'province_leader' is a leader account of 610000000000: it may not export the "
            "national system's file",
        ),
    ],
)
def test_as_goes_through_the_access_table(app_module, tmp_path, capsys, args, message):
    code, err = run([a.replace("{tmp}", str(tmp_path)) for a in args], capsys)
    assert code == 1
    assert err.strip() == message
    assert leftovers(tmp_path) == []


def test_users_link_cadre_links_a_cadre_paired_in_the_region(
    store, monkeypatch, capsys, warehouse_path, wh
):
    from ops import db, migrations
    from ops import users as U
    from services import field

    monkeypatch.setenv("JZ_WAREHOUSE", str(warehouse_path))
    engine = db.engine(store)
    migrations.migrate(engine)
    U.create(engine, "cli_pair", "long-enough-2026", "cadre", "610924100000", 4)
    cadre_id, n = wh.execute(
        "select p.cadre_id, count(*) from pairing p join household h using (household_id) "
        "where p.end_date is null and h.township_code = '610924100000' group by 1 order by 1 "
        "limit 1"
    ).fetchone()
    args = ["users", "link-cadre", "--username", "cli_pair", "--cadre-id"]
    assert manage.main([*args, str(cadre_id)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"cli_pair linked to cadre {cadre_id} ({n} households paired now)"
    )
    assert field.my_cadre(engine, Scope("cli_pair", "cadre", "610924100000")) == cadre_id
    assert manage.main([*args, "999999999"]) != 0
    assert "is not paired now with households within 610924100000" in capsys.readouterr().err
    assert field.my_cadre(engine, Scope("cli_pair", "cadre", "610924100000")) == cadre_id
    assert manage.main(["users", "link-cadre", "--username", "nobody", "--cadre-id", "1"]) != 0
