"""Reminders a person sends to unions (the coverage heatmap's button): in-app notices to
each union's admins, written as event fan-out writes its notifications, and the reminder
itself, in one unit of work. Not an event: nothing is published, emailed or posted."""
import json
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.common.clock import utcnow
from services.common.errors import Invalid, expected_rpc
from services.common.schema import load
from services.notify import domain, fanout, metrics
from services.notify.contract import ReminderIn, ReminderOut
from services.notify.models import Reminder

rpc = expected_rpc()
REMINDER_OUT = ReminderOut()
KIND = "coverage_reminder"


class ReminderEntrypoints:
    @rpc
    def send_reminder(self, payload, actor, request_key=None):
        """Remind the admins of payload's unions that the county has no activity of theirs
        for the month. The gateway has checked the unions (they exist and are the county's)
        and the caller's right to remind them; actor is the sender's username.

        request_key (the client's Idempotency-Key) makes a retry after an unclear failure
        find the first reminder, not send a second; the same sender's key with another body
        is refused (422), as the gateway refuses it.
        """
        data = load(ReminderIn(), payload)
        counties = self.config.counties
        if data["county"] not in counties:
            raise Invalid("unknown county", {"county": ["one of %s" % ", ".join(counties)]})
        if request_key:
            earlier = self._reminder_with(actor, request_key, data)
            if earlier is not None:
                return earlier
        audience_list, facts, title, body = domain.reminder(
            data["union_ids"], data["county"], data["year"], data["month"])
        now = utcnow()
        # a notice is not an event, but its rows are written as an event's fan-out writes
        # them: the notice's own event_id (a uuid) names its notifications once each
        notice = {"event_id": str(uuid.uuid4()), "event_type": KIND,
                  "correlation_id": getattr(self.db, "_correlation_id", None)}
        with self.db.unit_of_work() as uow:
            reminder = Reminder(
                event_id=notice["event_id"], kind=KIND, county=data["county"],
                year=data["year"], month=data["month"], union_ids=json.dumps(data["union_ids"]),
                sent=len(audience_list), sent_by=actor, request_key=request_key or None,
                sent_at=now)
            uow.session.add(reminder)
            try:
                uow.session.flush()
            except IntegrityError:  # a twin of this retry committed first: it is the answer
                uow.session.rollback()
                return self._reminder_with(actor, request_key, data)
            conn = uow.session.connection()
            conn.execute(fanout.INSERT_NOTIFICATIONS, fanout.notification_rows(
                notice, audience_list, title, body, json.dumps(facts, ensure_ascii=False), now))
            answer = REMINDER_OUT.dump(reminder)
        metrics.DELIVERED.labels("in_app", "delivered").inc(len(audience_list))
        return answer

    def _reminder_with(self, actor, request_key, data):
        with self.db.session() as session:
            reminder = session.scalars(select(Reminder).where(
                Reminder.sent_by == actor, Reminder.request_key == request_key)).first()
            if reminder is None:
                return None
            same = (reminder.county, reminder.year, reminder.month,
                    json.loads(reminder.union_ids)) == (
                data["county"], data["year"], data["month"], data["union_ids"])
            if not same:
                raise Invalid("Idempotency-Key reused with a different request",
                              {"Idempotency-Key": ["already used with another request body"]})
            return REMINDER_OUT.dump(reminder)
