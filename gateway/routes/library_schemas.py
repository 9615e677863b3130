"""HTTP schemas of the reading network: venues, holdings and loans, four-goods
evaluations, reading statistics (requests strict; answers for the OpenAPI document)."""
from marshmallow import ValidationError, fields, validate

from gateway.schemas import Paging
from services.common.schema import Strict

KINDS = ("culture_palace", "worker_club", "book_house", "model_worker_bookshelf",
         "craftsman_study", "rest_station_corner", "shared_book_house", "worker_home")
CRITERIA = ("site", "management", "activities", "service", "e_reading", "reading_activities")
RATINGS = ("excellent", "good", "pass", "fail")
PERIOD = validate.Regexp(r"^\d{4}(-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$",
                         error="a year (2026), half (2026-H1), quarter (2026-Q3) or month (2026-09)")
ISBN = validate.Regexp(r"^[0-9Xx -]{10,17}$", error="an ISBN-10 or ISBN-13")


ID = validate.Range(1, 2**31 - 1)


class Text(fields.String):
    """A string without NUL characters (no database stores them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("must not contain NUL characters")
        return text


def _int(**kwargs):
    return fields.Integer(strict=True, **kwargs)


def _id(**kwargs):
    """An id in a query: a positive 32-bit integer."""
    return fields.Integer(validate=ID, **kwargs)


# venues ----------------------------------------------------------------------------------
class VenueChange(Strict):
    """Any subset of a venue's fields."""
    name = Text(validate=validate.Length(1, 200))
    kind = Text(validate=validate.OneOf(KINDS))
    county = Text(validate=validate.Length(1, 64))
    host_union_id = _int(allow_none=True, validate=ID)
    address = Text(allow_none=True, validate=validate.Length(max=300))
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    floor_area_m2 = _int(validate=validate.Range(0, 1_000_000))
    seats = _int(validate=validate.Range(0, 100_000))
    opening_hours = Text(allow_none=True, validate=validate.Length(max=100))
    e_reading_devices = _int(validate=validate.Range(0, 100_000))


class VenueCreate(Strict):
    name = Text(required=True, validate=validate.Length(1, 200))
    kind = Text(required=True, validate=validate.OneOf(KINDS))
    county = Text(required=True, validate=validate.Length(1, 64))
    host_union_id = _int(load_default=None, allow_none=True, validate=ID)
    address = Text(load_default=None, allow_none=True, validate=validate.Length(max=300))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True,
                             validate=validate.Range(-180, 180))
    floor_area_m2 = _int(load_default=0, validate=validate.Range(0, 1_000_000))
    seats = _int(load_default=0, validate=validate.Range(0, 100_000))
    opening_hours = Text(load_default=None, allow_none=True,
                                  validate=validate.Length(max=100))
    e_reading_devices = _int(load_default=0, validate=validate.Range(0, 100_000))


class VenueQuery(Paging):
    kind = Text(validate=validate.OneOf(KINDS))
    county = Text()
    status = Text(validate=validate.OneOf(("open", "closed")))
    host_union_id = _id()
    name = Text(metadata={"description": "a part of the name"})


class SummaryQuery(Strict):
    kind = Text(validate=validate.OneOf(KINDS))
    county = Text()
    status = Text(load_default="open", validate=validate.OneOf(("open", "closed")))


class CloseBody(Strict):
    reason = Text(required=True, validate=[
        validate.Length(min=1, max=500), validate.Predicate("strip", error="must not be blank")])


class ReopenBody(Strict):
    comment = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))


