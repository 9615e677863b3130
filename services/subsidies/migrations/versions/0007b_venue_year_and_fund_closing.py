"""One venue subsidy per venue and year (issue 19), and why a fund was closed (issue 18).

A venue's decisions were unique per (venue_id, period): evaluations for 2026-H2, 2026-Q4
and 2026-11 made three grants in one year. They are unique per (venue_id, year) now: a
later evaluation of the year revises that year's decision (the row's period becomes the
latest one's).

A database may already hold several decisions of a venue in one year. Their money has
moved (granted, maybe paid), so no migration may merge them: they are kept as they are,
the newest of them is the one a later evaluation revises, and the unique index then covers
only the decisions made after this revision (a partial index above the highest id of
today). Finance undoes the extra ones with the existing routes (cancel, reversal) if need be.

Revision ID: 0007b
Revises: 0006
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0007b"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)
DUPLICATES = sa.text("SELECT venue_id, year, count(*) AS n FROM subsidies "
                     "WHERE venue_id IS NOT NULL GROUP BY venue_id, year HAVING count(*) > 1")


def upgrade() -> None:
    with op.batch_alter_table("funds") as batch:
        batch.add_column(sa.Column("closed_reason", sa.Text(), nullable=True))
    op.drop_index("uq_subsidies_venue_period", table_name="subsidies")
    connection = op.get_bind()
    duplicates = connection.execute(DUPLICATES).all()
    where = {}
    if duplicates:
        newest = connection.execute(sa.text("SELECT max(id) FROM subsidies")).scalar()
        log.warning("%d venue-years hold several venue decisions (kept as they are; the "
                    "index covers decisions above id %d): %s", len(duplicates), newest,
                    ", ".join("venue %s in %s: %s" % tuple(row) for row in duplicates))
        where = {"sqlite_where": sa.text("id > %d" % newest),
                 "postgresql_where": sa.text("id > %d" % newest)}
    op.create_index("uq_subsidies_venue_year", "subsidies", ["venue_id", "year"], unique=True,
                    **where)


def downgrade() -> None:
    op.drop_index("uq_subsidies_venue_year", table_name="subsidies")
    # a revised year keeps one row, so the old key (venue, period) holds again
    op.create_index("uq_subsidies_venue_period", "subsidies", ["venue_id", "period"],
                    unique=True)
    with op.batch_alter_table("funds") as batch:
        batch.drop_column("closed_reason")
