"""What the library's RPC methods take: commands (*In) and the filters of its queries.

The gateway validates HTTP bodies and queries with these very classes (paged() adds limit
and offset to a filter), then forwards the body as the client sent it.
"""
from marshmallow import ValidationError, fields, validate, validates

from services.common.clock import local_today
from services.common.schema import County, Strict
from services.library.contract.fields import (ID, KIND, PERIOD, Isbn, body_int, changes_of,
                                              filter_id)
from services.library.words import (COPY_STATUSES, CRITERIA, LOAN_STATUSES, RATINGS,
                                    VENUE_STATUSES, BadPeriod, period_bounds)


# venues ----------------------------------------------------------------------------
class VenueIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=KIND)
    county = County(required=True, validate=validate.Length(1, 64))
    host_union_id = body_int(load_default=None, allow_none=True, validate=ID)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True,
                             validate=validate.Range(-180, 180))
    floor_area_m2 = body_int(load_default=0, validate=validate.Range(0, 1_000_000))
    seats = body_int(load_default=0, validate=validate.Range(0, 100_000))
    opening_hours = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=100))
    e_reading_devices = body_int(load_default=0, validate=validate.Range(0, 100_000))


VenueChanges = changes_of(VenueIn, "VenueChanges")  # any subset of a venue's fields


class CloseIn(Strict):
    reason = fields.String(required=True, validate=[
        validate.Length(min=1, max=500), validate.Predicate("strip", error="must not be blank")])


class ReopenIn(Strict):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class VenueFilter(Strict):
    kind = fields.String(validate=KIND)
    county = fields.String()
    status = fields.String(validate=validate.OneOf(tuple(VENUE_STATUSES)))
    host_union_id = filter_id()
    name = fields.String(metadata={"description": "a part of the name"})


class SummaryFilter(Strict):
    kind = fields.String(validate=KIND)
    county = fields.String()
    status = fields.String(load_default="open", validate=validate.OneOf(tuple(VENUE_STATUSES)))


# books and copies ------------------------------------------------------------------
class BookIn(Strict):
    isbn = Isbn(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 300))
    author = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    publisher = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=200))
    published_year = body_int(load_default=None, allow_none=True, validate=validate.Range(1450, 2100))


class BookFilter(Strict):
    isbn = Isbn()
    title = fields.String(metadata={"description": "a part of the title"})
    venue_id = filter_id(metadata={"description": "titles with a copy at this venue"})


class HoldingsIn(Strict):
    """Add copies of a book to a venue; a book not yet catalogued needs its title."""
    isbn = Isbn(required=True)
    copies = body_int(load_default=1, validate=validate.Range(1, 200))
    barcodes = fields.List(fields.String(validate=validate.Regexp(r"^[A-Za-z0-9-]{1,64}$")),
                           load_default=None, allow_none=True, validate=validate.Length(1, 200),
                           metadata={"description": "one per copy; generated when absent"})
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 300),
                          metadata={"description": "required for a book not yet catalogued"})
    author = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    publisher = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=200))
    published_year = body_int(load_default=None, allow_none=True, validate=validate.Range(1450, 2100))


class CopyFilter(Strict):
    venue_id = filter_id()
    book_id = filter_id()
    isbn = Isbn()
    barcode = fields.String()
    status = fields.String(validate=validate.OneOf(tuple(COPY_STATUSES)))


class MoveIn(Strict):
    venue_id = body_int(required=True, validate=ID)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


# loans -----------------------------------------------------------------------------
class LoanIn(Strict):
    copy_id = body_int(load_default=None, allow_none=True, validate=ID)
    barcode = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    venue_id = body_int(load_default=None, allow_none=True, validate=ID,
                    metadata={"description": "the lending venue, checked against the copy's"})


class ReturnIn(Strict):
    venue_id = body_int(load_default=None, allow_none=True, validate=ID,
                    metadata={"description": "returned at another venue: the copy moves there"})


class OverdueFilter(Strict):
    """Where loans are: what narrows the overdue list (and, with more, any list of loans)."""
    venue_id = filter_id()
    county = fields.String()
    host_union_id = filter_id()


class LoanFilter(OverdueFilter):
    status = fields.String(validate=validate.OneOf(tuple(LOAN_STATUSES)))
    borrower_id = filter_id()
    copy_id = filter_id()


# four-goods evaluations ------------------------------------------------------------
class EvaluationIn(Strict):
    period = fields.String(required=True, validate=PERIOD)
    scores = fields.Dict(keys=fields.String(validate=validate.OneOf(tuple(CRITERIA))),
                         values=fields.Integer(strict=True), required=True,
                         metadata={"description": "the evaluator's points for each of: "
                                                  + ", ".join(CRITERIA)})
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=2000))

    @validates("period")
    def _period(self, value, **kwargs):
        try:
            start, _ = period_bounds(value)
        except BadPeriod as exc:
            raise ValidationError(str(exc)) from None
        if start > local_today():
            raise ValidationError("a period that has not begun cannot be evaluated")


class EvaluationFilter(Strict):
    venue_id = filter_id()
    period = fields.String(validate=PERIOD)
    rating = fields.String(validate=validate.OneOf(tuple(RATINGS)))
    county = fields.String()
    kind = fields.String(validate=KIND)
    host_union_id = filter_id()


class Band(Strict):
    rating = fields.String(required=True, validate=validate.OneOf(tuple(RATINGS)))
    min = body_int(required=True)


class ActivityCredit(Strict):
    per_activity = body_int(required=True)
    per_reading_activity = body_int(required=True)
    credit_max = body_int(required=True)


class SchemeIn(Strict):
    criteria = fields.Dict(keys=fields.String(validate=validate.OneOf(tuple(CRITERIA))),
                           values=fields.Integer(strict=True), required=True)
    activity_credit = fields.Nested(ActivityCredit, required=True)
    bands = fields.List(fields.Nested(Band), required=True)


# reading statistics ------------------------------------------------------------------
class StatsFilter(Strict):
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    county = fields.String()
    host_union_id = filter_id()
    venue_id = filter_id()
    kind = fields.String(validate=KIND)


class SeasonFilter(Strict):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    county = fields.String()
    host_union_id = filter_id()
