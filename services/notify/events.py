"""The events notify publishes (part of its contract), and those it turns into notices."""
from marshmallow import Schema, fields

from services.activities import events as activity_events
from services.common.events import EventSpec, register, subscribe
from services.library import events as library_events
from services.subsidies import events as subsidy_events


class NotificationFailed(Schema):
    delivery_id = fields.Integer(required=True)
    event_id = fields.String(required=True)
    channel = fields.String(required=True)
    recipient = fields.String(required=True)
    reason = fields.String(required=True)


(NOTIFICATION_FAILED,) = register(
    EventSpec("notification_failed", "notify", 1, NotificationFailed,
              "A delivery failed after all its retries."),
)

CONSUMED = (
    activity_events.REPORTED, activity_events.APPROVED, activity_events.REJECTED,
    activity_events.RETURNED, subsidy_events.SUBSIDY_GRANTED, subsidy_events.SUBSIDY_DECLINED,
    subsidy_events.SUBSIDY_PAID, subsidy_events.FUND_THRESHOLD_REACHED,
    subsidy_events.VENUE_SUBSIDY_DECIDED, subsidy_events.VENUE_SUBSIDY_PAID,
    library_events.VENUE_EVALUATED, subsidy_events.PAYMENT_RETURNED,
    subsidy_events.SUBSIDY_REVERSED,
)
subscribe("notify", *CONSUMED)


# payload builders -----------------------------------------------------------------------
def notification_failed(delivery, reason):
    """notification_failed's data: the delivery (a row) that failed for good, and why."""
    return {"delivery_id": delivery.id, "event_id": delivery.event_id,
            "channel": delivery.channel, "recipient": delivery.recipient,
            "reason": reason[:1000]}
