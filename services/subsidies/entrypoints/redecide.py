"""Deciding again: a decline for want of money decided once more (finance's call), and a
venue's year revised by a later evaluation.

Re-deciding (`redecide`): the declines `budget_exhausted` and `no_fund` of a fund's year,
policy and scope that were never re-decided are decided once more, in approval order
(approved_on, then id), each under the policy version in force on its approval date,
with the union's year as it stands now, against the fund as it stands now. Each is a
unit of work of its own (the fund's row locked, then the union's year, then the decline
claimed by a conditional UPDATE, so that two calls or two replicas never re-decide one
twice), so a long run never holds the fund's lock. A call re-decides at most `limit`
(REDECIDE_MAX), starts no unit after a share of the RPC timeout and waits for a lock no
longer than a larger share (PostgreSQL's lock_timeout: the fund's row is busy while
approvals pour in), so that its answer, with what is left, gets back in time. A
decline is only re-decided when the fund has money left for it (the fund's remaining and
its county's allocation above zero): a top-up of a used-up fund loses nobody's chance.
"""
import time

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from services.common.clock import LOCAL, local_today, utcnow
from services.common.errors import Conflict
from services.common.money import to_yuan
from services.common.paging import page
from services.common.schema import load
from services.subsidies import contract, domain, events, metrics, repository
from services.subsidies.domain.calculation import shortfall
from services.subsidies.entrypoints import emit, rpc
from services.subsidies.entrypoints.decisions import (decide_against, evaluations_behind,
                                                      later_than, local_date, reserve,
                                                      settle, venue_inputs, venue_purpose)
from services.subsidies.entrypoints.funds import dumpable
from services.subsidies.entrypoints.policies import rules_in_force
from services.subsidies.models import CITY_WIDE, Fund, Subsidy

REDECIDABLE = ("budget_exhausted", "no_fund")  # declines for want of money, not of merit
# of the RPC timeout: no unit starts after the first share, no lock is awaited after the
# second (the answer must get back to the gateway within the timeout)
START_SHARE, WAIT_SHARE = 0.2, 0.4
LOCK_TIMEOUT = "55P03"  # PostgreSQL: canceling statement due to lock timeout
USED_UP = "fund_used_up"
ITEM = ("id", "subject", "activity_id", "venue_id", "union_id", "county", "approved_on",
        "status", "amount_fen", "reason", "policy_version")  # contract.RedecisionItem's


