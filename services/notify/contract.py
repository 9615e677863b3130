"""Notify's published contract: the payloads its RPCs take (commands, queries), the answers
they give (the service dumps with them, the gateway documents its routes with them), the
events it publishes and consumes, and its word lists.

Importable without the service's implementation (no SQLAlchemy, no models, no domain).
"""
import json

from marshmallow import ValidationError, fields, validate, validates_schema

from services.common.schema import County, Strict, StrictBoolean, UtcDateTime
from services.notify.events import (  # noqa: F401  (re-exported: part of the contract)
    CONSUMED, NOTIFICATION_FAILED, NotificationFailed)
from services.notify.words import (  # noqa: F401  (re-exported: part of the contract)
    CHANNEL_NAMES, CHANNELS, CHOOSABLE_TYPES, CRITICAL, DEFAULT_LANGUAGE, DELIVERY_CHANNELS,
    DELIVERY_STATUS_NAMES, DELIVERY_STATUSES, DIGEST_TYPES, EVENT_TYPES, INBOX_TYPES,
    LANGUAGE_NAMES, LANGUAGES, NOTICE_TYPES, ROLES, USER_CHANNELS)

WEBHOOK_EVENT_TYPES = EVENT_TYPES  # a subscriber may hear of every event notify hears of
_WHEN = {"type": "string", "format": "date-time"}


def _when(**kwargs):
    """A UTC moment, ISO-8601 with a Z (documented as date-time)."""
    metadata = dict(_WHEN, **kwargs.pop("metadata", {}))
    return UtcDateTime(metadata=metadata, **kwargs)


# who asks ------------------------------------------------------------------------------
class Identity(Strict):
    """The caller as the gateway describes them (gateway/policy.identity)."""
    user_id = fields.Integer(required=True)
    username = fields.String(load_default=None, allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    union_id = fields.Integer(load_default=None, allow_none=True)
    county = fields.String(load_default=None, allow_none=True)


# the inbox -----------------------------------------------------------------------------
class InboxFilter(Strict):
    unread = fields.Boolean(load_default=False)
    event_type = fields.String(validate=validate.OneOf(INBOX_TYPES), metadata={
        "description": "an event type, a notice type (coverage_reminder) or a digest "
                       "(finance_digest)"})


class MarkReadIn(Strict):
    """The notifications to mark read; no ids (or null) marks all of them."""
    ids = fields.List(fields.Integer(strict=True), load_default=None, allow_none=True)


class NotificationOut(Strict):
    id = fields.Integer()
    event_type = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = _when()
    read = fields.Boolean()


class InboxOut(Strict):
    items = fields.List(fields.Nested(NotificationOut))
    total = fields.Integer()
    unread = fields.Integer(metadata={"description": "unread notifications in the whole inbox"})


class UnreadOut(Strict):
    unread = fields.Integer()


class MarkedOut(Strict):
    marked = fields.Integer(metadata={"description": "notifications newly marked read"})


# preferences and templates -------------------------------------------------------------
class ChannelChoice(Strict):
    in_app = StrictBoolean(metadata={"description": "ignored for critical event types "
                                                    "(subsidy decisions always reach the inbox)"})
    email = StrictBoolean()


class PreferencesIn(Strict):
    """Any subset: an email address (null removes it), a language, channels per event type."""
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    channels = fields.Dict(keys=fields.String(validate=validate.OneOf(CHOOSABLE_TYPES)),
                           values=fields.Nested(ChannelChoice))


class ChannelState(Strict):
    in_app = fields.Boolean()
    email = fields.Boolean()
    critical = fields.Boolean(metadata={"description": "in-app delivery cannot be turned off"})


class PreferencesOut(Strict):
    email = fields.String(allow_none=True)
    language = fields.String()
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelState))


class TemplateOut(Strict):
    event_type = fields.String()
    language = fields.String()
    title = fields.String()
    body = fields.String()
    critical = fields.Boolean()
    audiences = fields.List(fields.String())


class TemplateList(Strict):
    items = fields.List(fields.Nested(TemplateOut))
    total = fields.Integer()


# webhooks ------------------------------------------------------------------------------
URL_DESCRIPTION = (
    "http(s) URL each event is POSTed to. At each delivery its name is resolved once and the "
    "POST goes to an address so checked (Host, SNI and the certificate stay on the name). "
    "A loopback, private, link-local or reserved address is refused (the delivery fails, "
    "not retried) unless the operator's webhook_allow_hosts names this host or address "
    "with this port (host:port; a bare host allows only port 80 for http, 443 for https). "
    "Redirects are not followed.")


