"""Field types and helpers of the library's contract (marshmallow only)."""
import copy
import re

from marshmallow import ValidationError, fields, missing, validate

from services.common.schema import Strict, UtcDateTime
from services.library.words import ISBN_TEXT, PERIOD_TEXT, VENUE_KINDS, BadIsbn, normalise_isbn

ID = validate.Range(1, 2**31 - 1)
PERIOD = validate.Regexp(PERIOD_TEXT, error="a year (2026), half (2026-H1), quarter "
                                            "(2026-Q3) or month (2026-09)")
KIND = validate.OneOf(tuple(VENUE_KINDS))


class Isbn(fields.String):
    """ISBN-10 or ISBN-13 with a valid checksum; loaded as the ISBN-13 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", ISBN_TEXT)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.match(ISBN_TEXT, text):
            raise ValidationError("an ISBN-10 or ISBN-13")
        try:
            return normalise_isbn(text)
        except BadIsbn as exc:
            raise ValidationError(str(exc)) from None


def body_int(**kwargs):
    """An integer in a body: JSON numbers only."""
    return fields.Integer(strict=True, **kwargs)


def filter_id(**kwargs):
    """An id in a filter (a query string's text is loaded too): a positive 32-bit integer."""
    return fields.Integer(validate=ID, **kwargs)


def moment(**kwargs):
    """A moment in an answer: UTC ISO-8601 with a Z."""
    return UtcDateTime(metadata={"type": "string"}, **kwargs)


def changes_of(schema, name):
    """The schema's fields, each optional and without a default: a change of any subset."""
    declared = {}
    for key, field in schema._declared_fields.items():
        declared[key] = field = copy.deepcopy(field)
        field.required, field.load_default = False, missing
    made = Strict.from_dict(declared, name=name)
    made.__module__ = schema.__module__
    return made


def listing(name, item, **more):
    """A list's answer: {"items": [...], "total": N} (and more)."""
    made = Strict.from_dict(dict(items=fields.List(fields.Nested(item)), total=fields.Integer(),
                                 **more), name=name)
    made.__module__ = item.__module__
    return made


def named(words, key):
    """The Chinese name of an answer's word (kind_name, rating_name)."""
    return fields.Function(lambda obj: words[getattr(obj, key)], metadata={"type": "string"})
