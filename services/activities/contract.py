"""The activities service's published contract: what it takes over RPC (commands and
queries), what it answers, the events it publishes and its word lists.

One definition each: the service loads and dumps with these schemas, and the gateway
validates and documents its HTTP routes with the same ones. Importable without nameko or
SQLAlchemy (marshmallow and the shared pure helpers only).
"""
from marshmallow import fields, validate

from services.activities.events import (  # noqa: F401  (re-exported: part of the contract)
    APPROVED, REJECTED, REPORTED, RETURNED, ActivityFacts)
from services.activities.words import (  # noqa: F401  (re-exported: part of the contract)
    CATEGORIES, CATEGORY_NAMES, EVIDENCE_KIND_NAMES, EVIDENCE_KINDS, HISTORY_ACTIONS,
    LEVEL_NAMES, LEVELS, REVIEW_ACTIONS, SEASON_NAMES, SEASONS, STATUS_NAMES, STATUSES)
from services.common.clock import local_today
from services.common.schema import Strict, UtcDateTime, Yuan

ID = validate.Range(1, 2**31 - 1)
YUAN_PATTERN = r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$"  # what services.common.money accepts
BULK_MAX = 200  # ids per bulk review


def _moment(**kwargs):
    """A UTC moment, dumped as ISO-8601 with a Z."""
    return UtcDateTime(metadata={"type": "string", "format": "date-time"}, **kwargs)


def _yuan(**kwargs):
    """Yuan text outside ("1500.00"), integer fen inside."""
    return Yuan(metadata={"type": "string", "pattern": YUAN_PATTERN, "example": "1500.00"},
                **kwargs)


def _this_year():
    return local_today().year


# unions ---------------------------------------------------------------------------------
class Contact(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    phone = fields.String(load_default=None, validate=validate.Length(max=30))
    role = fields.String(load_default=None, validate=validate.Length(max=50))


class UnionIn(Strict):
    """create_union(payload, actor)."""
    name = fields.String(required=True, validate=validate.Length(1, 200))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    members = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10_000_000))
    contacts = fields.List(fields.Nested(Contact), load_default=list)


class UnionChange(Strict):
    """update_union(union_id, payload, actor): rename or move a union, any subset; its
    level stays. Moving a grassroots union under another county federation moves it to
    that county; its activities keep the county they were held in."""
    name = fields.String(validate=validate.Length(1, 200))
    county = fields.String(validate=validate.Length(1, 64))
    parent_id = fields.Integer(allow_none=True, strict=True, validate=ID)
    members = fields.Integer(strict=True, validate=validate.Range(0, 10_000_000))
    contacts = fields.List(fields.Nested(Contact))


class UnionFilter(Strict):
    """list_unions(filters, limit, offset)."""
    level = fields.String(validate=validate.OneOf(LEVELS))
    county = fields.String()
    parent_id = fields.Integer(validate=ID)
    name = fields.String()
    q = fields.String(validate=validate.Length(1, 100), metadata={"description": "part of the name"})


class UnionOut(Strict):
    id = fields.Integer()
    name = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))
    county = fields.String()
    parent_id = fields.Integer(allow_none=True)
    members = fields.Integer()
    contacts = fields.List(fields.Nested(Contact))
    created_at = _moment()


class UnionPage(Strict):
    items = fields.List(fields.Nested(UnionOut))
    total = fields.Integer()


class UnionChangeOut(Strict):
    at = _moment()
    actor = fields.String()
    changes = fields.Dict(metadata={"description": "field -> [old, new]"})


# activities -----------------------------------------------------------------------------
class Evidence(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(EVIDENCE_KINDS))
    url = fields.Url(required=True, schemes={"http", "https"})


class ActivityIn(Strict):
    """report_activity(payload, actor, request_key)."""
    union_id = fields.Integer(required=True, strict=True, validate=ID)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    held_on = fields.Date(required=True)
    participants = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    expenses = _yuan(required=True)
    evidence = fields.List(fields.Nested(Evidence), required=True,
                           validate=validate.Length(min=1, max=50))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    lecturer_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=5000))


class ActivityChanges(ActivityIn):
    """update_activity(activity_id, payload, actor): a returned activity's owner may
    change anything but its union."""
    class Meta:
        exclude = ("union_id",)


