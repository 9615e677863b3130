"""Funds: open one with a hard budget, split a city-wide one into county allocations,
its ledger and its reconciliation."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.common.clock import utcnow
from services.common.errors import Conflict, Invalid
from services.common.paging import page
from services.common.schema import load
from services.subsidies import contract, domain, repository
from services.subsidies.entrypoints import rpc
from services.subsidies.models import CITY_WIDE, Fund, FundAllocation, LedgerEntry

CITY_WIDE_ONLY = ("only a city-wide fund is split into county allocations",
                  {"allocations": ["a county's own fund has no allocations"]})


class FundEntrypoints:
    @rpc
    def create_fund(self, payload):
        data = load(contract.FundIn(), payload)
        counties = self.config.counties
        if data["county"] is not None and data["county"] not in counties:
            raise Invalid("unknown county", {"county": ["one of %s" % ", ".join(counties)]})
        if data["county"] is not None and data["allocations"]:
            raise Invalid(*CITY_WIDE_ONLY)
        money = domain.FundMoney(data["budget"])
        errors = money.reallocate(data["allocations"], {}, counties)
        if errors:
            raise Invalid("the county allocations do not fit the fund", errors)
        scope = data["county"] or CITY_WIDE
        with self.db.unit_of_work() as uow:
            session = uow.session
            if repository.open_fund(session, data["year"], data["policy"], scope):
                raise Conflict("an open fund exists for this year, policy and county",
                               {"year": data["year"], "policy": data["policy"],
                                "county": data["county"]})
            fund = Fund(name=data["name"], year=data["year"], policy=data["policy"], scope=scope,
                        status="open", budget_fen=data["budget"],
                        opening_budget_fen=data["budget"], granted_fen=0, paid_fen=0,
                        announced_percent=0, created_at=utcnow())
            session.add(fund)
            try:
                session.flush()
            except IntegrityError:  # a concurrent twin won the unique index
                raise Conflict("an open fund exists for this year, policy and county") from None
            for county, account in money.allocations.items():
                session.add(FundAllocation(fund_id=fund.id, county=county,
                                           budget_fen=account.budget, granted_fen=0,
                                           paid_fen=0))
            session.flush()
            return self._fund_answer(session, fund)

    @rpc
    def get_fund(self, fund_id):
        with self.db.session() as session:
            return self._fund_answer(session, repository.fund(session, fund_id))

    @rpc
    def list_funds(self, filters=None, limit=50, offset=0):
        filters = load(contract.FundFilter(), filters)
        if "county" in filters:
            filters["scope"] = filters.pop("county")
        with self.db.session() as session:
            answer = page(session, select(Fund).filter_by(**filters), Fund.id, _Raw(), limit,
                          offset)
            answer["items"] = contract.FundOut(many=True).dump(
                repository.with_allocations(session, answer["items"]))
            return answer

    @rpc
    def set_allocations(self, fund_id, payload):
        """Replace the county split of a city-wide fund (never below what was granted)."""
        data = load(contract.AllocationsIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund = repository.fund(session, fund_id, lock=True)
            if fund.scope != CITY_WIDE:
                raise Invalid(*CITY_WIDE_ONLY)
            book = repository.FundBook(session, fund)
            errors = book.money.reallocate(data["allocations"],
                                           repository.granted_by_county(session, fund.id),
                                           self.config.counties)
            if errors:
                raise Invalid("the county allocations do not fit the fund", errors)
            book.save()
            return self._fund_answer(session, fund)

    @rpc
    def fund_ledger(self, fund_id, limit=50, offset=0):
        with self.db.session() as session:
            repository.fund(session, fund_id)
            return page(session, select(LedgerEntry).where(LedgerEntry.fund_id == fund_id),
                        LedgerEntry.id, contract.LedgerOut(), limit, offset)

    @rpc
    def reconcile_fund(self, fund_id):
        """Check a fund's figures against its ledger and its decisions, and the invariant."""
        with self.db.session() as session:
            return self._reconcile(session, repository.fund(session, fund_id))

    @rpc
    def reconcile_all(self):
        with self.db.session() as session:
            reports = [self._reconcile(session, fund)
                       for fund in session.scalars(select(Fund).order_by(Fund.id))]
        return {"consistent": all(r["consistent"] for r in reports), "funds": reports}

    # helpers -------------------------------------------------------------------------
    @staticmethod
    def _fund_answer(session, fund):
        return contract.FundOut().dump(repository.with_allocations(session, [fund])[0])

    @staticmethod
    def _reconcile(session, fund):
        report = domain.reconcile(repository.FundBook(session, fund).money,
                                  repository.ledger_of(session, fund.id),
                                  repository.granted_by_county(session, fund.id),
                                  fund.opening_budget_fen)
        return contract.Reconciliation().dump(dict(report, fund_id=fund.id))


class _Raw:
    """A stand-in schema for page(): hands back the rows themselves."""

    @staticmethod
    def dump(rows, many=True):
        return list(rows)
