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


def venue_purpose(session, venue_id, year):
    """construction for the venue's first subsidy, upkeep once another year was granted one
    (a year's decision, revised or re-decided, keeps the purpose it was decided for)."""
    other = session.scalar(select(func.count()).select_from(Subsidy).where(
        Subsidy.venue_id == venue_id, Subsidy.year != year,
        Subsidy.status.in_(GRANTED_OR_PAID)))
    return "upkeep" if other else "construction"


# payees and batch lines ---------------------------------------------------------------
# (imported here, with the functions that use them: the module's head is shared)
from services.subsidies.models import BatchLine, Payee  # noqa: E402


def in_scope(session, fund_id, scope, lock=False):
    """A fund's granted decisions outside a batch, within scope ({county, approved_from,
    approved_to}, each None for no bound), oldest first; locked for update when asked (the
    caller holds the fund's row first)."""
    query = select(Subsidy).where(Subsidy.fund_id == fund_id, Subsidy.status == "granted",
                                  Subsidy.batch_id.is_(None))
    if scope.get("county") is not None:
        query = query.where(Subsidy.county == scope["county"])
    if scope.get("approved_from") is not None:
        query = query.where(Subsidy.approved_on >= scope["approved_from"])
    if scope.get("approved_to") is not None:
        query = query.where(Subsidy.approved_on <= scope["approved_to"])
    query = query.order_by(Subsidy.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).all()


def payees_of(session, keys):
    """{(kind, id): Payee} of the payees among keys that have bank details."""
    found = {}
    for kind in {kind for kind, _ in keys}:
        ids = sorted({payee_id for k, payee_id in keys if k == kind})
        for start in range(0, len(ids), 500):  # bounded IN lists
            for row in session.scalars(select(Payee).where(
                    Payee.payee_kind == kind, Payee.payee_id.in_(ids[start:start + 500]))):
                found[(row.payee_kind, row.payee_id)] = row
    return found


def payee(session, kind, payee_id):
    found = session.scalars(select(Payee).where(Payee.payee_kind == kind,
                                                Payee.payee_id == payee_id)).first()
    if found is None:
        raise NotFound("no payee for %s %s" % (kind, payee_id))
    return found


def batch_lines(session, batch_id):
    return session.scalars(select(BatchLine).where(BatchLine.batch_id == batch_id)
                           .order_by(BatchLine.number)).all()


def locked_line(session, batch_id, line_id):
    found = session.scalars(select(BatchLine).where(BatchLine.id == line_id,
                                                    BatchLine.batch_id == batch_id)
                            .with_for_update().execution_options(populate_existing=True)).first()
    if found is None:
        raise NotFound("line %s of disbursement batch %s not found" % (line_id, batch_id))
    return found


def in_batch(session, batch_id, lock=False):
    """The decisions a batch holds now, oldest first."""
    query = select(Subsidy).where(Subsidy.batch_id == batch_id).order_by(Subsidy.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).all()


def returned_from(session, batch_id):
    """The decisions whose payment in this batch the bank returned (its ledger's return
    entries): they left the batch, to be batched again."""
    returned = select(LedgerEntry.subsidy_id).where(LedgerEntry.kind == "return",
                                                    LedgerEntry.batch_id == batch_id)
    return session.scalars(select(Subsidy).where(Subsidy.id.in_(returned))
                           .order_by(Subsidy.id)).all()
