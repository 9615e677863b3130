"""The lecture programme, workers' feedback, the four seasons and the figures: commands,
queries, answers."""
from marshmallow import fields, validate

from services.activities.contract._fields import ID, moment, this_year
from services.activities.words import CATEGORIES, SEASONS
from services.common.schema import Strict, StrictBoolean


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
    active = StrictBoolean(metadata={"description": "false: left the pool (no new lectures)"})


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
    created_at = moment()
    updated_at = moment()


class LecturerPage(Strict):
    items = fields.List(fields.Nested(LecturerOut))
    total = fields.Integer()


class FeedbackIn(Strict):
    """give_feedback(activity_id, worker_id, worker, payload, union_id): a worker of the
    union that held an approved activity scores it, once (a new score replaces it)."""
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class SurveyOut(Strict):
    """What a worker of the holding union sees of an activity before scoring it."""
    id = fields.Integer()
    title = fields.String()
    category = fields.String()
    held_on = fields.String(metadata={"format": "date"})  # the activity's, as answered
    union_id = fields.Integer()
    union_name = fields.String(allow_none=True)
    lecturer_name = fields.String(allow_none=True)


class FeedbackOut(Strict):
    id = fields.Integer()
    activity_id = fields.Integer()
    score = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = moment()
    updated_at = moment()


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
    year = fields.Integer(load_default=this_year, validate=validate.Range(2000, 2100))
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
