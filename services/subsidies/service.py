"""Subsidies entrypoints: validate -> domain -> one transaction -> answer.

Money moves here. Every grant locks its fund row (SELECT ... FOR UPDATE on PostgreSQL;
SQLite takes its write lock at BEGIN), then the union's row of the year, always in that
order, so that several replicas never overspend a budget nor break a union cap.
"""
import csv
import io
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from services.subsidies import events as _events  # noqa: F401  registers this service's events
from services.common.clock import LOCAL, iso as _iso, local_today, utcnow
from services.common.consumer import handle_event
from services.common.dependencies import Database, EntrypointMetrics
from services.common.errors import Conflict, Invalid, NotFound, expected_rpc
from services.common.money import to_yuan
from services.common.ops import OpsEndpoints
from services.common.paging import page
from services.common.schema import load
from services.subsidies import domain, metrics, queries
from services.subsidies.models import (CITY_WIDE, MESSAGING, Batch, Fund, FundAllocation,
                                       LedgerEntry, Policy, Subsidy, UnionYear)
from services.subsidies.schemas import (AllocationsIn, BatchFilter, BatchIn, BatchOut,
                                        CancelIn, DryRunIn, FundFilter, FundIn, FundOut,
                                        LedgerOut, PayIn, PolicyIn, PolicyOut, PublishIn,
                                        StatsIn, SubsidyFilter, SubsidyOut)

rpc = expected_rpc()
GRANTED_OR_PAID = ("granted", "paid")
CSV_HEADER = ["序号", "补助编号", "补助对象", "活动或阵地编号", "活动或阵地名称", "收款工会编号",
              "收款工会", "县区", "层级或类型", "补助金额（元）", "政策版本", "核定日期"]
SUBJECT_NAMES = {"activity": "文体活动", "venue": "宣教阵地"}


