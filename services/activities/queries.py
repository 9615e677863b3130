"""Statements every review runs, built once: building one (and its cache key) costs more
than running it."""
from sqlalchemy import bindparam, insert, select, update

from services.activities.models import Activity, HistoryEntry, SeasonTheme
from services.activities.schemas import ActivityOut

# The conditional update makes two racing reviewers produce one winner.
MOVE = (update(Activity.__table__)
        .where(Activity.__table__.c.id == bindparam("activity_id"),
               Activity.__table__.c.status == bindparam("expected"))
        .values(status=bindparam("target"), updated_at=bindparam("now")))
INSERT_HISTORY = insert(HistoryEntry.__table__)
THEMES_OF_YEAR = select(SeasonTheme).where(SeasonTheme.year == bindparam("year"))

# A schema instance is stateless once built and costly to build.
ACTIVITY_OUT = ActivityOut()
