from sqlalchemy import (JSON, BigInteger, Date, DateTime, ForeignKey, Index, Integer, String,
                        Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.tables import messaging_tables


class Base(DeclarativeBase):
    pass


MESSAGING = messaging_tables(Base.metadata)
CITY_WIDE = "*"  # the scope of a fund for the whole city


class Fund(Base):
    __tablename__ = "funds"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    policy: Mapped[str] = mapped_column(String(16))          # activity | venue
    scope: Mapped[str] = mapped_column(String(64))           # a county, or CITY_WIDE
    status: Mapped[str] = mapped_column(String(16))          # open | closed
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    granted_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    announced_percent: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    # the budget it opened with: with the ledger's adjustments it gives budget_fen
    opening_budget_fen: Mapped[int] = mapped_column(BigInteger)
    closed_at = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        # One open fund per year, policy and county (or the whole city).
        Index("uq_funds_open_scope", "year", "policy", "scope", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )


class FundAllocation(Base):
    """A county's share of a city-wide fund: grants for that county must fit in it."""
    __tablename__ = "fund_allocations"
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    county: Mapped[str] = mapped_column(String(64))
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    granted_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (UniqueConstraint("fund_id", "county"),)


class Policy(Base):
    __tablename__ = "policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    effective_from = mapped_column(Date, nullable=True)       # None: a draft, never applied
    document: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_at = mapped_column(DateTime(timezone=True), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    __table_args__ = (UniqueConstraint("kind", "version"),)


class Subsidy(Base):
    """One decision per activity, or per venue and year: unique keys are the last line of
    defence."""
    __tablename__ = "subsidies"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16), server_default="activity")  # | venue
    activity_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    activity_title: Mapped[str] = mapped_column(String(200))  # or the venue's name
    union_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    union_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    county: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(16))             # venue subsidies: the venue kind
    year: Mapped[int] = mapped_column(Integer)
    venue_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    period: Mapped[str | None] = mapped_column(String(16), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(16), nullable=True)  # construction | upkeep
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # granted | declined | paid | reversed
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(String(32))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    inputs: Mapped[dict] = mapped_column(JSON)
    explanation: Mapped[list] = mapped_column(JSON)
    event_id: Mapped[str] = mapped_column(String(36))
    approved_on = mapped_column(Date, nullable=True)          # the day the policy was chosen by
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    line_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # payee line
    decided_at = mapped_column(DateTime(timezone=True), nullable=False)
    paid_at = mapped_column(DateTime(timezone=True), nullable=True)
    # a decline for want of money is decided once more at most (after a top-up, a new fund)
    redecided_at = mapped_column(DateTime(timezone=True), nullable=True)
    redecided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    __table_args__ = (
        Index("uq_subsidies_venue_year", "venue_id", "year", unique=True),
        Index("ix_subsidies_year_status", "year", "status"),
    )


class UnionYear(Base):
    """What a union was granted in a year: the row locked while a union cap is checked."""
    __tablename__ = "union_years"
    union_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    granted_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class Batch(Base):
    """A disbursement batch: a fund's granted, unpaid decisions, paid together once."""
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))          # open | paid | cancelled
    count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    paid_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    paid_at = mapped_column(DateTime(timezone=True), nullable=True)
    # its scope, chosen by finance: the fund's decisions of a county, approved between dates
    county: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_from = mapped_column(Date, nullable=True)
    approved_to = mapped_column(Date, nullable=True)


class BatchLine(Base):
    """One transfer of a batch: a payee's decisions summed, with the bank details as they
    were when the batch was made; returned when the bank sends it back."""
    __tablename__ = "batch_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)               # 1, 2, ... in the bank file
    payee_kind: Mapped[str] = mapped_column(String(16))        # union | venue
    payee_id: Mapped[int] = mapped_column(Integer)
    payee_name: Mapped[str] = mapped_column(String(200))       # the union's or venue's name
    account_name: Mapped[str] = mapped_column(String(200))
    bank: Mapped[str] = mapped_column(String(200))
    account_number: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))            # pending | paid | returned
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    returned_at = mapped_column(DateTime(timezone=True), nullable=True)
    returned_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    __table_args__ = (UniqueConstraint("batch_id", "payee_kind", "payee_id"),)


class Payee(Base):
    """Where a union's (or a venue's own) money goes: its bank account, kept by finance."""
    __tablename__ = "payees"
    id: Mapped[int] = mapped_column(primary_key=True)
    payee_kind: Mapped[str] = mapped_column(String(16))        # union | venue
    payee_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    account_name: Mapped[str] = mapped_column(String(200))     # 户名
    bank: Mapped[str] = mapped_column(String(200))             # 开户行（含支行）
    account_number: Mapped[str] = mapped_column(String(40))    # digits, leading zeros kept
    updated_at = mapped_column(DateTime(timezone=True), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("payee_kind", "payee_id"),)


class LedgerEntry(Base):
    """Append-only money movements from which fund figures can be recomputed."""
    __tablename__ = "ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    subsidy_id: Mapped[int | None] = mapped_column(ForeignKey("subsidies.id"))
    kind: Mapped[str] = mapped_column(String(16))            # words.LEDGER_KINDS
    amount_fen: Mapped[int] = mapped_column(BigInteger)      # signed for adjust only
    note: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    county: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)  # who moved it
