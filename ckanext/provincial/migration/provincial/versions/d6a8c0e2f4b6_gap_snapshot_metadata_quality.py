"""Gap snapshots keep the province's metadata quality

Revision ID: d6a8c0e2f4b6
Revises: f2b4d6e8a0c1
Create Date: 2026-12-03 06:00:00

The metadata quality score (mean and per dimension, per agency) is kept with
each snapshot so its trend can be shown beside the gap's. Older snapshots have
none (NULL).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "d6a8c0e2f4b6"
down_revision = "f2b4d6e8a0c1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("provincial_gap_snapshot", sa.Column("quality", postgresql.JSONB, nullable=True))


def downgrade():
    op.drop_column("provincial_gap_snapshot", "quality")
