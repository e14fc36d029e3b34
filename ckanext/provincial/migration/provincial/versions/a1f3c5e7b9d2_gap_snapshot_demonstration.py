"""Gap snapshots say whether they are demonstration data

Revision ID: a1f3c5e7b9d2
Revises: d6a8c0e2f4b6
Create Date: 2026-12-03 06:30:00

The demo (``ckan provincial demo load``) records a year of monthly snapshots
replayed from its own history; ``demonstration`` tells them apart from real
measurements, so the gap page can say so beside the trend. Existing snapshots
are real ones (false).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "a1f3c5e7b9d2"
down_revision = "d6a8c0e2f4b6"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("provincial_gap_snapshot",
                  sa.Column("demonstration", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_column("provincial_gap_snapshot", "demonstration")
