"""Times are stored in UTC; months, seasons and years are reckoned in Asia/Shanghai."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def utcnow():
    return datetime.now(timezone.utc)


def local_today():
    return datetime.now(LOCAL).date()


def iso(moment):
    """UTC ISO-8601 with a Z, whatever tz the value carries (naive means UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
