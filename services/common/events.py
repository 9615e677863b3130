"""The event envelope and the catalogue of every event, with versioned schemas.

Producers validate strictly; consumers accept additive fields (EXCLUDE) so that an
additive change can keep its version. The AsyncAPI document is generated from here.
"""
import uuid
from dataclasses import dataclass, field

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from services.common.clock import iso, utcnow


class Envelope(Schema):
    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True)
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.String(required=True)
    producer = fields.String(required=True)
    correlation_id = fields.String(required=True)
    causation_id = fields.String(load_default=None, allow_none=True)
    data = fields.Dict(required=True)


Yuan = fields.String  # "290.00" on the wire; see services.common.money


class ActivityFacts(Schema):
    activity_id = fields.Integer(required=True)
    title = fields.String(required=True)
    union_id = fields.Integer(required=True)
    union_name = fields.String(required=True)
    county = fields.String(required=True)
    tier = fields.String(required=True, validate=validate.OneOf(["city", "county", "grassroots"]))
    category = fields.String(required=True)
    season = fields.String(required=True)
    held_on = fields.Date(required=True)
    participants = fields.Integer(required=True)
    expenses = Yuan(required=True)
    venue_id = fields.Integer(allow_none=True, load_default=None)
    lecturer_id = fields.Integer(allow_none=True, load_default=None)
    actor = fields.String(required=True)
    comment = fields.String(allow_none=True, load_default=None)
    # additive (activities): the calendar and the lecture programme, so no one calls back
    year = fields.Integer(allow_none=True, load_default=None)  # held_on's year
    season_theme = fields.String(allow_none=True, load_default=None)  # e.g. 职工读书季
    season_theme_match = fields.Boolean(allow_none=True, load_default=None)
    lecturer_name = fields.String(allow_none=True, load_default=None)
    # the lecturer's share of 4-5 scores that year, e.g. "0.9600"; null without scores
    lecturer_satisfaction = fields.String(allow_none=True, load_default=None)
    union_level = fields.String(allow_none=True, load_default=None)
    status = fields.String(allow_none=True, load_default=None)  # the activity's new status