class RedecisionEntrypoints:
    @rpc
    def pending_redecisions(self, fund_id, limit=50, offset=0):
        """The declines the fund would re-decide, in approval order."""
        with self.db.session() as session:
            fund = repository.fund(session, fund_id)
            query = select(Subsidy).where(*_waiting(session, fund)).order_by(
                Subsidy.approved_on)
            return page(session, query, Subsidy.id, contract.SubsidyOut(), limit, offset)

    @rpc
    def redecide(self, fund_id, payload, actor):
        data = load(contract.RedecideIn(), payload)
        started = time.monotonic()
        deadline = started + START_SHARE * self.config.rpc_timeout
        waits_until = started + WAIT_SHARE * self.config.rpc_timeout
        with self.db.session() as session:
            fund = repository.fund(session, fund_id)
            if fund.status != "open":
                raise Conflict("a closed fund re-decides nothing", {"status": fund.status})
            ids = session.scalars(select(Subsidy.id).where(*_waiting(session, fund))
                                  .order_by(Subsidy.approved_on, Subsidy.id)
                                  .limit(data["limit"])).all()
        items, stopped = [], None
        for subsidy_id in ids:
            if time.monotonic() > deadline:
                stopped = "time"
                break
            try:
                outcome = self._redecide_one(fund_id, subsidy_id, actor, waits_until)
            except DBAPIError as exc:
                if not _lock_timeout(exc):
                    raise
                stopped = "time"  # the fund's row stayed busy: the next call goes on
                break
            if outcome == USED_UP:
                stopped = USED_UP
                break
            if outcome is not None:
                items.append(outcome)
                metrics.count_decision(outcome["status"], outcome["county"])
        with self.db.session() as session:
            fund = repository.fund(session, fund_id)
            remaining = session.scalar(select(func.count()).select_from(Subsidy)
                                       .where(*_waiting(session, fund)))
            return contract.RedecisionOut().dump(dict(_tally(items, remaining, stopped),
                                                      fund_id=fund_id,
                                                      fund=dumpable(session, fund)))

    def _redecide_one(self, fund_id, subsidy_id, actor, waits_until):
        """One decline decided once more, in a unit of work of its own; None when it is not
        this fund's to re-decide now (re-decided meanwhile, its county draws on another
        fund, its county's allocation is used up); USED_UP when the fund has nothing left."""
        with self.db.unit_of_work() as uow:
            session = uow.session
            _wait_for_locks_until(session, waits_until)
            subsidy = session.get(Subsidy, subsidy_id)
            fund = repository.fund_for(session, subsidy.year, subsidy.county,
                                       subsidy.subject)  # the fund's row, locked first
            if fund is None or fund.id != fund_id:
                return None
            book = repository.FundBook(session, fund)
            if book.money.remaining <= 0:
                return USED_UP
            room = book.money.room(subsidy.county)
            if room is not None and room[1] <= 0:
                return None
            union_year = (book.union_year(subsidy.union_id, subsidy.year)
                          if subsidy.subject == "activity" else None)  # after the fund's
            if not _claim(session, subsidy_id, actor):
                return None
            session.refresh(subsidy)
            _decide_once_more(uow, book, subsidy, union_year, actor)
            return {name: getattr(subsidy, name) for name in ITEM}


def _wait_for_locks_until(session, moment):
    """On PostgreSQL, the unit's lock waits end at moment (SQLite's writers queue at BEGIN,
    behind units as short as this one)."""
    if session.connection().dialect.name == "postgresql":
        milliseconds = max(50, int((moment - time.monotonic()) * 1000))
        session.execute(text("SET LOCAL lock_timeout = '%dms'" % milliseconds))


def _lock_timeout(exc):
    orig = getattr(exc, "orig", None)
    details = orig.args[0] if orig is not None and orig.args else None
    code = details.get("C") if isinstance(details, dict) else getattr(orig, "sqlstate", None)
    return code == LOCK_TIMEOUT


def _tally(items, remaining, stopped):
    granted = [item for item in items if item["status"] == "granted"]
    return {"redecided": len(items), "granted": len(granted),
            "declined": len(items) - len(granted),
            "granted_amount": sum(item["amount_fen"] for item in granted),
            "remaining": remaining, "items": items,
            "stopped": stopped or ("limit" if remaining else None)}


def _waiting(session, fund):
    """Conditions of the declines a fund re-decides: its year and policy, of its county
    (a city-wide fund: of the counties without an open fund of their own)."""
    conditions = [Subsidy.year == fund.year, Subsidy.subject == fund.policy,
                  Subsidy.status == "declined", Subsidy.reason.in_(REDECIDABLE),
                  Subsidy.redecided_at.is_(None)]
    if fund.scope != CITY_WIDE:
        conditions.append(Subsidy.county == fund.scope)
        return conditions
    own = session.scalars(select(Fund.scope).where(
        Fund.year == fund.year, Fund.policy == fund.policy, Fund.status == "open",
        Fund.scope != CITY_WIDE)).all()
    if own:
        conditions.append(Subsidy.county.not_in(own))
    return conditions


