"""Notify entrypoints: every event someone must hear of becomes inbox notifications,
emails to the recipients who chose them, and webhook deliveries to subscribers.

Handlers write all of it in one transaction (no network I/O); the delivery worker sends.
"""
import json

from sqlalchemy import and_, exists, func, or_, select

from services.notify import events as _events  # noqa: F401  registers this service's events
from services.common.clock import utcnow
from services.common.consumer import handle_event
from services.common.dependencies import Database, EntrypointMetrics
from services.common.errors import Conflict, NotFound, expected_rpc
from services.common.ops import OpsEndpoints
from services.common.paging import DEFAULT_LIMIT, MAX_LIMIT, page
from services.common.schema import load
from services.notify import domain, fanout, metrics
from services.notify.delivery import DeliveryWorker, disable_subscription, pending_counts
from services.notify.models import (
    MESSAGING, Delivery, DeliveryAttempt, Notification, Preference, ReadMark, Recipient,
    WebhookSubscription)
from services.notify.schemas import (
    AttemptOut, DeliveryFilter, DeliveryOut, Identity, InboxFilter, NotificationOut,
    PreferencesIn, WebhookCreate, WebhookOut, WebhookUpdate)

rpc = expected_rpc()


class Service(OpsEndpoints):
    name = "notify"
    db = Database(MESSAGING, extra_connections="delivery_concurrency")
    measured = EntrypointMetrics()
    deliveries = DeliveryWorker()

    # one durable queue per event type, all handled alike ------------------------------
    @handle_event("activity_reported")
    def on_activity_reported(self, event):
        self._notify(event)

    @handle_event("activity_approved")
    def on_activity_approved(self, event):
        self._notify(event)

    @handle_event("activity_rejected")
    def on_activity_rejected(self, event):
        self._notify(event)

    @handle_event("activity_returned")
    def on_activity_returned(self, event):
        self._notify(event)

    @handle_event("subsidy_granted")
    def on_subsidy_granted(self, event):
        self._notify(event)

    @handle_event("subsidy_declined")
    def on_subsidy_declined(self, event):
        self._notify(event)

    @handle_event("subsidy_paid")
    def on_subsidy_paid(self, event):
        self._notify(event)

    @handle_event("fund_threshold_reached")
    def on_fund_threshold_reached(self, event):
        self._notify(event)

    @handle_event("venue_evaluated")
    def on_venue_evaluated(self, event):
        self._notify(event)

    @handle_event("venue_subsidy_decided")
    def on_venue_subsidy_decided(self, event):
        self._notify(event)

    @handle_event("venue_subsidy_paid")
    def on_venue_subsidy_paid(self, event):
        self._notify(event)

    def _notify(self, event):
        event_type = event["event_type"]
        data = _jsonable(event["data"])
        audience_list = domain.audiences(event_type, data)
        title, body = domain.render(event_type, data)
        now = utcnow()
        with self.db.unit_of_work() as uow:
            conn = uow.session.connection()
            notifications = fanout.notification_rows(
                event, audience_list, title, body, json.dumps(data, ensure_ascii=False), now)
            recipients = fanout.email_recipients(conn, event_type, audience_list)
            webhook_body = json.dumps(_envelope(event, data), ensure_ascii=False)
            deliveries = (fanout.email_rows(event, data, recipients, now)
                          + fanout.webhook_rows(conn, event, webhook_body, now))
            if notifications:
                conn.execute(fanout.INSERT_NOTIFICATIONS, notifications)
            if deliveries:
                conn.execute(fanout.INSERT_DELIVERIES, deliveries)
            uow.commit()
        metrics.DELIVERED.labels("in_app", "delivered").inc(len(notifications))
        if deliveries:
            self.deliveries.wake()

    @staticmethod
    def _preferences(session, user_id):
        rows = session.execute(select(Preference.event_type, Preference.channel,
                                      Preference.enabled)
                               .where(Preference.user_id == user_id)).all()
        return {(row.event_type, row.channel): row.enabled for row in rows}

    # the inbox -----------------------------------------------------------------------
    @rpc
    def inbox(self, identity, limit=DEFAULT_LIMIT, offset=0, unread_only=False, filters=None):
        identity = load(Identity(), identity)
        filters = load(InboxFilter(), dict(filters or {}, unread=bool(unread_only)))
        limit = max(1, min(int(limit), MAX_LIMIT))
        recipient = self._sync_recipient(identity)
        read = _read_by(identity)
        with self.db.session() as session:
            visible = self._visible(session, identity)
            query = select(Notification, read.label("read")).where(visible)
            if filters["unread"]:
                query = query.where(~read)
            if filters["event_type"]:
                query = query.where(Notification.event_type == filters["event_type"])
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.execute(query.order_by(Notification.id.desc())
                                   .limit(limit).offset(max(0, int(offset)))).all()
            unread = session.scalar(select(func.count()).select_from(Notification)
                                    .where(visible, ~read))
        language = recipient["language"]
        items = [_notification_view(row.Notification, bool(row.read), language) for row in rows]
        return {"items": items, "total": total, "unread": unread}

    @rpc
    def unread_count(self, identity):
        identity = load(Identity(), identity)
        with self.db.session() as session:
            unread = session.scalar(select(func.count()).select_from(Notification).where(
                self._visible(session, identity), ~_read_by(identity)))
        return {"unread": unread}

    @rpc
    def mark_read(self, identity, notification_ids=None):
        """Mark the caller's notifications read; None marks all of them."""
        identity = load(Identity(), identity)
        with self.db.unit_of_work() as uow:
            query = select(Notification.id).where(
                self._visible(uow.session, identity), ~_read_by(identity))
            if notification_ids is not None:
                query = query.where(Notification.id.in_(
                    [i for i in notification_ids if _storable(i)]))
            ids = uow.session.scalars(query).all()
            now = utcnow()
            uow.session.add_all(ReadMark(notification_id=i, user_id=identity["user_id"],
                                         read_at=now) for i in ids)
            uow.commit()
        return {"marked": len(ids)}

    @rpc
    def mark_one_read(self, identity, notification_id):
        """Mark one of the caller's notifications read; NotFound when it is not theirs."""
        identity = load(Identity(), identity)
        mine = None
        if _storable(notification_id):
            with self.db.session() as session:
                mine = session.scalar(select(Notification.id).where(
                    Notification.id == notification_id, self._visible(session, identity)))
        if mine is None:
            raise NotFound("notification %s not found in your inbox" % notification_id)
        return self.mark_read(identity, [notification_id])

    def _visible(self, session, identity):
        """The caller's notifications, less the event types they opted out of in-app."""
        muted = [event_type for (event_type, channel), enabled
                 in self._preferences(session, identity["user_id"]).items()
                 if channel == "in_app" and not domain.channel_enabled(
                     event_type, "in_app", {(event_type, channel): enabled})]
        condition = _addressed_to(identity)
        if muted:
            condition = and_(condition, Notification.event_type.not_in(muted))
        return condition

    # recipients and preferences -------------------------------------------------------
    def _sync_recipient(self, identity, session=None):
        """Keep the recipient row as the gateway describes the user; returns it as a dict."""
        own_session = session is None
        session = session or self.db.session()
        try:
            row = session.get(Recipient, identity["user_id"])
            if row is None:
                row = Recipient(user_id=identity["user_id"], language=domain.DEFAULT_LANGUAGE)
                session.add(row)
            changed = row.updated_at is None or any(
                getattr(row, key) != identity[key]
                for key in ("username", "role", "union_id", "county"))
            if changed:
                for key in ("username", "role", "union_id", "county"):
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

    @rpc
    def get_preferences(self, identity):
        identity = load(Identity(), identity)
        self._sync_recipient(identity)
        with self.db.session() as session:
            return _preferences_view(session.get(Recipient, identity["user_id"]),
                                     self._preferences(session, identity["user_id"]))

    @rpc
    def set_preferences(self, identity, payload):
        identity = load(Identity(), identity)
        data = load(PreferencesIn(), payload)
        with self.db.unit_of_work() as uow:
            session = uow.session
            self._sync_recipient(identity, session)
            session.flush()
            recipient = session.get(Recipient, identity["user_id"])
            if "email" in data:
                recipient.email = data["email"]
            if "language" in data:
                recipient.language = data["language"]
            recipient.updated_at = utcnow()
            for event_type, choice in (data.get("channels") or {}).items():
                for channel, enabled in choice.items():
                    row = session.get(Preference, (identity["user_id"], event_type, channel))
                    if row is None:
                        session.add(Preference(user_id=identity["user_id"],
                                               event_type=event_type, channel=channel,
                                               enabled=enabled))
                    else:
                        row.enabled = enabled
            session.flush()
            answer = _preferences_view(recipient, self._preferences(session,
                                                                    identity["user_id"]))
            uow.commit()
        return answer

    @rpc
    def templates(self):
        items = domain.template_catalogue()
        return {"items": items, "total": len(items)}

    # webhooks (ops) -------------------------------------------------------------------
    @rpc
    def create_webhook(self, payload, actor=None):
        data = load(WebhookCreate(), payload)
        now = utcnow()
        with self.db.unit_of_work() as uow:
            subscription = WebhookSubscription(
                name=data["name"] or data["url"][:200], url=data["url"], secret=data["secret"],
                event_types=json.dumps(data["event_types"]), enabled=True,
                consecutive_failures=0, created_by=actor, created_at=now, updated_at=now)
            uow.session.add(subscription)
            uow.session.flush()
            answer = WebhookOut().dump(subscription)
            uow.commit()
        return answer

    @rpc
    def list_webhooks(self, limit=DEFAULT_LIMIT, offset=0):
        with self.db.session() as session:
            return page(session, select(WebhookSubscription), WebhookSubscription.id,
                        WebhookOut(), limit, offset)

    @rpc
    def get_webhook(self, webhook_id):
        with self.db.session() as session:
            return WebhookOut().dump(_subscription(session, webhook_id))

    @rpc
    def update_webhook(self, webhook_id, payload):
        data = load(WebhookUpdate(), payload)
        with self.db.unit_of_work() as uow:
            subscription = _subscription(uow.session, webhook_id)
            for key, value in data.items():
                setattr(subscription, key,
                        json.dumps(value) if key == "event_types" else value)
            subscription.updated_at = utcnow()
            answer = WebhookOut().dump(subscription)
            uow.commit()
        return answer

    @rpc
    def enable_webhook(self, webhook_id):
        """Ops turn a subscription back on (after its receiver recovered)."""
        with self.db.unit_of_work() as uow:
            subscription = _subscription(uow.session, webhook_id)
            subscription.enabled, subscription.consecutive_failures = True, 0
            subscription.disabled_reason = subscription.disabled_at = None
            subscription.updated_at = utcnow()
            answer = WebhookOut().dump(subscription)
            uow.commit()
        return answer

    @rpc
    def disable_webhook(self, webhook_id, actor=None):
        now = utcnow()
        with self.db.unit_of_work() as uow:
            subscription = _subscription(uow.session, webhook_id)
            failed = []
            if subscription.enabled:
                failed = disable_subscription(uow, subscription,
                                              "disabled by %s" % (actor or "ops"), now)
            answer = WebhookOut().dump(subscription)
            uow.commit()
        if failed:
            metrics.DELIVERED.labels("webhook", "failed").inc(len(failed))
        return answer

    @rpc
    def webhook_deliveries(self, webhook_id, filters=None, limit=DEFAULT_LIMIT, offset=0):
        filters = load(DeliveryFilter(), filters)
        with self.db.session() as session:
            _subscription(session, webhook_id)
            query = select(Delivery).filter_by(subscription_id=webhook_id, **filters)
            return self._deliveries_page(session, query, limit, offset)

    @rpc
    def list_deliveries(self, filters=None, limit=DEFAULT_LIMIT, offset=0):
        filters = load(DeliveryFilter(), filters)
        with self.db.session() as session:
            return self._deliveries_page(session, select(Delivery).filter_by(**filters),
                                         limit, offset)

    @rpc
    def redeliver(self, delivery_id, webhook_id=None):
        """Send a finally failed delivery again, from a fresh count of tries."""
        with self.db.unit_of_work() as uow:
            delivery = uow.session.get(Delivery, delivery_id) if _storable(delivery_id) else None
            if delivery is None or (webhook_id is not None
                                    and delivery.subscription_id != webhook_id):
                raise NotFound("delivery %s not found" % delivery_id)
            if delivery.status != "failed":
                raise Conflict("only a failed delivery can be sent again",
                               {"status": delivery.status})
            if delivery.subscription_id is not None:
                subscription = uow.session.get(WebhookSubscription, delivery.subscription_id)
                if not subscription.enabled:
                    raise Conflict("the subscription is disabled; enable it first",
                                   {"webhook_id": subscription.id})
                delivery.target = subscription.url
            now = utcnow()
            delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
            delivery.updated_at = now
            uow.session.flush()
            answer = self._delivery_view(uow.session, delivery)
            uow.commit()
        self.deliveries.wake()
        return answer

    def _deliveries_page(self, session, query, limit, offset):
        limit = max(1, min(int(limit), MAX_LIMIT))
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Delivery.id.desc()).limit(limit)
                               .offset(max(0, int(offset)))).all()
        return {"items": [self._delivery_view(session, row) for row in rows], "total": total}

    @staticmethod
    def _delivery_view(session, delivery):
        attempts = session.scalars(select(DeliveryAttempt)
                                   .where(DeliveryAttempt.delivery_id == delivery.id)
                                   .order_by(DeliveryAttempt.id)).all()
        view = DeliveryOut().dump(delivery)
        view["attempt_log"] = AttemptOut().dump(attempts, many=True)
        return view

    # gauges ----------------------------------------------------------------------------
    def refresh_gauges(self):
        super().refresh_gauges()
        with self.db.session() as session:
            pending = pending_counts(session)
            disabled = session.scalar(select(func.count()).select_from(WebhookSubscription)
                                      .where(WebhookSubscription.enabled.is_(False)))
        for channel in ("email", "webhook"):
            metrics.PENDING.labels(channel).set(pending.get(channel, 0))
        metrics.WEBHOOKS_DISABLED.set(disabled)


