"""Reading and locking rows for the entrypoints, and the rows behind the money aggregate.

Lock order, everywhere: the fund's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite takes
its write lock at BEGIN), then the union's row of the year, so that several replicas
never overspend a budget nor break a union cap.
"""
from sqlalchemy import func, select

from services.common.clock import utcnow
from services.common.errors import NotFound
from services.subsidies import queries
from services.subsidies.domain import Account, FundMoney
from services.subsidies.models import (CITY_WIDE, Batch, Fund, FundAllocation, LedgerEntry,
                                       Subsidy)

GRANTED_OR_PAID = ("granted", "paid")


class FundBook:
    """A fund's money (domain.FundMoney) and the rows it came from: the fund (locked by
    the caller), its allocations and the unions' years it touched; save() writes the
    figures back and appends the aggregate's ledger entries."""

    def __init__(self, session, fund):
        self.session, self.fund = session, fund
        self._rows = {a.county: a for a in session.scalars(queries.ALLOCATIONS,
                                                           {"fund_id": fund.id})}
        self.money = FundMoney(fund.budget_fen, fund.granted_fen, fund.paid_fen,
                               fund.announced_percent,
                               {c: Account(a.budget_fen, a.granted_fen, a.paid_fen)
                                for c, a in self._rows.items()})
        self._unions = []

    def union_year(self, union_id, year):
        """The union's year as an Account (its row locked, after the fund's); None for a
        decision without a union (venues)."""
        if union_id is None:
            return None
        row = lock_union_year(self.session, union_id, year)
        account = Account(None, row.granted_fen)
        self._unions.append((row, account))
        return account

    def save(self):
        fund, money = self.fund, self.money
        fund.budget_fen, fund.granted_fen, fund.paid_fen = (
            money.fund.budget, money.fund.granted, money.fund.paid)
        fund.announced_percent = money.announced_percent
        for county in set(self._rows) - set(money.allocations):
            self.session.delete(self._rows.pop(county))
        self.session.flush()
        for county, account in money.allocations.items():
            row = self._rows.get(county)
            if row is None:
                row = self._rows[county] = FundAllocation(fund_id=fund.id, county=county)
                self.session.add(row)
            row.budget_fen, row.granted_fen, row.paid_fen = (
                account.budget, account.granted, account.paid)
        for row, account in self._unions:
            row.granted_fen = account.granted
        if money.entries:
            now = utcnow()
            self.session.connection().execute(queries.INSERT_LEDGER, [
                {"fund_id": fund.id, "subsidy_id": e.subsidy_id, "kind": e.kind,
                 "amount_fen": e.amount, "note": e.note, "batch_id": e.batch_id,
                 "county": e.county, "at": now, "actor": e.actor} for e in money.entries])
            money.entries.clear()
        self.session.flush()


def fund(session, fund_id, lock=False):
    query = select(Fund).where(Fund.id == fund_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = session.scalars(query).first()
    if found is None:
        raise NotFound("fund %s not found" % fund_id)
    return found


def with_allocations(session, funds):
    """Funds with their allocation rows (by county) attached, for contract.FundOut."""
    for one in funds:
        one.allocation_rows = session.scalars(select(FundAllocation).where(
            FundAllocation.fund_id == one.id).order_by(FundAllocation.county)).all()
    return funds


def open_fund(session, year, policy, scope, lock=False):
    return session.scalars(queries.OPEN_FUND_LOCKED if lock else queries.OPEN_FUND,
                           {"year": year, "policy": policy, "scope": scope}).first()


def fund_for(session, year, county, policy):
    """The open fund of the county if there is one, else the city's; locked for update."""
    for scope in (county, CITY_WIDE):
        found = open_fund(session, year, policy, scope, lock=True)
        if found is not None:
            return found
    return None


def lock_union_year(session, union_id, year):
    """The union's row of the year (made if need be), locked."""
    conn = session.connection()
    conn.execute(queries.union_year_row(conn.dialect.name),
                 {"union_id": union_id, "year": year, "granted_fen": 0})
    return session.scalars(queries.UNION_YEAR_LOCKED,
                           {"union_id": union_id, "year": year}).one()


def subsidy(session, subsidy_id):
    found = session.get(Subsidy, subsidy_id)
    if found is None:
        raise NotFound("subsidy %s not found" % subsidy_id)
    return found


def batch(session, batch_id):
    found = session.get(Batch, batch_id)
    if found is None:
        raise NotFound("disbursement batch %s not found" % batch_id)
    return found


def locked_batch(session, batch_id):
    return session.scalars(select(Batch).where(Batch.id == batch_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def granted_by_county(session, fund_id):
    """{county: (granted, paid)} fen of a fund's granted and paid decisions."""
    rows = session.execute(
        select(Subsidy.county, Subsidy.status, func.sum(Subsidy.amount_fen))
        .where(Subsidy.fund_id == fund_id, Subsidy.status.in_(GRANTED_OR_PAID))
        .group_by(Subsidy.county, Subsidy.status)).all()
    figures = {}
    for county, status, amount in rows:
        granted, paid = figures.get(county, (0, 0))
        figures[county] = (granted + amount, paid + (amount if status == "paid" else 0))
    return figures


def ledger_of(session, fund_id):
    """(kind, amount, county) of every ledger entry of a fund."""
    return session.execute(select(LedgerEntry.kind, LedgerEntry.amount_fen, LedgerEntry.county)
                           .where(LedgerEntry.fund_id == fund_id)).all()


def venue_purpose(session, venue_id):
    """construction for a venue's first subsidy, upkeep after."""
    before = session.scalar(select(func.count()).select_from(Subsidy).where(
        Subsidy.venue_id == venue_id, Subsidy.status.in_(GRANTED_OR_PAID)))
    return "upkeep" if before else "construction"

