"""The caller's in-app inbox: read it (in the caller's language), count and mark read."""
import json

from sqlalchemy import func, select

from services.common.clock import utcnow
from services.common.errors import NotFound, expected_rpc
from services.common.paging import DEFAULT_LIMIT, MAX_LIMIT
from services.common.schema import load
from services.notify import domain, queries
from services.notify.contract import Identity, InboxFilter, MarkReadIn, NotificationOut
from services.notify.models import Notification, ReadMark

rpc = expected_rpc()


class InboxEntrypoints:
    @rpc
    def inbox(self, identity, limit=DEFAULT_LIMIT, offset=0, unread_only=False, filters=None):
        identity = load(Identity(), identity)
        filters = load(InboxFilter(), dict(filters or {}, unread=bool(unread_only)))
        limit = max(1, min(int(limit), MAX_LIMIT))
        recipient = queries.sync_recipient(self.db, identity)
        read = queries.read_by(identity)
        with self.db.session() as session:
            visible = queries.visible(session, identity)
            query = select(Notification, read.label("read")).where(visible)
            if filters["unread"]:
                query = query.where(~read)
            if filters.get("event_type"):
                query = query.where(Notification.event_type == filters["event_type"])
            total = queries.count(session, query)
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
                queries.visible(session, identity), ~queries.read_by(identity)))
        return {"unread": unread}

    @rpc
    def mark_read(self, identity, notification_ids=None):
        """Mark the caller's notifications read; None marks all of them."""
        identity = load(Identity(), identity)
        notification_ids = load(MarkReadIn(), {"ids": notification_ids})["ids"]
        with self.db.unit_of_work() as uow:
            query = select(Notification.id).where(
                queries.visible(uow.session, identity), ~queries.read_by(identity))
            if notification_ids is not None:
                query = query.where(Notification.id.in_(
                    [i for i in notification_ids if queries.storable(i)]))
            ids = uow.session.scalars(query).all()
            now = utcnow()
            uow.session.add_all(ReadMark(notification_id=i, user_id=identity["user_id"],
                                         read_at=now) for i in ids)
        return {"marked": len(ids)}

    @rpc
    def mark_one_read(self, identity, notification_id):
        """Mark one of the caller's notifications read; NotFound when it is not theirs."""
        identity = load(Identity(), identity)
        mine = None
        if queries.storable(notification_id):
            with self.db.session() as session:
                mine = session.scalar(select(Notification.id).where(
                    Notification.id == notification_id, queries.visible(session, identity)))
        if mine is None:
            raise NotFound("notification %s not found in your inbox" % notification_id)
        return self.mark_read(identity, [notification_id])


def _notification_view(row, read, language):
    view = dict(NotificationOut().dump(row), read=read)
    if language != domain.DEFAULT_LANGUAGE and row.data:
        view["title"], view["body"] = domain.render(row.event_type, json.loads(row.data),
                                                    language)
    return view
