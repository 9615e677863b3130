"""What one event fans out to, written in the handler's transaction: in-app notifications,
emails for the recipients who chose them, webhook deliveries for the subscribers.

Every event passes through here, so the statements are built once (building one costs
more than running it) and run as Core executemany, not one ORM object per row.
"""
import json

from sqlalchemy import and_, bindparam, insert, or_, select

from services.notify import domain
from services.notify.models import (
    Delivery, Notification, Preference, Recipient, WebhookSubscription)

INSERT_NOTIFICATIONS = insert(Notification.__table__)
INSERT_DELIVERIES = insert(Delivery.__table__)
ENABLED_WEBHOOKS = (select(WebhookSubscription.id, WebhookSubscription.url,
                           WebhookSubscription.event_types)
                    .where(WebhookSubscription.enabled.is_(True))
                    .order_by(WebhookSubscription.id))
# Everyone with an address in any of the audiences; audiences a kind does not use get [].
EMAIL_CANDIDATES = (
    select(Recipient.user_id, Recipient.role, Recipient.union_id, Recipient.county,
           Recipient.email, Recipient.language)
    .where(Recipient.email.is_not(None), or_(
        and_(Recipient.role == "union_admin",
             Recipient.union_id.in_(bindparam("unions", expanding=True))),
        and_(Recipient.role == "county_reviewer",
             Recipient.county.in_(bindparam("counties", expanding=True))),
        Recipient.role.in_(bindparam("roles", expanding=True)),
        Recipient.user_id.in_(bindparam("users", expanding=True))))
    .order_by(Recipient.user_id))
EMAIL_CHOICES = (select(Preference.user_id, Preference.enabled)
                 .where(Preference.user_id.in_(bindparam("users", expanding=True)),
                        Preference.event_type == bindparam("event_type"),
                        Preference.channel == "email"))


def notification_rows(event, audience_list, title, body, facts, now):
    return [{"event_id": event["event_id"], "event_type": event["event_type"],
             "audience_kind": kind, "audience_key": key, "title": title, "body": body,
             "data": facts, "correlation_id": event["correlation_id"], "created_at": now}
            for kind, key in audience_list]


def email_recipients(conn, event_type, audience_list):
    """The recipients in the audiences who have an address and did not turn email off."""
    if not audience_list:
        return []
    keys = {"unions": [], "counties": [], "roles": [], "users": []}
    for kind, key in audience_list:
        _add_audience(keys, kind, key)
    candidates = conn.execute(EMAIL_CANDIDATES, keys).all()
    if not candidates:
        return []
    choices = dict(conn.execute(EMAIL_CHOICES, {
        "users": [row.user_id for row in candidates], "event_type": event_type}).all())
    chosen = []
    for row in candidates:
        identity = {"user_id": row.user_id, "role": row.role, "union_id": row.union_id,
                    "county": row.county, "email": row.email}
        preferences = ({(event_type, "email"): choices[row.user_id]}
                       if row.user_id in choices else {})
        if (domain.belongs_to(identity, audience_list)
                and domain.wants_email(identity, event_type, preferences)):
            chosen.append(row)
    return chosen


def _add_audience(keys, kind, key):
    if kind == "union_admins":
        keys["unions"].append(_integer(key))
    elif kind == "county_reviewers":
        keys["counties"].append(key)
    elif kind == "role":
        keys["roles"].append(key)
    else:
        keys["users"].append(_integer(key))


def _integer(key):
    # keys come from event data; one that is not an id matches nobody
    try:
        return int(key)
    except (TypeError, ValueError):
        return -1


def email_rows(event, data, recipients, now):
    rows = []
    for recipient in recipients:
        subject, text = domain.render_email(event["event_type"], data, recipient.language)
        rows.append(delivery_row(event, "email", "user:%d" % recipient.user_id,
                                 recipient.email, text, now, subject=subject,
                                 language=recipient.language))
    return rows


def webhook_rows(conn, event, webhook_body, now):
    rows = []
    for subscription in conn.execute(ENABLED_WEBHOOKS).all():
        if event["event_type"] in json.loads(subscription.event_types):
            rows.append(delivery_row(event, "webhook", "webhook:%d" % subscription.id,
                                     subscription.url, webhook_body, now,
                                     subscription_id=subscription.id))
    return rows


def delivery_row(event, channel, recipient, target, payload, now, subject=None,
                 language=None, subscription_id=None):
    return {"event_id": event["event_id"], "event_type": event["event_type"],
            "channel": channel, "recipient": recipient, "subscription_id": subscription_id,
            "target": target, "language": language, "subject": subject, "payload": payload,
            "status": "pending", "attempts": 0, "next_attempt_at": now, "lease_until": None,
            "last_error": None, "correlation_id": event["correlation_id"],
            "created_at": now, "updated_at": now, "delivered_at": None}


def webhook_body(event, data):
    """The event as published, for webhook receivers (JSON text)."""
    return json.dumps({"event_id": event["event_id"], "event_type": event["event_type"],
                       "schema_version": event["schema_version"],
                       "occurred_at": event["occurred_at"], "producer": event["producer"],
                       "correlation_id": event["correlation_id"],
                       "causation_id": event.get("causation_id"), "data": data},
                      ensure_ascii=False)


def jsonable(data):
    """An event's loaded data with its dates back as ISO text (as stored and posted)."""
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in data.items()}
