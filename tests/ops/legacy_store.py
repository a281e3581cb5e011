"""The operational store as the code before Alembic made it (ops/schema.py and
ops/migrations.py at c55fc28, versions 1 to 6), frozen here so that the upgrade test
builds a store exactly as a deployment of that code has one. Never change it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("department", sa.String(40)),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
    # Bumped on logout, a password, role or region change and on disable: a session
    # cookie carries the generation it was issued under and is void once it differs.
    sa.Column("session_generation", sa.Integer, nullable=False, default=0, server_default="0"),
)

# Failed logins for usernames that do not exist, so that an unknown name locks exactly
# like a real one and usernames cannot be probed. Unknown names are kept by a bucket of
# their hash (ops.users), so the table cannot grow without bound.
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, default=""),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("ip", sa.String(45), nullable=False, default=""),
    # The region the entry concerns (the actor's region), for an admin's scoped view.
    sa.Column("region_code", sa.String(12), nullable=False, default="", server_default=""),
)
sa.Index("ix_audit_log_at", audit_log.c.at)
sa.Index("ix_audit_log_actor", audit_log.c.actor, audit_log.c.at)

# Failed logins per client address, whatever the name tried: a limit on guessing across
# many names from one address. Rows older than the window are pruned as they are read.
address_throttle = sa.Table(
    "address_throttle",
    metadata,
    sa.Column("address", sa.String(45), primary_key=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
)


# ---------------------------------------------------------------- instructions (督办)
meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("attendees", sa.Text, nullable=False, default=""),
    sa.Column("notes", sa.Text, nullable=False, default=""),
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("content", sa.Text, nullable=False, default=""),
    sa.Column("type", sa.String(30), nullable=False),
    sa.Column("priority", sa.String(10), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("source_ref", sa.String(100), nullable=False, default=""),
    sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id")),
    sa.Column("issuer", sa.String(64), nullable=False),
    sa.Column("issuer_region", sa.String(12), nullable=False),
    sa.Column("assignee_region", sa.String(12), nullable=False),
    sa.Column("assignee_user", sa.String(64)),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("ack_deadline", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("escalated_to", sa.String(12)),
    sa.Column("overdue_at", sa.DateTime(timezone=True)),
    sa.Column("urge_count", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
)
sa.Index("ix_tasks_assignee", tasks.c.assignee_region, tasks.c.state)
sa.Index("ix_tasks_issuer", tasks.c.issuer_region)
sa.Index("ix_tasks_deadline", tasks.c.deadline)

# Regions an instruction concerns and households it names.
task_links = sa.Table(
    "task_links",
    metadata,
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("ref", sa.String(20), nullable=False),
    sa.PrimaryKeyConstraint("task_id", "kind", "ref"),
)

# Every change to an instruction, in order: append-only.
task_events = sa.Table(
    "task_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("from_state", sa.String(20)),
    sa.Column("to_state", sa.String(20)),
    sa.Column("body", sa.Text, nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False),
)
sa.Index("ix_task_events_task", task_events.c.task_id, task_events.c.id)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

# The daily digest of each unit, written once a day by the scheduler.
digests = sa.Table(
    "digests",
    metadata,
    sa.Column("region_code", sa.String(12), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("region_code", "day"),
)


# What was decided about an early warning (the warning itself lives in the warehouse;
# its key survives re-evaluation: rule, household and date of the evidence).
warning_decisions = sa.Table(
    "warning_decisions",
    metadata,
    sa.Column("warning_key", sa.String(80), primary_key=True),
    sa.Column("household_id", sa.Integer, nullable=False),
    sa.Column("village_code", sa.String(12), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id")),
    sa.Column("decided_by", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_warning_decisions_village", warning_decisions.c.village_code)


# Exports made in the background (briefings, minutes, page and map images): one row per
# request, followed by the browser until the file can be downloaded by its owner.
export_jobs = sa.Table(
    "export_jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=False),  # whose data it shows
    sa.Column("params", sa.Text, nullable=False, default="{}"),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("progress", sa.Integer, nullable=False, default=0),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("filename", sa.String(200), nullable=False, default=""),
    sa.Column("size", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),  # a heartbeat
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)
sa.Index("ix_export_jobs_user", export_jobs.c.username, export_jobs.c.created_at)


# Department files imported (数据导入): one row per batch; its accepted rows and its
# error report are files under JZ_IMPORT_DIR, named by the batch id.
import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed", sa.String(30), nullable=False),
    sa.Column("department", sa.String(20), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("rows_total", sa.Integer, nullable=False),
    sa.Column("rows_accepted", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("imported_by", sa.String(64), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # loaded, then merged
    sa.Column("merged_at", sa.DateTime(timezone=True)),
    # The importer's region: who else may see the batch and its error report.
    sa.Column("region_code", sa.String(12), nullable=False, default="", server_default=""),
    sa.UniqueConstraint("feed", "checksum", name="uq_import_batches_file"),
)


# Doubtful cases from the cross-checks (疑点): the cases are in the warehouse (keyed by
# check and household); what became of them is here, with every step kept.
doubt_cases = sa.Table(
    "doubt_cases",
    metadata,
    sa.Column("doubt_key", sa.String(80), primary_key=True),
    sa.Column("check_id", sa.String(40), nullable=False),
    sa.Column("household_id", sa.Integer, nullable=False),
    sa.Column("village_code", sa.String(12), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # sent, confirmed, cleared
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id")),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_doubt_cases_village", doubt_cases.c.village_code)

doubt_events = sa.Table(
    "doubt_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doubt_key", sa.String(80), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("task_id", sa.Integer),
    sa.Column("note", sa.Text, nullable=False, default=""),
)
sa.Index("ix_doubt_events_key", doubt_events.c.doubt_key)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _append_only(conn: Connection, table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` in the database itself."""
    if conn.dialect.name == "sqlite":
        for op in ("update", "delete"):
            conn.exec_driver_sql(
                f"create trigger {table}_no_{op} before {op} on {table} "
                f"begin select raise(abort, '{table} is append-only'); end"
            )
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"create or replace function {table}_append_only() returns trigger "
            f"language plpgsql as $$ begin raise exception '{table} is append-only'; end $$"
        )
        conn.exec_driver_sql(
            f"create trigger {table}_append_only before update or delete on {table} "
            f"for each row execute function {table}_append_only()"
        )


