"""Money controls (issue 18): fund adjustments and closing, payees, batch scope and payee
lines, returned lines and reversals, re-deciding a decline once, who moved each entry.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("funds") as batch:
        batch.add_column(sa.Column("opening_budget_fen", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(64), nullable=True))
    # no fund was ever adjusted before this revision: it opened with its budget
    op.execute("UPDATE funds SET opening_budget_fen = budget_fen")
    with op.batch_alter_table("funds") as batch:
        batch.alter_column("opening_budget_fen", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("ledger") as batch:
        batch.add_column(sa.Column("actor", sa.String(64), nullable=True))
    with op.batch_alter_table("subsidies") as batch:
        batch.add_column(sa.Column("line_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("redecided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("redecided_by", sa.String(64), nullable=True))
        batch.create_index("ix_subsidies_line_id", ["line_id"])
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("county", sa.String(64), nullable=True))
        batch.add_column(sa.Column("approved_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("approved_to", sa.Date(), nullable=True))
    op.create_table(
        "batch_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("payee_kind", sa.String(16), nullable=False),
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column("payee_name", sa.String(200), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("bank", sa.String(200), nullable=False),
        sa.Column("account_number", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("batch_id", "payee_kind", "payee_id"),
    )
    op.create_index("ix_batch_lines_batch_id", "batch_lines", ["batch_id"])
    op.create_table(
        "payees",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("payee_kind", sa.String(16), nullable=False),
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("bank", sa.String(200), nullable=False),
        sa.Column("account_number", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("payee_kind", "payee_id"),
    )


def downgrade() -> None:
    op.drop_table("payees")
    op.drop_index("ix_batch_lines_batch_id", table_name="batch_lines")
    op.drop_table("batch_lines")
    with op.batch_alter_table("batches") as batch:
        for column in ("approved_to", "approved_from", "county"):
            batch.drop_column(column)
    with op.batch_alter_table("subsidies") as batch:
        batch.drop_index("ix_subsidies_line_id")
        for column in ("redecided_by", "redecided_at", "line_id"):
            batch.drop_column(column)
    with op.batch_alter_table("ledger") as batch:
        batch.drop_column("actor")
    with op.batch_alter_table("funds") as batch:
        for column in ("closed_by", "closed_at", "opening_budget_fen"):
            batch.drop_column(column)
