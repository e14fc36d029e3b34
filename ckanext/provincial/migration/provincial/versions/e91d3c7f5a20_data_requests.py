"""Data requests and their events

Revision ID: e91d3c7f5a20
Revises: c4e8b2a61d37
Create Date: 2026-12-03 10:00:00

What visitors ask the province for (``provincial_datarequest``) and each
comment on and change of a request (``provincial_datarequest_event``).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "e91d3c7f5a20"
down_revision = "c4e8b2a61d37"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "provincial_datarequest",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("purpose", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("province_code", sa.UnicodeText, nullable=False),
        sa.Column("district_code", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("development_issue", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("organization_id", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("status", sa.UnicodeText, nullable=False, server_default="open"),
        sa.Column("requirement_id", sa.UnicodeText,
                  sa.ForeignKey("provincial_requirement.id", ondelete="SET NULL"), nullable=True),
        sa.Column("merged_into", sa.UnicodeText,
                  sa.ForeignKey("provincial_datarequest.id", ondelete="SET NULL"), nullable=True),
        sa.Column("close_reason", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("datasets", postgresql.ARRAY(sa.UnicodeText), nullable=False, server_default="{}"),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime, nullable=True),
    )
    op.create_index("provincial_datarequest_status_idx", "provincial_datarequest", ["status"])
    op.create_index("provincial_datarequest_user_created_idx", "provincial_datarequest", ["user_id", "created"])
    op.create_index("provincial_datarequest_requirement_idx", "provincial_datarequest", ["requirement_id"])
    op.create_table(
        "provincial_datarequest_event",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("datarequest_id", sa.UnicodeText,
                  sa.ForeignKey("provincial_datarequest.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("text", sa.UnicodeText, nullable=False, server_default=""),
        sa.Column("data", postgresql.JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("provincial_datarequest_event_request_idx", "provincial_datarequest_event",
                    ["datarequest_id", "created"])


def downgrade():
    op.drop_table("provincial_datarequest_event")
    op.drop_table("provincial_datarequest")
