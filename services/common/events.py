"""The event envelope and the registry of event specs, with versioned schemas.

The kernel knows envelopes, not services: each service's events.py declares the events
it produces (name, version, payload schema, payload builders) and registers them here,
and says which events it consumes with `subscribe`. services/catalogue.py imports every
events module, for the AsyncAPI document and for producers that declare their
consumers' queues. Producers validate strictly; consumers accept additive fields
(EXCLUDE) so that an additive change can keep its version.
"""
import uuid
from dataclasses import dataclass

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


@dataclass(frozen=True)
class EventSpec:
    event_type: str
    producer: str
    version: int
    schema: type
    summary: str = ""

    @property
    def consumers(self):
        return tuple(sorted(SUBSCRIPTIONS.get(self.event_type, ())))


REGISTRY = {}  # event type -> EventSpec, filled by each service's events.py
SUBSCRIPTIONS = {}  # event type -> consumer service names


def register(*specs):
    for spec in specs:
        known = REGISTRY.setdefault(spec.event_type, spec)
        if known != spec:
            raise ValueError("event %s registered twice, differently" % spec.event_type)
    return specs


def subscribe(consumer, *specs):
    """consumer handles these events (its handlers' queues are declared by producers too)."""
    register(*specs)
    for spec in specs:
        SUBSCRIPTIONS.setdefault(spec.event_type, set()).add(consumer)


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
        return REGISTRY[event_type]
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
