"""The facts each activity event carries, so that no consumer has to call back."""
from services.common.money import to_yuan


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


EVENT_OF_ACTION = {
    "report": "activity_reported",
    "resubmit": "activity_reported",
    "approve": "activity_approved",
    "reject": "activity_rejected",
    "return": "activity_returned",
}