def _storable(identifier):
    """Ids beyond what an integer column holds name nothing (and must not reach the driver)."""
    return isinstance(identifier, int) and 0 < identifier < 2 ** 31


def _subscription(session, webhook_id):
    subscription = (session.get(WebhookSubscription, webhook_id)
                    if _storable(webhook_id) else None)
    if subscription is None:
        raise NotFound("webhook subscription %s not found" % webhook_id)
    return subscription


def _read_by(identity):
    return exists().where(ReadMark.notification_id == Notification.id,
                          ReadMark.user_id == identity["user_id"])


def _addressed_to(identity):
    return or_(*[and_(Notification.audience_kind == kind, Notification.audience_key == key)
                 for kind, key in domain.audiences_of(identity)])


def _notification_view(row, read, language):
    view = dict(NotificationOut().dump(row), read=read)
    if language != domain.DEFAULT_LANGUAGE and row.data:
        view["title"], view["body"] = domain.render(row.event_type, json.loads(row.data),
                                                    language)
    return view


def _preferences_view(recipient, preferences):
    channels = {}
    for event_type in domain.EVENT_TYPES:
        channels[event_type] = {
            channel: domain.channel_enabled(event_type, channel, preferences)
            for channel in domain.USER_CHANNELS}
        channels[event_type]["critical"] = event_type in domain.CRITICAL
    return {"email": recipient.email if recipient else None,
            "language": (recipient.language if recipient else None) or domain.DEFAULT_LANGUAGE,
            "channels": channels}


def _envelope(event, data):
    """The event as published, for webhook receivers."""
    return {"event_id": event["event_id"], "event_type": event["event_type"],
            "schema_version": event["schema_version"], "occurred_at": event["occurred_at"],
            "producer": event["producer"], "correlation_id": event["correlation_id"],
            "causation_id": event.get("causation_id"), "data": data}


def _jsonable(data):
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in data.items()}
