"""HTTP schemas of the inbox, notification preferences, templates and webhooks."""
from marshmallow import ValidationError, fields, validate, validates_schema

from gateway.schemas import Paging
from services.common.schema import Strict

# the events someone hears of (services/notify/domain.py AUDIENCES)
EVENT_TYPES = ("activity_reported", "activity_approved", "activity_rejected",
               "activity_returned", "subsidy_granted", "subsidy_declined", "subsidy_paid",
               "fund_threshold_reached", "venue_evaluated")
LANGUAGES = ("zh-CN", "en")
DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")


# the inbox -----------------------------------------------------------------------------
class NotificationAnswer(Strict):
    id = fields.Integer()
    event_type = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})
    read = fields.Boolean()


class InboxAnswer(Strict):
    items = fields.List(fields.Nested(NotificationAnswer))
    total = fields.Integer()
    unread = fields.Integer(metadata={"description": "unread notifications in the whole inbox"})


class UnreadAnswer(Strict):
    unread = fields.Integer()


class MarkedAnswer(Strict):
    marked = fields.Integer(metadata={"description": "notifications newly marked read"})


# preferences ---------------------------------------------------------------------------
class ChannelChoice(Strict):
    in_app = fields.Boolean(metadata={"description": "ignored for critical event types "
                                                     "(subsidy decisions always reach the inbox)"})
    email = fields.Boolean()


class PreferencesBody(Strict):
    """Any subset: an email address (null removes it), a language, channels per event type."""
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    channels = fields.Dict(keys=fields.String(validate=validate.OneOf(EVENT_TYPES)),
                           values=fields.Nested(ChannelChoice))


class ChannelState(Strict):
    in_app = fields.Boolean()
    email = fields.Boolean()
    critical = fields.Boolean(metadata={"description": "in-app delivery cannot be turned off"})


class PreferencesAnswer(Strict):
    email = fields.String(allow_none=True)
    language = fields.String()
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelState))


class TemplateAnswer(Strict):
    event_type = fields.String()
    language = fields.String()
    title = fields.String()
    body = fields.String()
    critical = fields.Boolean()
    audiences = fields.List(fields.String())


class TemplateList(Strict):
    items = fields.List(fields.Nested(TemplateAnswer))
    total = fields.Integer()


# deliveries and webhooks -----------------------------------------------------------------
class DeliveryQuery(Paging):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    channel = fields.String(validate=validate.OneOf(("email", "webhook")))
    event_type = fields.String(validate=validate.OneOf(EVENT_TYPES))
    event_id = fields.String(validate=validate.Length(1, 64))


class AttemptAnswer(Strict):
    number = fields.Integer()
    at = fields.String(metadata={"format": "date-time"})
    outcome = fields.String()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliveryAnswer(Strict):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    channel = fields.String()
    recipient = fields.String()
    subscription_id = fields.Integer(allow_none=True)
    target = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.String()
    delivered_at = fields.String(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptAnswer))


class DeliveryList(Strict):
    items = fields.List(fields.Nested(DeliveryAnswer))
    total = fields.Integer()


def _event_types(**kwargs):
    return fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)),
                       validate=validate.Length(min=1, max=50), **kwargs)


def _url(**kwargs):
    return fields.Url(schemes={"http", "https"}, require_tld=False,
                      validate=validate.Length(max=2000), **kwargs)


class _UniqueTypes(Strict):
    @validates_schema
    def _unique_types(self, data, **kwargs):
        types = data.get("event_types") or []
        if len(set(types)) != len(types):
            raise ValidationError({"event_types": ["each event type once"]})


class WebhookCreate(_UniqueTypes):
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    url = _url(required=True)
    secret = fields.String(required=True, validate=validate.Length(16, 200), metadata={
        "description": "signs each POST: X-CM-Signature = sha256=HMAC-SHA256(secret, "
                       "X-CM-Timestamp + '.' + body), hex"})
    event_types = _event_types(required=True)


class WebhookUpdate(_UniqueTypes):
    name = fields.String(validate=validate.Length(1, 200))
    url = _url()
    secret = fields.String(validate=validate.Length(16, 200))
    event_types = _event_types()


class WebhookAnswer(Strict):
    id = fields.Integer()
    name = fields.String()
    url = fields.String()
    event_types = fields.List(fields.String())
    enabled = fields.Boolean()
    consecutive_failures = fields.Integer()
    disabled_reason = fields.String(allow_none=True)
    disabled_at = fields.String(allow_none=True)
    last_success_at = fields.String(allow_none=True)
    last_failure_at = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class WebhookList(Strict):
    items = fields.List(fields.Nested(WebhookAnswer))
    total = fields.Integer()


class WebhookQuery(Paging):
    pass

