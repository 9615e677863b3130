"""Evidence files: uploaded photos and sign-in sheets, their facts (the bytes are in the
blob store).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("captured_on", sa.Date(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("stored_key", sa.String(200), nullable=False),
        sa.Column("stored_size", sa.BigInteger(), nullable=False),
        sa.Column("thumbnail_key", sa.String(200), nullable=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activities.id"), nullable=True),
        sa.Column("detached_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_evidence_files_sha256", "evidence_files", ["sha256"])
    op.create_index("ix_evidence_files_uploaded_by", "evidence_files", ["uploaded_by"])
    op.create_index("ix_evidence_files_activity_id", "evidence_files", ["activity_id"])


def downgrade() -> None:
    op.drop_table("evidence_files")
