"""What the library's RPC methods answer: the service dumps with these, and the gateway
documents its answers with them (response=)."""
from marshmallow import fields

from services.common.clock import local_today
from services.common.schema import Strict
from services.library.contract.commands import ActivityCredit, Band
from services.library.contract.fields import listing, moment, named
from services.library.words import RATINGS, VENUE_KINDS, days_overdue, loan_status


# venues ----------------------------------------------------------------------------
class VenueOut(Strict):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_name = named(VENUE_KINDS, "kind")
    county = fields.String()
    host_union_id = fields.Integer(allow_none=True)
    address = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    floor_area_m2 = fields.Integer()
    seats = fields.Integer()
    opening_hours = fields.String(allow_none=True)
    e_reading_devices = fields.Integer()
    status = fields.String()
    created_at = moment()
    updated_at = moment(allow_none=True)
    closed_at = moment(allow_none=True)
    closed_reason = fields.String(allow_none=True)
    activities_held = fields.Integer()


VenueList = listing("VenueList", VenueOut)


IdleVenues = listing("IdleVenues", VenueOut, date_from=fields.String(),
                     date_to=fields.String())


class VenueChangeOut(Strict):
    at = moment()
    actor = fields.String()
    action = fields.String()
    changes = fields.Dict()
    comment = fields.String(allow_none=True)


class SummaryFigures(Strict):
    venues = fields.Integer()
    floor_area_m2 = fields.Integer()
    seats = fields.Integer()
    e_reading_devices = fields.Integer()


class SummaryCounty(SummaryFigures):
    county = fields.String()


class SummaryKind(SummaryFigures):
    kind = fields.String()
    kind_name = fields.String()


class SummaryCell(SummaryKind, SummaryCounty):
    pass


class NetworkSummary(Strict):
    status = fields.String()
    by_county_and_kind = fields.List(fields.Nested(SummaryCell))
    by_county = fields.List(fields.Nested(SummaryCounty))
    by_kind = fields.List(fields.Nested(SummaryKind))
    total = fields.Nested(SummaryFigures)


# books and copies ------------------------------------------------------------------
class BookOut(Strict):
    id = fields.Integer()
    isbn = fields.String()
    title = fields.String()
    author = fields.String(allow_none=True)
    publisher = fields.String(allow_none=True)
    published_year = fields.Integer(allow_none=True)
    created_at = moment()


class BookWithCopies(BookOut):
    copies = fields.Integer()
    available = fields.Integer()


BookList = listing("BookList", BookWithCopies)


class CopyOut(Strict):
    id = fields.Integer()
    barcode = fields.String()
    book_id = fields.Integer()
    isbn = fields.String(attribute="book.isbn")
    title = fields.String(attribute="book.title")
    venue_id = fields.Integer()
    status = fields.String()
    created_at = moment()


CopyList = listing("CopyList", CopyOut)


class MoveOut(Strict):
    from_venue_id = fields.Integer()
    to_venue_id = fields.Integer()
    at = moment()
    actor = fields.String()
    reason = fields.String(allow_none=True)


class CopyDetail(CopyOut):
    moves = fields.List(fields.Nested(MoveOut))
    loans = fields.Integer(metadata={"description": "how many times the copy was lent"})


class HoldingsOut(Strict):
    book = fields.Nested(BookOut)
    venue_id = fields.Integer()
    copies = fields.List(fields.Nested(CopyOut))


# loans -----------------------------------------------------------------------------
class LoanOut(Strict):
    id = fields.Integer()
    copy_id = fields.Integer()
    barcode = fields.String(attribute="copy.barcode")
    book_id = fields.Integer()
    isbn = fields.String(attribute="book.isbn")
    title = fields.String(attribute="book.title")
    venue_id = fields.Integer()
    venue_name = fields.String(attribute="venue.name")
    county = fields.String()
    host_union_id = fields.Integer(allow_none=True)
    borrower_id = fields.Integer()
    borrower_username = fields.String()
    borrowed_at = moment()
    due_on = fields.Date()
    renewals = fields.Integer()
    returned_at = moment(allow_none=True)
    returned_venue_id = fields.Integer(allow_none=True)
    status = fields.Function(
        lambda loan: loan_status(loan.returned_at is not None, loan.due_on, local_today()),
        metadata={"type": "string", "description": "open, overdue or returned"})
    days_overdue = fields.Function(
        lambda loan: days_overdue(loan.due_on, loan.returned_at is not None, local_today()),
        metadata={"type": "integer"})
    lent_by = fields.String()
    returned_by = fields.String(allow_none=True)


LoanList = listing("LoanList", LoanOut)


# four-goods evaluations ------------------------------------------------------------
class Criterion(Strict):
    key = fields.String()
    name = fields.String()
    score = fields.Integer()
    max = fields.Integer()


class EvaluationOut(Strict):
    id = fields.Integer()
    venue_id = fields.Integer()
    venue_name = fields.String(attribute="venue.name")
    kind = fields.String(attribute="venue.kind")
    county = fields.String(attribute="venue.county")
    host_union_id = fields.Integer(attribute="venue.host_union_id", allow_none=True)
    period = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    criteria = fields.List(fields.Nested(Criterion))
    activities_counted = fields.Integer()
    activity_credit = fields.Integer()
    total = fields.Integer()
    max_total = fields.Integer()
    rating = fields.String()
    rating_name = named(RATINGS, "rating")
    scheme_version = fields.Integer()
    explanation = fields.List(fields.String())
    evaluator = fields.String()
    comment = fields.String(allow_none=True)
    evaluated_at = moment()


EvaluationList = listing("EvaluationList", EvaluationOut)


class SchemeOut(Strict):
    version = fields.Integer()
    criteria = fields.Dict(keys=fields.String(), values=fields.Integer())
    activity_credit = fields.Nested(ActivityCredit)
    bands = fields.List(fields.Nested(Band))
    evaluator_maxima = fields.Dict(keys=fields.String(), values=fields.Integer())
    max_total = fields.Integer()
    created_by = fields.String()
    created_at = fields.String(allow_none=True)


# reading statistics ------------------------------------------------------------------
class LoanFigures(Strict):
    loans = fields.Integer()
    active_readers = fields.Integer()


class VenueFigures(LoanFigures):
    venue_id = fields.Integer()
    name = fields.String()
    county = fields.String()


class CountyFigures(LoanFigures):
    county = fields.String()


class MonthFigures(LoanFigures):
    month = fields.String()


class LoanStatistics(LoanFigures):
    date_from = fields.String()
    date_to = fields.String()
    by_venue = fields.List(fields.Nested(VenueFigures))
    by_county = fields.List(fields.Nested(CountyFigures))
    by_month = fields.List(fields.Nested(MonthFigures))


class ReadingSeason(LoanFigures):
    year = fields.Integer()
    theme = fields.String()
    date_from = fields.String()
    date_to = fields.String()
    activities_at_venues = fields.Integer()
    reading_activities = fields.Integer()
    reading_participants = fields.Integer()
    venues_with_activities = fields.Integer()
    venues_with_loans = fields.Integer()
    copies_added = fields.Integer()
    by_county = fields.List(fields.Nested(CountyFigures))
    by_month = fields.List(fields.Nested(MonthFigures))
