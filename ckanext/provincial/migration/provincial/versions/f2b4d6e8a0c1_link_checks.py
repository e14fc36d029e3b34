"""Link checks: the last check of every resource that is a link

Revision ID: f2b4d6e8a0c1
Revises: e91d3c7f5a20
Create Date: 2026-12-03 06:00:00

One row per resource URL the link checker has tried. ``failures`` counts the
checks in a row that found the link broken; two make the dataset incomplete.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "f2b4d6e8a0c1"
down_revision = "e91d3c7f5a20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "provincial_link_check",
        sa.Column("resource_id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("url", sa.UnicodeText, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("content_type", sa.UnicodeText, nullable=True),
        sa.Column("size", sa.BigInteger, nullable=True),
        sa.Column("error", sa.UnicodeText, nullable=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.Column("broken_since", sa.DateTime, nullable=True),
        sa.Column("last_ok_at", sa.DateTime, nullable=True),
    )
    op.create_index("provincial_link_check_package_idx", "provincial_link_check", ["package_id"])


def downgrade():
    op.drop_index("provincial_link_check_package_idx", table_name="provincial_link_check")
    op.drop_table("provincial_link_check")
