"""Library entrypoints: venues, holdings and loans, four-goods evaluations, statistics.

Each reads validate -> domain -> one transaction (state plus outbox row) -> answer.
"""
import uuid
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import distinct, func, select, update
from sqlalchemy.exc import IntegrityError

from services.library import events as _events  # noqa: F401  registers this service's events
from services.common.clock import LOCAL, iso, local_today, utcnow
from services.common.consumer import handle_event
from services.common.dependencies import Database, EntrypointMetrics
from services.common.errors import Conflict, Invalid, NotFound, expected_rpc
from services.common.lookup import row_or_404, row_or_none
from services.common.ops import OpsEndpoints
from services.common.paging import page
from services.common.schema import load
from services.library import domain, metrics
from services.library.models import (MESSAGING, Book, Copy, CopyMove, Evaluation,
                                     EvaluationScheme, Loan, Venue, VenueActivity, VenueChange)
from services.library.schemas import (BookFilter, BookIn, BookOut, CopyFilter, CopyOut,
                                      EvaluationFilter, EvaluationIn, EvaluationOut, HoldingsIn,
                                      LoanFilter, LoanIn, LoanOut, MoveIn, MoveOut, ReturnIn,
                                      SchemeIn, StatsFilter, VenueChangeOut, VenueChanges,
                                      VenueFilter, VenueIn, VenueOut)

rpc = expected_rpc()