class VenueAnswer(Strict):
    id = fields.Integer()
    name = Text()
    kind = Text()
    kind_name = Text()
    county = Text()
    host_union_id = fields.Integer(allow_none=True)
    address = Text(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    floor_area_m2 = fields.Integer()
    seats = fields.Integer()
    opening_hours = Text(allow_none=True)
    e_reading_devices = fields.Integer()
    status = Text()
    created_at = Text()
    updated_at = Text(allow_none=True)
    closed_at = Text(allow_none=True)
    closed_reason = Text(allow_none=True)
    activities_held = fields.Integer()


class VenueList(Strict):
    items = fields.List(fields.Nested(VenueAnswer))
    total = fields.Integer()


class VenueHistoryEntry(Strict):
    at = Text()
    actor = Text()
    action = Text()
    changes = fields.Dict()
    comment = Text(allow_none=True)


class SummaryFigures(Strict):
    venues = fields.Integer()
    floor_area_m2 = fields.Integer()
    seats = fields.Integer()
    e_reading_devices = fields.Integer()


class SummaryCell(SummaryFigures):
    county = Text()
    kind = Text()
    kind_name = Text()


class SummaryCounty(SummaryFigures):
    county = Text()


class SummaryKind(SummaryFigures):
    kind = Text()
    kind_name = Text()


class NetworkSummary(Strict):
    status = Text()
    by_county_and_kind = fields.List(fields.Nested(SummaryCell))
    by_county = fields.List(fields.Nested(SummaryCounty))
    by_kind = fields.List(fields.Nested(SummaryKind))
    total = fields.Nested(SummaryFigures)


# books and copies ----------------------------------------------------------------------
class BookCreate(Strict):
    isbn = Text(required=True, validate=ISBN)
    title = Text(required=True, validate=validate.Length(1, 300))
    author = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    publisher = Text(load_default=None, allow_none=True,
                              validate=validate.Length(max=200))
    published_year = _int(load_default=None, allow_none=True, validate=validate.Range(1450, 2100))


class BookQuery(Paging):
    isbn = Text(validate=ISBN)
    title = Text(metadata={"description": "a part of the title"})
    venue_id = _id(metadata={"description": "titles with a copy at this venue"})


class BookAnswer(Strict):
    id = fields.Integer()
    isbn = Text()
    title = Text()
    author = Text(allow_none=True)
    publisher = Text(allow_none=True)
    published_year = fields.Integer(allow_none=True)
    created_at = Text()


class BookWithCopies(BookAnswer):
    copies = fields.Integer()
    available = fields.Integer()


class BookList(Strict):
    items = fields.List(fields.Nested(BookWithCopies))
    total = fields.Integer()


class HoldingsCreate(Strict):
    isbn = Text(required=True, validate=ISBN)
    copies = _int(load_default=1, validate=validate.Range(1, 200))
    barcodes = fields.List(Text(validate=validate.Regexp(r"^[A-Za-z0-9-]{1,64}$")),
                           load_default=None, allow_none=True, validate=validate.Length(1, 200),
                           metadata={"description": "one per copy; generated when absent"})
    title = Text(load_default=None, allow_none=True, validate=validate.Length(1, 300),
                          metadata={"description": "required for a book not yet catalogued"})
    author = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    publisher = Text(load_default=None, allow_none=True,
                              validate=validate.Length(max=200))
    published_year = _int(load_default=None, allow_none=True, validate=validate.Range(1450, 2100))


class CopyAnswer(Strict):
    id = fields.Integer()
    barcode = Text()
    book_id = fields.Integer()
    isbn = Text()
    title = Text()
    venue_id = fields.Integer()
    status = Text()
    created_at = Text()


class CopyList(Strict):
    items = fields.List(fields.Nested(CopyAnswer))
    total = fields.Integer()


class HoldingsAnswer(Strict):
    book = fields.Nested(BookAnswer)
    venue_id = fields.Integer()
    copies = fields.List(fields.Nested(CopyAnswer))


class CopyQuery(Paging):
    venue_id = _id()
    book_id = _id()
    isbn = Text(validate=ISBN)
    barcode = Text()
    status = Text(validate=validate.OneOf(("available", "on_loan")))


class MoveBody(Strict):
    venue_id = _int(required=True, validate=ID)
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CopyMoveAnswer(Strict):
    from_venue_id = fields.Integer()
    to_venue_id = fields.Integer()
    at = Text()
    actor = Text()
    reason = Text(allow_none=True)


class CopyDetail(CopyAnswer):
    moves = fields.List(fields.Nested(CopyMoveAnswer))
    loans = fields.Integer(metadata={"description": "how many times the copy was lent"})


# loans ---------------------------------------------------------------------------------
class LoanCreate(Strict):
    copy_id = _int(load_default=None, allow_none=True, validate=ID)
    barcode = Text(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    venue_id = _int(load_default=None, allow_none=True, validate=ID,
                    metadata={"description": "the lending venue, checked against the copy's"})
    borrower_id = _int(load_default=None, allow_none=True, validate=ID,
                       metadata={"description": "staff only: the worker who borrows"})


class ReturnBody(Strict):
    venue_id = _int(load_default=None, allow_none=True, validate=ID,
                    metadata={"description": "returned at another venue: the copy moves there"})


class RenewBody(Strict):
    pass


class LoanQuery(Paging):
    status = Text(validate=validate.OneOf(("open", "returned", "overdue")))
    borrower_id = _id()
    venue_id = _id()
    copy_id = _id()
    county = Text()
    host_union_id = _id()


class OverdueQuery(Paging):
    venue_id = _id()
    county = Text()
    host_union_id = _id()


class LoanAnswer(Strict):
    id = fields.Integer()
    copy_id = fields.Integer()
    barcode = Text()
    book_id = fields.Integer()
    isbn = Text()
    title = Text()
    venue_id = fields.Integer()
    venue_name = Text()
    county = Text()
    host_union_id = fields.Integer(allow_none=True)
    borrower_id = fields.Integer()
    borrower_username = Text()
    borrowed_at = Text()
    due_on = Text()
    renewals = fields.Integer()
    returned_at = Text(allow_none=True)
    returned_venue_id = fields.Integer(allow_none=True)
    status = Text(metadata={"description": "open, overdue or returned"})
    days_overdue = fields.Integer()
    lent_by = Text()
    returned_by = Text(allow_none=True)


class LoanList(Strict):
    items = fields.List(fields.Nested(LoanAnswer))
    total = fields.Integer()


# four-goods evaluations ----------------------------------------------------------------
class EvaluationCreate(Strict):
    period = Text(required=True, validate=PERIOD)
    scores = fields.Dict(keys=Text(validate=validate.OneOf(CRITERIA)),
                         values=fields.Integer(strict=True), required=True,
                         metadata={"description": "the evaluator's points for each of: "
                                                  + ", ".join(CRITERIA)})
    comment = Text(load_default=None, allow_none=True,
                            validate=validate.Length(max=2000))


class CriterionAnswer(Strict):
    key = Text()
    name = Text()
    score = fields.Integer()
    max = fields.Integer()


class EvaluationAnswer(Strict):
    id = fields.Integer()
    venue_id = fields.Integer()
    venue_name = Text()
    kind = Text()
    county = Text()
    host_union_id = fields.Integer(allow_none=True)
    period = Text()
    period_start = Text()
    period_end = Text()
    scores = fields.Dict(keys=Text(), values=fields.Integer())
    criteria = fields.List(fields.Nested(CriterionAnswer))
    activities_counted = fields.Integer()
    activity_credit = fields.Integer()
    total = fields.Integer()
    max_total = fields.Integer()
    rating = Text()
    rating_name = Text()
    scheme_version = fields.Integer()
    explanation = fields.List(Text())
    evaluator = Text()
    comment = Text(allow_none=True)
    evaluated_at = Text()


class EvaluationList(Strict):
    items = fields.List(fields.Nested(EvaluationAnswer))
    total = fields.Integer()


class EvaluationQuery(Paging):
    venue_id = _id()
    period = Text(validate=PERIOD)
    rating = Text(validate=validate.OneOf(RATINGS))
    county = Text()
    kind = Text(validate=validate.OneOf(KINDS))
    host_union_id = _id()


class Band(Strict):
    rating = Text(required=True, validate=validate.OneOf(RATINGS))
    min = _int(required=True)


class ActivityCredit(Strict):
    per_activity = _int(required=True)
    per_reading_activity = _int(required=True)
    credit_max = _int(required=True)


class SchemeBody(Strict):
    criteria = fields.Dict(keys=Text(validate=validate.OneOf(CRITERIA)),
                           values=fields.Integer(strict=True), required=True)
    activity_credit = fields.Nested(ActivityCredit, required=True)
    bands = fields.List(fields.Nested(Band), required=True)


class SchemeAnswer(Strict):
    version = fields.Integer()
    criteria = fields.Dict(keys=Text(), values=fields.Integer())
    activity_credit = fields.Nested(ActivityCredit)
    bands = fields.List(fields.Nested(Band))
    evaluator_maxima = fields.Dict(keys=Text(), values=fields.Integer())
    max_total = fields.Integer()
    created_by = Text()
    created_at = Text(allow_none=True)


# reading statistics --------------------------------------------------------------------
class StatsQuery(Strict):
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    county = Text()
    venue_id = _id()
    kind = Text(validate=validate.OneOf(KINDS))
    host_union_id = _id()


class IdleQuery(StatsQuery, Paging):
    pass


class SeasonQuery(Strict):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    county = Text()
    host_union_id = _id()


class LoanFigures(Strict):
    loans = fields.Integer()
    active_readers = fields.Integer()


class VenueFigures(LoanFigures):
    venue_id = fields.Integer()
    name = Text()
    county = Text()


class CountyFigures(LoanFigures):
    county = Text()


class MonthFigures(LoanFigures):
    month = Text()


class LoanStatistics(LoanFigures):
    date_from = Text()
    date_to = Text()
    by_venue = fields.List(fields.Nested(VenueFigures))
    by_county = fields.List(fields.Nested(CountyFigures))
    by_month = fields.List(fields.Nested(MonthFigures))


class ReadingSeason(LoanFigures):
    year = fields.Integer()
    theme = Text()
    date_from = Text()
    date_to = Text()
    activities_at_venues = fields.Integer()
    reading_activities = fields.Integer()
    reading_participants = fields.Integer()
    venues_with_activities = fields.Integer()
    venues_with_loans = fields.Integer()
    copies_added = fields.Integer()
    by_county = fields.List(fields.Nested(CountyFigures))
    by_month = fields.List(fields.Nested(MonthFigures))


class IdleVenues(VenueList):
    date_from = Text()
    date_to = Text()
