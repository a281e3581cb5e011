"""The baseline: the operational store as the last hand-written migration (version 6 of
the former ops/migrations.py) left it.

Users and login limits, the append-only audit log, instructions (meetings, tasks, their
links and append-only events), API tokens, digests, decisions on early warnings,
background exports, department imports and doubtful cases (with append-only events).
A store made by that code is stamped at this revision instead of running it
(ops/migrations.py). Written out literally: it never changes when ops/schema.py does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` in the database itself."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("update", "delete"):
            op.execute(
                f"create trigger {table}_no_{verb} before {verb} on {table} "
                f"begin select raise(abort, '{table} is append-only'); end"
            )
    elif dialect == "postgresql":
        op.execute(
            f"create or replace function {table}_append_only() returns trigger "
            f"language plpgsql as $$ begin raise exception '{table} is append-only'; "
            f"end $$"
        )
        op.execute(
            f"create trigger {table}_append_only before update or delete on {table} "
            f"for each row execute function {table}_append_only()"
        )


def _accounts() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("department", sa.String(40)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", TZ),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("password_changed_at", TZ, nullable=False),
        sa.Column("session_generation", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", TZ),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False, server_default=""),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "at"])
    _append_only("audit_log")
    op.create_table(
        "address_throttle",
        sa.Column("address", sa.String(45), primary_key=True),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("window_start", TZ, nullable=False),
        sa.Column("locked_until", TZ),
    )


def _instructions() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("attendees", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_ref", sa.String(100), nullable=False),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id")),
        sa.Column("issuer", sa.String(64), nullable=False),
        sa.Column("issuer_region", sa.String(12), nullable=False),
        sa.Column("assignee_region", sa.String(12), nullable=False),
        sa.Column("assignee_user", sa.String(64)),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("ack_deadline", TZ, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("escalated_to", sa.String(12)),
        sa.Column("overdue_at", TZ),
        sa.Column("urge_count", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("closed_at", TZ),
    )
    op.create_index("ix_tasks_assignee", "tasks", ["assignee_region", "state"])
    op.create_index("ix_tasks_issuer", "tasks", ["issuer_region"])
    op.create_index("ix_tasks_deadline", "tasks", ["deadline"])
    op.create_table(
        "task_links",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ref", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "kind", "ref"),
    )
    op.create_table(
        "task_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_task_events_task", "task_events", ["task_id", "id"])
    _append_only("task_events")
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_used_at", TZ),
        sa.Column("revoked_at", TZ),
    )
    op.create_table(
        "digests",
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("region_code", "day"),
    )


def _decisions_and_exports() -> None:
    op.create_table(
        "warning_decisions",
        sa.Column("warning_key", sa.String(80), primary_key=True),
        sa.Column("household_id", sa.Integer, nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id")),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
    )
    op.create_index("ix_warning_decisions_village", "warning_decisions", ["village_code"])
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
    )
    op.create_index("ix_export_jobs_user", "export_jobs", ["username", "created_at"])


def _imports_and_doubts() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("feed", sa.String(30), nullable=False),
        sa.Column("department", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", TZ, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("merged_at", TZ),
        sa.Column("region_code", sa.String(12), nullable=False, server_default=""),
        sa.UniqueConstraint("feed", "checksum", name="uq_import_batches_file"),
    )
    op.create_table(
        "doubt_cases",
        sa.Column("doubt_key", sa.String(80), primary_key=True),
        sa.Column("check_id", sa.String(40), nullable=False),
        sa.Column("household_id", sa.Integer, nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("tasks.id")),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_doubt_cases_village", "doubt_cases", ["village_code"])
    op.create_table(
        "doubt_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doubt_key", sa.String(80), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("task_id", sa.Integer),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_doubt_events_key", "doubt_events", ["doubt_key"])
    _append_only("doubt_events")


def upgrade() -> None:
    _accounts()
    _instructions()
    _decisions_and_exports()
    _imports_and_doubts()


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: drop the store instead")
