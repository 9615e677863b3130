"""Funds: open one with a hard budget, split a city-wide one into county allocations,
adjust its budget (with a reason, never below what is granted), close it (nothing more is
drawn from it; what is granted is still paid), its ledger and its reconciliation."""
from sqlalchemy import column, select, table, update
from sqlalchemy.exc import IntegrityError

from services.common.clock import iso, utcnow
from services.common.errors import Conflict, Invalid
from services.common.money import to_yuan
from services.common.paging import page
from services.common.schema import load
from services.subsidies import contract, domain, events, repository
from services.subsidies.entrypoints import emit, rpc
from services.subsidies.models import CITY_WIDE, Fund, FundAllocation, LedgerEntry

# funds.closed_reason (migration 0007b) is not mapped by models.Fund: it is written and read
# through this two-column view of the table.
FUND_CLOSING = table("funds", column("id"), column("closed_reason"))

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
            return fund_answer(session, fund)

    @rpc
    def get_fund(self, fund_id):
        with self.db.session() as session:
            return fund_answer(session, repository.fund(session, fund_id))

    @rpc
    def list_funds(self, filters=None, limit=50, offset=0):
        filters = load(contract.FundFilter(), filters)
        if "county" in filters:
            filters["scope"] = filters.pop("county")
        with self.db.session() as session:
            answer = page(session, select(Fund).filter_by(**filters), Fund.id, _Raw(), limit,
                          offset)
            answer["items"] = contract.FundOut(many=True).dump(
                _with_close_reasons(session, repository.with_allocations(session,
                                                                         answer["items"])))
            return answer

    @rpc
    def set_allocations(self, fund_id, payload):
        """Replace the county split of a city-wide fund (never below what was granted)."""
        data = load(contract.AllocationsIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund = repository.fund(session, fund_id, lock=True)
            _require_open(fund, "a closed fund's allocations are not changed")
            if fund.scope != CITY_WIDE:
                raise Invalid(*CITY_WIDE_ONLY)
            book = repository.FundBook(session, fund)
            errors = book.money.reallocate(data["allocations"],
                                           repository.granted_by_county(session, fund.id),
                                           self.config.counties)
            if errors:
                raise Invalid("the county allocations do not fit the fund", errors)
            book.save()
            return fund_answer(session, fund)

    @rpc
    def adjust_fund(self, fund_id, payload, actor):
        """Raise or lower an open fund's budget by a signed amount, with its reason: one
        signed adjust entry in the ledger; never below what is granted (nor below the
        county allocations)."""
        data = load(contract.AdjustmentIn(), payload)
        reason = data["reason"].strip()
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund = repository.fund(session, fund_id, lock=True)
            _require_open(fund, "a closed fund's budget is not adjusted")
            book = repository.FundBook(session, fund)
            money = book.money
            before, after = money.fund.budget, money.fund.budget + data["amount"]
            if after < money.fund.granted:
                raise Conflict("the budget would fall below what is granted", {
                    "amount": ["at least %s" % to_yuan(money.fund.granted - before)],
                    "budget": to_yuan(after), "granted": to_yuan(money.fund.granted)})
            try:
                money.adjust(data["amount"], reason, actor)
            except domain.MoneyError:
                raise Conflict("the budget would fall below the county allocations or what "
                               "the counties without one are granted", {
                                   "budget": to_yuan(after), "allocations": [
                                       "lower them first (PUT /api/v1/funds/%d/allocations)"
                                       % fund.id]}) from None
            money.announced_percent, crossed = _thresholds_after_adjusting(
                money.announced_percent, money.fund.budget, money.fund.granted)
            book.save()
            for percent in crossed:  # lowered past 80 % or 100 %: said at once, as a grant's
                emit(uow, (events.FUND_THRESHOLD_REACHED, events.threshold(
                    fund, percent, money.fund.budget, money.fund.granted)))
            entry = session.scalars(select(LedgerEntry).where(
                LedgerEntry.fund_id == fund.id, LedgerEntry.kind == "adjust")
                .order_by(LedgerEntry.id.desc()).limit(1)).one()  # ours: the fund is locked
            answer = _adjustment(entry, before)
            answer["fund"] = dumpable(session, fund)
            return contract.AdjustmentCreated().dump(answer)

    @rpc
    def list_adjustments(self, fund_id, limit=50, offset=0):
        """A fund's adjustments, oldest first, each with the budget before and after it."""
        with self.db.session() as session:
            fund = repository.fund(session, fund_id)
            entries = session.scalars(select(LedgerEntry).where(
                LedgerEntry.fund_id == fund.id, LedgerEntry.kind == "adjust")
                .order_by(LedgerEntry.id)).all()
        items, budget = [], fund.opening_budget_fen
        for entry in entries:
            items.append(_adjustment(entry, budget))
            budget += entry.amount_fen
        offset = max(0, int(offset))
        shown = items[offset:offset + max(1, min(int(limit), 500))]
        return contract.AdjustmentList().dump({"items": shown, "total": len(items)})

    @rpc
    def close_fund(self, fund_id, payload, actor):
        """Nothing more is drawn from a closed fund (decisions look for an open one, and a
        new fund may open for its year, policy and county); its granted decisions are
        still batched and paid, and a cancellation still gives money back to it."""
        data = load(contract.FundCloseIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund = repository.fund(session, fund_id, lock=True)
            _require_open(fund, "this fund is closed already")
            fund.status, fund.closed_at, fund.closed_by = "closed", utcnow(), actor
            session.flush()
            session.execute(update(FUND_CLOSING).where(FUND_CLOSING.c.id == fund.id).values(
                closed_reason=data["reason"].strip() if data["reason"] else None))
            return fund_answer(session, fund)

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
    def _reconcile(session, fund):
        report = domain.reconcile(repository.FundBook(session, fund).money,
                                  repository.ledger_of(session, fund.id),
                                  repository.granted_by_county(session, fund.id),
                                  fund.opening_budget_fen)
        return contract.Reconciliation().dump(dict(report, fund_id=fund.id))


def fund_answer(session, fund):
    """A fund as contract.FundOut."""
    return contract.FundOut().dump(dumpable(session, fund))


def dumpable(session, fund):
    """The fund with what contract.FundOut also shows: its allocations, why it was closed."""
    return _with_close_reasons(session, repository.with_allocations(session, [fund]))[0]


def _with_close_reasons(session, funds):
    reasons = dict(session.execute(select(FUND_CLOSING.c.id, FUND_CLOSING.c.closed_reason)
                                   .where(FUND_CLOSING.c.id.in_([f.id for f in funds]))).all())
    for one in funds:
        one.closed_reason = reasons.get(one.id)
    return funds


def _require_open(fund, message):
    if fund.status != "open":
        raise Conflict(message, {"status": fund.status, "closed_at": iso(fund.closed_at),
                                 "closed_by": fund.closed_by})


def _adjustment(entry, budget_before):
    """An adjust ledger entry as contract.AdjustmentOut (fen inside)."""
    return {"id": entry.id, "fund_id": entry.fund_id, "amount": entry.amount_fen,
            "reason": entry.note, "actor": entry.actor, "at": entry.at,
            "budget_before": budget_before, "budget_after": budget_before + entry.amount_fen}


def _thresholds_after_adjusting(announced, budget, granted):
    """(announced percent, thresholds to announce now) after the budget changed: a top-up
    lets the thresholds it took the fund back under be announced again when grants reach
    them; a cut that takes the fund past one announces it now."""
    reached = [t for t in domain.THRESHOLDS if budget > 0 and granted * 100 >= t * budget]
    return max(reached, default=0), [t for t in reached if t > announced]


class _Raw:
    """A stand-in schema for page(): hands back the rows themselves."""

    @staticmethod
    def dump(rows, many=True):
        return list(rows)
