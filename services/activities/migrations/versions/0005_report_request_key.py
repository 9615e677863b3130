"""A report's Idempotency-Key, unique per union: a retried report finds the first one.

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
    op.add_column("activities", sa.Column("request_key", sa.String(200), nullable=True))
    op.create_index("uq_activities_request_key", "activities", ["union_id", "request_key"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("uq_activities_request_key", table_name="activities")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("request_key")
