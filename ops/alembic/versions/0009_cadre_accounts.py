"""Cadres' accounts linked to their record in the registry (``cadre_accounts``): the field
pages list the households the cadre is paired with."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cadre_accounts",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("cadre_id", sa.BigInteger, nullable=False),
        sa.Column("linked_by", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cadre_accounts")
