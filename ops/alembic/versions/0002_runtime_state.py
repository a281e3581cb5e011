"""Runtime state: values the app changes while it runs (the wall's playlist first), kept
in the store instead of in tracked files. One row per key; the value is JSON text.

The playlist's row is written on first use from config/wall.yaml (services/wall.py),
not here: a revision does not depend on a file that may change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runtime_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("runtime_state")
