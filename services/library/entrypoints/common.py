"""What the entrypoint modules share: the @rpc decorator and the guards they run."""
from sqlalchemy.exc import IntegrityError

from services.common.errors import Conflict, Invalid, expected_rpc
from services.common.schema import load
from services.library.contract import StatsFilter

rpc = expected_rpc()


def check_county(counties, county):
    if county not in counties:
        raise Invalid("unknown county", {"county": ["one of %s" % ", ".join(counties)]})


def flush_or_conflict(session, message):
    try:
        session.flush()
    except IntegrityError:  # a concurrent twin won a unique constraint
        raise Conflict(message) from None


def require_open(venue):
    if venue.status != "open":
        raise Conflict("venue %d (%s) is closed" % (venue.id, venue.name),
                       {"venue_id": venue.id, "status": venue.status})


def stats_filter(filters):
    """A statistics period: not empty, at most three years."""
    data = load(StatsFilter(), filters)
    if data["date_to"] < data["date_from"]:
        raise Invalid("an empty period", {"date_to": ["on or after date_from"]})
    if (data["date_to"] - data["date_from"]).days > 3 * 366:
        raise Invalid("a period too long", {"date_to": ["at most three years after date_from"]})
    return data
