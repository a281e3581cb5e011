"""Field work on phones (/m): cadres' visits (``visits``) with their photos
(``visit_files``), and the idempotency keys of what phones sent (``field_submissions``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.BigInteger, nullable=False),
        sa.Column("household_no", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_visits_household", "visits", ["household_id", "visited_on"])
    op.create_index("ix_visits_region", "visits", ["region_code", "household_id", "visited_on"])
    op.create_table(
        "visit_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("mime", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_visit_files_visit", "visit_files", ["visit_id"])
    op.create_table(
        "field_submissions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("field_submissions")
    op.drop_index("ix_visit_files_visit", table_name="visit_files")
    op.drop_table("visit_files")
    op.drop_index("ix_visits_region", table_name="visits")
    op.drop_index("ix_visits_household", table_name="visits")
    op.drop_table("visits")
