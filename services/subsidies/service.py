"""Subsidies entrypoints: validate -> domain -> one transaction -> answer."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.common.clock import utcnow
from services.common.consumer import handle_event
from services.common.dependencies import Database, EntrypointMetrics
from services.common.errors import Conflict, Invalid, NotFound, expected_rpc
from services.common.metrics import INBOX_DUPLICATES
from services.common.money import to_yuan
from services.common.ops import OpsEndpoints
from services.common.paging import page
from services.common.schema import load
from services.subsidies import domain
from services.subsidies.models import CITY_WIDE, MESSAGING, Fund, LedgerEntry, Policy, Subsidy
from services.subsidies.schemas import FundFilter, FundIn, FundOut, SubsidyFilter, SubsidyOut

rpc = expected_rpc()


class Service(OpsEndpoints):
    name = "subsidies"
    db = Database(MESSAGING)
    measured = EntrypointMetrics()

    # funds -------------------------------------------------------------------------
    @rpc
    def create_fund(self, payload):
        data = load(FundIn(), payload)
        counties = self.db.provider.container.config["CM"]["counties"]
        if data["county"] is not None and data["county"] not in counties:
            raise Invalid("unknown county", {"county": ["one of %s" % ", ".join(counties)]})
        scope = data["county"] or CITY_WIDE
        with self.db.unit_of_work() as uow:
            if self._open_fund(uow.session, data["year"], data["policy"], scope):
                raise Conflict("an open fund exists for this year, policy and county",
                               {"year": data["year"], "policy": data["policy"],
                                "county": data["county"]})
            fund = Fund(name=data["name"], year=data["year"], policy=data["policy"], scope=scope,
                        status="open", budget_fen=data["budget"], granted_fen=0, paid_fen=0,
                        announced_percent=0, created_at=utcnow())
            uow.session.add(fund)
            try:
                uow.session.flush()
            except IntegrityError:  # a concurrent twin won the unique index
                raise Conflict("an open fund exists for this year, policy and county") from None
            answer = FundOut().dump(fund)
            uow.commit()
        return answer

    @rpc
    def get_fund(self, fund_id):
        with self.db.session() as session:
            fund = session.get(Fund, fund_id)
            if fund is None:
                raise NotFound("fund %s not found" % fund_id)
            return FundOut().dump(fund)

    @rpc
    def list_funds(self, filters=None, limit=50, offset=0):
        filters = load(FundFilter(), filters)
        if "county" in filters:
            filters["scope"] = filters.pop("county")
        return self._page(select(Fund).filter_by(**filters), Fund.id, FundOut(), limit, offset)

    @rpc
    def list_subsidies(self, filters=None, limit=50, offset=0):
        filters = load(SubsidyFilter(), filters)
        return self._page(select(Subsidy).filter_by(**filters), Subsidy.id, SubsidyOut(),
                          limit, offset)

    # decisions ---------------------------------------------------------------------
    @handle_event("activity_approved")
    def on_activity_approved(self, event):
        facts = event["data"]
        with self.db.unit_of_work() as uow:
            if not uow.claim("subsidies.activity_approved", event["event_id"]):
                INBOX_DUPLICATES.labels(self.name, event["event_type"]).inc()
                return
            if uow.session.scalar(select(Subsidy.id).where(
                    Subsidy.activity_id == facts["activity_id"])):
                uow.commit()  # decided under another event id: keep the first decision
                return
            self._decide(uow, event, facts)
            uow.commit()

    def _decide(self, uow, event, facts):
        session = uow.session
        policy = self._policy_for(session, "activity", facts["held_on"])
        inputs = {key: (value.isoformat() if isinstance(value, date) else value)
                  for key, value in facts.items()}
        calc = domain.calculate(policy.document, inputs)
        fund = self._fund_for(session, facts["held_on"].year, facts["county"])
        remaining = None if fund is None else fund.budget_fen - fund.granted_fen
        decision = domain.decide(calc, remaining)
        subsidy = Subsidy(
            activity_id=facts["activity_id"], activity_title=facts["title"],
            union_id=facts["union_id"], county=facts["county"], tier=facts["tier"],
            year=facts["held_on"].year, fund_id=fund.id if fund else None,
            status=decision.status, amount_fen=decision.amount, reason=decision.reason,
            policy_version=policy.version, inputs=inputs, explanation=decision.explanation,
            event_id=event["event_id"], decided_at=utcnow())
        session.add(subsidy)
        session.flush()
        if decision.status == "granted":
            self._reserve(uow, fund, subsidy)
        uow.emit("subsidy_%s" % decision.status, {
            "subsidy_id": subsidy.id, "activity_id": subsidy.activity_id,
            "activity_title": subsidy.activity_title, "union_id": subsidy.union_id,
            "county": subsidy.county, "tier": subsidy.tier, "fund_id": subsidy.fund_id,
            "status": subsidy.status, "amount": to_yuan(subsidy.amount_fen),
            "reason": subsidy.reason, "policy_version": subsidy.policy_version,
            "explanation": subsidy.explanation})

    def _reserve(self, uow, fund, subsidy):
        before = fund.granted_fen
        fund.granted_fen = before + subsidy.amount_fen
        uow.session.add(LedgerEntry(fund_id=fund.id, subsidy_id=subsidy.id, kind="reserve",
                                    amount_fen=subsidy.amount_fen, at=utcnow()))
        for percent in domain.thresholds_crossed(fund.budget_fen, before, fund.granted_fen,
                                                 fund.announced_percent):
            fund.announced_percent = percent
            uow.emit("fund_threshold_reached", {
                "fund_id": fund.id, "name": fund.name, "year": fund.year,
                "threshold_percent": percent, "budget": to_yuan(fund.budget_fen),
                "granted": to_yuan(fund.granted_fen),
                "remaining": to_yuan(fund.budget_fen - fund.granted_fen)})

    # helpers -----------------------------------------------------------------------
    def _policy_for(self, session, kind, held_on):
        policy = session.scalars(
            select(Policy).where(Policy.kind == kind, Policy.effective_from <= held_on)
            .order_by(Policy.version.desc()).limit(1)).first()
        if policy is None:  # approvals older than every version use the first one
            policy = session.scalars(select(Policy).where(Policy.kind == kind)
                                     .order_by(Policy.version).limit(1)).one()
        return policy

    def _fund_for(self, session, year, county):
        """The open fund of the county if there is one, else the city's; locked for update."""
        for scope in (county, CITY_WIDE):
            fund = self._open_fund(session, year, "activity", scope, lock=True)
            if fund is not None:
                return fund
        return None

    @staticmethod
    def _open_fund(session, year, policy, scope, lock=False):
        query = select(Fund).where(Fund.year == year, Fund.policy == policy,
                                   Fund.scope == scope, Fund.status == "open")
        if lock:
            query = query.with_for_update()
        return session.scalars(query).first()

    def _page(self, query, order, schema, limit, offset):
        with self.db.session() as session:
            return page(session, query, order, schema, limit, offset)
