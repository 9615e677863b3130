"""Decisions: an approved activity or an evaluated venue is a subsidy to decide (the
policy in force on the approval day, against what the fund has: one decision per activity,
one per venue and year); reading and cancelling them. The helpers at the end are shared
with redecide.py (a venue year revised, a decline decided once more)."""
from datetime import date, datetime

from sqlalchemy import bindparam, select

from services.activities import events as activity_events
from services.common.clock import LOCAL, utcnow
from services.common.consumer import handle_event
from services.common.errors import Conflict, NotFound
from services.common.money import to_yuan
from services.common.paging import page
from services.common.schema import load
from services.library import events as library_events
from services.subsidies import contract, domain, events, metrics, queries, repository
from services.subsidies.entrypoints import emit, rpc
from services.subsidies.entrypoints.policies import rules_in_force, union_history
from services.subsidies.models import Fund, Subsidy


class DecisionEntrypoints:
    @rpc
    def list_subsidies(self, filters=None, limit=50, offset=0, fund_must_exist=False):
        """fund_must_exist: an unknown fund_id is a 404 rather than an empty list."""
        filters = load(contract.SubsidyFilter(), filters)
        with self.db.session() as session:
            if fund_must_exist and "fund_id" in filters:
                if session.get(Fund, filters["fund_id"]) is None:
                    raise NotFound("fund %s not found" % filters["fund_id"])
            return page(session, select(Subsidy).filter_by(**filters), Subsidy.id,
                        contract.SubsidyOut(), limit, offset)

    @rpc
    def get_subsidy(self, subsidy_id):
        with self.db.session() as session:
            return contract.SubsidyOut().dump(repository.subsidy(session, subsidy_id))

    @rpc
    def cancel_subsidy(self, subsidy_id, payload, actor):
        """Withdraw a granted, unbatched decision: its money goes back to the fund."""
        data = load(contract.CancelIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            subsidy = repository.subsidy(session, subsidy_id)
            if subsidy.status != "granted":
                raise Conflict("only a granted, unpaid subsidy can be cancelled",
                               {"status": subsidy.status})
            book = repository.FundBook(session, repository.fund(session, subsidy.fund_id,
                                                                lock=True))
            session.refresh(subsidy)  # as it stands under the fund's lock
            if subsidy.status != "granted" or subsidy.batch_id is not None:
                raise Conflict("the subsidy is in a disbursement batch or no longer granted",
                               {"status": subsidy.status, "batch_id": subsidy.batch_id})
            union_year = (book.union_year(subsidy.union_id, subsidy.year)
                          if subsidy.subject == "activity" else None)
            amount = subsidy.amount_fen
            book.money.release(subsidy.id, subsidy.county, amount, union_year,
                               note="%s 撤销：%s" % (actor, data["reason"]))
            book.save()
            subsidy.status, subsidy.reason, subsidy.amount_fen = "declined", "cancelled", 0
            subsidy.explanation = list(subsidy.explanation) + [
                "已撤销原核定补助 %s 元（%s）：%s" % (to_yuan(amount), actor, data["reason"])]
            emit(uow, events.decided(subsidy))
            answer = contract.SubsidyOut().dump(subsidy)
        metrics.count_decision("cancelled", subsidy.county)
        return answer

    @handle_event(activity_events.APPROVED)
    def on_activity_approved(self, event):
        facts = event["data"]
        with self.db.unit_of_work() as uow:  # claims the event (a duplicate raises)
            if uow.session.scalar(queries.DECISION_OF_ACTIVITY,
                                  {"activity_id": facts["activity_id"]}):
                return  # decided under another event id: keep the first decision
            subsidy = self._decide_activity(uow, event, facts)
        _count(subsidy)

    @handle_event(library_events.VENUE_EVALUATED)
    def on_venue_evaluated(self, event):
        facts = event["data"]
        with self.db.unit_of_work() as uow:  # claims the event (a duplicate raises)
            subsidy = self._decide_venue(uow, event, facts)
        _count(subsidy)

    # helpers -------------------------------------------------------------------------
    def _decide_activity(self, uow, event, facts):
        session = uow.session
        approved_on = local_date(event["occurred_at"])
        policy = rules_in_force(session, "activity", approved_on)
        year = facts["held_on"].year
        fund = repository.fund_for(session, year, facts["county"], "activity")  # locked first
        book = repository.FundBook(session, fund) if fund is not None else None
        if book is not None:  # the union's row of the year, locked after the fund's
            union_year = book.union_year(facts["union_id"], year)
            used = union_year.granted
        else:
            union_year = None
            used = repository.lock_union_year(session, facts["union_id"], year).granted_fen
        inputs = jsonable(facts)
        inputs["union_granted_before"] = to_yuan(used)
        inputs["approved_on"] = approved_on.isoformat()
        inputs.update(union_history(session, facts["union_id"]))  # a first-time bonus's fact
        calc = domain.calculate(policy.document, dict(inputs, union_granted_fen=used))
        subsidy = Subsidy(
            subject="activity", activity_id=facts["activity_id"], activity_title=facts["title"],
            union_id=facts["union_id"], union_name=facts.get("union_name"),
            county=facts["county"], tier=facts["tier"], year=year)
        return self._record(uow, book, subsidy, calc, policy, inputs, event, approved_on,
                            union_year)

    def _decide_venue(self, uow, event, facts):
        """One decision per venue and year: the first evaluation of the year decides it, a
        later one revises it (redecide.revise_venue_year), one seen before changes nothing."""
        period = facts["period"]
        year = facts.get("year") or domain.year_of_period(period)
        if year is None:
            raise ValueError("venue_evaluated %s: no year in period %r" % (
                event["event_id"], period))
        current = uow.session.scalars(VENUE_YEAR, {"venue_id": facts["venue_id"],
                                                   "year": year}).first()
        if current is None:
            return self._decide_new_venue(uow, event, facts, year)
        if (facts["evaluation_id"] in evaluations_behind(current)
                or not later_than(event, current)):
            return None  # this evaluation, or a later one, decided the year already
        # imported here: redecide builds on this module's helpers
        from services.subsidies.entrypoints.redecide import revise_venue_year
        return revise_venue_year(uow, event, facts, current)

    def _decide_new_venue(self, uow, event, facts, year):
        session = uow.session
        approved_on = local_date(event["occurred_at"])
        policy = rules_in_force(session, "venue", approved_on)
        purpose = venue_purpose(session, facts["venue_id"], year)
        inputs = venue_inputs(facts, event, purpose, approved_on, year)
        calc = domain.calculate(policy.document, inputs)  # below the threshold: declined
        fund = repository.fund_for(session, year, facts["county"], "venue")
        book = repository.FundBook(session, fund) if fund is not None else None
        subsidy = Subsidy(
            subject="venue", activity_id=None, activity_title=facts["name"],
            union_id=facts.get("host_union_id"), union_name=None, county=facts["county"],
            tier="venue", year=year, venue_id=facts["venue_id"], period=facts["period"],
            purpose=purpose)
        return self._record(uow, book, subsidy, calc, policy, inputs, event, approved_on)

    @staticmethod
    def _record(uow, book, subsidy, calc, policy, inputs, event, approved_on, union_year=None):
        """Decide against the fund, store the decision, reserve its money, emit."""
        money = book.money if book is not None else None
        decision = decide_against(calc, money, subsidy.county, policy.document)
        subsidy.fund_id = book.fund.id if book is not None else None
        subsidy.status, subsidy.amount_fen = decision.status, decision.amount
        subsidy.reason, subsidy.policy_version = decision.reason, policy.version
        subsidy.inputs, subsidy.explanation = inputs, decision.explanation
        subsidy.event_id, subsidy.approved_on = event["event_id"], approved_on
        subsidy.decided_at = utcnow()
        uow.session.add(subsidy)
        uow.session.flush()
        settle(uow, book, subsidy, union_year)
        return subsidy


# shared by the decisions, the venue years' revisions and the re-decisions -----------------
VENUE_YEAR = (select(Subsidy).where(Subsidy.venue_id == bindparam("venue_id"),
                                    Subsidy.year == bindparam("year"))
              .order_by(Subsidy.id.desc()).limit(1))  # the newest (see migration 0007b)


def decide_against(calc, money, county, document):
    """domain.decide against a fund's money (None: no open fund), as the document says
    the last one that does not fit is decided."""
    return domain.decide(calc, None if money is None else money.remaining,
                         None if money is None else money.room(county),
                         document.get("when_budget_short", "none"))


def settle(uow, book, subsidy, union_year=None):
    """A decided row's money and event: a grant is reserved (and the thresholds it crosses
    announced); every outcome goes out as a decision event."""
    if subsidy.status == "granted":
        reserve(uow, book, subsidy, subsidy.amount_fen, union_year)
    emit(uow, events.decided(subsidy))


def reserve(uow, book, subsidy, amount, union_year=None):
    money = book.money
    crossed = money.reserve(subsidy.id, subsidy.county, amount, union_year)
    book.save()
    for percent in crossed:
        emit(uow, (events.FUND_THRESHOLD_REACHED, events.threshold(
            book.fund, percent, money.fund.budget, money.fund.granted)))


def venue_purpose(session, venue_id, year):
    return repository.venue_purpose(session, venue_id, year)


def venue_inputs(facts, event, purpose, approved_on, year):
    inputs = jsonable(facts)
    inputs.update(purpose=purpose, approved_on=approved_on.isoformat(), year=year,
                  evaluated_at=event["occurred_at"])
    return inputs


def evaluations_behind(subsidy):
    """The evaluation ids a venue year's decision has seen (applied or not)."""
    inputs = subsidy.inputs or {}
    seen = {inputs.get("evaluation_id")}
    seen.update(item.get("evaluation_id") for item in inputs.get("revisions", ()))
    return seen


def later_than(event, subsidy):
    """Is the event's evaluation later than the one the decision stands on? (A delivery
    that comes late does not undo a newer evaluation.)"""
    before = (subsidy.inputs or {}).get("evaluated_at")
    return before is None or _moment(event["occurred_at"]) > _moment(before)


def _moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _count(subsidy):
    if subsidy is not None and subsidy.status in ("granted", "declined"):
        metrics.count_decision(subsidy.status, subsidy.county)


def jsonable(facts):
    return {key: (value.isoformat() if isinstance(value, date) else value)
            for key, value in facts.items()}


def local_date(occurred_at):
    """The day, in Asia/Shanghai, of an envelope's UTC timestamp."""
    return _moment(occurred_at).astimezone(LOCAL).date()

