"""Statements every decision runs, built once: building one (and its cache key) costs
more than running it, and a decision runs a dozen of them."""
from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.subsidies.models import (Fund, FundAllocation, LedgerEntry, Policy, Subsidy,
                                       UnionYear)

DECISION_OF_ACTIVITY = select(Subsidy.id).where(Subsidy.activity_id == bindparam("activity_id"))
POLICY_VERSIONS = (select(Policy.version, Policy.effective_from)
                   .where(Policy.kind == bindparam("kind")))
# Every version of a kind with its rules, for a decision: one query, no ORM objects.
RULES = (select(Policy.version, Policy.effective_from, Policy.document)
         .where(Policy.kind == bindparam("kind")))
INSERT_LEDGER = insert(LedgerEntry.__table__)
POLICY = select(Policy).where(Policy.kind == bindparam("kind"),
                              Policy.version == bindparam("version"))
POLICY_LOCKED = POLICY.with_for_update()
OPEN_FUND = select(Fund).where(Fund.year == bindparam("year"), Fund.policy == bindparam("policy"),
                               Fund.scope == bindparam("scope"), Fund.status == "open")
OPEN_FUND_LOCKED = OPEN_FUND.with_for_update()
UNION_YEAR_LOCKED = (select(UnionYear)
                     .where(UnionYear.union_id == bindparam("union_id"),
                            UnionYear.year == bindparam("year"))
                     .with_for_update().execution_options(populate_existing=True))
ALLOCATIONS = select(FundAllocation).where(FundAllocation.fund_id == bindparam("fund_id"))
ALLOCATION = select(FundAllocation).where(FundAllocation.fund_id == bindparam("fund_id"),
                                          FundAllocation.county == bindparam("county"))
_UNION_YEAR_ROWS = {
    "postgresql": pg_insert(UnionYear.__table__).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(UnionYear.__table__).on_conflict_do_nothing(),
}


def union_year_row(dialect):
    """INSERT of a union's row of the year that does nothing when it is there already."""
    return _UNION_YEAR_ROWS[dialect]
