"""Disbursement: a batch of a fund's granted, unpaid decisions (count and control total),
paid once, or cancelled; its export for the bank."""
import csv
import io

from sqlalchemy import select, update

from services.common.clock import iso, utcnow
from services.common.errors import Conflict, Invalid
from services.common.money import to_yuan
from services.common.paging import page
from services.common.schema import load
from services.subsidies import contract, events, metrics, repository
from services.subsidies.entrypoints import emit, rpc
from services.subsidies.models import Batch, Fund, Subsidy

CSV_HEADER = ["序号", "补助编号", "补助对象", "活动或阵地编号", "活动或阵地名称", "收款工会编号",
              "收款工会", "县区", "层级或类型", "补助金额（元）", "政策版本", "核定日期"]


class DisbursementEntrypoints:
    @rpc
    def create_batch(self, payload, actor):
        data = load(contract.BatchIn(), payload)
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
            return contract.BatchOut().dump(batch)

    @rpc
    def get_batch(self, batch_id):
        with self.db.session() as session:
            return contract.BatchOut().dump(repository.batch(session, batch_id))

    @rpc
    def list_batches(self, filters=None, limit=50, offset=0):
        filters = load(contract.BatchFilter(), filters)
        with self.db.session() as session:
            return page(session, select(Batch).filter_by(**filters), Batch.id.desc(),
                        contract.BatchOut(), limit, offset)

    @rpc
    def pay_batch(self, batch_id, payload, actor):
        """Every decision of the batch becomes paid, once; subsidy_paid events follow."""
        data = load(contract.PayIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund_id = repository.batch(session, batch_id).fund_id
            book = repository.FundBook(session, repository.fund(session, fund_id, lock=True))
            batch = repository.locked_batch(session, batch_id)
            if batch.status != "open":
                raise Conflict("this batch is %s already" % batch.status,
                               {"status": batch.status, "paid_at": iso(batch.paid_at)})
            rows = session.scalars(select(Subsidy).where(Subsidy.batch_id == batch.id)
                                   .order_by(Subsidy.id).with_for_update()).all()
            if (len(rows) != batch.count or sum(r.amount_fen for r in rows) != batch.total_fen
                    or any(r.status != "granted" for r in rows)):
                raise Conflict("the batch no longer matches its decisions; cancel it and "
                               "create a new one", {"batch_id": batch.id})
            now = utcnow()
            for row in rows:
                book.money.pay(row.id, row.county, row.amount_fen, batch.id, data["reference"])
                row.status, row.paid_at = "paid", now
                emit(uow, events.paid(row, batch.id))
            book.save()
            batch.status, batch.paid_at, batch.paid_by = "paid", now, actor
            batch.reference = data["reference"]
            answer = contract.BatchOut().dump(batch)
        for row in rows:
            metrics.count_decision("paid", row.county)
        return answer

    @rpc
    def cancel_batch(self, batch_id, actor):
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund_id = repository.batch(session, batch_id).fund_id
            repository.fund(session, fund_id, lock=True)
            batch = repository.locked_batch(session, batch_id)
            if batch.status != "open":
                raise Conflict("this batch is %s already" % batch.status,
                               {"status": batch.status})
            session.execute(update(Subsidy).where(Subsidy.batch_id == batch.id)
                            .values(batch_id=None))
            batch.status = "cancelled"
            return contract.BatchOut().dump(batch)

    @rpc
    def export_batch(self, batch_id):
        """The batch for the bank: CSV, Chinese headers, UTF-8 with a BOM for Excel."""
        with self.db.session() as session:
            batch = repository.batch(session, batch_id)
            rows = session.scalars(select(Subsidy).where(Subsidy.batch_id == batch.id)
                                   .order_by(Subsidy.id)).all()
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(CSV_HEADER)
            for number, row in enumerate(rows, start=1):
                writer.writerow([
                    number, row.id, contract.SUBJECT_NAMES[row.subject],
                    row.activity_id if row.subject == "activity" else row.venue_id,
                    row.activity_title, "" if row.union_id is None else row.union_id,
                    row.union_name or "", row.county,
                    contract.TIER_NAMES.get(row.tier, row.tier), to_yuan(row.amount_fen),
                    row.policy_version or "",
                    (row.approved_on or row.decided_at.date()).isoformat()])
            return contract.ExportOut().dump({
                "batch_id": batch.id, "fund_id": batch.fund_id, "status": batch.status,
                "count": batch.count, "total": batch.total_fen,
                "filename": "disbursement-%d-%s.csv" % (batch.id, to_yuan(batch.total_fen)),
                "content_type": "text/csv; charset=utf-8", "csv": "\ufeff" + out.getvalue()})
