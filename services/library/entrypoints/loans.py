"""Loans: lend a copy to a reader, return it (at any open venue), renew it; lists."""
from sqlalchemy import func, select, update

from services.common.clock import LOCAL, local_today, utcnow
from services.common.errors import Conflict, Invalid
from services.common.lookup import row_or_none
from services.common.paging import page
from services.common.schema import load
from services.library import domain, metrics, queries
from services.library.contract import LoanFilter, LoanIn, LoanOut, ReturnIn
from services.library.entrypoints.common import flush_or_conflict, require_open, rpc
from services.library.models import Copy, CopyMove, Loan, Venue


class LoanEntrypoints:
    @rpc
    def lend(self, payload, borrower, actor):
        """Lend a copy to a reader; a copy is never lent twice at once.

        borrower: {"user_id", "username"} of the gateway user who takes the book home.
        """
        data = load(LoanIn(), payload)
        if (data["copy_id"] is None) == (data["barcode"] is None):
            raise Invalid("name the copy by copy_id or by barcode", {
                "copy_id": ["give copy_id or barcode, not both"],
                "barcode": ["give copy_id or barcode, not both"]})
        rules = domain.loan_rules(self.config)
        with self.db.unit_of_work() as uow:
            session = uow.session
            copy = (row_or_none(session, Copy, data["copy_id"]) if data["copy_id"] is not None else
                    session.scalars(select(Copy).where(Copy.barcode == data["barcode"])).first())
            if copy is None:
                field = "copy_id" if data["copy_id"] is not None else "barcode"
                raise Invalid("unknown copy", {field: ["no such copy"]})
            venue = session.get(Venue, copy.venue_id)
            if data["venue_id"] is not None and data["venue_id"] != venue.id:
                raise Invalid("the copy is held at another venue",
                              {"venue_id": ["the copy is at venue %d" % venue.id]})
            require_open(venue)
            open_loans = session.scalar(select(func.count(Loan.id)).where(
                Loan.borrower_id == borrower["user_id"], Loan.returned_at.is_(None)))
            try:
                domain.check_borrow(open_loans, rules)
            except domain.LoanRefused as exc:
                raise Conflict(str(exc), {"open_loans": open_loans}) from None
            # The conditional update makes one of two racing requests the winner; the
            # partial unique index on open loans per copy is the last line of defence.
            taken = session.execute(
                update(Copy).where(Copy.id == copy.id, Copy.status == "available")
                .values(status="on_loan").execution_options(synchronize_session=False)).rowcount
            if taken != 1:
                raise Conflict("this copy is on loan", {"copy_id": copy.id})
            now = utcnow()
            today = now.astimezone(LOCAL).date()
            loan = Loan(copy_id=copy.id, book_id=copy.book_id, venue_id=venue.id,
                        county=venue.county, host_union_id=venue.host_union_id,
                        borrower_id=borrower["user_id"], borrower_username=borrower["username"],
                        borrowed_at=now, borrowed_on=today, due_on=domain.due_on(today, rules),
                        renewals=0, lent_by=actor)
            session.add(loan)
            flush_or_conflict(session, "this copy is on loan")
            session.refresh(loan)
            answer = LoanOut().dump(loan)
        metrics.LOANS.labels(answer["county"]).inc()
        return answer

    @rpc
    def return_loan(self, loan_id, payload, actor):
        """Return a book; returned at another open venue, the copy stays there (moves)."""
        data = load(ReturnIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            loan = queries.loan(session, loan_id)
            if loan.returned_at is not None:
                raise Conflict("this loan was returned already", {"status": "returned"})
            copy = session.get(Copy, loan.copy_id)
            at_venue = copy.venue_id
            if data["venue_id"] is not None and data["venue_id"] != copy.venue_id:
                target = row_or_none(session, Venue, data["venue_id"])
                if target is None:
                    raise Invalid("unknown venue", {"venue_id": ["no such venue"]})
                require_open(target)
                session.add(CopyMove(copy_id=copy.id, from_venue_id=copy.venue_id,
                                     to_venue_id=target.id, at=utcnow(), actor=actor,
                                     reason="归还至%s" % target.name))
                at_venue = target.id
            closed = session.execute(
                update(Loan).where(Loan.id == loan.id, Loan.returned_at.is_(None))
                .values(returned_at=utcnow(), returned_venue_id=at_venue, returned_by=actor)
                .execution_options(synchronize_session=False)).rowcount
            if closed != 1:
                raise Conflict("this loan was returned meanwhile", {"status": "returned"})
            copy.status, copy.venue_id = "available", at_venue
            session.flush()
            session.refresh(loan)
            answer = LoanOut().dump(loan)
        return answer

    @rpc
    def renew_loan(self, loan_id, actor):
        rules = domain.loan_rules(self.config)
        with self.db.unit_of_work() as uow:
            loan = queries.loan(uow.session, loan_id)
            if loan.returned_at is not None:
                raise Conflict("a returned loan cannot be renewed", {"status": "returned"})
            try:
                new_due = domain.renewed_due_on(loan.due_on, loan.renewals, local_today(), rules)
            except domain.LoanRefused as exc:
                raise Conflict(str(exc), {"renewals": loan.renewals,
                                          "due_on": loan.due_on.isoformat()}) from None
            moved = uow.session.execute(
                update(Loan).where(Loan.id == loan.id, Loan.renewals == loan.renewals,
                                   Loan.returned_at.is_(None))
                .values(due_on=new_due, renewals=loan.renewals + 1)
                .execution_options(synchronize_session=False)).rowcount
            if moved != 1:
                raise Conflict("the loan changed meanwhile; reload it", {})
            uow.session.refresh(loan)
            answer = LoanOut().dump(loan)
        return answer

    @rpc
    def get_loan(self, loan_id):
        with self.db.session() as session:
            return LoanOut().dump(queries.loan(session, loan_id))

    @rpc
    def list_loans(self, filters=None, limit=50, offset=0):
        filters = load(LoanFilter(), filters)
        query = select(Loan)
        status = filters.pop("status", None)
        if status == "returned":
            query = query.where(Loan.returned_at.is_not(None))
        elif status == "open":
            query = query.where(Loan.returned_at.is_(None))
        elif status == "overdue":
            query = query.where(Loan.returned_at.is_(None), Loan.due_on < local_today())
        for key, value in filters.items():
            query = query.where(getattr(Loan, key) == value)
        order = Loan.due_on if status == "overdue" else Loan.id.desc()
        with self.db.session() as session:
            return page(session, query, order, LoanOut(), limit, offset)
