"""Households' feedback (贫困户反馈): tickets (``feedback_tickets``), their append-only
events (``feedback_events``), and the public form's requests for its rate limits
(``public_hits``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.BigInteger, nullable=False),
        sa.Column("household_no", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("channel", sa.Integer, nullable=False),
        sa.Column("type", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("contact", sa.String(40), nullable=False),
        sa.Column("source_ref", sa.String(100), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("satisfaction", sa.Integer),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_region", "feedback_tickets", ["region_code"])
    op.create_index("ix_feedback_household", "feedback_tickets", ["household_id"])
    op.create_index(
        "ix_feedback_source",
        "feedback_tickets",
        ["source_ref"],
        unique=True,
        sqlite_where=sa.text("source_ref <> ''"),
        postgresql_where=sa.text("source_ref <> ''"),
    )
    op.create_table(
        "feedback_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("feedback_tickets.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_feedback_events_ticket", "feedback_events", ["ticket_id"])
    op.create_table(
        "public_hits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_public_hits_ip", "public_hits", ["ip", "at"])
    op.create_index("ix_public_hits_code", "public_hits", ["code_hash", "at"])


def downgrade() -> None:
    op.drop_index("ix_public_hits_code", table_name="public_hits")
    op.drop_index("ix_public_hits_ip", table_name="public_hits")
    op.drop_table("public_hits")
    op.drop_index("ix_feedback_events_ticket", table_name="feedback_events")
    op.drop_table("feedback_events")
    op.drop_index("ix_feedback_source", table_name="feedback_tickets")
    op.drop_index("ix_feedback_household", table_name="feedback_tickets")
    op.drop_index("ix_feedback_region", table_name="feedback_tickets")
    op.drop_table("feedback_tickets")
