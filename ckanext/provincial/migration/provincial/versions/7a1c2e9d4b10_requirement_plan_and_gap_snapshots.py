"""Requirement plan (TO BE) and gap snapshots

Revision ID: 7a1c2e9d4b10
Revises:
Create Date: 2025-01-15 09:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "7a1c2e9d4b10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "provincial_requirement",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("province_code", sa.UnicodeText, nullable=False),
        sa.Column("code", sa.UnicodeText, nullable=False),
        sa.Column("title_th", sa.UnicodeText, nullable=False),
        sa.Column("title_en", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("development_issue", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("sub_issue", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("agency", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("purpose", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("indicator", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("update_frequency_unit", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("update_frequency_interval", sa.Integer, nullable=False, server_default="1"),
        sa.Column("geo_level", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("priority", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("pmqa", postgresql.ARRAY(sa.UnicodeText), nullable=False, server_default="{}"),
        sa.Column("source_plan", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
    )
    # A code is unique within its province, whatever its letter case.
    op.create_index(
        "provincial_requirement_province_code_key",
        "provincial_requirement",
        ["province_code", sa.text("lower(code)")],
        unique=True,
    )
    op.create_index("provincial_requirement_agency_idx", "provincial_requirement", ["agency"])

    op.create_table(
        "provincial_gap_snapshot",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.Column("province_code", sa.UnicodeText, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("coverage", sa.Float, nullable=False),
        sa.Column("readiness", sa.Float, nullable=False),
        sa.Column("counts", postgresql.JSONB, nullable=False),
        sa.Column("by_development_issue", postgresql.JSONB, nullable=False),
    )
    op.create_index(
        "provincial_gap_snapshot_province_taken_idx", "provincial_gap_snapshot", ["province_code", "taken_at"]
    )


def downgrade():
    op.drop_table("provincial_gap_snapshot")
    op.drop_table("provincial_requirement")