class ActivityFilter(Strict):
    """list_activities(filters, limit, offset)."""
    status = fields.String(validate=validate.OneOf(STATUSES))
    county = fields.String()
    union_id = fields.Integer(validate=ID)
    season = fields.String(validate=validate.OneOf(SEASONS))
    year = fields.Integer(validate=validate.Range(2000, 2100))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    tier = fields.String(validate=validate.OneOf(LEVELS))
    lecturer_id = fields.Integer(validate=ID)


class ActivityOut(Strict):
    id = fields.Integer()
    union_id = fields.Integer()
    county = fields.String()
    tier = fields.String(validate=validate.OneOf(LEVELS))
    season = fields.String(validate=validate.OneOf(SEASONS))
    year = fields.Integer()
    title = fields.String()
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    held_on = fields.Date()
    participants = fields.Integer()
    expenses = _yuan(attribute="expenses_fen")
    evidence = fields.List(fields.Nested(Evidence))
    venue_id = fields.Integer(allow_none=True)
    lecturer_id = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    reported_by = fields.String()
    created_at = _moment()
    updated_at = _moment()


class ActivityPage(Strict):
    items = fields.List(fields.Nested(ActivityOut))
    total = fields.Integer()


class ApproveIn(Strict):
    """The comment of transition(activity_id, "approve" or "resubmit", actor, comment)."""
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ReasonIn(Strict):
    """The reason of transition(activity_id, "reject" or "return", actor, reason)."""
    reason = fields.String(required=True, validate=[
        validate.Length(min=1, max=2000),
        validate.Predicate("strip", error="must not be blank")])


class HistoryOut(Strict):
    at = _moment()
    actor = fields.String()
    action = fields.String(validate=validate.OneOf(HISTORY_ACTIONS))
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    comment = fields.String(allow_none=True)


class ItemError(Strict):
    code = fields.String()
    message = fields.String()
    details = fields.Dict()


class BulkItem(Strict):
    """One item of bulk_transition's answer (a list, in the order given)."""
    id = fields.Integer()
    status = fields.String(allow_none=True, metadata={
        "description": "the activity's status after the attempt (null when unknown)"})
    error = fields.Nested(ItemError, allow_none=True)


# lecturers and feedback ------------------------------------------------------------------
class LecturerIn(Strict):
    """create_lecturer(payload)."""
    name = fields.String(required=True, validate=validate.Length(1, 50))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    organization = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=200))
    topics = fields.List(fields.String(validate=validate.Length(1, 100)), required=True,
                         validate=validate.Length(1, 20))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(load_default=None, allow_none=True)


class LecturerChange(Strict):
    """update_lecturer(lecturer_id, payload)."""
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    organization = fields.String(allow_none=True, validate=validate.Length(max=200))
    topics = fields.List(fields.String(validate=validate.Length(1, 100)),
                         validate=validate.Length(1, 20))
    county = fields.String(validate=validate.Length(1, 64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(allow_none=True)
    active = fields.Boolean(metadata={"description": "false: left the pool (no new lectures)"})


class LecturerFilter(Strict):
    """list_lecturers(filters, limit, offset)."""
    county = fields.String()
    active = fields.Boolean()
    name = fields.String()
    topic = fields.String(validate=validate.Length(1, 100),
                          metadata={"description": "part of a topic"})


class LecturerOut(Strict):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    organization = fields.String(allow_none=True)
    topics = fields.List(fields.String())
    county = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = _moment()
    updated_at = _moment()


class LecturerPage(Strict):
    items = fields.List(fields.Nested(LecturerOut))
    total = fields.Integer()


class FeedbackIn(Strict):
    """give_feedback(activity_id, worker_id, worker, payload)."""
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FeedbackOut(Strict):
    id = fields.Integer()
    activity_id = fields.Integer()
    score = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = _moment()
    updated_at = _moment()


class FeedbackGivenOut(Strict):
    """give_feedback's answer: the score, and whether it is the worker's first."""
    created = fields.Boolean()
    feedback = fields.Nested(FeedbackOut)


class Satisfaction(Strict):
    responses = fields.Integer()
    satisfied = fields.Integer(metadata={"description": "scores of 4 or 5"})
    satisfaction = fields.String(allow_none=True, metadata={"example": "0.9600"})
    average = fields.String(allow_none=True, metadata={"example": "4.60"})
    target = fields.String(metadata={"example": "0.95"})
    meets_target = fields.Boolean(allow_none=True)


class FeedbackSummary(Satisfaction):
    """feedback_summary(activity_id)."""
    activity_id = fields.Integer()
    lecturer_id = fields.Integer(allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer())


# the four seasons ------------------------------------------------------------------------
class SeasonThemeIn(Strict):
    """set_season_theme(year, season, payload, actor)."""
    theme = fields.String(required=True, validate=validate.Length(1, 100))
    categories = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)), required=True,
                             validate=validate.Length(1, len(CATEGORIES)))


