"""Reminders sent to unions (the coverage heatmap's button): one row per sending.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("union_ids", sa.Text(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("uq_reminders_sender_request_key", "reminders",
                    ["sent_by", "request_key"], unique=True)
    op.create_index("ix_reminders_county_month", "reminders", ["county", "year", "month"])


def downgrade() -> None:
    op.drop_index("ix_reminders_county_month", table_name="reminders")
    op.drop_index("uq_reminders_sender_request_key", table_name="reminders")
    op.drop_table("reminders")
