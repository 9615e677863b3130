"""Field helpers and limits the contract's schemas share."""
from marshmallow import validate

from services.common.clock import local_today
from services.common.schema import UtcDateTime, Yuan

ID = validate.Range(1, 2**31 - 1)
YUAN_PATTERN = r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$"  # what services.common.money accepts
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
