"""Ship 职工文体活动补助办法 version 1 as data.

Revision ID: 0002
Revises: 0001
"""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic import op

from services.subsidies.domain import DEFAULT_ACTIVITY_POLICY

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

policies = sa.table("policies", sa.column("kind"), sa.column("version"),
                    sa.column("effective_from", sa.Date), sa.column("document", sa.JSON),
                    sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    op.bulk_insert(policies, [{
        "kind": "activity", "version": 1, "effective_from": date(2000, 1, 1),
        "document": DEFAULT_ACTIVITY_POLICY, "created_at": datetime.now(timezone.utc)}])


def downgrade() -> None:
    op.execute(policies.delete().where(policies.c.kind == "activity", policies.c.version == 1))
