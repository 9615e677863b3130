"""Notify entrypoints: every event someone must hear of becomes inbox notifications."""
from sqlalchemy import and_, exists, func, or_, select

from services.common.clock import utcnow
from services.common.consumer import handle_event
from services.common.dependencies import Database, EntrypointMetrics
from services.common.errors import expected_rpc
from services.common.metrics import INBOX_DUPLICATES
from services.common.ops import OpsEndpoints
from services.common.paging import DEFAULT_LIMIT, MAX_LIMIT
from services.common.schema import load
from services.notify import domain
from services.notify.models import MESSAGING, Notification, ReadMark
from services.notify.schemas import Identity, NotificationOut

rpc = expected_rpc()


class Service(OpsEndpoints):
    name = "notify"
    db = Database(MESSAGING)
    measured = EntrypointMetrics()

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

    def _notify(self, event):
        data = _jsonable(event["data"])
        title, body = domain.render(event["event_type"], data)
        with self.db.unit_of_work() as uow:
            if not uow.claim("notify.%s" % event["event_type"], event["event_id"]):
                INBOX_DUPLICATES.labels(self.name, event["event_type"]).inc()
                return
            for kind, key in domain.audiences(event["event_type"], data):
                uow.session.add(Notification(
                    event_id=event["event_id"], event_type=event["event_type"],
                    audience_kind=kind, audience_key=key, title=title, body=body,
                    correlation_id=event["correlation_id"], created_at=utcnow()))
            uow.commit()

    # the inbox -----------------------------------------------------------------------
    @rpc
    def inbox(self, identity, limit=DEFAULT_LIMIT, offset=0, unread_only=False):
        identity = load(Identity(), identity)
        limit = max(1, min(int(limit), MAX_LIMIT))
        read = exists().where(ReadMark.notification_id == Notification.id,
                              ReadMark.user_id == identity["user_id"])
        query = select(Notification, read.label("read")).where(_addressed_to(identity))
        if unread_only:
            query = query.where(~read)
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.execute(query.order_by(Notification.id.desc())
                                   .limit(limit).offset(max(0, int(offset)))).all()
            items = [dict(NotificationOut().dump(row.Notification), read=bool(row.read))
                     for row in rows]
            unread = session.scalar(select(func.count()).select_from(Notification)
                                    .where(_addressed_to(identity), ~read))
        return {"items": items, "total": total, "unread": unread}

    @rpc
    def mark_read(self, identity, notification_ids=None):
        """Mark the caller's notifications read; None marks all of them."""
        identity = load(Identity(), identity)
        with self.db.unit_of_work() as uow:
            query = select(Notification.id).where(_addressed_to(identity)).where(
                ~exists().where(ReadMark.notification_id == Notification.id,
                                ReadMark.user_id == identity["user_id"]))
            if notification_ids is not None:
                query = query.where(Notification.id.in_(notification_ids))
            ids = uow.session.scalars(query).all()
            now = utcnow()
            uow.session.add_all(ReadMark(notification_id=i, user_id=identity["user_id"],
                                         read_at=now) for i in ids)
            uow.commit()
        return {"marked": len(ids)}


def _addressed_to(identity):
    return or_(*[and_(Notification.audience_kind == kind, Notification.audience_key == key)
                 for kind, key in domain.audiences_of(identity)])


def _jsonable(data):
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in data.items()}
