"""What the library service takes over RPC and what it answers."""
from marshmallow import ValidationError, fields, validate, validates

from services.common.clock import local_today
from services.common.schema import Strict, UtcDateTime
from services.library import domain
from services.library.domain import CRITERIA, RATINGS, VENUE_KINDS


class Isbn(fields.String):
    """ISBN-10 or ISBN-13 with a valid checksum; loaded as the ISBN-13 digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return domain.normalise_isbn(text)
        except domain.BadIsbn as exc:
            raise ValidationError(str(exc)) from None


# venues ----------------------------------------------------------------------------
class VenueChanges(Strict):
    name = fields.String(validate=validate.Length(1, 200))
    kind = fields.String(validate=validate.OneOf(tuple(VENUE_KINDS)))
    county = fields.String(validate=validate.Length(1, 64))
    host_union_id = fields.Integer(allow_none=True, strict=True)
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    floor_area_m2 = fields.Integer(strict=True, validate=validate.Range(0, 1_000_000))
    seats = fields.Integer(strict=True, validate=validate.Range(0, 100_000))
    opening_hours = fields.String(allow_none=True, validate=validate.Length(max=100))
    e_reading_devices = fields.Integer(strict=True, validate=validate.Range(0, 100_000))


class VenueIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(tuple(VENUE_KINDS)))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    host_union_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True,
                             validate=validate.Range(-180, 180))
    floor_area_m2 = fields.Integer(load_default=0, strict=True,
                                   validate=validate.Range(0, 1_000_000))
    seats = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 100_000))
    opening_hours = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=100))
    e_reading_devices = fields.Integer(load_default=0, strict=True,
                                       validate=validate.Range(0, 100_000))


class VenueOut(Strict):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_name = fields.Function(lambda venue: VENUE_KINDS[venue.kind])
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
    created_at = UtcDateTime()
    updated_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    closed_reason = fields.String(allow_none=True)
    activities_held = fields.Integer()


class VenueFilter(Strict):
    kind = fields.String(validate=validate.OneOf(tuple(VENUE_KINDS)))
    county = fields.String()
    status = fields.String(validate=validate.OneOf(domain.VENUE_STATUSES))
    host_union_id = fields.Integer()
    name = fields.String()          # a part of the name


class VenueChangeOut(Strict):
    at = UtcDateTime()
    actor = fields.String()
    action = fields.String()
    changes = fields.Dict()
    comment = fields.String(allow_none=True)


# books and copies ------------------------------------------------------------------
class BookIn(Strict):
    isbn = Isbn(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 300))
    author = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    publisher = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=200))
    published_year = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(1450, 2100))


class BookOut(Strict):
    id = fields.Integer()
    isbn = fields.String()
    title = fields.String()
    author = fields.String(allow_none=True)
    publisher = fields.String(allow_none=True)
    published_year = fields.Integer(allow_none=True)
    created_at = UtcDateTime()


class BookFilter(Strict):
    isbn = Isbn()
    title = fields.String()         # a part of the title
    venue_id = fields.Integer()     # titles with a copy there


class HoldingsIn(Strict):
    """Add copies of a book to a venue; a book not yet catalogued needs its title."""
    isbn = Isbn(required=True)
    copies = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 200))
    barcodes = fields.List(fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{1,64}$")),
                           load_default=None, allow_none=True,
                           validate=validate.Length(1, 200))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 300))
    author = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    publisher = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=200))
    published_year = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(1450, 2100))


class CopyOut(Strict):
    id = fields.Integer()
    barcode = fields.String()
    book_id = fields.Integer()
    isbn = fields.String(attribute="book.isbn")
    title = fields.String(attribute="book.title")
    venue_id = fields.Integer()
    status = fields.String()
    created_at = UtcDateTime()


class CopyFilter(Strict):
    venue_id = fields.Integer()
    book_id = fields.Integer()
    isbn = Isbn()
    barcode = fields.String()
    status = fields.String(validate=validate.OneOf(domain.COPY_STATUSES))


class MoveIn(Strict):
    venue_id = fields.Integer(required=True, strict=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class MoveOut(Strict):
    from_venue_id = fields.Integer()
    to_venue_id = fields.Integer()
    at = UtcDateTime()
    actor = fields.String()
    reason = fields.String(allow_none=True)


# loans -----------------------------------------------------------------------------
class LoanIn(Strict):
    copy_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    barcode = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True)


def loan_status(loan, today):
    if loan.returned_at is not None:
        return "returned"
    return "overdue" if loan.due_on < today else "open"


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
    borrowed_at = UtcDateTime()
    due_on = fields.Date()
    renewals = fields.Integer()
    returned_at = UtcDateTime(allow_none=True)
    returned_venue_id = fields.Integer(allow_none=True)
    status = fields.Function(lambda loan: loan_status(loan, local_today()))
    days_overdue = fields.Function(lambda loan: domain.days_overdue(
        loan.due_on, loan.returned_at is not None, local_today()))
    lent_by = fields.String()
    returned_by = fields.String(allow_none=True)


class LoanFilter(Strict):
    status = fields.String(validate=validate.OneOf(("open", "returned", "overdue")))
    borrower_id = fields.Integer()
    venue_id = fields.Integer()
    copy_id = fields.Integer()
    county = fields.String()
    host_union_id = fields.Integer()


class ReturnIn(Strict):
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True)


# evaluations -----------------------------------------------------------------------
class EvaluationIn(Strict):
    period = fields.String(required=True)
    scores = fields.Dict(keys=fields.String(validate=validate.OneOf(tuple(CRITERIA))),
                         values=fields.Integer(strict=True), required=True)
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=2000))

    @validates("period")
    def _period(self, value, **kwargs):
        try:
            start, _ = domain.period_bounds(value)
        except domain.BadPeriod as exc:
            raise ValidationError(str(exc)) from None
        if start > local_today():
            raise ValidationError("a period that has not begun cannot be evaluated")


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
    rating_name = fields.Function(lambda e: RATINGS[e.rating])
    scheme_version = fields.Integer()
    explanation = fields.List(fields.String())
    evaluator = fields.String()
    comment = fields.String(allow_none=True)
    evaluated_at = UtcDateTime()


class EvaluationFilter(Strict):
    venue_id = fields.Integer()
    period = fields.String()
    rating = fields.String(validate=validate.OneOf(tuple(RATINGS)))
    county = fields.String()
    kind = fields.String(validate=validate.OneOf(tuple(VENUE_KINDS)))
    host_union_id = fields.Integer()


class Band(Strict):
    rating = fields.String(required=True, validate=validate.OneOf(tuple(RATINGS)))
    min = fields.Integer(required=True, strict=True)


class ActivityCredit(Strict):
    per_activity = fields.Integer(required=True, strict=True)
    per_reading_activity = fields.Integer(required=True, strict=True)
    credit_max = fields.Integer(required=True, strict=True)


class SchemeIn(Strict):
    criteria = fields.Dict(keys=fields.String(validate=validate.OneOf(tuple(CRITERIA))),
                           values=fields.Integer(strict=True), required=True)
    activity_credit = fields.Nested(ActivityCredit, required=True)
    bands = fields.List(fields.Nested(Band), required=True)


# statistics ------------------------------------------------------------------------
class StatsFilter(Strict):
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    county = fields.String(load_default=None, allow_none=True)
    host_union_id = fields.Integer(load_default=None, allow_none=True)
    venue_id = fields.Integer(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf(tuple(VENUE_KINDS)))