class SeasonOut(Strict):
    season = fields.String(validate=validate.OneOf(SEASONS))
    name = fields.String()
    months = fields.List(fields.Integer())
    theme = fields.String()
    categories = fields.List(fields.String())
    configured = fields.Boolean(metadata={"description": "false: the default theme"})
    launch_month = fields.Integer(allow_none=True)
    updated_by = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)


class SeasonsOut(Strict):
    """season_themes(year) and set_season_theme's answer."""
    year = fields.Integer()
    seasons = fields.List(fields.Nested(SeasonOut))


# coverage and statistics (queries: year, county, union_id or lecturer_id) ----------------
class CoverageQuery(Strict):
    """coverage(year, county)."""
    year = fields.Integer(load_default=_this_year, validate=validate.Range(2000, 2100))
    county = fields.String(validate=validate.Length(1, 64))


class ActivityStatsQuery(CoverageQuery):
    """statistics(year, county, union_id)."""
    union_id = fields.Integer(validate=ID)


class LectureQuery(CoverageQuery):
    """lecture_report(year, county, lecturer_id)."""
    lecturer_id = fields.Integer(validate=ID)


class Gap(Strict):
    county = fields.String()
    month = fields.Integer()


class CoverageRow(Strict):
    county = fields.String()
    months = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "month (1-12) -> approved activities"})
    total = fields.Integer()
    months_covered = fields.Integer()
    gaps = fields.List(fields.Integer())


class SeasonShare(Strict):
    season = fields.String()
    theme = fields.String()
    categories = fields.List(fields.String())
    activities = fields.Integer()
    matching = fields.Integer()
    share = fields.String(allow_none=True, metadata={"example": "0.5000"})


class CoverageOut(Strict):
    year = fields.Integer()
    months_due = fields.List(fields.Integer(), metadata={
        "description": "months that count: all for a past year, up to this month for this one"})
    counties = fields.List(fields.Nested(CoverageRow))
    city = fields.Dict(allow_none=True, metadata={"description": "city-tier activities by month"})
    gaps = fields.List(fields.Nested(Gap))
    complete = fields.Boolean()
    seasons = fields.List(fields.Nested(SeasonShare))


class Breakdown(Strict):
    total = fields.Integer()
    approved = fields.Integer()
    participants = fields.Integer(metadata={"description": "of approved activities"})


class Published(Strict):
    activities_held = fields.Integer(metadata={"description": "reported and not rejected"})
    activities_approved = fields.Integer()
    lecture_sessions = fields.Integer(metadata={"description": "approved lectures"})
    participants = fields.Integer()
    lecture_satisfaction = fields.String(allow_none=True)
    satisfaction_target = fields.String()
    meets_target = fields.Boolean(allow_none=True)


class ActivityStatsOut(Strict):
    year = fields.Integer()
    scope = fields.Dict()
    reported = fields.Integer()
    by_county = fields.Dict(keys=fields.String(), values=fields.Nested(Breakdown))
    by_tier = fields.Dict(keys=fields.String(), values=fields.Nested(Breakdown))
    by_season = fields.Dict(keys=fields.String(), values=fields.Nested(Breakdown))
    by_category = fields.Dict(keys=fields.String(), values=fields.Nested(Breakdown))
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    participants_total = fields.Integer()
    expenses_total = fields.String(metadata={"example": "1500.00"})
    published = fields.Nested(Published)


class LecturerFigures(Satisfaction):
    lecturer_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    county = fields.String(allow_none=True)
    sessions = fields.Integer()
    sessions_with_feedback = fields.Integer()


class Programme(Satisfaction):
    sessions = fields.Integer()
    sessions_approved = fields.Integer()
    lecturers = fields.Integer()


class LectureWithoutFeedback(Strict):
    activity_id = fields.Integer()
    title = fields.String()
    held_on = fields.Date()
    lecturer_id = fields.Integer(allow_none=True)
    lecturer_name = fields.String(allow_none=True)
    union_id = fields.Integer()
    county = fields.String()
    status = fields.String()


class LectureReport(Strict):
    year = fields.Integer()
    scope = fields.Dict()
    programme = fields.Nested(Programme)
    lecturers = fields.List(fields.Nested(LecturerFigures))
    without_feedback = fields.List(fields.Nested(LectureWithoutFeedback))
