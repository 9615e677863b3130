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


class UnionFilter(Strict):
    level = fields.String(validate=validate.OneOf(LEVELS))
    county = fields.String()
    parent_id = fields.Integer()
    name = fields.String()


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
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    lecturer_id = fields.Integer(load_default=None, allow_none=True, strict=True)
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


class HistoryOut(Strict):
    at = UtcDateTime()
    actor = fields.String()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    comment = fields.String(allow_none=True)
