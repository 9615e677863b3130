"""What notify's entrypoints read: whose notifications, which choices, which deliveries.

Plain functions over a session; nothing here commits but sync_recipient on its own session.
"""
from sqlalchemy import and_, exists, func, or_, select

from services.common.clock import utcnow
from services.common.errors import NotFound
from services.common.paging import MAX_LIMIT
from services.notify import domain
from services.notify.contract import AttemptOut, DeliveryOut
from services.notify.models import (
    Delivery, DeliveryAttempt, Notification, Preference, ReadMark, Recipient,
    WebhookSubscription)

RECIPIENT_FIELDS = ("username", "role", "union_id", "county")


def storable(identifier):
    """Ids beyond what an integer column holds name nothing (and must not reach the driver)."""
    return isinstance(identifier, int) and 0 < identifier < 2 ** 31


# the inbox -----------------------------------------------------------------------------
def read_by(identity):
    return exists().where(ReadMark.notification_id == Notification.id,
                          ReadMark.user_id == identity["user_id"])


def addressed_to(identity):
    return or_(*[and_(Notification.audience_kind == kind, Notification.audience_key == key)
                 for kind, key in domain.audiences_of(identity)])


def visible(session, identity):
    """The caller's notifications, less the event types they opted out of in-app."""
    muted = [event_type for (event_type, channel), enabled
             in preferences_of(session, identity["user_id"]).items()
             if channel == "in_app" and not domain.channel_enabled(
                 event_type, "in_app", {(event_type, channel): enabled})]
    condition = addressed_to(identity)
    if muted:
        condition = and_(condition, Notification.event_type.not_in(muted))
    return condition


def count(session, query):
    return session.scalar(select(func.count()).select_from(query.subquery()))


# recipients and preferences ------------------------------------------------------------
def preferences_of(session, user_id):
    """{(event_type, channel): enabled} as the user chose; unset means on."""
    rows = session.execute(select(Preference.event_type, Preference.channel,
                                  Preference.enabled)
                           .where(Preference.user_id == user_id)).all()
    return {(row.event_type, row.channel): row.enabled for row in rows}


def sync_recipient(db, identity, session=None):
    """Keep the recipient row as the gateway describes the user; returns it as a dict.

    Without a session it writes in a short one of its own (a read of the inbox keeps the
    row current); with one, the caller's transaction carries the change.
    """
    own_session = session is None
    session = session or db.session()
    try:
        row = session.get(Recipient, identity["user_id"])
        if row is None:
            row = Recipient(user_id=identity["user_id"], language=domain.DEFAULT_LANGUAGE)
            session.add(row)
        changed = row.updated_at is None or any(
            getattr(row, key) != identity[key] for key in RECIPIENT_FIELDS)
        if changed:
            for key in RECIPIENT_FIELDS:
                setattr(row, key, identity[key])
            row.updated_at = utcnow()
            if own_session:
                try:
                    session.commit()
                except Exception:  # a concurrent first read inserted it: theirs is as good
                    session.rollback()
                    row = session.get(Recipient, identity["user_id"])
        return {"email": row.email, "language": row.language or domain.DEFAULT_LANGUAGE}
    finally:
        if own_session:
            session.close()


# webhooks and deliveries ---------------------------------------------------------------
def subscription(session, webhook_id):
    found = session.get(WebhookSubscription, webhook_id) if storable(webhook_id) else None
    if found is None:
        raise NotFound("webhook subscription %s not found" % webhook_id)
    return found


def delivery_view(session, delivery):
    """A delivery with every try it had."""
    attempts = session.scalars(select(DeliveryAttempt)
                               .where(DeliveryAttempt.delivery_id == delivery.id)
                               .order_by(DeliveryAttempt.id)).all()
    view = DeliveryOut().dump(delivery)
    view["attempt_log"] = AttemptOut().dump(attempts, many=True)
    return view


def deliveries_page(session, query, limit, offset):
    limit = max(1, min(int(limit), MAX_LIMIT))
    total = count(session, query)
    rows = session.scalars(query.order_by(Delivery.id.desc()).limit(limit)
                           .offset(max(0, int(offset)))).all()
    return {"items": [delivery_view(session, row) for row in rows], "total": total}


def pending_counts(session):
    """Deliveries waiting to be sent (or being sent), by channel."""
    return dict(session.execute(select(Delivery.channel, func.count())
                                .where(Delivery.status.in_(("pending", "sending")))
                                .group_by(Delivery.channel)).all())


def disabled_webhooks(session):
    return session.scalar(select(func.count()).select_from(WebhookSubscription)
                          .where(WebhookSubscription.enabled.is_(False)))