class SubsidyDecided(Schema):
    subsidy_id = fields.Integer(required=True)
    activity_id = fields.Integer(required=True)
    activity_title = fields.String(required=True)
    union_id = fields.Integer(required=True)
    county = fields.String(required=True)
    tier = fields.String(required=True)
    fund_id = fields.Integer(allow_none=True, load_default=None)
    status = fields.String(required=True, validate=validate.OneOf(["granted", "declined"]))
    amount = Yuan(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    policy_version = fields.Integer(allow_none=True, load_default=None)
    explanation = fields.List(fields.String(), required=True)


class SubsidyPaid(Schema):
    subsidy_id = fields.Integer(required=True)
    activity_id = fields.Integer(required=True)
    activity_title = fields.String(required=True)
    union_id = fields.Integer(required=True)
    fund_id = fields.Integer(required=True)
    amount = Yuan(required=True)
    batch_id = fields.Integer(required=True)


class FundThreshold(Schema):
    fund_id = fields.Integer(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    threshold_percent = fields.Integer(required=True)
    budget = Yuan(required=True)
    granted = Yuan(required=True)
    remaining = Yuan(required=True)


class VenueSubsidy(Schema):
    """A venue's construction or upkeep subsidy (宣教阵地建设补助), decided or paid."""
    subsidy_id = fields.Integer(required=True)
    venue_id = fields.Integer(required=True)
    venue_name = fields.String(required=True)
    county = fields.String(required=True)
    host_union_id = fields.Integer(allow_none=True, load_default=None)
    period = fields.String(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(["construction", "upkeep"]))
    fund_id = fields.Integer(allow_none=True, load_default=None)
    status = fields.String(required=True, validate=validate.OneOf(["granted", "declined",
                                                                   "paid"]))
    amount = Yuan(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    policy_version = fields.Integer(allow_none=True, load_default=None)
    explanation = fields.List(fields.String(), required=True)
    batch_id = fields.Integer(allow_none=True, load_default=None)


class VenueFacts(Schema):
    venue_id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    county = fields.String(required=True)
    host_union_id = fields.Integer(allow_none=True, load_default=None)


class VenueEvaluated(VenueFacts):
    evaluation_id = fields.Integer(required=True)
    period = fields.String(required=True)
    total = fields.Integer(required=True)
    rating = fields.String(required=True)
    # additive (library): enough for a venue subsidy or a notice without calling back
    kind_name = fields.String(allow_none=True, load_default=None)
    year = fields.Integer(allow_none=True, load_default=None)  # the period's year
    period_start = fields.Date(allow_none=True, load_default=None)
    period_end = fields.Date(allow_none=True, load_default=None)
    max_total = fields.Integer(allow_none=True, load_default=None)
    rating_name = fields.String(allow_none=True, load_default=None)  # 优秀 / 良好 / 合格 / 不合格
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True,
                         load_default=None)  # criterion -> points, activity credit included
    activities_counted = fields.Integer(allow_none=True, load_default=None)
    floor_area_m2 = fields.Integer(allow_none=True, load_default=None)
    seats = fields.Integer(allow_none=True, load_default=None)
    e_reading_devices = fields.Integer(allow_none=True, load_default=None)
    scheme_version = fields.Integer(allow_none=True, load_default=None)
    evaluator = fields.String(allow_none=True, load_default=None)


class NotificationFailed(Schema):
    delivery_id = fields.Integer(required=True)
    event_id = fields.String(required=True)
    channel = fields.String(required=True)
    recipient = fields.String(required=True)
    reason = fields.String(required=True)


@dataclass(frozen=True)
class EventSpec:
    event_type: str
    producer: str
    version: int
    schema: type
    consumers: tuple = field(default=())
    summary: str = ""


CATALOGUE = {spec.event_type: spec for spec in [
    EventSpec("activity_reported", "activities", 1, ActivityFacts, ("notify",),
              "A union reported an activity it has held."),
    EventSpec("activity_approved", "activities", 1, ActivityFacts,
              ("subsidies", "library", "notify"), "A reviewer approved an activity."),
    EventSpec("activity_rejected", "activities", 1, ActivityFacts, ("notify",),
              "A reviewer rejected an activity; comment holds the reason."),
    EventSpec("activity_returned", "activities", 1, ActivityFacts, ("notify",),
              "A reviewer returned an activity for rework; comment holds the reason."),
    EventSpec("subsidy_granted", "subsidies", 1, SubsidyDecided, ("notify",),
              "A subsidy was granted and reserved from a fund."),
    EventSpec("subsidy_declined", "subsidies", 1, SubsidyDecided, ("notify",),
              "An approved activity gets no subsidy; reason says why."),
    EventSpec("subsidy_paid", "subsidies", 1, SubsidyPaid, ("notify",),
              "A granted subsidy was paid in a disbursement batch."),
    EventSpec("fund_threshold_reached", "subsidies", 1, FundThreshold, ("notify",),
              "A fund passed 80% or 100% of its budget."),
    EventSpec("venue_subsidy_decided", "subsidies", 1, VenueSubsidy, ("notify",),
              "A four-goods evaluation got a venue subsidy decision (granted or declined)."),
    EventSpec("venue_subsidy_paid", "subsidies", 1, VenueSubsidy, ("notify",),
              "A granted venue subsidy was paid in a disbursement batch."),
    EventSpec("venue_registered", "library", 1, VenueFacts, (),
              "A venue joined the reading network."),
    EventSpec("venue_evaluated", "library", 1, VenueEvaluated, ("notify", "subsidies"),
              "A venue was scored on the four goods."),
    EventSpec("notification_failed", "notify", 1, NotificationFailed, (),
              "A delivery failed after all its retries."),
]}


# Schema instances are stateless once built and cost far more to build (field copies)
# than to use: one per schema and mode, made on first use, serves every event.
_STRICT = {}
_LENIENT = {}
_ENVELOPE = Envelope()


def _strict(spec):
    schema = _STRICT.get(spec.schema)
    if schema is None:
        schema = _STRICT[spec.schema] = spec.schema(unknown=RAISE)
    return schema


def _lenient(spec):
    schema = _LENIENT.get(spec.schema)
    if schema is None:
        schema = _LENIENT[spec.schema] = spec.schema(unknown=EXCLUDE)
    return schema


class UnknownEvent(ValueError):
    pass


def spec_for(event_type):
    try:
        return CATALOGUE[event_type]
    except KeyError:
        raise UnknownEvent(event_type) from None


def make_envelope(event_type, data, producer, correlation_id, causation_id=None):
    """Build a validated envelope; raises ValidationError on a payload off its schema."""
    spec = spec_for(event_type)
    if spec.producer != producer:
        raise UnknownEvent("%s is produced by %s, not %s" % (event_type, spec.producer, producer))
    errors = _strict(spec).validate(data)
    if errors:
        raise ValidationError(errors)
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": spec.version,
        "occurred_at": iso(utcnow()),
        "producer": producer,
        "correlation_id": correlation_id or str(uuid.uuid4()),
        "causation_id": causation_id,
        "data": data,
    }


def read_envelope(body):
    """Validate an incoming envelope and its data; returns the envelope with data loaded."""
    envelope = _ENVELOPE.load(body)
    spec = spec_for(envelope["event_type"])
    if envelope["schema_version"] != spec.version:
        raise ValidationError({"schema_version": ["unsupported %s" % envelope["schema_version"]]})
    envelope["data"] = _lenient(spec).load(envelope["data"])
    envelope["event_id"] = str(envelope["event_id"])
    return envelope


def queue_name(consumer, event_type):
    """One durable queue per (consumer service, event type)."""
    return "%s.%s.%s" % (consumer, spec_for(event_type).producer, event_type)
