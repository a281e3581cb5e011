"""Change requests (变更申请): ``change_requests`` and their append-only events
(``change_events``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.BigInteger, nullable=False),
        sa.Column("household_no", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("person_key", sa.String(18), nullable=False),
        sa.Column("person_name", sa.String(30), nullable=False),
        sa.Column("values", sa.Text, nullable=False),
        sa.Column("original", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_change_region", "change_requests", ["region_code", "state"])
    op.create_index("ix_change_household", "change_requests", ["household_id"])
    op.create_table(
        "change_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("change_id", sa.Integer, sa.ForeignKey("change_requests.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_change_events_change", "change_events", ["change_id"])


def downgrade() -> None:
    op.drop_index("ix_change_events_change", table_name="change_events")
    op.drop_table("change_events")
    op.drop_index("ix_change_household", table_name="change_requests")
    op.drop_index("ix_change_region", table_name="change_requests")
    op.drop_table("change_requests")