class Service(OpsEndpoints):
    name = "library"
    db = Database(MESSAGING)
    measured = EntrypointMetrics()

    # venues ------------------------------------------------------------------------
    @rpc
    def register_venue(self, payload, actor="system"):
        data = load(VenueIn(), payload)
        self._check_county(data["county"])
        with self.db.unit_of_work() as uow:
            self._name_free(uow.session, data["name"])
            now = utcnow()
            venue = Venue(**data, status="open", created_at=now, updated_at=now)
            uow.session.add(venue)
            self._flush_or_conflict(uow.session, "a venue with this name exists")
            uow.session.add(VenueChange(venue_id=venue.id, at=now, actor=actor,
                                        action="register", changes={}, comment=None))
            uow.emit("venue_registered", {
                "venue_id": venue.id, "name": venue.name, "kind": venue.kind,
                "county": venue.county, "host_union_id": venue.host_union_id})
            uow.session.flush()
            uow.session.refresh(venue)
            answer = VenueOut().dump(venue)
            uow.commit()
        return answer

    @rpc
    def update_venue(self, venue_id, payload, actor):
        data = load(VenueChanges(), payload)
        if "county" in data:
            self._check_county(data["county"])
        with self.db.unit_of_work() as uow:
            venue = self._venue(uow.session, venue_id)
            if venue.status == "closed":
                raise Conflict("a closed venue cannot be changed; reopen it first",
                               {"status": venue.status})
            if "name" in data and data["name"] != venue.name:
                self._name_free(uow.session, data["name"])
            changes = {key: [getattr(venue, key), value] for key, value in data.items()
                       if getattr(venue, key) != value}
            for key, value in data.items():
                setattr(venue, key, value)
            if changes:
                venue.updated_at = utcnow()
                uow.session.add(VenueChange(venue_id=venue.id, at=venue.updated_at, actor=actor,
                                            action="update", changes=changes, comment=None))
            self._flush_or_conflict(uow.session, "a venue with this name exists")
            uow.session.refresh(venue)
            answer = VenueOut().dump(venue)
            uow.commit()
        return answer

    @rpc
    def close_venue(self, venue_id, reason, actor):
        """Closing keeps the venue, its holdings, loans and evaluations as history."""
        with self.db.unit_of_work() as uow:
            venue = self._venue(uow.session, venue_id)
            if venue.status == "closed":
                raise Conflict("the venue is closed already", {"status": venue.status})
            now = utcnow()
            venue.status, venue.closed_at, venue.closed_reason, venue.updated_at = (
                "closed", now, reason, now)
            uow.session.add(VenueChange(venue_id=venue.id, at=now, actor=actor, action="close",
                                        changes={"status": ["open", "closed"]}, comment=reason))
            uow.session.flush()
            answer = VenueOut().dump(venue)
            uow.commit()
        return answer

    @rpc
    def reopen_venue(self, venue_id, comment, actor):
        with self.db.unit_of_work() as uow:
            venue = self._venue(uow.session, venue_id)
            if venue.status != "closed":
                raise Conflict("only a closed venue can be reopened", {"status": venue.status})
            now = utcnow()
            venue.status, venue.closed_at, venue.closed_reason, venue.updated_at = (
                "open", None, None, now)
            uow.session.add(VenueChange(venue_id=venue.id, at=now, actor=actor, action="reopen",
                                        changes={"status": ["closed", "open"]}, comment=comment))
            uow.session.flush()
            answer = VenueOut().dump(venue)
            uow.commit()
        return answer

    @rpc
    def get_venue(self, venue_id):
        with self.db.session() as session:
            return VenueOut().dump(self._venue(session, venue_id))

    @rpc
    def venue_history(self, venue_id):
        with self.db.session() as session:
            self._venue(session, venue_id)
            rows = session.scalars(select(VenueChange).where(VenueChange.venue_id == venue_id)
                                   .order_by(VenueChange.id)).all()
            return VenueChangeOut(many=True).dump(rows)

    @rpc
    def list_venues(self, filters=None, limit=50, offset=0):
        filters = load(VenueFilter(), filters)
        query = select(Venue)
        if "name" in filters:
            query = query.where(Venue.name.contains(filters.pop("name"), autoescape=True))
        with self.db.session() as session:
            return page(session, query.filter_by(**filters), Venue.id, VenueOut(), limit, offset)

    @rpc
    def network_summary(self, filters=None):
        """Count, floor area, seats and e-reading devices by county and kind."""
        filters = load(VenueFilter(), dict({"status": "open"}, **(filters or {})))
        filters.pop("name", None)
        with self.db.session() as session:
            rows = session.execute(
                select(Venue.county, Venue.kind, Venue.floor_area_m2, Venue.seats,
                       Venue.e_reading_devices).filter_by(**filters)).all()
        summary = domain.network_summary([row._asdict() for row in rows])
        summary["status"] = filters.get("status")
        return summary

    # books and copies --------------------------------------------------------------
    @rpc
    def add_book(self, payload):
        data = load(BookIn(), payload)
        with self.db.unit_of_work() as uow:
            if uow.session.scalar(select(Book.id).where(Book.isbn == data["isbn"])):
                raise Conflict("this ISBN is catalogued already", {"isbn": data["isbn"]})
            book = Book(**data, created_at=utcnow())
            uow.session.add(book)
            self._flush_or_conflict(uow.session, "this ISBN is catalogued already")
            answer = BookOut().dump(book)
            uow.commit()
        return answer

    @rpc
    def get_book(self, book_id):
        with self.db.session() as session:
            book = row_or_none(session, Book, book_id)
            if book is None:
                raise NotFound("book %s not found" % book_id)
            return self._book_view(session, book)

    @rpc
    def list_books(self, filters=None, limit=50, offset=0):
        filters = load(BookFilter(), filters)
        query = select(Book)
        if "isbn" in filters:
            query = query.where(Book.isbn == filters["isbn"])
        if "title" in filters:
            query = query.where(Book.title.contains(filters["title"], autoescape=True))
        if "venue_id" in filters:
            query = query.where(Book.id.in_(select(Copy.book_id).where(
                Copy.venue_id == filters["venue_id"])))
        with self.db.session() as session:
            answer = page(session, query, Book.id, BookOut(), limit, offset)
            counts = self._copy_counts(session, [b["id"] for b in answer["items"]],
                                       filters.get("venue_id"))
        for item in answer["items"]:
            item.update(counts.get(item["id"], {"copies": 0, "available": 0}))
        return answer

    @rpc
    def add_holdings(self, venue_id, payload, actor):
        """Copies of a book at a venue; a book not yet catalogued is added with its title."""
        data = load(HoldingsIn(), payload)
        barcodes = data["barcodes"]
        if barcodes is not None and len(barcodes) != data["copies"]:
            raise Invalid("one barcode per copy", {"barcodes": [
                "%d barcodes for %d copies" % (len(barcodes), data["copies"])]})
        if barcodes is not None and len(set(barcodes)) != len(barcodes):
            raise Invalid("barcodes repeat", {"barcodes": ["each barcode once"]})
        with self.db.unit_of_work() as uow:
            session = uow.session
            venue = self._venue(session, venue_id)
            self._open(venue)
            book = session.scalars(select(Book).where(Book.isbn == data["isbn"])).first()
            if book is None:
                if not data["title"]:
                    raise Invalid("a book not in the catalogue needs its title",
                                  {"title": ["required for a book not yet catalogued"]})
                book = Book(isbn=data["isbn"], title=data["title"], author=data["author"],
                            publisher=data["publisher"], published_year=data["published_year"],
                            created_at=utcnow())
                session.add(book)
                session.flush()
            if barcodes and session.scalar(select(Copy.barcode).where(Copy.barcode.in_(barcodes))):
                raise Conflict("a barcode is in use already", {"barcodes": barcodes})
            now = utcnow()
            copies = []
            for index in range(data["copies"]):
                copy = Copy(book_id=book.id, venue_id=venue.id, status="available",
                            created_at=now, barcode=barcodes[index] if barcodes else
                            "tmp-%s" % uuid.uuid4().hex)
                session.add(copy)
                copies.append(copy)
            self._flush_or_conflict(session, "a barcode is in use already")
            for copy in copies:
                if not barcodes:
                    copy.barcode = "CM%08d" % copy.id
            session.flush()
            answer = {"book": BookOut().dump(book), "venue_id": venue.id,
                      "copies": CopyOut(many=True).dump(copies)}
            uow.commit()
        return answer

    @rpc
    def venue_holdings(self, venue_id, limit=50, offset=0):
        with self.db.session() as session:
            self._venue(session, venue_id)
        return self.list_books({"venue_id": venue_id}, limit, offset)

    @rpc
    def list_copies(self, filters=None, limit=50, offset=0):
        filters = load(CopyFilter(), filters)
        query = select(Copy)
        if "isbn" in filters:
            query = query.join(Book).where(Book.isbn == filters.pop("isbn"))
        with self.db.session() as session:
            return page(session, query.filter_by(**filters), Copy.id, CopyOut(), limit, offset)

    @rpc
    def get_copy(self, copy_id):
        with self.db.session() as session:
            copy = self._copy(session, copy_id)
            answer = CopyOut().dump(copy)
            moves = session.scalars(select(CopyMove).where(CopyMove.copy_id == copy_id)
                                    .order_by(CopyMove.id)).all()
            answer["moves"] = MoveOut(many=True).dump(moves)
            answer["loans"] = session.scalar(select(func.count(Loan.id))
                                             .where(Loan.copy_id == copy_id))
            return answer

    @rpc
    def move_copy(self, copy_id, payload, actor):
        """Move a copy to another venue; its loans stay with it (they name the copy)."""
        data = load(MoveIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            copy = self._copy(session, copy_id)
            target = row_or_none(session, Venue, data["venue_id"])
            if target is None:
                raise Invalid("unknown venue", {"venue_id": ["no such venue"]})
            self._open(target)
            if target.id == copy.venue_id:
                raise Invalid("the copy is at this venue already",
                              {"venue_id": ["the copy's own venue"]})
            if copy.status != "available":
                raise Conflict("a copy on loan cannot be moved; return it first",
                               {"status": copy.status})
            session.add(CopyMove(copy_id=copy.id, from_venue_id=copy.venue_id,
                                 to_venue_id=target.id, at=utcnow(), actor=actor,
                                 reason=data["reason"]))
            copy.venue_id = target.id
            session.flush()
            answer = CopyOut().dump(copy)
            uow.commit()
        return self.get_copy(answer["id"])

    # loans -------------------------------------------------------------------------
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
        rules = self._loan_rules()
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
            self._open(venue)
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
            self._flush_or_conflict(session, "this copy is on loan")
            session.refresh(loan)
            answer = LoanOut().dump(loan)
            uow.commit()
        metrics.LOANS.labels(answer["county"]).inc()
        return answer

    @rpc
    def return_loan(self, loan_id, payload, actor):
        """Return a book; returned at another open venue, the copy stays there (moves)."""
        data = load(ReturnIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            loan = self._loan(session, loan_id)
            if loan.returned_at is not None:
                raise Conflict("this loan was returned already", {"status": "returned"})
            copy = session.get(Copy, loan.copy_id)
            at_venue = copy.venue_id
            if data["venue_id"] is not None and data["venue_id"] != copy.venue_id:
                target = row_or_none(session, Venue, data["venue_id"])
                if target is None:
                    raise Invalid("unknown venue", {"venue_id": ["no such venue"]})
                self._open(target)
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
            uow.commit()
        return answer

    @rpc
    def renew_loan(self, loan_id, actor):
        rules = self._loan_rules()
        with self.db.unit_of_work() as uow:
            loan = self._loan(uow.session, loan_id)
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
            uow.commit()
        return answer

    @rpc
    def get_loan(self, loan_id):
        with self.db.session() as session:
            return LoanOut().dump(self._loan(session, loan_id))

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

    # four-goods evaluations --------------------------------------------------------
    @rpc
    def evaluation_scheme(self):
        with self.db.session() as session:
            return self._scheme(session)

    @rpc
    def set_evaluation_scheme(self, payload, actor):
        data = load(SchemeIn(), payload)
        errors = domain.scheme_errors(data)
        if errors:
            raise Invalid("scheme rejected", errors)
        with self.db.unit_of_work() as uow:
            current = self._scheme(uow.session)
            row = EvaluationScheme(version=current["version"] + 1, document=data,
                                   created_by=actor, created_at=utcnow())
            uow.session.add(row)
            self._flush_or_conflict(uow.session, "the scheme changed meanwhile; reload it")
            answer = self._scheme_view(row.version, data, row.created_by, row.created_at)
            uow.commit()
        return answer

    @rpc
    def evaluate_venue(self, venue_id, payload, actor):
        data = load(EvaluationIn(), payload)
        start, end = domain.period_bounds(data["period"])
        with self.db.unit_of_work() as uow:
            session = uow.session
            venue = self._venue(session, venue_id)
            self._open(venue)
            scheme = self._scheme(session)
            errors = domain.score_errors(data["scores"], scheme)
            if errors:
                raise Invalid("scores rejected", {"scores": errors})
            if session.scalar(select(Evaluation.id).where(Evaluation.venue_id == venue.id,
                                                          Evaluation.period == data["period"])):
                raise Conflict("this venue has been evaluated for %s already" % data["period"],
                               {"venue_id": venue.id, "period": data["period"]})
            held = session.execute(select(VenueActivity.category).where(
                VenueActivity.venue_id == venue.id, VenueActivity.held_on >= start,
                VenueActivity.held_on <= end)).all()
            result = domain.evaluate(data["scores"], [{"category": c} for (c,) in held],
                                     {"e_reading_devices": venue.e_reading_devices}, scheme)
            evaluation = Evaluation(
                venue_id=venue.id, period=data["period"], period_start=start, period_end=end,
                scores=data["scores"], criteria=result.criteria,
                activities_counted=len(held), activity_credit=result.activity_credit,
                total=result.total, max_total=result.max_total, rating=result.rating,
                scheme_version=scheme["version"], explanation=result.explanation,
                evaluator=actor, comment=data["comment"], evaluated_at=utcnow())
            session.add(evaluation)
            self._flush_or_conflict(session, "this venue has been evaluated for this period")
            uow.emit("venue_evaluated", {
                "venue_id": venue.id, "name": venue.name, "kind": venue.kind,
                "county": venue.county, "host_union_id": venue.host_union_id,
                "evaluation_id": evaluation.id, "period": evaluation.period,
                "total": evaluation.total, "rating": evaluation.rating,
                "kind_name": domain.VENUE_KINDS[venue.kind], "year": start.year,
                "period_start": start.isoformat(), "period_end": end.isoformat(),
                "max_total": result.max_total, "rating_name": domain.RATINGS[result.rating],
                "scores": {c["key"]: c["score"] for c in result.criteria},
                "activities_counted": len(held), "floor_area_m2": venue.floor_area_m2,
                "seats": venue.seats, "e_reading_devices": venue.e_reading_devices,
                "scheme_version": scheme["version"], "evaluator": actor})
            answer = EvaluationOut().dump(evaluation)
            uow.commit()
        metrics.EVALUATIONS.labels(answer["rating"]).inc()
        return answer

    @rpc
    def get_evaluation(self, evaluation_id):
        with self.db.session() as session:
            evaluation = row_or_none(session, Evaluation, evaluation_id)
            if evaluation is None:
                raise NotFound("evaluation %s not found" % evaluation_id)
            return EvaluationOut().dump(evaluation)

    @rpc
    def list_evaluations(self, filters=None, limit=50, offset=0):
        filters = load(EvaluationFilter(), filters)
        query = select(Evaluation)
        for key in ("county", "kind", "host_union_id"):
            if key in filters:
                query = query.where(Evaluation.venue_id.in_(
                    select(Venue.id).where(getattr(Venue, key) == filters.pop(key))))
        with self.db.session() as session:
            return page(session, query.filter_by(**filters), Evaluation.id.desc(),
                        EvaluationOut(), limit, offset)

    # reading statistics ------------------------------------------------------------
    @rpc
    def loan_statistics(self, filters):
        """Loans and active readers per venue, county and month (Asia/Shanghai)."""
        data = self._stats_filter(filters)
        with self.db.session() as session:
            rows = self._loan_rows(session, data)
        answer = domain.loan_statistics(rows)
        answer.update(date_from=data["date_from"].isoformat(),
                      date_to=data["date_to"].isoformat())
        return answer

    @rpc
    def reading_season(self, year, filters=None):
        """The autumn reading season (职工读书季, September to November) of a year."""
        start, end = domain.reading_season(int(year))
        data = self._stats_filter(dict(filters or {}, date_from=start.isoformat(),
                                       date_to=end.isoformat()))
        with self.db.session() as session:
            loans = domain.loan_statistics(self._loan_rows(session, data))
            venue_ids = self._venue_ids(session, data)
            held = session.execute(
                select(VenueActivity.category, VenueActivity.participants,
                       VenueActivity.venue_id)
                .where(VenueActivity.held_on >= start, VenueActivity.held_on <= end,
                       VenueActivity.venue_id.in_(venue_ids))).all()
            new_copies = session.scalar(select(func.count(Copy.id)).where(
                Copy.venue_id.in_(venue_ids), Copy.created_at >= _utc_start(start),
                Copy.created_at < _utc_start(end + timedelta(days=1))))
        reading = [row for row in held if row.category == "reading"]
        return {
            "year": int(year), "theme": "职工读书季", "date_from": start.isoformat(),
            "date_to": end.isoformat(), "loans": loans["loans"],
            "active_readers": loans["active_readers"],
            "activities_at_venues": len(held), "reading_activities": len(reading),
            "reading_participants": sum(row.participants for row in reading),
            "venues_with_activities": len({row.venue_id for row in held}),
            "venues_with_loans": len(loans["by_venue"]), "copies_added": new_copies,
            "by_county": loans["by_county"], "by_month": loans["by_month"],
        }

    @rpc
    def idle_venues(self, filters, limit=50, offset=0):
        """Open venues without a loan and without an approved activity in the period."""
        data = self._stats_filter(filters)
        with self.db.session() as session:
            query = self._venue_query(data).where(Venue.status == "open")
            lent = select(distinct(Loan.venue_id)).where(
                Loan.borrowed_on >= data["date_from"], Loan.borrowed_on <= data["date_to"])
            active = select(distinct(VenueActivity.venue_id)).where(
                VenueActivity.held_on >= data["date_from"],
                VenueActivity.held_on <= data["date_to"])
            query = query.where(Venue.id.not_in(lent), Venue.id.not_in(active))
            answer = page(session, query, Venue.id, VenueOut(), limit, offset)
        answer.update(date_from=data["date_from"].isoformat(),
                      date_to=data["date_to"].isoformat())
        return answer

    # approved activities held at venues --------------------------------------------
    @handle_event("activity_approved")
    def on_activity_approved(self, event):
        facts = event["data"]
        if not domain.counts_toward_venue(facts):
            return
        with self.db.unit_of_work() as uow:
            known = uow.session.scalar(select(VenueActivity.id).where(
                VenueActivity.activity_id == facts["activity_id"]))
            if known is None and row_or_none(uow.session, Venue, facts["venue_id"]) is not None:
                uow.session.add(VenueActivity(
                    venue_id=facts["venue_id"], activity_id=facts["activity_id"],
                    category=facts["category"], held_on=facts["held_on"],
                    participants=facts["participants"]))
            uow.commit()

    # metrics -----------------------------------------------------------------------
    def refresh_gauges(self):
        super().refresh_gauges()
        with self.db.provider.sessions() as session:
            rows = session.execute(select(Venue.kind, Venue.county, Venue.status,
                                          func.count(Venue.id))
                                   .group_by(Venue.kind, Venue.county, Venue.status)).all()
        metrics.VENUES.clear()
        for kind, county, status, count in rows:
            metrics.VENUES.labels(kind, county, status).set(count)

    # helpers -----------------------------------------------------------------------
    def _settings(self):
        return self.db.provider.container.config["CM"]

    def _loan_rules(self):
        settings = self._settings()
        return {key: int(settings.get("library_%s" % key) or default)
                for key, default in domain.DEFAULT_LOAN_RULES.items()}

    def _check_county(self, county):
        counties = self._settings()["counties"]
        if county not in counties:
            raise Invalid("unknown county", {"county": ["one of %s" % ", ".join(counties)]})

    @staticmethod
    def _name_free(session, name):
        if session.scalar(select(Venue.id).where(Venue.name == name)):
            raise Conflict("a venue with this name exists", {"name": name})

    @staticmethod
    def _flush_or_conflict(session, message):
        try:
            session.flush()
        except IntegrityError:  # a concurrent twin won a unique constraint
            raise Conflict(message) from None

    @staticmethod
    def _open(venue):
        if venue.status != "open":
            raise Conflict("venue %d (%s) is closed" % (venue.id, venue.name),
                           {"venue_id": venue.id, "status": venue.status})

    @staticmethod
    def _venue(session, venue_id):
        return row_or_404(session, Venue, venue_id, "venue")

    @staticmethod
    def _copy(session, copy_id):
        return row_or_404(session, Copy, copy_id, "copy")

    @staticmethod
    def _loan(session, loan_id):
        return row_or_404(session, Loan, loan_id, "loan")

    def _book_view(self, session, book):
        answer = BookOut().dump(book)
        answer.update(self._copy_counts(session, [book.id]).get(
            book.id, {"copies": 0, "available": 0}))
        return answer

    @staticmethod
    def _copy_counts(session, book_ids, venue_id=None):
        if not book_ids:
            return {}
        query = (select(Copy.book_id, Copy.status, func.count(Copy.id))
                 .where(Copy.book_id.in_(book_ids)).group_by(Copy.book_id, Copy.status))
        if venue_id is not None:
            query = query.where(Copy.venue_id == venue_id)
        counts = {}
        for book_id, status, count in session.execute(query).all():
            entry = counts.setdefault(book_id, {"copies": 0, "available": 0})
            entry["copies"] += count
            if status == "available":
                entry["available"] += count
        return counts

    def _scheme(self, session):
        row = session.scalars(select(EvaluationScheme)
                              .order_by(EvaluationScheme.version.desc()).limit(1)).first()
        if row is None:
            return self._scheme_view(1, domain.DEFAULT_SCHEME, "system", None)
        return self._scheme_view(row.version, row.document, row.created_by, row.created_at)

    @staticmethod
    def _scheme_view(version, document, created_by, created_at):
        return {"version": version, "criteria": dict(document["criteria"]),
                "activity_credit": dict(document["activity_credit"]),
                "bands": [dict(b) for b in document["bands"]],
                "evaluator_maxima": domain.evaluator_maxima(document),
                "max_total": sum(document["criteria"].values()),
                "created_by": created_by, "created_at": iso(created_at)}

    @staticmethod
    def _stats_filter(filters):
        data = load(StatsFilter(), filters)
        if data["date_to"] < data["date_from"]:
            raise Invalid("an empty period", {"date_to": ["on or after date_from"]})
        if (data["date_to"] - data["date_from"]).days > 3 * 366:
            raise Invalid("a period too long", {"date_to": ["at most three years after date_from"]})
        return data

    @staticmethod
    def _venue_query(data):
        query = select(Venue)
        for key in ("county", "host_union_id", "kind"):
            if data.get(key) is not None:
                query = query.where(getattr(Venue, key) == data[key])
        if data.get("venue_id") is not None:
            query = query.where(Venue.id == data["venue_id"])
        return query

    def _venue_ids(self, session, data):
        return [v.id for v in session.scalars(self._venue_query(data)).all()]

    def _loan_rows(self, session, data):
        query = (select(Loan.venue_id, Venue.name, Loan.county, Loan.borrowed_on,
                        Loan.borrower_id).join(Venue, Venue.id == Loan.venue_id)
                 .where(Loan.borrowed_on >= data["date_from"],
                        Loan.borrowed_on <= data["date_to"]))
        if data.get("county") is not None:
            query = query.where(Loan.county == data["county"])
        if data.get("host_union_id") is not None:
            query = query.where(Loan.host_union_id == data["host_union_id"])
        if data.get("venue_id") is not None:
            query = query.where(Loan.venue_id == data["venue_id"])
        if data.get("kind") is not None:
            query = query.where(Venue.kind == data["kind"])
        return [{"venue_id": r.venue_id, "venue_name": r.name, "county": r.county,
                 "month": r.borrowed_on.strftime("%Y-%m"), "borrower_id": r.borrower_id}
                for r in session.execute(query).all()]


def _utc_start(local_date):
    return datetime.combine(local_date, time(0), LOCAL).astimezone(timezone.utc)
