"""Monitoring cases: the identification procedure run in the platform (domain/cases.py).

``monitoring_cases`` holds one row per case with the day of each step; ``case_events``
every change, append-only (refused in the database, as for audit_log in 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
DAYS = (
    "check_date",
    "consent_date",
    "comparison_date",
    "village_review_date",
    "notice_date",
    "notice_end_date",
    "township_review_date",
    "county_decision_date",
)


def _append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` in the database itself (as 0001 does; a
    revision is written out literally and never changes)."""
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


def upgrade() -> None:
    op.create_table(
        "monitoring_cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.Integer, nullable=False),
        sa.Column("household_no", sa.String(20), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("monitoring_id", sa.Integer),
        sa.Column("channel", sa.Integer, nullable=False),
        sa.Column("source_ref", sa.String(100), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("warned_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("last_on", sa.Date, nullable=False),
        *(sa.Column(day, sa.Date) for day in DAYS),
        sa.Column("monitor_type", sa.Integer),
        sa.Column("risks", sa.String(60), nullable=False),
        sa.Column("exclude_reason", sa.Integer),
        sa.Column("decision_note", sa.Text, nullable=False),
        sa.Column("open_household", sa.Integer, unique=True),
        sa.Column("escalated_to", sa.String(12)),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("closed_at", TZ),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_monitoring_cases_village", "monitoring_cases", ["village_code"])
    op.create_index("ix_monitoring_cases_state", "monitoring_cases", ["state"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("monitoring_cases.id"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_region", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20)),
        sa.Column("on_date", sa.Date),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_id"])
    _append_only("case_events")


def downgrade() -> None:
    op.drop_table("case_events")
    op.drop_table("monitoring_cases")
