"""Gap snapshots keep each requirement's status

Revision ID: c4e8b2a61d37
Revises: 7a1c2e9d4b10
Create Date: 2026-12-03 09:00:00

A requirement's page shows when its gap status changed; the aggregates alone
cannot tell which requirement moved. Snapshots taken before this revision have
an empty map and simply start the history later.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "c4e8b2a61d37"
down_revision = "7a1c2e9d4b10"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "provincial_gap_snapshot",
        sa.Column("statuses", postgresql.JSONB, nullable=False, server_default="{}"),
    )


def downgrade():
    op.drop_column("provincial_gap_snapshot", "statuses")
