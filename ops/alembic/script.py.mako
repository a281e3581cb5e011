"""${message}

Revision ${up_revision}, after ${down_revision | comma,n}, written ${create_date}.
Write the change out literally (tables, columns, data): never import ops.schema here, so
that this revision stays what it is when schema.py changes later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