def _url(**kwargs):
    return fields.Url(schemes={"http", "https"}, require_tld=False,
                      validate=validate.Length(max=2000),
                      metadata={"description": URL_DESCRIPTION}, **kwargs)


def _event_types(**kwargs):
    return fields.List(fields.String(validate=validate.OneOf(WEBHOOK_EVENT_TYPES)),
                       validate=validate.Length(min=1, max=50),
                       metadata={"uniqueItems": True}, **kwargs)


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


class WebhookFilter(Strict):
    """Webhook subscriptions are listed whole (paged); there is nothing to filter by."""


class _StoredList(fields.List):
    """A list kept as JSON text in its column."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = json.loads(value)
        return super()._serialize(value, attr, obj, **kwargs)


class WebhookOut(Strict):
    """A subscription; no answer ever shows its secret."""
    id = fields.Integer()
    name = fields.String()
    url = fields.String()
    event_types = _StoredList(fields.String())
    enabled = fields.Boolean()
    consecutive_failures = fields.Integer()
    disabled_reason = fields.String(allow_none=True)
    disabled_at = _when(allow_none=True)
    last_success_at = _when(allow_none=True)
    last_failure_at = _when(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = _when()
    updated_at = _when()


class WebhookList(Strict):
    items = fields.List(fields.Nested(WebhookOut))
    total = fields.Integer()


# deliveries ----------------------------------------------------------------------------
class DeliveryFilter(Strict):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    channel = fields.String(validate=validate.OneOf(DELIVERY_CHANNELS))
    event_type = fields.String(validate=validate.OneOf(EVENT_TYPES + DIGEST_TYPES))
    event_id = fields.String(validate=validate.Length(1, 64))


class AttemptOut(Strict):
    number = fields.Integer()
    at = _when()
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
    next_attempt_at = _when(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = _when()
    delivered_at = _when(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptOut))


class DeliveryList(Strict):
    items = fields.List(fields.Nested(DeliveryOut))
    total = fields.Integer()


# reminders -----------------------------------------------------------------------------
MAX_REMINDED = 200


class ReminderIn(Strict):
    """send_reminder(payload, actor, request_key): remind the admins of grassroots unions
    that reported no activity held in a month of a county (the coverage heatmap's cell)."""
    union_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 2 ** 31 - 1)),
                            required=True, validate=validate.Length(1, MAX_REMINDED),
                            metadata={"uniqueItems": True,
                                      "description": "the unions whose admins are reminded, "
                                                     "each once, all of the county"})
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    month = fields.Integer(required=True, strict=True, validate=validate.Range(1, 12))
    county = County(required=True, validate=validate.Length(1, 64))

    @validates_schema
    def _distinct(self, data, **kwargs):
        ids = data.get("union_ids") or []
        if len(set(ids)) != len(ids):
            raise ValidationError({"union_ids": ["each id once"]})


class ReminderOut(Strict):
    id = fields.Integer()
    sent = fields.Integer(metadata={"description": "in-app notices written, one per union"})
    union_ids = _StoredList(fields.Integer())
    year = fields.Integer()
    month = fields.Integer()
    county = fields.String()
    sent_by = fields.String()
    sent_at = _when()


# finance's daily digest -----------------------------------------------------------------
class DigestIn(Strict):
    """send_finance_digest(payload, actor) and finance_digest(payload): a day's digest."""
    day = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the digest's day; none: the one being counted now"})


class DigestFigures(Strict):
    granted_count = fields.Integer()
    granted = fields.String(metadata={"description": "yuan granted, e.g. \"290.00\""})
    declined_count = fields.Integer()
    cancelled_count = fields.Integer(metadata={"description": "grants withdrawn"})


class DigestCounty(DigestFigures):
    county = fields.String()


class DigestOut(DigestFigures):
    """A day's digest: the decisions made from window_start up to window_end (local time,
    with its offset), in all and by county, venue subsidies apart as well."""
    day = fields.String(metadata={"description": "the digest's day, YYYY-MM-DD"})
    window_start = fields.String()
    window_end = fields.String()
    decisions = fields.Integer()
    venues = fields.Nested(DigestFigures, allow_none=True)
    by_county = fields.List(fields.Nested(DigestCounty))
    sent = fields.Boolean()
    sent_at = _when(allow_none=True)
    sent_by = fields.String(allow_none=True)
