"""Business gauges of the activities service, set just before each /metrics scrape."""
import math

from prometheus_client import Gauge
from sqlalchemy import func, select

from services.activities import domain
from services.activities.models import Activity, EvidenceFile, Feedback

ACTIVITIES = Gauge(
    "cm_activities", "Activities of the current year (Asia/Shanghai) by status and season",
    ["status", "season"])
LECTURE_SATISFACTION = Gauge(
    "cm_lecture_satisfaction_ratio",
    "Share of lecture scores of 4 or 5 this year, programme-wide (NaN without scores)")

EVIDENCE_FILES = Gauge(
    "cm_evidence_files", "Evidence files kept, attached to an activity or not (yet)", ["state"])
EVIDENCE_BYTES = Gauge(
    "cm_evidence_stored_bytes", "Bytes of the evidence files as kept (thumbnails not counted)",
    ["state"])


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
    refresh_evidence(session)


def refresh_evidence(session):
    attached = EvidenceFile.activity_id.is_not(None)
    found = {bool(state): (count, size or 0) for state, count, size in session.execute(
        select(attached, func.count(), func.sum(EvidenceFile.stored_size)).group_by(attached))}
    for state, key in (("attached", True), ("unattached", False)):
        count, size = found.get(key, (0, 0))
        EVIDENCE_FILES.labels(state).set(count)
        EVIDENCE_BYTES.labels(state).set(size)


def lecture_scores_query(year):
    """Scores given to the year's held lectures."""
    return (select(Feedback.score).join(Activity, Activity.id == Feedback.activity_id)
            .where(Activity.year == year, Activity.category == "lecture",
                   Activity.status.in_(domain.HELD_STATUSES)))
