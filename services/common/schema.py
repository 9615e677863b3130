"""marshmallow helpers shared by every payload in and out."""
from marshmallow import Schema, ValidationError, RAISE, fields

from services.common import money
from services.common.clock import iso


class Strict(Schema):
    """Unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = RAISE


class Yuan(fields.Field):
    """A decimal string in yuan outside, integer fen inside."""

    default_error_messages = {"invalid": "Not a yuan amount such as \"290.00\"."}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money.to_yuan(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return money.to_fen(value)
        except money.BadAmount as exc:
            raise self.make_error("invalid") from exc


class StrictBoolean(fields.Boolean):
    """A JSON true or false in a body. marshmallow's Boolean also takes 0, 1, "yes"...;
    the document says boolean, so a body holds nothing else."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class County(fields.String):
    """One of the configured counties (Settings.counties). The service checks it against
    its settings; the gateway's OpenAPI document lists the gateway's (an enum)."""


class UtcDateTime(fields.Field):
    """UTC ISO-8601 with a Z; naive values from SQLite are UTC already."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)


def load(schema, payload):
    """Validate or raise Invalid with each bad field named."""
    # imported here: errors registers with nameko, and a contract module (which imports
    # this one) must stay importable without nameko
    from services.common.errors import Invalid
    try:
        return schema.load(payload if payload is not None else {})
    except ValidationError as exc:
        raise Invalid("request validation failed", _flatten(exc.messages)) from None


def _flatten(messages):
    if isinstance(messages, dict):
        return {str(key): _flatten(value) for key, value in messages.items()}
    return messages
