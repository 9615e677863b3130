"""The HTTP contract: request bodies and queries (strict) and answers, for validation
and for the OpenAPI document alike."""
from marshmallow import fields, validate

from services.common.schema import Strict

ROLES = ("city_admin", "county_reviewer", "union_admin", "finance", "worker", "ops")
LEVELS = ("city", "county", "grassroots")
CATEGORIES = ("culture", "sports", "reading", "lecture", "exhibition", "women")
STATUSES = ("submitted", "approved", "rejected", "returned")
SEASONS = ("spring", "summer", "autumn", "winter")
YUAN = validate.Regexp(r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$",
                       error="a yuan amount such as \"290.00\"")


class Paging(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


_PAGED = {}


def paged(filter_schema):
    """The HTTP query of a list: a service contract's filter plus limit and offset.

    One class per filter (made once), named after it, for the OpenAPI document."""
    query = _PAGED.get(filter_schema)
    if query is None:
        name = filter_schema.__name__.replace("Filter", "") + "Query"
        query = _PAGED[filter_schema] = type(name, (Paging, filter_schema), {})
    return query


# auth and users --------------------------------------------------------------------------
class TokenRequest(Strict):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 200))


class TokenAnswer(Strict):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class UserCreate(Strict):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[\w.@-]{3,64}$", error="3-64 letters, digits or . _ @ -"))
    password = fields.String(required=True, validate=validate.Length(8, 200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    county = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    union_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class UserAnswer(Strict):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    county = fields.String(allow_none=True)
    union_id = fields.Integer(allow_none=True)
    disabled = fields.Boolean()


# unions -------------------------------------------------------------------------------
class Contact(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    phone = fields.String(load_default=None, validate=validate.Length(max=30))
    role = fields.String(load_default=None, validate=validate.Length(max=50))


class UnionCreate(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    members = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10_000_000))
    contacts = fields.List(fields.Nested(Contact), load_default=list)


class UnionQuery(Paging):
    level = fields.String(validate=validate.OneOf(LEVELS))
    county = fields.String()
    parent_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    name = fields.String()
    q = fields.String(validate=validate.Length(1, 100), metadata={"description": "part of the name"})


# funds and subsidies --------------------------------------------------------------------
class FundAllocation(Strict):
    county = fields.String(required=True, validate=validate.Length(1, 64))
    budget = fields.String(required=True, validate=YUAN)


class FundCreate(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    policy = fields.String(required=True, validate=validate.OneOf(("activity", "venue")))
    county = fields.String(load_default=None, allow_none=True)
    budget = fields.String(required=True, validate=YUAN)
    allocations = fields.List(fields.Nested(FundAllocation), load_default=list,
                              validate=validate.Length(max=50), metadata={
                                  "description": "a city-wide fund's county shares"})


class FundQuery(Paging):
    year = fields.Integer(validate=validate.Range(2000, 2100))
    policy = fields.String(validate=validate.OneOf(("activity", "venue")))
    county = fields.String()
    status = fields.String(validate=validate.OneOf(("open", "closed")))


class SubsidyQuery(Paging):
    activity_id = fields.Integer(metadata={"description": "an activity's decision"})
    venue_id = fields.Integer(metadata={"description": "a venue's decisions, one per period "
                                                       "(give activity_id or venue_id)"})


# activities -------------------------------------------------------------------------
class Evidence(Strict):
    kind = fields.String(required=True,
                         validate=validate.OneOf(("photo", "sign_in_sheet", "receipt", "other")))
    url = fields.Url(required=True, schemes={"http", "https"})


class ActivityChanges(Strict):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    held_on = fields.Date(required=True)
    participants = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    expenses = fields.String(required=True, validate=YUAN)
    evidence = fields.List(fields.Nested(Evidence), required=True,
                           validate=validate.Length(min=1, max=50))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                              validate=validate.Range(1, 2**31 - 1))
    lecturer_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                 validate=validate.Range(1, 2**31 - 1))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=5000))


class ActivityCreate(ActivityChanges):
    union_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))


class ActivityQuery(Paging):
    status = fields.String(validate=validate.OneOf(STATUSES))
    county = fields.String()
    union_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    season = fields.String(validate=validate.OneOf(SEASONS))
    year = fields.Integer(validate=validate.Range(2000, 2100))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    tier = fields.String(validate=validate.OneOf(LEVELS))
    lecturer_id = fields.Integer(validate=validate.Range(1, 2**31 - 1))


class ApproveBody(Strict):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ReasonBody(Strict):
    reason = fields.String(required=True, validate=[
        validate.Length(min=1, max=2000),
        validate.Predicate("strip", error="must not be blank")])


# notifications, venues, operations ---------------------------------------------------
class InboxQuery(Paging):
    unread = fields.Boolean(load_default=False)
    event_type = fields.String(validate=validate.OneOf((
        "activity_reported", "activity_approved", "activity_rejected", "activity_returned",
        "subsidy_granted", "subsidy_declined", "subsidy_paid", "fund_threshold_reached",
        "venue_evaluated")))


class MarkRead(Strict):
    ids = fields.List(fields.Integer(strict=True), load_default=None, allow_none=True)


class Redrive(Strict):
    service = fields.String(required=True,
                            validate=validate.OneOf(("activities", "subsidies", "library",
                                                     "notify")))
    ids = fields.List(fields.Integer(strict=True), load_default=None, allow_none=True)
