"""The facts an approval of an activity would carry now (a policy dry run asks for them):
activity_approved's data, built by the same code, and where the activity stands."""
from marshmallow import fields

from services.activities.events import ActivityFacts
from services.activities.words import STATUSES

__all__ = ['ApprovalFacts']


class ApprovalFacts(ActivityFacts):
    """activity_approved's facts as of now (status "approved"); current_status: the
    activity's own status, which an approval has not changed."""
    current_status = fields.String(required=True, metadata={"enum": list(STATUSES)})