# Columns that later migrations add: a table is created by the migration that first made
# it as it was then, so that a fresh database passes through the same versions as an old
# one. (version that adds it: {table: columns})
_ADDED: dict[int, dict[str, tuple[str, ...]]] = {
    6: {
        "users": ("session_generation",),
        "audit_log": ("region_code",),
        "import_batches": ("region_code",),
    },
}


def _create(conn: Connection, table: sa.Table, version: int) -> None:
    """Create ``table`` as it was at ``version``: without the columns added later."""
    later = {c for v, tables in _ADDED.items() if v > version for c in tables.get(table.name, ())}
    if not later:
        table.create(conn)
        return
    then = table.to_metadata(sa.MetaData())
    for name in later:
        then._columns.remove(then.c[name])
    then.create(conn)


def _add_columns(conn: Connection, version: int) -> None:
    """Add the columns ``version`` introduced, as schema.py declared them."""
    ddl = sa.schema.CreateColumn
    for table_name, columns in _ADDED[version].items():
        table = metadata.tables[table_name]
        for name in columns:
            spec = ddl(table.c[name]).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"alter table {table_name} add column {spec}")


def _v1(conn: Connection) -> None:
    for table in (users, login_throttle, audit_log):
        _create(conn, table, 1)
    _append_only(conn, "audit_log")


def _v2(conn: Connection) -> None:
    for table in (meetings, tasks, task_links, task_events, api_tokens, digests):
        table.create(conn)
    _append_only(conn, "task_events")


def _v3(conn: Connection) -> None:
    warning_decisions.create(conn)


def _v4(conn: Connection) -> None:
    export_jobs.create(conn)


def _v5(conn: Connection) -> None:
    _create(conn, import_batches, 5)
    doubt_cases.create(conn)
    doubt_events.create(conn)
    _append_only(conn, "doubt_events")


def _v6(conn: Connection) -> None:
    _add_columns(conn, 6)
    address_throttle.create(conn)
    # A batch belongs to its importer's region. (Audit entries before this version keep
    # an empty region: only a province admin sees them; audit_log is append-only.)
    batches = import_batches
    conn.execute(
        batches.update().values(
            region_code=sa.func.coalesce(
                sa.select(users.c.region_code)
                .where(users.c.username == batches.c.imported_by)
                .scalar_subquery(),
                "",
            )
        )
    )


MIGRATIONS: list[Migration] = [
    Migration(1, "users, login throttle and the append-only audit log", _v1),
    Migration(2, "instructions, their events and links, meetings, API tokens, digests", _v2),
    Migration(3, "decisions on early warnings", _v3),
    Migration(4, "background exports", _v4),
    Migration(5, "department data imports and doubtful cases", _v5),
    Migration(
        6,
        "session generations, a per-address login limit, regions of import "
        "batches and audit entries",
        _v6,
    ),
]


def migrate(engine: Engine) -> list[int]:
    """Apply every version, as the former ``ops.migrations.migrate`` did (no lock)."""
    done: list[int] = []
    with engine.begin() as conn:
        schema_migrations.create(conn, checkfirst=True)
    for m in MIGRATIONS:
        with engine.begin() as conn:
            exists = conn.execute(
                sa.select(schema_migrations.c.version).where(
                    schema_migrations.c.version == m.version
                )
            ).first()
            if exists:
                continue
            m.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    version=m.version, description=m.description, applied_at=datetime.now(UTC)
                )
            )
            done.append(m.version)
    return done
