"""Field helpers and limits the contract's schemas share."""
from marshmallow import validate

from services.common.clock import local_today
from services.common.money import YUAN_PATTERN  # what to_fen accepts
from services.common.schema import UtcDateTime, Yuan

ID = validate.Range(1, 2**31 - 1)
BULK_MAX = 200  # ids per bulk review


def moment(**kwargs):
    """A UTC moment, dumped as ISO-8601 with a Z."""
    return UtcDateTime(metadata={"type": "string", "format": "date-time"}, **kwargs)


def yuan(**kwargs):
    """Yuan text outside ("1500.00"), integer fen inside."""
    return Yuan(metadata={"type": "string", "pattern": YUAN_PATTERN, "example": "1500.00"},
                **kwargs)


def this_year():
    return local_today().year