def _claim(session, subsidy_id, actor):
    """Mark the decline re-decided if nobody did: the at-most-once of a re-decision."""
    claimed = session.execute(
        update(Subsidy).where(Subsidy.id == subsidy_id, Subsidy.status == "declined",
                              Subsidy.reason.in_(REDECIDABLE), Subsidy.redecided_at.is_(None))
        .values(redecided_at=utcnow(), redecided_by=actor)
        .execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def _decide_once_more(uow, book, subsidy, union_year, actor):
    session = uow.session
    approved_on = subsidy.approved_on or subsidy.decided_at.astimezone(LOCAL).date()
    policy = rules_in_force(session, subsidy.subject, approved_on)
    facts = dict(subsidy.inputs)
    inputs = dict(subsidy.inputs, redecided_on=local_today().isoformat())
    if subsidy.subject == "activity":
        facts["union_granted_fen"] = union_year.granted
        inputs["union_granted_before"] = to_yuan(union_year.granted)
    else:  # a venue's year keeps the purpose it was decided for
        facts["purpose"] = subsidy.purpose
    calc = domain.calculate(policy.document, facts)
    decision = decide_against(calc, book.money, subsidy.county, policy.document)
    header = "重新核定：%s 由 %s 按 %s 适用的第 %d 版政策再次核定" % (
        local_today().isoformat(), actor, approved_on.isoformat(), policy.version)
    lines = decision.explanation
    subsidy.explanation = (list(subsidy.explanation) + [header] + lines[:-1]
                           + ["重新核定：" + lines[-1]])
    subsidy.status, subsidy.amount_fen, subsidy.reason = (decision.status, decision.amount,
                                                          decision.reason)
    subsidy.fund_id, subsidy.policy_version, subsidy.inputs = (book.fund.id, policy.version,
                                                               inputs)
    session.flush()
    settle(uow, book, subsidy, union_year)


# a venue's year, revised by a later evaluation -------------------------------------------
FINAL = {"paid": "补助已拨付，不再修订", "reversed": "补助已冲回，不再修订",
         "batched": "补助已列入拨付批次，不再修订", "cancelled": "补助已撤销，不再修订"}


def revise_venue_year(uow, event, facts, current):
    """A later evaluation of the venue's year revises the year's decision, never adds one.

    A grant not yet in a batch moves by the difference (a reserve of what it gains, within
    what its fund has and as the policy says the last one short is decided; a release of
    what it loses); a decline is decided afresh from the open venue fund; a decision paid,
    batched, reversed or cancelled is not revised (a line says so). The previous states
    are kept in inputs.revisions."""
    session = uow.session
    if current.status == "declined" and current.reason != "cancelled":
        fund = repository.fund_for(session, current.year, facts["county"], "venue")
    else:
        fund = repository.fund(session, current.fund_id, lock=True) if current.fund_id else None
    row = session.scalars(select(Subsidy).where(Subsidy.id == current.id).with_for_update()
                          .execution_options(populate_existing=True)).one()
    if facts["evaluation_id"] in evaluations_behind(row) or not later_than(event, row):
        return None  # another replica applied this one, or a later one, meanwhile
    approved_on = local_date(event["occurred_at"])
    final = _final(row)
    if final is not None:
        row.inputs = dict(row.inputs, revisions=list(row.inputs.get("revisions", ())) + [
            {"evaluation_id": facts["evaluation_id"], "period": facts["period"],
             "approved_on": approved_on.isoformat(), "applied": False}])
        row.explanation = list(row.explanation) + ["%s 评估（%s 分）未修订本年度补助：%s" % (
            facts["period"], facts["total"], FINAL[final])]
        return None
    if row.status == "granted" and (fund is None or fund.id != row.fund_id):
        raise RuntimeError("venue subsidy %d changed while it was revised; retry" % row.id)
    policy = rules_in_force(session, "venue", approved_on)
    purpose = row.purpose or venue_purpose(session, row.venue_id, row.year)  # the year's own
    inputs = venue_inputs(facts, event, purpose, approved_on, row.year)
    inputs["revisions"] = list(row.inputs.get("revisions", ())) + [_state(row)]
    calc = domain.calculate(policy.document, inputs)
    header = "本年度阵地补助按 %s 评估修订（原按 %s 评估%s）" % (
        facts["period"], row.period,
        "核定 %s 元" % to_yuan(row.amount_fen) if row.status == "granted" else "不予补助")
    book = repository.FundBook(session, fund) if fund is not None else None
    fresh_grant = False
    if row.status == "granted":
        lines = _revise_grant(uow, book, row, calc, policy.document, facts["period"])
    else:  # decided afresh: the fund it draws on is the one open now
        decision = decide_against(calc, None if book is None else book.money, facts["county"],
                                  policy.document)
        row.status, row.amount_fen, row.reason = (decision.status, decision.amount,
                                                  decision.reason)
        row.fund_id, row.county = (None if fund is None else fund.id), facts["county"]
        row.redecided_at = row.redecided_by = None  # a new decline may be re-decided once
        lines, fresh_grant = decision.explanation, decision.status == "granted"
    row.period, row.purpose, row.policy_version = facts["period"], purpose, policy.version
    row.approved_on, row.inputs, row.explanation = approved_on, inputs, [header] + lines
    row.activity_title, row.union_id = facts["name"], facts.get("host_union_id")
    session.flush()
    if fresh_grant:
        settle(uow, book, row)  # reserved and told
    else:  # the grant's difference moved in _revise_grant
        emit(uow, events.decided(row))
    return row


def _revise_grant(uow, book, row, calc, document, period):
    """Move an unbatched grant to what the later evaluation gives; the explanation lines."""
    old, money = row.amount_fen, book.money
    target = 0 if calc.reason is not None else calc.amount
    lines, new = list(calc.explanation), old
    if target < old:
        money.release(row.id, row.county, old - target,
                      note="阵地补助按 %s 评估修订：核减 %s 元" % (period, to_yuan(old - target)))
        book.save()
        new = target
    elif target > old:
        wanted = target - old
        short = shortfall(wanted, money.remaining, money.room(row.county))
        if book.fund.status != "open":
            lines.append("资金已关闭：不追加，维持原核定 %s 元" % to_yuan(old))
        elif short is None:
            lines.append("资金剩余 %s 元，追加 %s 元" % (to_yuan(money.remaining),
                                                    to_yuan(wanted)))
            reserve(uow, book, row, wanted)
            new = target
        elif document.get("when_budget_short") == "partial" and short[1] > 0:
            reserve(uow, book, row, short[1])
            new = old + short[1]
            lines.append("%s剩余 %s 元，不足追加的 %s 元：按剩余金额追加 %s 元" % (
                short[0], to_yuan(short[1]), to_yuan(wanted), to_yuan(short[1])))
        else:
            lines.append("%s剩余 %s 元，不足追加的 %s 元：维持原核定 %s 元" % (
                short[0], to_yuan(max(short[1], 0)), to_yuan(wanted), to_yuan(old)))
    change = ("不变" if new == old else "追加 %s 元" % to_yuan(new - old) if new > old
              else "核减 %s 元" % to_yuan(old - new))
    lines.append("修订后核定补助 %s 元（原核定 %s 元，%s）" % (to_yuan(new), to_yuan(old), change))
    row.amount_fen = new
    if new == 0:
        row.status, row.reason = "declined", calc.reason or "not_eligible"
    return lines


def _final(row):
    if row.status in ("paid", "reversed"):
        return row.status
    if row.status == "granted" and row.batch_id is not None:
        return "batched"
    if row.status == "declined" and row.reason == "cancelled":
        return "cancelled"
    return None


def _state(row):
    """What a revision replaced, for inputs.revisions."""
    return {"evaluation_id": (row.inputs or {}).get("evaluation_id"), "period": row.period,
            "status": row.status, "amount": to_yuan(row.amount_fen), "reason": row.reason,
            "policy_version": row.policy_version,
            "approved_on": row.approved_on.isoformat() if row.approved_on else None,
            "applied": True}