class Service(OpsEndpoints):
    name = "subsidies"
    db = Database(MESSAGING)
    measured = EntrypointMetrics()

    def refresh_gauges(self):
        super().refresh_gauges()
        with self.db.session() as session:
            metrics.observe_funds(session.scalars(select(Fund)).all())

    # funds -------------------------------------------------------------------------
    @rpc
    def create_fund(self, payload):
        data = load(FundIn(), payload)
        counties = self._counties()
        if data["county"] is not None and data["county"] not in counties:
            raise Invalid("unknown county", {"county": ["one of %s" % ", ".join(counties)]})
        if data["county"] is not None and data["allocations"]:
            raise Invalid("only a city-wide fund is split into county allocations",
                          {"allocations": ["a county's own fund has no allocations"]})
        errors = domain.validate_allocations(data["budget"], data["allocations"], {}, counties)
        if errors:
            raise Invalid("the county allocations do not fit the fund", errors)
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
            for item in data["allocations"]:
                uow.session.add(FundAllocation(fund_id=fund.id, county=item["county"],
                                               budget_fen=item["budget"], granted_fen=0,
                                               paid_fen=0))
            uow.session.flush()
            answer = self._fund_view(uow.session, fund)
            uow.commit()
        return answer

    @rpc
    def get_fund(self, fund_id):
        with self.db.session() as session:
            return self._fund_view(session, self._fund(session, fund_id))

    @rpc
    def list_funds(self, filters=None, limit=50, offset=0):
        filters = load(FundFilter(), filters)
        if "county" in filters:
            filters["scope"] = filters.pop("county")
        with self.db.session() as session:
            answer = page(session, select(Fund).filter_by(**filters), Fund.id, _Raw(), limit,
                          offset)
            answer["items"] = [self._fund_view(session, fund) for fund in answer["items"]]
            return answer

    @rpc
    def set_allocations(self, fund_id, payload):
        """Replace the county split of a city-wide fund (never below what was granted)."""
        data = load(AllocationsIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund = self._fund(session, fund_id, lock=True)
            if fund.scope != CITY_WIDE:
                raise Invalid("only a city-wide fund is split into county allocations",
                              {"allocations": ["a county's own fund has no allocations"]})
            by_county = self._granted_by_county(session, fund.id)
            errors = domain.validate_allocations(
                fund.budget_fen, data["allocations"],
                {county: granted for county, (granted, _) in by_county.items()},
                self._counties())
            if errors:
                raise Invalid("the county allocations do not fit the fund", errors)
            session.execute(delete(FundAllocation).where(FundAllocation.fund_id == fund.id))
            for item in data["allocations"]:
                granted, paid = by_county.get(item["county"], (0, 0))
                session.add(FundAllocation(fund_id=fund.id, county=item["county"],
                                           budget_fen=item["budget"], granted_fen=granted,
                                           paid_fen=paid))
            session.flush()
            answer = self._fund_view(session, fund)
            uow.commit()
        return answer

    @rpc
    def fund_ledger(self, fund_id, limit=50, offset=0):
        with self.db.session() as session:
            self._fund(session, fund_id)
            return page(session, select(LedgerEntry).where(LedgerEntry.fund_id == fund_id),
                        LedgerEntry.id, LedgerOut(), limit, offset)

    @rpc
    def reconcile_fund(self, fund_id):
        """Recompute a fund's figures from its ledger and its decisions, and compare."""
        with self.db.session() as session:
            fund = self._fund(session, fund_id)
            return self._reconcile(session, fund)

    @rpc
    def reconcile_all(self):
        with self.db.session() as session:
            reports = [self._reconcile(session, fund)
                       for fund in session.scalars(select(Fund).order_by(Fund.id))]
        return {"consistent": all(r["consistent"] for r in reports), "funds": reports}

    # decisions ---------------------------------------------------------------------
    @rpc
    def list_subsidies(self, filters=None, limit=50, offset=0, fund_must_exist=False):
        """fund_must_exist: an unknown fund_id is a 404 rather than an empty list."""
        filters = load(SubsidyFilter(), filters)
        if fund_must_exist and "fund_id" in filters:
            with self.db.session() as session:
                if session.get(Fund, filters["fund_id"]) is None:
                    raise NotFound("fund %s not found" % filters["fund_id"])
        return self._page(select(Subsidy).filter_by(**filters), Subsidy.id, SubsidyOut(),
                          limit, offset)

    @rpc
    def get_subsidy(self, subsidy_id):
        with self.db.session() as session:
            return SubsidyOut().dump(self._subsidy(session, subsidy_id))

    @rpc
    def cancel_subsidy(self, subsidy_id, payload, actor):
        """Withdraw a granted, unbatched decision: its money goes back to the fund."""
        data = load(CancelIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            subsidy = self._subsidy(session, subsidy_id)
            if subsidy.status != "granted":
                raise Conflict("only a granted, unpaid subsidy can be cancelled",
                               {"status": subsidy.status})
            fund = self._fund(session, subsidy.fund_id, lock=True)
            session.refresh(subsidy)  # as it stands under the fund's lock
            if subsidy.status != "granted" or subsidy.batch_id is not None:
                raise Conflict("the subsidy is in a disbursement batch or no longer granted",
                               {"status": subsidy.status, "batch_id": subsidy.batch_id})
            union_year = self._lock_union_year(session, subsidy)
            amount = subsidy.amount_fen
            fund.granted_fen -= amount
            allocation = self._allocation(session, fund.id, subsidy.county)
            if allocation is not None:
                allocation.granted_fen -= amount
            if union_year is not None:
                union_year.granted_fen -= amount
            session.add(LedgerEntry(fund_id=fund.id, subsidy_id=subsidy.id, kind="release",
                                    amount_fen=amount, county=subsidy.county, at=utcnow(),
                                    note="%s 撤销：%s" % (actor, data["reason"])))
            subsidy.status, subsidy.reason, subsidy.amount_fen = "declined", "cancelled", 0
            subsidy.explanation = list(subsidy.explanation) + [
                "已撤销原核定补助 %s 元（%s）：%s" % (to_yuan(amount), actor, data["reason"])]
            self._emit_decision(uow, subsidy)
            answer = SubsidyOut().dump(subsidy)
            uow.commit()
        return answer

    @handle_event("activity_approved")
    def on_activity_approved(self, event):
        facts = event["data"]
        with self.db.unit_of_work() as uow:
            if uow.session.scalar(queries.DECISION_OF_ACTIVITY,
                                  {"activity_id": facts["activity_id"]}):
                uow.commit()  # decided under another event id: keep the first decision
                return
            subsidy = self._decide_activity(uow, event, facts)
            uow.commit()
        if subsidy.status == "granted":
            metrics.count_granted(subsidy.county, subsidy.tier, subsidy.amount_fen)

    @handle_event("venue_evaluated")
    def on_venue_evaluated(self, event):
        facts = event["data"]
        with self.db.unit_of_work() as uow:
            subsidy = self._decide_venue(uow, event, facts)
            uow.commit()
        if subsidy is not None and subsidy.status == "granted":
            metrics.count_granted(subsidy.county, subsidy.tier, subsidy.amount_fen)

    def _decide_activity(self, uow, event, facts):
        session = uow.session
        approved_on = _local_date(event["occurred_at"])
        policy = self._rules_in_force(session, "activity", approved_on)
        year = facts["held_on"].year
        fund = self._fund_for(session, year, facts["county"], "activity")  # locked first
        union_year = self._lock_union_year(session, None, facts["union_id"], year)
        inputs = {key: (value.isoformat() if isinstance(value, date) else value)
                  for key, value in facts.items()}
        inputs["union_granted_before"] = to_yuan(union_year.granted_fen)
        inputs["approved_on"] = approved_on.isoformat()
        calc = domain.calculate(policy.document, dict(inputs,
                                                      union_granted_fen=union_year.granted_fen))
        remaining = None if fund is None else fund.budget_fen - fund.granted_fen
        decision = domain.decide(calc, remaining, self._room(session, fund, facts["county"]))
        subsidy = Subsidy(
            subject="activity", activity_id=facts["activity_id"], activity_title=facts["title"],
            union_id=facts["union_id"], union_name=facts.get("union_name"),
            county=facts["county"], tier=facts["tier"], year=year,
            fund_id=fund.id if fund else None, status=decision.status,
            amount_fen=decision.amount, reason=decision.reason, policy_version=policy.version,
            inputs=inputs, explanation=decision.explanation, event_id=event["event_id"],
            approved_on=approved_on, decided_at=utcnow())
        session.add(subsidy)
        session.flush()
        if decision.status == "granted":
            union_year.granted_fen += decision.amount
            self._reserve(uow, fund, subsidy)
        self._emit_decision(uow, subsidy)
        return subsidy

    def _decide_venue(self, uow, event, facts):
        session = uow.session
        period = facts["period"]
        if session.scalar(select(Subsidy.id).where(Subsidy.venue_id == facts["venue_id"],
                                                   Subsidy.period == period)):
            return None  # one decision per venue and period: the first evaluation's
        year = facts.get("year") or domain.year_of_period(period)
        if year is None:
            raise ValueError("venue_evaluated %s: no year in period %r" % (
                event["event_id"], period))
        approved_on = _local_date(event["occurred_at"])
        policy = self._rules_in_force(session, "venue", approved_on)
        purpose = self._venue_purpose(session, facts["venue_id"])
        inputs = {key: (value.isoformat() if isinstance(value, date) else value)
                  for key, value in facts.items()}
        inputs.update(purpose=purpose, approved_on=approved_on.isoformat(), year=year)
        calc = domain.calculate(policy.document, inputs)  # below the threshold: declined
        fund = self._fund_for(session, year, facts["county"], "venue")
        remaining = None if fund is None else fund.budget_fen - fund.granted_fen
        decision = domain.decide(calc, remaining, self._room(session, fund, facts["county"]))
        subsidy = Subsidy(
            subject="venue", activity_id=None, activity_title=facts["name"],
            union_id=facts.get("host_union_id"), union_name=None, county=facts["county"],
            tier="venue", year=year, venue_id=facts["venue_id"], period=period, purpose=purpose,
            fund_id=fund.id if fund else None, status=decision.status,
            amount_fen=decision.amount, reason=decision.reason, policy_version=policy.version,
            inputs=inputs, explanation=decision.explanation, event_id=event["event_id"],
            approved_on=approved_on, decided_at=utcnow())
        session.add(subsidy)
        session.flush()
        if decision.status == "granted":
            self._reserve(uow, fund, subsidy)
        self._emit_decision(uow, subsidy)
        return subsidy

    def _reserve(self, uow, fund, subsidy):
        before = fund.granted_fen
        fund.granted_fen = before + subsidy.amount_fen
        allocation = self._allocation(uow.session, fund.id, subsidy.county)
        if allocation is not None:
            allocation.granted_fen += subsidy.amount_fen
        uow.session.connection().execute(queries.INSERT_LEDGER, {
            "fund_id": fund.id, "subsidy_id": subsidy.id, "kind": "reserve",
            "amount_fen": subsidy.amount_fen, "note": None, "batch_id": None,
            "county": subsidy.county, "at": utcnow()})
        for percent in domain.thresholds_crossed(fund.budget_fen, before, fund.granted_fen,
                                                 fund.announced_percent):
            fund.announced_percent = percent
            uow.emit("fund_threshold_reached", {
                "fund_id": fund.id, "name": fund.name, "year": fund.year,
                "threshold_percent": percent, "budget": to_yuan(fund.budget_fen),
                "granted": to_yuan(fund.granted_fen),
                "remaining": to_yuan(fund.budget_fen - fund.granted_fen)})

    def _emit_decision(self, uow, subsidy):
        if subsidy.subject == "venue":
            uow.emit("venue_subsidy_decided", _venue_event(subsidy))
            return
        uow.emit("subsidy_%s" % subsidy.status, {
            "subsidy_id": subsidy.id, "activity_id": subsidy.activity_id,
            "activity_title": subsidy.activity_title, "union_id": subsidy.union_id,
            "county": subsidy.county, "tier": subsidy.tier, "fund_id": subsidy.fund_id,
            "status": subsidy.status, "amount": to_yuan(subsidy.amount_fen),
            "reason": subsidy.reason, "policy_version": subsidy.policy_version,
            "explanation": subsidy.explanation})

    # policies ----------------------------------------------------------------------
    @rpc
    def list_policies(self, kind=None):
        with self.db.session() as session:
            query = select(Policy).order_by(Policy.kind, Policy.version)
            if kind is not None:
                query = query.where(Policy.kind == kind)
            policies = session.scalars(query).all()
            today = local_today()
            in_force = {k: self._policy_in_force(session, k, today).version
                        for k in {p.kind for p in policies}}
            items = PolicyOut(many=True).dump(policies)
            for item in items:
                item["in_force"] = in_force.get(item["kind"]) == item["version"]
            return {"items": items, "total": len(items)}

    @rpc
    def get_policy(self, kind, version):
        with self.db.session() as session:
            return self._policy_view(session, self._policy(session, kind, version))

    @rpc
    def upload_policy(self, payload, actor):
        """A new version: validated rule by rule; a draft unless it has an effective date."""
        data = load(PolicyIn(), payload)
        errors = domain.validate_policy(data["kind"], data["document"])
        if errors:
            raise Invalid("the policy document is invalid", errors)
        self._check_effective(data["kind"], data["effective_from"])
        with self.db.unit_of_work() as uow:
            session = uow.session
            latest = session.scalar(select(func.max(Policy.version))
                                    .where(Policy.kind == data["kind"])) or 0
            self._check_after_published(session, data["kind"], data["effective_from"])
            now = utcnow()
            policy = Policy(kind=data["kind"], version=latest + 1,
                            effective_from=data["effective_from"], document=data["document"],
                            created_at=now, created_by=actor,
                            published_at=now if data["effective_from"] else None,
                            published_by=actor if data["effective_from"] else None)
            session.add(policy)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict("another version was uploaded at the same moment; try again")
            answer = self._policy_view(session, policy)
            uow.commit()
        return answer

    @rpc
    def publish_policy(self, kind, version, payload, actor):
        data = load(PublishIn(), payload)
        self._check_effective(kind, data["effective_from"])
        with self.db.unit_of_work() as uow:
            session = uow.session
            policy = self._policy(session, kind, version, lock=True)
            if policy.effective_from is not None:
                raise Conflict("this version is published already",
                               {"effective_from": policy.effective_from.isoformat()})
            self._check_after_published(session, kind, data["effective_from"])
            policy.effective_from = data["effective_from"]
            policy.published_at, policy.published_by = utcnow(), actor
            session.flush()
            answer = self._policy_view(session, policy)
            uow.commit()
        return answer

    @rpc
    def dry_run(self, kind, payload):
        """What a version (by default the one in force on approved_on) would grant."""
        data = load(DryRunIn(), payload)
        if kind not in domain.POLICY_KINDS:
            raise NotFound("no policy kind %s" % kind)
        wanted, other = ("activity", "venue") if kind == "activity" else ("venue", "activity")
        if data[wanted] is None or data[other] is not None:
            raise Invalid("a %s policy is tried on %s facts" % (kind, wanted),
                          {wanted: ["required for a %s policy" % kind]} if data[wanted] is None
                          else {other: ["not used by a %s policy" % kind]})
        approved_on = data["approved_on"] or local_today()
        facts = dict(data[wanted])
        with self.db.session() as session:
            if data["version"] is None:
                policy = self._policy_in_force(session, kind, approved_on)
            else:
                policy = self._policy(session, kind, data["version"])
            if kind == "activity":
                year = (facts["held_on"] or approved_on).year
                used = 0
                if facts["union_id"] is not None:
                    used = session.scalar(select(UnionYear.granted_fen).where(
                        UnionYear.union_id == facts["union_id"], UnionYear.year == year)) or 0
                facts["union_granted_fen"] = used
            elif facts["purpose"] is None:
                facts["purpose"] = (self._venue_purpose(session, facts["venue_id"])
                                    if facts["venue_id"] is not None else "construction")
        calc = domain.calculate(policy.document, facts)
        inputs = {key: (value.isoformat() if isinstance(value, date) else value)
                  for key, value in facts.items()}
        return {"kind": kind, "policy_version": policy.version,
                "policy_name": policy.document.get("name"),
                "approved_on": approved_on.isoformat(), "amount": to_yuan(calc.amount),
                "reason": calc.reason, "explanation": calc.explanation, "inputs": inputs}

    # disbursement --------------------------------------------------------------------
    @rpc
    def create_batch(self, payload, actor):
        data = load(BatchIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund = session.scalars(select(Fund).where(Fund.id == data["fund_id"])
                                   .with_for_update()).first()
            if fund is None:
                raise Invalid("no such fund", {"fund_id": ["no fund %s" % data["fund_id"]]})
            rows = session.scalars(
                select(Subsidy).where(Subsidy.fund_id == fund.id, Subsidy.status == "granted",
                                      Subsidy.batch_id.is_(None))
                .order_by(Subsidy.id).with_for_update()).all()
            if not rows:
                raise Conflict("the fund has no granted, unpaid subsidy outside a batch",
                               {"fund_id": fund.id})
            batch = Batch(fund_id=fund.id, status="open", count=len(rows),
                          total_fen=sum(r.amount_fen for r in rows), created_by=actor,
                          created_at=utcnow())
            session.add(batch)
            session.flush()
            for row in rows:
                row.batch_id = batch.id
            answer = BatchOut().dump(batch)
            uow.commit()
        return answer

    @rpc
    def get_batch(self, batch_id):
        with self.db.session() as session:
            return BatchOut().dump(self._batch(session, batch_id))

    @rpc
    def list_batches(self, filters=None, limit=50, offset=0):
        filters = load(BatchFilter(), filters)
        return self._page(select(Batch).filter_by(**filters), Batch.id.desc(), BatchOut(),
                          limit, offset)

    @rpc
    def pay_batch(self, batch_id, payload, actor):
        """Every decision of the batch becomes paid, once; subsidy_paid events follow."""
        data = load(PayIn(), payload)
        paid = []
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund_id = self._batch(session, batch_id).fund_id
            fund = self._fund(session, fund_id, lock=True)
            batch = session.scalars(select(Batch).where(Batch.id == batch_id)
                                    .with_for_update()
                                    .execution_options(populate_existing=True)).one()
            if batch.status != "open":
                raise Conflict("this batch is %s already" % batch.status,
                               {"status": batch.status, "paid_at": _iso(batch.paid_at)})
            rows = session.scalars(select(Subsidy).where(Subsidy.batch_id == batch.id)
                                   .order_by(Subsidy.id).with_for_update()).all()
            if (len(rows) != batch.count or sum(r.amount_fen for r in rows) != batch.total_fen
                    or any(r.status != "granted" for r in rows)):
                raise Conflict("the batch no longer matches its decisions; cancel it and "
                               "create a new one", {"batch_id": batch.id})
            now = utcnow()
            for row in rows:
                row.status, row.paid_at = "paid", now
                session.add(LedgerEntry(fund_id=fund.id, subsidy_id=row.id, kind="pay",
                                        amount_fen=row.amount_fen, batch_id=batch.id,
                                        county=row.county, at=now,
                                        note=data["reference"]))
                allocation = self._allocation(session, fund.id, row.county)
                if allocation is not None:
                    allocation.paid_fen += row.amount_fen
                if row.subject == "venue":
                    uow.emit("venue_subsidy_paid", _venue_event(row))
                else:
                    uow.emit("subsidy_paid", {
                        "subsidy_id": row.id, "activity_id": row.activity_id,
                        "activity_title": row.activity_title, "union_id": row.union_id,
                        "fund_id": fund.id, "amount": to_yuan(row.amount_fen),
                        "batch_id": batch.id})
                paid.append((row.county, row.tier, row.amount_fen))
            fund.paid_fen += batch.total_fen
            batch.status, batch.paid_at, batch.paid_by = "paid", now, actor
            batch.reference = data["reference"]
            answer = BatchOut().dump(batch)
            uow.commit()
        for county, tier, amount in paid:
            metrics.count_paid(county, tier, amount)
        return answer

    @rpc
    def cancel_batch(self, batch_id, actor):
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund_id = self._batch(session, batch_id).fund_id
            self._fund(session, fund_id, lock=True)
            batch = session.scalars(select(Batch).where(Batch.id == batch_id).with_for_update()
                                    .execution_options(populate_existing=True)).one()
            if batch.status != "open":
                raise Conflict("this batch is %s already" % batch.status,
                               {"status": batch.status})
            session.execute(update(Subsidy).where(Subsidy.batch_id == batch.id)
                            .values(batch_id=None))
            batch.status = "cancelled"
            answer = BatchOut().dump(batch)
            uow.commit()
        return answer

    @rpc
    def export_batch(self, batch_id):
        """The batch for the bank: CSV, Chinese headers, UTF-8 with a BOM for Excel."""
        with self.db.session() as session:
            batch = self._batch(session, batch_id)
            rows = session.scalars(select(Subsidy).where(Subsidy.batch_id == batch.id)
                                   .order_by(Subsidy.id)).all()
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(CSV_HEADER)
            for number, row in enumerate(rows, start=1):
                writer.writerow([
                    number, row.id, SUBJECT_NAMES[row.subject],
                    row.activity_id if row.subject == "activity" else row.venue_id,
                    row.activity_title, "" if row.union_id is None else row.union_id,
                    row.union_name or "", row.county,
                    domain.TIER_NAMES.get(row.tier, row.tier), to_yuan(row.amount_fen),
                    row.policy_version or "", (row.approved_on or row.decided_at.date()).isoformat()])
            return {"batch_id": batch.id, "fund_id": batch.fund_id, "status": batch.status,
                    "count": batch.count, "total": to_yuan(batch.total_fen),
                    "filename": "disbursement-%d-%s.csv" % (batch.id, to_yuan(batch.total_fen)),
                    "content_type": "text/csv; charset=utf-8",
                    "csv": "\ufeff" + out.getvalue()}

    # statistics ------------------------------------------------------------------------
    @rpc
    def stats(self, payload):
        """A year's activity subsidies: granted and paid, by county and by tier."""
        data = load(StatsIn(), payload)
        year = data["year"]
        with self.db.session() as session:
            query = (select(Subsidy.subject, Subsidy.county, Subsidy.tier, Subsidy.status,
                            func.count(), func.sum(Subsidy.amount_fen))
                     .where(Subsidy.year == year)
                     .group_by(Subsidy.subject, Subsidy.county, Subsidy.tier, Subsidy.status))
            if data["county"]:
                query = query.where(Subsidy.county == data["county"])
            rows = session.execute(query).all()
            funds = session.scalars(select(Fund).where(Fund.year == year)
                                    .order_by(Fund.id)).all()
            fund_views = [{"id": f.id, "name": f.name, "policy": f.policy,
                           "county": None if f.scope == CITY_WIDE else f.scope,
                           "status": f.status, "budget": to_yuan(f.budget_fen),
                           "granted": to_yuan(f.granted_fen), "paid": to_yuan(f.paid_fen),
                           "remaining": to_yuan(f.budget_fen - f.granted_fen)}
                          for f in funds]
        activity = _Tally()
        venue = _Tally()
        by_county, by_tier = {}, {}
        for subject, county, tier, status, count, amount in rows:
            if subject == "venue":
                venue.add(status, count, amount or 0)
                continue
            activity.add(status, count, amount or 0)
            by_county.setdefault(county, _Tally()).add(status, count, amount or 0)
            by_tier.setdefault(tier, _Tally()).add(status, count, amount or 0)
        tier_order = {t: i for i, t in enumerate(domain.TIERS)}
        answer = dict(year=year, county=data["county"], **activity.view())
        answer["by_county"] = [dict(county=c, **t.view()) for c, t in sorted(by_county.items())]
        answer["by_tier"] = [dict(tier=k, tier_name=domain.TIER_NAMES.get(k, k), **t.view())
                             for k, t in sorted(by_tier.items(),
                                                key=lambda kv: tier_order.get(kv[0], 9))]
        answer["venues"] = venue.view(noun="venues", single="venue")
        answer["funds"] = fund_views
        return answer

    # helpers -----------------------------------------------------------------------
    def _counties(self):
        return self.db.provider.container.config["CM"]["counties"]

    def _fund(self, session, fund_id, lock=False):
        query = select(Fund).where(Fund.id == fund_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        fund = session.scalars(query).first()
        if fund is None:
            raise NotFound("fund %s not found" % fund_id)
        return fund

    def _fund_view(self, session, fund):
        fund.allocation_rows = session.scalars(select(FundAllocation).where(
            FundAllocation.fund_id == fund.id)).all()
        return FundOut().dump(fund)

    def _subsidy(self, session, subsidy_id):
        subsidy = session.get(Subsidy, subsidy_id)
        if subsidy is None:
            raise NotFound("subsidy %s not found" % subsidy_id)
        return subsidy

    def _batch(self, session, batch_id):
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound("disbursement batch %s not found" % batch_id)
        return batch

    def _policy(self, session, kind, version, lock=False):
        policy = session.scalars(queries.POLICY_LOCKED if lock else queries.POLICY,
                                 {"kind": kind, "version": version}).first()
        if policy is None:
            raise NotFound("no %s policy version %s" % (kind, version))
        return policy

    def _policy_view(self, session, policy):
        view = PolicyOut().dump(policy)
        view["in_force"] = self._policy_in_force(session, policy.kind,
                                                 local_today()).version == policy.version
        return view

    def _policy_in_force(self, session, kind, on_date):
        versions = session.execute(queries.POLICY_VERSIONS, {"kind": kind}).all()
        version = domain.policy_in_force([(v, d) for v, d in versions], on_date)
        if version is None:
            raise Conflict("no published %s policy" % kind)
        return self._policy(session, kind, version)

    @staticmethod
    def _rules_in_force(session, kind, on_date):
        """(version, document) of the policy that applies to a decision on on_date."""
        rows = session.execute(queries.RULES, {"kind": kind}).all()
        version = domain.policy_in_force([(row.version, row.effective_from) for row in rows],
                                         on_date)
        if version is None:
            raise Conflict("no published %s policy" % kind)
        return next(row for row in rows if row.version == version)

    @staticmethod
    def _check_effective(kind, effective_from):
        if effective_from is not None and effective_from < local_today():
            raise Invalid("a version applies to approvals from its effective date on",
                          {"effective_from": ["today (%s) or later; decided approvals keep "
                                              "their version" % local_today().isoformat()]})

    @staticmethod
    def _check_after_published(session, kind, effective_from):
        if effective_from is None:
            return
        latest = session.scalar(select(func.max(Policy.effective_from))
                                .where(Policy.kind == kind))
        if latest is not None and effective_from < latest:
            raise Invalid("versions take effect in order",
                          {"effective_from": ["on or after %s, the effective date of the "
                                              "latest published version" % latest.isoformat()]})

    def _fund_for(self, session, year, county, policy):
        """The open fund of the county if there is one, else the city's; locked for update."""
        for scope in (county, CITY_WIDE):
            fund = self._open_fund(session, year, policy, scope, lock=True)
            if fund is not None:
                return fund
        return None

    @staticmethod
    def _open_fund(session, year, policy, scope, lock=False):
        return session.scalars(queries.OPEN_FUND_LOCKED if lock else queries.OPEN_FUND,
                               {"year": year, "policy": policy, "scope": scope}).first()

    def _lock_union_year(self, session, subsidy, union_id=None, year=None):
        """The union's row of the year, locked (after the fund's); None for venues."""
        if subsidy is not None:
            if subsidy.subject != "activity" or subsidy.union_id is None:
                return None
            union_id, year = subsidy.union_id, subsidy.year
        conn = session.connection()
        conn.execute(queries.union_year_row(conn.dialect.name),
                     {"union_id": union_id, "year": year, "granted_fen": 0})
        return session.scalars(queries.UNION_YEAR_LOCKED,
                               {"union_id": union_id, "year": year}).one()

    @staticmethod
    def _allocation(session, fund_id, county):
        return session.scalars(queries.ALLOCATION,
                               {"fund_id": fund_id, "county": county}).first()

    @staticmethod
    def _room(session, fund, county):
        if fund is None:
            return None
        rows = session.scalars(queries.ALLOCATIONS, {"fund_id": fund.id}).all()
        return domain.allocation_room(fund.budget_fen, fund.granted_fen,
                                      {a.county: (a.budget_fen, a.granted_fen) for a in rows},
                                      county)

    @staticmethod
    def _venue_purpose(session, venue_id):
        before = session.scalar(select(func.count()).select_from(Subsidy).where(
            Subsidy.venue_id == venue_id, Subsidy.status.in_(GRANTED_OR_PAID)))
        return "upkeep" if before else "construction"

    @staticmethod
    def _granted_by_county(session, fund_id):
        rows = session.execute(
            select(Subsidy.county, Subsidy.status, func.sum(Subsidy.amount_fen))
            .where(Subsidy.fund_id == fund_id, Subsidy.status.in_(GRANTED_OR_PAID))
            .group_by(Subsidy.county, Subsidy.status)).all()
        figures = {}
        for county, status, amount in rows:
            granted, paid = figures.get(county, (0, 0))
            figures[county] = (granted + amount, paid + (amount if status == "paid" else 0))
        return figures

    def _reconcile(self, session, fund):
        entries = session.execute(select(LedgerEntry.kind, LedgerEntry.amount_fen,
                                         LedgerEntry.county)
                                  .where(LedgerEntry.fund_id == fund.id)).all()
        ledger_granted, ledger_paid = domain.ledger_figures((k, a) for k, a, _ in entries)
        by_county = self._granted_by_county(session, fund.id)
        decisions_granted = sum(g for g, _ in by_county.values())
        decisions_paid = sum(p for _, p in by_county.values())
        problems = []

        def compare(label, stored, recomputed):
            if stored != recomputed:
                problems.append("%s: stored %s, recomputed %s" % (
                    label, to_yuan(stored), to_yuan(recomputed)))

        compare("granted (ledger)", fund.granted_fen, ledger_granted)
        compare("paid (ledger)", fund.paid_fen, ledger_paid)
        compare("granted (decisions)", fund.granted_fen, decisions_granted)
        compare("paid (decisions)", fund.paid_fen, decisions_paid)
        if fund.granted_fen > fund.budget_fen:
            problems.append("granted exceeds the budget")
        if fund.paid_fen > fund.granted_fen:
            problems.append("paid exceeds granted")
        allocations = []
        for allocation in session.scalars(select(FundAllocation).where(
                FundAllocation.fund_id == fund.id).order_by(FundAllocation.county)):
            county_entries = [(k, a) for k, a, c in entries if c == allocation.county]
            granted, paid = domain.ledger_figures(county_entries)
            compare("%s granted" % allocation.county, allocation.granted_fen, granted)
            compare("%s paid" % allocation.county, allocation.paid_fen, paid)
            if allocation.granted_fen > allocation.budget_fen:
                problems.append("%s: granted exceeds its allocation" % allocation.county)
            allocations.append({"county": allocation.county,
                                "budget": to_yuan(allocation.budget_fen),
                                "granted": to_yuan(allocation.granted_fen),
                                "paid": to_yuan(allocation.paid_fen),
                                "ledger_granted": to_yuan(granted),
                                "ledger_paid": to_yuan(paid)})
        return {"fund_id": fund.id, "consistent": not problems, "problems": problems,
                "budget": to_yuan(fund.budget_fen), "granted": to_yuan(fund.granted_fen),
                "paid": to_yuan(fund.paid_fen),
                "remaining": to_yuan(fund.budget_fen - fund.granted_fen),
                "ledger": {"granted": to_yuan(ledger_granted), "paid": to_yuan(ledger_paid),
                           "entries": len(entries)},
                "decisions": {"granted": to_yuan(decisions_granted),
                              "paid": to_yuan(decisions_paid)},
                "allocations": allocations}

    def _page(self, query, order, schema, limit, offset):
        with self.db.session() as session:
            return page(session, query, order, schema, limit, offset)


class _Raw:
    """A stand-in schema for page(): hands back the rows themselves."""

    @staticmethod
    def dump(rows, many=True):
        return list(rows)


class _Tally:
    def __init__(self):
        self.granted = self.paid = self.count = self.declined = 0

    def add(self, status, count, amount):
        if status in GRANTED_OR_PAID:
            self.granted += amount
            self.count += count
            if status == "paid":
                self.paid += amount
        else:
            self.declined += count

    def view(self, noun="activities", single="activity"):
        average = self.granted // self.count if self.count else 0
        return {"granted": to_yuan(self.granted), "paid": to_yuan(self.paid),
                "%s_subsidised" % noun: self.count, "declined": self.declined,
                "average_per_%s" % single: to_yuan(average)}


def _venue_event(subsidy):
    return {"subsidy_id": subsidy.id, "venue_id": subsidy.venue_id,
            "venue_name": subsidy.activity_title, "county": subsidy.county,
            "host_union_id": subsidy.union_id, "period": subsidy.period,
            "purpose": subsidy.purpose, "fund_id": subsidy.fund_id, "status": subsidy.status,
            "amount": to_yuan(subsidy.amount_fen), "reason": subsidy.reason,
            "policy_version": subsidy.policy_version, "explanation": subsidy.explanation,
            "batch_id": subsidy.batch_id if subsidy.status == "paid" else None}


def _local_date(occurred_at):
    """The day, in Asia/Shanghai, of an envelope's UTC timestamp."""
    moment = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    return moment.astimezone(LOCAL).date()
