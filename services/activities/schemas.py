"""What the activities service takes over RPC and what it answers."""
from marshmallow import fields, validate

from services.common.schema import Strict, UtcDateTime, Yuan
from services.activities.domain import CATEGORIES, LEVELS, STATUSES, SEASONS

EVIDENCE_KINDS = ("photo", "sign_in_sheet", "receipt", "other")


class Contact(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    phone = fields.String(load_default=None, validate=validate.Length(max=30))
    role = fields.String(load_default=None, validate=validate.Length(max=50))


class UnionIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    members = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10_000_000))
    contacts = fields.List(fields.Nested(Contact), load_default=list)


class UnionOut(Strict):
    id = fields.Integer()
    name = fields.String()
    level = fields.String()
    county = fields.String()
    parent_id = fields.Integer(allow_none=True)
    members = fields.Integer()
    contacts = fields.List(fields.Dict())
    created_at = UtcDateTime()


class UnionChange(Strict):
    """Rename or move a union (any subset); its level stays."""
    name = fields.String(validate=validate.Length(1, 200))
    county = fields.String(validate=validate.Length(1, 64))
    parent_id = fields.Integer(allow_none=True, strict=True)
    members = fields.Integer(strict=True, validate=validate.Range(0, 10_000_000))
    contacts = fields.List(fields.Nested(Contact))


class UnionFilter(Strict):
    level = fields.String(validate=validate.OneOf(LEVELS))
    county = fields.String()
    parent_id = fields.Integer()
    name = fields.String()
    q = fields.String(validate=validate.Length(1, 100))  # part of the name


class UnionChangeOut(Strict):
    at = UtcDateTime()
    actor = fields.String()
    changes = fields.Dict()


class Evidence(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(EVIDENCE_KINDS))
    url = fields.Url(required=True, schemes={"http", "https"})


class ActivityIn(Strict):
    union_id = fields.Integer(required=True, strict=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    held_on = fields.Date(required=True)
    participants = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    expenses = Yuan(required=True)
    evidence = fields.List(fields.Nested(Evidence), required=True,
                           validate=validate.Length(min=1, max=50))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                              validate=validate.Range(1, 2**31 - 1))
    lecturer_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                 validate=validate.Range(1, 2**31 - 1))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=5000))


class ActivityChanges(ActivityIn):
    """A returned activity's owner may change anything but its union."""
    class Meta:
        exclude = ("union_id",)


class ActivityOut(Strict):
    id = fields.Integer()
    union_id = fields.Integer()
    county = fields.String()
    tier = fields.String()
    season = fields.String()
    year = fields.Integer()
    title = fields.String()
    category = fields.String()
    held_on = fields.Date()
    participants = fields.Integer()
    expenses = Yuan(attribute="expenses_fen")
    evidence = fields.List(fields.Dict())
    venue_id = fields.Integer(allow_none=True)
    lecturer_id = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String()
    reported_by = fields.String()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class ActivityFilter(Strict):
    status = fields.String(validate=validate.OneOf(STATUSES))
    county = fields.String()
    union_id = fields.Integer()
    season = fields.String(validate=validate.OneOf(tuple(SEASONS)))
    year = fields.Integer(validate=validate.Range(2000, 2100))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    tier = fields.String(validate=validate.OneOf(LEVELS))
    lecturer_id = fields.Integer()


class HistoryOut(Strict):
    at = UtcDateTime()
    actor = fields.String()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    comment = fields.String(allow_none=True)


# the lecture programme ------------------------------------------------------------------
class LecturerIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    organization = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=200))
    topics = fields.List(fields.String(validate=validate.Length(1, 100)), required=True,
                         validate=validate.Length(1, 20))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(load_default=None, allow_none=True)


class LecturerChange(Strict):
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    organization = fields.String(allow_none=True, validate=validate.Length(max=200))
    topics = fields.List(fields.String(validate=validate.Length(1, 100)),
                         validate=validate.Length(1, 20))
    county = fields.String(validate=validate.Length(1, 64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(allow_none=True)
    active = fields.Boolean()


class LecturerOut(Strict):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    organization = fields.String(allow_none=True)
    topics = fields.List(fields.String())
    county = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class LecturerFilter(Strict):
    county = fields.String()
    active = fields.Boolean()
    name = fields.String()
    topic = fields.String(validate=validate.Length(1, 100))  # part of a topic


class FeedbackIn(Strict):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FeedbackOut(Strict):
    id = fields.Integer()
    activity_id = fields.Integer()
    score = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


# the four seasons -------------------------------------------------------------------------
class SeasonThemeIn(Strict):
    theme = fields.String(required=True, validate=validate.Length(1, 100))
    categories = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)), required=True,
                             validate=validate.Length(1, len(CATEGORIES)))


class YearQuery(Strict):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    county = fields.String(validate=validate.Length(1, 64))
    union_id = fields.Integer()
    lecturer_id = fields.Integer()
