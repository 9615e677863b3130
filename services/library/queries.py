"""The library's reads: rows by id (404 when absent), copy counts, the current scheme,
and the rows the statistics are computed from."""
from datetime import datetime, time, timezone

from sqlalchemy import func, select

from services.common.clock import LOCAL, iso
from services.common.errors import Conflict, NotFound
from services.common.lookup import row_or_404, row_or_none
from services.library import domain
from services.library.contract import BookOut
from services.library.models import Book, Copy, EvaluationScheme, Loan, Venue


def venue(session, venue_id):
    return row_or_404(session, Venue, venue_id, "venue")


def copy(session, copy_id):
    return row_or_404(session, Copy, copy_id, "copy")


def loan(session, loan_id):
    return row_or_404(session, Loan, loan_id, "loan")


def book(session, book_id):
    row = row_or_none(session, Book, book_id)
    if row is None:
        raise NotFound("book %s not found" % book_id)
    return row


def name_free(session, name):
    if session.scalar(select(Venue.id).where(Venue.name == name)):
        raise Conflict("a venue with this name exists", {"name": name})


def book_view(session, row):
    answer = BookOut().dump(row)
    answer.update(copy_counts(session, [row.id]).get(row.id, {"copies": 0, "available": 0}))
    return answer


def copy_counts(session, book_ids, venue_id=None):
    """book id -> {"copies", "available"} (at one venue, or across the network)."""
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


def scheme(session):
    """The current four-goods scheme (the default one until a city admin sets another)."""
    row = session.scalars(select(EvaluationScheme)
                          .order_by(EvaluationScheme.version.desc()).limit(1)).first()
    if row is None:
        return scheme_view(1, domain.DEFAULT_SCHEME, "system", None)
    return scheme_view(row.version, row.document, row.created_by, row.created_at)


def scheme_view(version, document, created_by, created_at):
    return {"version": version, "criteria": dict(document["criteria"]),
            "activity_credit": dict(document["activity_credit"]),
            "bands": [dict(b) for b in document["bands"]],
            "evaluator_maxima": domain.evaluator_maxima(document),
            "max_total": sum(document["criteria"].values()),
            "created_by": created_by, "created_at": iso(created_at)}


# statistics ------------------------------------------------------------------------
def venue_query(data):
    query = select(Venue)
    for key in ("county", "host_union_id", "kind"):
        if data.get(key) is not None:
            query = query.where(getattr(Venue, key) == data[key])
    if data.get("venue_id") is not None:
        query = query.where(Venue.id == data["venue_id"])
    return query


def venue_ids(session, data):
    return [v.id for v in session.scalars(venue_query(data)).all()]


def loan_rows(session, data):
    """The loans of a period as domain.loan_statistics takes them."""
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


def utc_start(local_date):
    """The first moment of a local (Asia/Shanghai) day, in UTC."""
    return datetime.combine(local_date, time(0), LOCAL).astimezone(timezone.utc)
