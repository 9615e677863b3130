"""Shared field helpers of subsidies' contract modules: money as a yuan string outside and
integer fen inside, computed fields, timestamps, pages."""
from marshmallow import fields

from services.common.schema import Strict, UtcDateTime, Yuan
from services.subsidies.words import YUAN_PATTERN


def yuan(description='yuan, e.g. "290.00"', **kwargs):
    """A Yuan field, documented as the string it is outside (with its pattern when it is
    loaded: an answer's figure may be negative in a reconciliation that finds drift)."""
    metadata = {"type": "string", "description": description}
    if kwargs.get("required"):
        metadata["pattern"] = YUAN_PATTERN
    return Yuan(metadata=metadata, **kwargs)


def computed(method, kind="string", **kwargs):
    return fields.Method(method, metadata=dict(kwargs.pop("metadata", {}), type=kind), **kwargs)


def when(**kwargs):
    return UtcDateTime(metadata={"type": "string"}, **kwargs)


def page_of(item):
    return type(item.__name__.replace("Out", "") + "List", (Strict,), {
        "items": fields.List(fields.Nested(item)), "total": fields.Integer()})

