"""Monitoring cases go on past the inclusion: the assistance plan (``case_measures``)
and the elimination of the risk (its days, method, assessed income and the county's
override on ``monitoring_cases``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
DAYS = (
    "elim_proposal_date",
    "elim_notice_date",
    "elim_notice_end_date",
    "elim_township_date",
    "eliminate_date",
)


def upgrade() -> None:
    with op.batch_alter_table("monitoring_cases") as t:
        for day in DAYS:
            t.add_column(sa.Column(day, sa.Date))
        t.add_column(sa.Column("elim_method", sa.Integer))
        t.add_column(sa.Column("elim_income", sa.Float))
        t.add_column(sa.Column("override_note", sa.Text, nullable=False, server_default=""))
        t.add_column(sa.Column("override_by", sa.String(64)))
    op.create_table(
        "case_measures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("monitoring_cases.id"), nullable=False),
        sa.Column("household_no", sa.String(20), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("category", sa.Integer, nullable=False),
        sa.Column("department", sa.String(20), nullable=False),
        sa.Column("responsible", sa.String(100), nullable=False),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("planned_on", sa.Date, nullable=False),
        sa.Column("done_on", sa.Date),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_case_measures_case", "case_measures", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_measures_case", table_name="case_measures")
    op.drop_table("case_measures")
    with op.batch_alter_table("monitoring_cases") as t:
        for name in ("override_by", "override_note", "elim_income", "elim_method", *DAYS):
            t.drop_column(name)
