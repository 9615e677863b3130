import json

from marshmallow import fields, validate, validates_schema, ValidationError

from services.common.schema import Strict, UtcDateTime
from services.notify import domain

ROLES = ("city_admin", "county_reviewer", "union_admin", "finance", "worker", "ops")
DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")


class Identity(Strict):
    user_id = fields.Integer(required=True)
    username = fields.String(load_default=None, allow_none=True)
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


class InboxFilter(Strict):
    unread = fields.Boolean(load_default=False)
    event_type = fields.String(load_default=None, allow_none=True,
                               validate=validate.OneOf(domain.EVENT_TYPES))


# preferences ---------------------------------------------------------------------------
class ChannelChoice(Strict):
    in_app = fields.Boolean()
    email = fields.Boolean()


class PreferencesIn(Strict):
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(validate=validate.OneOf(domain.LANGUAGES))
    channels = fields.Dict(keys=fields.String(validate=validate.OneOf(domain.EVENT_TYPES)),
                           values=fields.Nested(ChannelChoice))


# webhooks ------------------------------------------------------------------------------
WEBHOOK_EVENT_TYPES = tuple(domain.EVENT_TYPES)  # the events notify hears of


def _url(**kwargs):
    return fields.Url(schemes={"http", "https"}, require_tld=False,
                      validate=validate.Length(max=2000), **kwargs)


def _event_types(**kwargs):
    return fields.List(fields.String(validate=validate.OneOf(WEBHOOK_EVENT_TYPES)),
                       validate=validate.Length(min=1, max=50), **kwargs)


class _UniqueTypes(Strict):
    @validates_schema
    def _unique_types(self, data, **kwargs):
        types = data.get("event_types") or []
        if len(set(types)) != len(types):
            raise ValidationError({"event_types": ["each event type once"]})


class WebhookCreate(_UniqueTypes):
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    url = _url(required=True)
    secret = fields.String(required=True, validate=validate.Length(16, 200))
    event_types = _event_types(required=True)


class WebhookUpdate(_UniqueTypes):
    name = fields.String(validate=validate.Length(1, 200))
    url = _url()
    secret = fields.String(validate=validate.Length(16, 200))
    event_types = _event_types()


class WebhookOut(Strict):
    id = fields.Integer()
    name = fields.String()
    url = fields.String()
    event_types = fields.Method("_event_types")
    enabled = fields.Boolean()
    consecutive_failures = fields.Integer()
    disabled_reason = fields.String(allow_none=True)
    disabled_at = UtcDateTime(allow_none=True)
    last_success_at = UtcDateTime(allow_none=True)
    last_failure_at = UtcDateTime(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()

    def _event_types(self, row):
        return json.loads(row.event_types)


class DeliveryFilter(Strict):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    channel = fields.String(validate=validate.OneOf(("email", "webhook")))
    event_type = fields.String()
    event_id = fields.String()


class AttemptOut(Strict):
    number = fields.Integer()
    at = UtcDateTime()
    outcome = fields.String()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliveryOut(Strict):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    channel = fields.String()
    recipient = fields.String()
    subscription_id = fields.Integer(allow_none=True)
    target = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = UtcDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = UtcDateTime()
    delivered_at = UtcDateTime(allow_none=True)
