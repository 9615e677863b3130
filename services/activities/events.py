"""The facts each activity event carries, so that no consumer has to call back."""
from services.common.money import to_yuan


def activity_facts(activity, union_name, actor, comment=None):
    return {
        "activity_id": activity.id,
        "title": activity.title,
        "union_id": activity.union_id,
        "union_name": union_name,
        "county": activity.county,
        "tier": activity.tier,
        "category": activity.category,
        "season": activity.season,
        "held_on": activity.held_on.isoformat(),
        "participants": activity.participants,
        "expenses": to_yuan(activity.expenses_fen),
        "venue_id": activity.venue_id,
        "lecturer_id": activity.lecturer_id,
        "actor": actor,
        "comment": comment,
    }


EVENT_OF_ACTION = {
    "report": "activity_reported",
    "resubmit": "activity_reported",
    "approve": "activity_approved",
    "reject": "activity_rejected",
    "return": "activity_returned",
}
