from sqlalchemy import (JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text,
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
    budget_fen: Mapped[int] = mapped_column(Integer)
    granted_fen: Mapped[int] = mapped_column(Integer, default=0)
    paid_fen: Mapped[int] = mapped_column(Integer, default=0)
    announced_percent: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        # One open fund per year, policy and county (or the whole city).
        Index("uq_funds_open_scope", "year", "policy", "scope", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )


class Policy(Base):
    __tablename__ = "policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    effective_from = mapped_column(Date, nullable=False)
    document: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (UniqueConstraint("kind", "version"),)


class Subsidy(Base):
    """One decision per activity: the unique key is the last line of defence."""
    __tablename__ = "subsidies"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, unique=True)
    activity_title: Mapped[str] = mapped_column(String(200))
    union_id: Mapped[int] = mapped_column(Integer, index=True)
    county: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))          # granted | declined | paid
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(32))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    inputs: Mapped[dict] = mapped_column(JSON)
    explanation: Mapped[list] = mapped_column(JSON)
    event_id: Mapped[str] = mapped_column(String(36))
    decided_at = mapped_column(DateTime(timezone=True), nullable=False)
    paid_at = mapped_column(DateTime(timezone=True), nullable=True)


class LedgerEntry(Base):
    """Append-only money movements from which fund figures can be recomputed."""
    __tablename__ = "ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    subsidy_id: Mapped[int | None] = mapped_column(ForeignKey("subsidies.id"))
    kind: Mapped[str] = mapped_column(String(16))            # reserve | release | pay
    amount_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    at = mapped_column(DateTime(timezone=True), nullable=False)
