"""HTTP schemas of the activities routes beyond the contract's own (gateway/schemas.py):
rename/move unions, bulk review, lecturers, feedback, the four seasons, coverage and
statistics. Request schemas are strict; answer schemas document the responses."""
from marshmallow import ValidationError, fields, validate

from gateway.schemas import CATEGORIES, LEVELS, SEASONS, STATUSES, Contact, Paging
from services.common.clock import local_today
from services.common.schema import Strict


ID = validate.Range(1, 2**31 - 1)


def _this_year():
    return local_today().year


def _distinct(values):
    if len(set(values)) != len(values):
        raise ValidationError("each id once")


# unions ---------------------------------------------------------------------------------
class UnionChange(Strict):
    """Rename or move a union: any subset. Moving a grassroots union under another county
    federation moves it to that county; its activities keep the county they were held in."""
    name = fields.String(validate=validate.Length(1, 200))
    county = fields.String(validate=validate.Length(1, 64))
    parent_id = fields.Integer(allow_none=True, strict=True, validate=ID)
    members = fields.Integer(strict=True, validate=validate.Range(0, 10_000_000))
    contacts = fields.List(fields.Nested(Contact))


class UnionAnswer(Strict):
    id = fields.Integer()
    name = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))
    county = fields.String()
    parent_id = fields.Integer(allow_none=True)
    members = fields.Integer()
    contacts = fields.List(fields.Nested(Contact))
    created_at = fields.String(metadata={"format": "date-time"})


class UnionPage(Strict):
    items = fields.List(fields.Nested(UnionAnswer))
    total = fields.Integer()


class UnionChangeAnswer(Strict):
    at = fields.String(metadata={"format": "date-time"})
    actor = fields.String()
    changes = fields.Dict(metadata={"description": "field -> [old, new]"})


# activities -----------------------------------------------------------------------------
class EvidenceAnswer(Strict):
    kind = fields.String()
    url = fields.String()


class ActivityAnswer(Strict):
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
    expenses = fields.String(metadata={"example": "1500.00"})
    evidence = fields.List(fields.Nested(EvidenceAnswer))
    venue_id = fields.Integer(allow_none=True)
    lecturer_id = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    reported_by = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class ActivityPage(Strict):
    items = fields.List(fields.Nested(ActivityAnswer))
    total = fields.Integer()


class HistoryAnswer(Strict):
    at = fields.String(metadata={"format": "date-time"})
    actor = fields.String()
    action = fields.String(validate=validate.OneOf(
        ("report", "edit", "resubmit", "approve", "reject", "return")))
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    comment = fields.String(allow_none=True)


class BulkApprove(Strict):
    ids = fields.List(fields.Integer(strict=True, validate=ID), required=True,
                      validate=[validate.Length(1, 200), _distinct])
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ItemError(Strict):
    code = fields.String()
    message = fields.String()
    details = fields.Dict()


class BulkItem(Strict):
    id = fields.Integer()
    status = fields.String(allow_none=True, metadata={
        "description": "the activity's status after the attempt (null when unknown)"})
    error = fields.Nested(ItemError, allow_none=True)


class BulkAnswer(Strict):
    results = fields.List(fields.Nested(BulkItem))
    approved = fields.Integer()
    failed = fields.Integer()


# lecturers and feedback ------------------------------------------------------------------
class LecturerCreate(Strict):
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
    title = fields.String(allow_none=True, validate=validate.Length(max=100))
    organization = fields.String(allow_none=True, validate=validate.Length(max=200))
    topics = fields.List(fields.String(validate=validate.Length(1, 100)),
                         validate=validate.Length(1, 20))
    county = fields.String(validate=validate.Length(1, 64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(allow_none=True)
    active = fields.Boolean(metadata={"description": "false: left the pool (no new lectures)"})


class LecturerQuery(Paging):
    county = fields.String()
    active = fields.Boolean()
    name = fields.String()
    topic = fields.String(validate=validate.Length(1, 100),
                          metadata={"description": "part of a topic"})


class LecturerAnswer(Strict):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    organization = fields.String(allow_none=True)
    topics = fields.List(fields.String())
    county = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class LecturerPage(Strict):
    items = fields.List(fields.Nested(LecturerAnswer))
    total = fields.Integer()


class FeedbackBody(Strict):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class FeedbackAnswer(Strict):
    id = fields.Integer()
    activity_id = fields.Integer()
    score = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})
    replaced = fields.Boolean(metadata={"description": "true when it replaced an earlier score"})


class Satisfaction(Strict):
    responses = fields.Integer()
    satisfied = fields.Integer(metadata={"description": "scores of 4 or 5"})
    satisfaction = fields.String(allow_none=True, metadata={"example": "0.9600"})
    average = fields.String(allow_none=True, metadata={"example": "4.60"})
    target = fields.String(metadata={"example": "0.95"})
    meets_target = fields.Boolean(allow_none=True)


class FeedbackSummary(Satisfaction):
    activity_id = fields.Integer()
    lecturer_id = fields.Integer(allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer())


# the four seasons, coverage, statistics ------------------------------------------------
class SeasonThemeBody(Strict):
    theme = fields.String(required=True, validate=validate.Length(1, 100))
    categories = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)), required=True,
                             validate=validate.Length(1, len(CATEGORIES)))


class SeasonAnswer(Strict):
    season = fields.String(validate=validate.OneOf(SEASONS))
    name = fields.String()
    months = fields.List(fields.Integer())
    theme = fields.String()
    categories = fields.List(fields.String())
    configured = fields.Boolean(metadata={"description": "false: the default theme"})
    launch_month = fields.Integer(allow_none=True)
    updated_by = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)


class SeasonsAnswer(Strict):
    year = fields.Integer()
    seasons = fields.List(fields.Nested(SeasonAnswer))


class CoverageQuery(Strict):
    year = fields.Integer(load_default=_this_year, validate=validate.Range(2000, 2100))
    county = fields.String(validate=validate.Length(1, 64))


class StatsQuery(CoverageQuery):
    union_id = fields.Integer(validate=ID)


class LectureQuery(CoverageQuery):
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


class CoverageAnswer(Strict):
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


class StatsAnswer(Strict):
    year = fields.Integer()
    scope = fields.Dict()
    reported = fields.Integer()
    by_county = fields.Dict(keys=fields.String(), values=fields.Nested(Breakdown))
    by_tier = fields.Dict(keys=fields.String(), values=fields.Nested(Breakdown))
    by_season = fields.Dict(keys=fields.String(), values=fields.Nested(Breakdown))
    by_category = fields.Dict(keys=fields.String(), values=fields.Nested(Breakdown))
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    participants_total = fields.Integer()
    expenses_total = fields.String()
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
