"""A report's Idempotency-Key belongs to its reporter, with a fingerprint of the body.

The key was unique per union: a second user's report with a key that another user had
used found the first user's activity and was dropped. Now it is unique per reporter
(`reported_by`, the acting user), and `request_fingerprint` (sha256 of the body) tells
a retry (same body: the first answer) from a reuse (another body: 422).

Rows of one reporter that share a key (reported for different unions) keep it on the
oldest only: the others were reports of their own, and stay so. Rows stored before this
revision have no fingerprint; a retry of such a key finds its report as before.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ACTIVITIES = sa.table("activities", sa.column("id", sa.Integer),
                      sa.column("union_id", sa.Integer),
                      sa.column("reported_by", sa.String),
                      sa.column("request_key", sa.String))


def _keep_oldest_key(*scope):
    """Clear the key of every row but the oldest among those sharing it in `scope`."""
    b = ACTIVITIES.alias("b")
    older = (sa.select(b.c.id).where(b.c.request_key == ACTIVITIES.c.request_key,
                                     b.c.id < ACTIVITIES.c.id,
                                     *[b.c[name] == ACTIVITIES.c[name] for name in scope])
             .exists())
    op.execute(ACTIVITIES.update().where(ACTIVITIES.c.request_key.is_not(None), older)
               .values(request_key=None))


def upgrade() -> None:
    op.add_column("activities", sa.Column("request_fingerprint", sa.String(64), nullable=True))
    op.drop_index("uq_activities_request_key", table_name="activities")
    _keep_oldest_key("reported_by")
    op.create_index("uq_activities_reporter_request_key", "activities",
                    ["reported_by", "request_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_activities_reporter_request_key", table_name="activities")
    _keep_oldest_key("union_id")
    op.create_index("uq_activities_request_key", "activities", ["union_id", "request_key"],
                    unique=True)
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("request_fingerprint")
