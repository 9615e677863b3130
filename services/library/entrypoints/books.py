"""The catalogue and the holdings: books by ISBN, copies at venues, moves between venues."""
import uuid

from sqlalchemy import func, select

from services.common.clock import utcnow
from services.common.errors import Conflict, Invalid
from services.common.lookup import row_or_none
from services.common.paging import page
from services.common.schema import load
from services.library import queries
from services.library.contract import (BookFilter, BookIn, BookOut, CopyFilter, CopyOut,
                                       HoldingsIn, MoveIn, MoveOut)
from services.library.entrypoints.common import flush_or_conflict, require_open, rpc
from services.library.models import Book, Copy, CopyMove, Loan, Venue


class BookEntrypoints:
    @rpc
    def add_book(self, payload):
        data = load(BookIn(), payload)
        with self.db.unit_of_work() as uow:
            if uow.session.scalar(select(Book.id).where(Book.isbn == data["isbn"])):
                raise Conflict("this ISBN is catalogued already", {"isbn": data["isbn"]})
            book = Book(**data, created_at=utcnow())
            uow.session.add(book)
            flush_or_conflict(uow.session, "this ISBN is catalogued already")
            answer = BookOut().dump(book)
        return answer

    @rpc
    def get_book(self, book_id):
        with self.db.session() as session:
            return queries.book_view(session, queries.book(session, book_id))

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
            counts = queries.copy_counts(session, [b["id"] for b in answer["items"]],
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
            venue = queries.venue(session, venue_id)
            require_open(venue)
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
            flush_or_conflict(session, "a barcode is in use already")
            for copy in copies:
                if not barcodes:
                    copy.barcode = "CM%08d" % copy.id
            session.flush()
            answer = {"book": BookOut().dump(book), "venue_id": venue.id,
                      "copies": CopyOut(many=True).dump(copies)}
        return answer

    @rpc
    def venue_holdings(self, venue_id, limit=50, offset=0):
        with self.db.session() as session:
            queries.venue(session, venue_id)
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
            copy = queries.copy(session, copy_id)
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
            copy = queries.copy(session, copy_id)
            target = row_or_none(session, Venue, data["venue_id"])
            if target is None:
                raise Invalid("unknown venue", {"venue_id": ["no such venue"]})
            require_open(target)
            if target.id == copy.venue_id:
                # the copy's state, not the request's shape: a conflict, like one on loan
                raise Conflict("the copy is at this venue already",
                               {"venue_id": ["the copy's own venue"]})
            if copy.status != "available":
                raise Conflict("a copy on loan cannot be moved; return it first",
                               {"status": copy.status})
            session.add(CopyMove(copy_id=copy.id, from_venue_id=copy.venue_id,
                                 to_venue_id=target.id, at=utcnow(), actor=actor,
                                 reason=data["reason"]))
            copy.venue_id = target.id
        return self.get_copy(copy_id)
