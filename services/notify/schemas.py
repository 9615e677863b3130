from marshmallow import fields, validate

from services.common.schema import Strict, UtcDateTime

ROLES = ("city_admin", "county_reviewer", "union_admin", "finance", "worker", "ops")


class Identity(Strict):
    user_id = fields.Integer(required=True)
    username = fields.String(load_default=None)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    union_id = fields.Integer(load_default=None, allow_none=True)
    county = fields.String(load_default=None, allow_none=True)


class NotificationOut(Strict):
    id = fields.Integer()
    event_type = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = UtcDateTime()
    read = fields.Boolean()
