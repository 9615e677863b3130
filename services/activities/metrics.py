"""Business gauges of the activities service, set just before each /metrics scrape."""
import math

from prometheus_client import Gauge
from sqlalchemy import func, select

from services.activities import domain
from services.activities.models import Activity, Feedback

ACTIVITIES = Gauge(
    "cm_activities", "Activities of the current year (Asia/Shanghai) by status and season",
    ["status", "season"])
LECTURE_SATISFACTION = Gauge(
    "cm_lecture_satisfaction_ratio",
    "Share of lecture scores of 4 or 5 this year, programme-wide (NaN without scores)")


def refresh(session, year):
    counts = {(status, season): count for status, season, count in session.execute(
        select(Activity.status, Activity.season, func.count())
        .where(Activity.year == year).group_by(Activity.status, Activity.season))}
    for status in domain.STATUSES:
        for season in domain.SEASONS:
            ACTIVITIES.labels(status, season).set(counts.get((status, season), 0))
    scores = session.scalars(lecture_scores_query(year)).all()
    figure = domain.satisfaction(scores)["satisfaction"]
    LECTURE_SATISFACTION.set(math.nan if figure is None else float(figure))


def lecture_scores_query(year):
    """Scores given to the year's held lectures."""
    return (select(Feedback.score).join(Activity, Activity.id == Feedback.activity_id)
            .where(Activity.year == year, Activity.category == "lecture",
                   Activity.status.in_(domain.HELD_STATUSES)))
