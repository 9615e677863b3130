"""The events activities publishes (part of its contract): the facts each carries, so
that no consumer has to call back, and the builder that makes them from a row."""
from marshmallow import Schema, fields, validate

from services.common.events import EventSpec, Yuan, register
from services.activities.words import LEVELS
from services.common.money import to_yuan


class ActivityFacts(Schema):
    activity_id = fields.Integer(required=True)
    title = fields.String(required=True)
    union_id = fields.Integer(required=True)
    union_name = fields.String(required=True)
    county = fields.String(required=True)
    tier = fields.String(required=True, validate=validate.OneOf(LEVELS))
    category = fields.String(required=True)
    season = fields.String(required=True)
    held_on = fields.Date(required=True)
    participants = fields.Integer(required=True)
    expenses = Yuan(required=True)
    venue_id = fields.Integer(allow_none=True, load_default=None)
    lecturer_id = fields.Integer(allow_none=True, load_default=None)
    actor = fields.String(required=True)
    comment = fields.String(allow_none=True, load_default=None)
    # additive (activities): the calendar and the lecture programme, so no one calls back
    year = fields.Integer(allow_none=True, load_default=None)  # held_on's year
    season_theme = fields.String(allow_none=True, load_default=None)  # e.g. 职工读书季
    season_theme_match = fields.Boolean(allow_none=True, load_default=None)
    lecturer_name = fields.String(allow_none=True, load_default=None)
    # the lecturer's share of 4-5 scores that year, e.g. "0.9600"; null without scores
    lecturer_satisfaction = fields.String(allow_none=True, load_default=None)
    union_level = fields.String(allow_none=True, load_default=None)
    status = fields.String(allow_none=True, load_default=None)  # the activity's new status


REPORTED, APPROVED, REJECTED, RETURNED = register(
    EventSpec("activity_reported", "activities", 1, ActivityFacts,
              "A union reported an activity it has held."),
    EventSpec("activity_approved", "activities", 1, ActivityFacts,
              "A reviewer approved an activity."),
    EventSpec("activity_rejected", "activities", 1, ActivityFacts,
              "A reviewer rejected an activity; comment holds the reason."),
    EventSpec("activity_returned", "activities", 1, ActivityFacts,
              "A reviewer returned an activity for rework; comment holds the reason."),
)


def activity_facts(activity, union, actor, comment=None, extra=None):
    """extra: season_theme, season_theme_match, lecturer_name, lecturer_satisfaction."""
    facts = {
        "activity_id": activity.id,
        "title": activity.title,
        "union_id": activity.union_id,
        "union_name": union.name,
        "union_level": union.level,
        "county": activity.county,
        "tier": activity.tier,
        "category": activity.category,
        "season": activity.season,
        "year": activity.year,
        "held_on": activity.held_on.isoformat(),
        "participants": activity.participants,
        "expenses": to_yuan(activity.expenses_fen),
        "venue_id": activity.venue_id,
        "lecturer_id": activity.lecturer_id,
        "status": activity.status,
        "actor": actor,
        "comment": comment,
        "season_theme": None,
        "season_theme_match": None,
        "lecturer_name": None,
        "lecturer_satisfaction": None,
    }
    facts.update(extra or {})
    return facts


# the event each step of an activity's trail publishes
SPEC_OF_ACTION = {
    "report": REPORTED,
    "resubmit": REPORTED,
    "approve": APPROVED,
    "reject": REJECTED,
    "return": RETURNED,
}
