"""Disbursement: a batch of a fund's granted decisions in a scope (a county, approval
dates), one payee line per union or venue with its bank details copied as they were (the
payees without bank details held out), previewed, paid once by a second person, or
cancelled; a line the bank returns; a paid decision reversed; the bank file.

Lock order (repository.py): the fund's row first, then the batch, its lines and its
decisions, then a union's year.
"""
import base64

from eventlet import tpool
from sqlalchemy import select, update

from services.common.clock import iso, utcnow
from services.common.errors import Conflict, Forbidden, Invalid
from services.common.money import to_yuan
from services.common.paging import page
from services.common.schema import load
from services.subsidies import contract, events, metrics, repository
from services.subsidies.domain import exports, payees as payee_rules
from services.subsidies.entrypoints import emit, rpc
from services.subsidies.entrypoints.payees import PayeeEntrypoints
from services.subsidies.models import Batch, BatchLine, Fund, Subsidy

BATCH_FIELDS = ("id", "fund_id", "status", "count", "total_fen", "reference", "created_by",
                "created_at", "paid_by", "paid_at", "county", "approved_from", "approved_to")
SCOPE = ("county", "approved_from", "approved_to")
FILE_FORMATS = ("csv", "xlsx")


class DisbursementEntrypoints(PayeeEntrypoints):
    """Batches and their lines; the payees' own entrypoints come with them (a batch pays
    payees), so the service composes one mixin for both."""

    @rpc
    def preview_batch(self, payload):
        """What create_batch would make of this scope now; changes nothing."""
        data = self._batch_scope(payload)
        with self.db.session() as session:
            fund = _fund_of(session, data["fund_id"])
            grouping = _grouping(session, repository.in_scope(session, fund.id, data))
            view = dict({key: data[key] for key in SCOPE}, fund_id=fund.id,
                        count=grouping.count, total_fen=grouping.total,
                        lines=[line.view() for line in grouping.lines],
                        held_out=[line.view() for line in grouping.held_out])
            return contract.BatchPreviewOut().dump(view)

    @rpc
    def create_batch(self, payload, actor):
        data = self._batch_scope(payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            fund = _fund_of(session, data["fund_id"], lock=True)  # the fund's row first
            rows = repository.in_scope(session, fund.id, data, lock=True)
            if not rows:
                raise Conflict("the fund has no granted, unpaid subsidy outside a batch",
                               {"fund_id": fund.id})
            grouping = _grouping(session, rows)
            if not grouping.lines:
                raise Conflict("no decision in scope has a payee with bank details", {
                    "held_out": [{"payee_kind": h.payee[0], "payee_id": h.payee[1],
                                  "count": h.count} for h in grouping.held_out]})
            batch = Batch(fund_id=fund.id, status="open", count=grouping.count,
                          total_fen=grouping.total, created_by=actor, created_at=utcnow(),
                          **{key: data[key] for key in SCOPE})
            session.add(batch)
            session.flush()
            _add_lines(session, batch, grouping.lines, {row.id: row for row in rows})
            return _batch_answer(session, batch, grouping.held_out)

    @rpc
    def get_batch(self, batch_id):
        with self.db.session() as session:
            return _batch_answer(session, repository.batch(session, batch_id))

    @rpc
    def list_batches(self, filters=None, limit=50, offset=0):
        filters = load(contract.BatchFilter(), filters)
        with self.db.session() as session:
            return page(session, select(Batch).filter_by(**filters), Batch.id.desc(),
                        contract.BatchSummaryOut(), limit, offset)

    @rpc
    def pay_batch(self, batch_id, payload, actor):
        """Every decision of the batch becomes paid, once, confirmed by a second person
        (not the batch's creator); subsidy_paid events follow."""
        data = load(contract.PayIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            batch = repository.batch(session, batch_id)
            if batch.created_by == actor:
                raise Forbidden("a second person confirms every payment: the batch's creator "
                                "may not pay it", {"created_by": batch.created_by})
            book = repository.FundBook(session, repository.fund(session, batch.fund_id,
                                                                lock=True))
            batch = repository.locked_batch(session, batch_id)
            if batch.status != "open":
                raise Conflict("this batch is %s already" % batch.status,
                               {"status": batch.status, "paid_at": iso(batch.paid_at)})
            rows = repository.in_batch(session, batch.id, lock=True)
            lines = repository.batch_lines(session, batch.id)
            _check_matches(batch, lines, rows)
            now = utcnow()
            note = _pay_note(batch, actor, data["reference"])
            for row in rows:
                book.money.pay(row.id, row.county, row.amount_fen, batch.id, note, actor)
                row.status, row.paid_at = "paid", now
                emit(uow, events.paid(row, batch.id))
            book.save()
            for line in lines:
                line.status = "paid"
            batch.status, batch.paid_at, batch.paid_by = "paid", now, actor
            batch.reference = data["reference"]
            answer = _batch_answer(session, batch)
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
                            .values(batch_id=None, line_id=None))
            batch.status = "cancelled"
            return _batch_answer(session, batch)

    @rpc
    def return_line(self, batch_id, line_id, payload, actor):
        """The bank sent a paid line back: its decisions are granted again, outside any
        batch (to be paid in another), the ledger gets a return entry for each, and the
        union is told (payment_returned)."""
        reason = load(contract.PaymentReasonIn(), payload)["reason"].strip()
        with self.db.unit_of_work() as uow:
            session = uow.session
            book = repository.FundBook(session, repository.fund(
                session, repository.batch(session, batch_id).fund_id, lock=True))
            batch = repository.locked_batch(session, batch_id)
            line = repository.locked_line(session, batch.id, line_id)
            if batch.status != "paid" or line.status != "paid":
                raise Conflict("only a paid line of a paid batch can be returned",
                               {"batch_status": batch.status, "line_status": line.status})
            rows = session.scalars(select(Subsidy).where(Subsidy.line_id == line.id)
                                   .order_by(Subsidy.id).with_for_update()).all()
            if any(row.status != "paid" for row in rows) or (
                    sum(row.amount_fen for row in rows) != line.total_fen):
                raise Conflict("the line no longer matches its decisions (one was reversed)",
                               {"line_id": line.id})
            note = "银行退回（批次 %d 第 %d 行）：%s" % (batch.id, line.number, reason)
            for row in rows:
                book.money.return_payment(row.id, row.county, row.amount_fen, batch.id, note,
                                          actor)
                row.status, row.batch_id, row.line_id, row.paid_at = "granted", None, None, None
            book.save()
            line.status, line.return_reason = "returned", reason
            line.returned_at, line.returned_by = utcnow(), actor
            told = payee_rules.union_told(line.payee_kind, line.payee_id,
                                          rows[0].union_id if rows else None)
            emit(uow, events.payment_returned(line, batch.fund_id, told, [r.id for r in rows]))
            return contract.LineOut().dump(_line_view(line, rows))

    @rpc
    def reverse_subsidy(self, subsidy_id, payload, actor):
        """A paid decision reversed (its money came back): refund and release in the
        ledger, status reversed with its amount kept for the record, an explanation line,
        subsidy_reversed."""
        reason = load(contract.PaymentReasonIn(), payload)["reason"].strip()
        with self.db.unit_of_work() as uow:
            session = uow.session
            subsidy = repository.subsidy(session, subsidy_id)
            if subsidy.status != "paid":
                raise Conflict("only a paid subsidy can be reversed", {"status": subsidy.status})
            book = repository.FundBook(session, repository.fund(session, subsidy.fund_id,
                                                                lock=True))
            session.refresh(subsidy)  # as it stands under the fund's lock
            if subsidy.status != "paid":
                raise Conflict("only a paid subsidy can be reversed", {"status": subsidy.status})
            union_year = (book.union_year(subsidy.union_id, subsidy.year)  # after the fund's
                          if subsidy.subject == "activity" else None)
            amount = subsidy.amount_fen
            book.money.refund(subsidy.id, subsidy.county, amount, union_year,
                              batch_id=subsidy.batch_id, note="冲销：%s" % reason, actor=actor)
            book.save()
            subsidy.status = "reversed"
            subsidy.explanation = list(subsidy.explanation) + [
                "已冲销已拨付补助 %s 元（%s）：%s；款项退回资金" % (to_yuan(amount), actor, reason)]
            emit(uow, events.reversed_(subsidy, amount, reason))
            return contract.SubsidyOut().dump(subsidy)

    @rpc
    def export_batch(self, batch_id, file_format="csv"):
        """The bank file: one row per payee line, the control count and total in the file,
        the decisions behind each line; CSV (UTF-8, BOM) or XLSX (base64 in the answer)."""
        if file_format not in FILE_FORMATS:
            raise Invalid("unknown export format", {"format": ["one of csv, xlsx"]})
        with self.db.session() as session:
            batch = repository.batch(session, batch_id)
            if batch.status == "cancelled":
                raise Conflict("a cancelled batch is not exported", {"status": batch.status})
            fund = repository.fund(session, batch.fund_id)
            lines = repository.batch_lines(session, batch.id)
            members = _members(session, batch, lines)
            bank = exports.bank_rows(_file_batch(batch, fund), [
                _line_view(line, []) for line in lines])
            detail = exports.detail_rows(_details(lines, members))
        answer = {"batch_id": batch.id, "fund_id": batch.fund_id, "status": batch.status,
                  "count": batch.count, "lines": len(lines), "total": batch.total_fen,
                  "filename": "disbursement-%d-%s.%s" % (batch.id, to_yuan(batch.total_fen),
                                                         file_format)}
        # a file of thousands of rows is seconds of CPU: in a native thread (no transaction
        # open), so that the hub goes on serving other requests meanwhile
        if file_format == "xlsx":
            answer.update(content_type=exports.XLSX_TYPE, xlsx=base64.b64encode(
                tpool.execute(exports.xlsx_bytes, bank, detail)).decode("ascii"))
        else:
            answer.update(content_type=exports.CSV_TYPE,
                          csv=tpool.execute(exports.csv_text, bank, detail))
        return contract.ExportOut().dump(answer)

    # helpers ---------------------------------------------------------------------------
    def _batch_scope(self, payload):
        data = load(contract.BatchIn(), payload)
        counties = self.config.counties
        if data["county"] is not None and data["county"] not in counties:
            raise Invalid("unknown county", {"county": ["one of %s" % ", ".join(counties)]})
        return data


def _fund_of(session, fund_id, lock=False):
    query = select(Fund).where(Fund.id == fund_id)
    found = session.scalars(query.with_for_update() if lock else query).first()
    if found is None:
        raise Invalid("no such fund", {"fund_id": ["no fund %s" % fund_id]})
    return found


def _grouping(session, rows):
    """The decisions as payee lines and held-out payees (domain.payees.group)."""
    decisions = [_decision(row) for row in rows]
    known = repository.payees_of(session, {d.payee for d in decisions})
    return payee_rules.group(decisions, {key: {
        "name": p.name, "account_name": p.account_name, "bank": p.bank,
        "account_number": p.account_number} for key, p in known.items()})


def _decision(row):
    payee = payee_rules.payee_of(row.subject, row.union_id, row.venue_id)
    name = row.activity_title if payee[0] == payee_rules.VENUE else row.union_name
    return payee_rules.Decision(row.id, row.amount_fen, payee,
                                name or payee_rules.fallback_name(*payee))


def _add_lines(session, batch, lines, by_id):
    """The batch's lines (bank details copied as they are now) and its decisions in them."""
    added = []
    for line in lines:
        row = BatchLine(batch_id=batch.id, number=line.number, payee_kind=line.payee[0],
                        payee_id=line.payee[1], payee_name=line.payee_name[:200],
                        count=line.count, total_fen=line.total, status="pending", **line.bank)
        session.add(row)
        added.append((row, line))
    session.flush()
    for row, line in added:
        for subsidy_id in line.subsidy_ids:
            by_id[subsidy_id].batch_id, by_id[subsidy_id].line_id = batch.id, row.id


def _members(session, batch, lines):
    """{line id: [decisions]}: those in the line now, and those the bank returned from it
    (by the ledger's return entries; a payee has one line per batch)."""
    by_line = {}
    for row in repository.in_batch(session, batch.id):
        by_line.setdefault(row.line_id, []).append(row)
    returned = repository.returned_from(session, batch.id)
    if returned:
        line_of = {(line.payee_kind, line.payee_id): line.id for line in lines}
        for row in returned:
            key = payee_rules.payee_of(row.subject, row.union_id, row.venue_id)
            by_line.setdefault(line_of.get(key), []).append(row)
    return by_line


def _line_view(line, members):
    return {"id": line.id, "number": line.number, "payee_kind": line.payee_kind,
            "payee_id": line.payee_id, "payee_name": line.payee_name,
            "account_name": line.account_name, "bank": line.bank,
            "account_number": line.account_number, "count": line.count,
            "total": line.total_fen, "subsidy_ids": sorted(row.id for row in members),
            "status": line.status, "return_reason": line.return_reason,
            "returned_at": line.returned_at, "returned_by": line.returned_by}


def _batch_answer(session, batch, held_out=None):
    """BatchOut: the batch, its lines, and the payees of its scope held out (now, unless
    the caller has them)."""
    lines = repository.batch_lines(session, batch.id)
    members = _members(session, batch, lines)
    if held_out is None:
        scope = {key: getattr(batch, key) for key in SCOPE}
        held_out = _grouping(session, repository.in_scope(session, batch.fund_id,
                                                          scope)).held_out
    view = {key: getattr(batch, key) for key in BATCH_FIELDS}
    view["lines"] = [_line_view(line, members.get(line.id, [])) for line in lines]
    view["held_out"] = [line.view() for line in held_out]
    return contract.BatchOut().dump(view)


def _check_matches(batch, lines, rows):
    """The batch pays what it was made of: its count, total and lines, all granted."""
    by_line = {}
    for row in rows:
        by_line[row.line_id] = by_line.get(row.line_id, 0) + row.amount_fen
    mismatched = (
        len(rows) != batch.count or sum(r.amount_fen for r in rows) != batch.total_fen
        or any(r.status != "granted" for r in rows)
        or (lines and by_line != {line.id: line.total_fen for line in lines}))
    if mismatched:
        raise Conflict("the batch no longer matches its decisions; cancel it and "
                       "create a new one", {"batch_id": batch.id})


def _pay_note(batch, payer, reference):
    """The pay entries' note: both people (the creator, the second person) and the
    bank's reference."""
    note = "批次 %d 制单：%s；复核拨付：%s" % (batch.id, batch.created_by, payer)
    return note if not reference else "%s；银行回单号：%s" % (note, reference)


def _file_batch(batch, fund):
    return {"id": batch.id, "fund_name": fund.name, "status": batch.status,
            "created_by": batch.created_by, "paid_by": batch.paid_by,
            "reference": batch.reference, "count": batch.count, "total": batch.total_fen}


def _details(lines, members):
    """The bank file's 明细: each line's decisions, in line order."""
    details = []
    for line in lines:
        for row in sorted(members.get(line.id, []), key=lambda r: r.id):
            details.append({
                "line_number": line.number, "payee_name": line.payee_name,
                "subsidy_id": row.id, "subject_name": contract.SUBJECT_NAMES[row.subject],
                "subject_id": row.activity_id if row.subject == "activity" else row.venue_id,
                "title": row.activity_title, "county": row.county,
                "tier_name": contract.TIER_NAMES.get(
                    row.tier, "阵地" if row.subject == "venue" else row.tier),
                "amount": row.amount_fen, "policy_version": row.policy_version,
                "approved_on": (row.approved_on or row.decided_at.date()).isoformat()})
    return details
