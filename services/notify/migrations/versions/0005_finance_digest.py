"""Finance's daily digest: the days (sent once each) and their figures by county.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=64), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("day"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_table(
        "digest_figures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("granted_count", sa.Integer(), nullable=False),
        sa.Column("granted_fen", sa.BigInteger(), nullable=False),
        sa.Column("declined_count", sa.Integer(), nullable=False),
        sa.Column("cancelled_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["day"], ["digest_days.day"]),
        sa.PrimaryKeyConstraint("day", "county", "subject"),
    )


def downgrade() -> None:
    op.drop_table("digest_figures")
    op.drop_table("digest_days")
