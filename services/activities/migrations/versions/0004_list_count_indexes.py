"""Indexes that let list filters count their matches from the index alone.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_activities_county_season_status", "activities",
                    ["county", "season", "status"])
    op.create_index("ix_activities_status_season", "activities", ["status", "season"])


def downgrade() -> None:
    op.drop_index("ix_activities_status_season", table_name="activities")
    op.drop_index("ix_activities_county_season_status", table_name="activities")
