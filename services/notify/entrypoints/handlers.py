"""Every event someone must hear of becomes inbox notifications, emails to the recipients
who chose them and webhook deliveries to subscribers, in one unit of work (no network I/O:
the delivery worker sends); a subsidy decision is also counted in finance's daily digest
(digest_rows.fold) in that unit. The worker's unit of work claims the event in the inbox,
so a duplicate raises AlreadyProcessed and writes nothing."""
import json

from services.activities import events as activity_events
from services.common.clock import utcnow
from services.common.consumer import handle_event
from services.library import events as library_events
from services.notify import digest_rows, domain, fanout, metrics
from services.subsidies import events as subsidy_events


class EventHandlers:
    # one durable queue per event type, all handled alike ------------------------------
    @handle_event(activity_events.REPORTED)
    def on_activity_reported(self, event):
        self._notify(event)

    @handle_event(activity_events.APPROVED)
    def on_activity_approved(self, event):
        self._notify(event)

    @handle_event(activity_events.REJECTED)
    def on_activity_rejected(self, event):
        self._notify(event)

    @handle_event(activity_events.RETURNED)
    def on_activity_returned(self, event):
        self._notify(event)

    @handle_event(subsidy_events.SUBSIDY_GRANTED)
    def on_subsidy_granted(self, event):
        self._notify(event)

    @handle_event(subsidy_events.SUBSIDY_DECLINED)
    def on_subsidy_declined(self, event):
        self._notify(event)

    @handle_event(subsidy_events.SUBSIDY_PAID)
    def on_subsidy_paid(self, event):
        self._notify(event)

    @handle_event(subsidy_events.FUND_THRESHOLD_REACHED)
    def on_fund_threshold_reached(self, event):
        self._notify(event)

    @handle_event(library_events.VENUE_EVALUATED)
    def on_venue_evaluated(self, event):
        self._notify(event)

    @handle_event(subsidy_events.VENUE_SUBSIDY_DECIDED)
    def on_venue_subsidy_decided(self, event):
        self._notify(event)

    @handle_event(subsidy_events.VENUE_SUBSIDY_PAID)
    def on_venue_subsidy_paid(self, event):
        self._notify(event)

    @handle_event(subsidy_events.PAYMENT_RETURNED)
    def on_payment_returned(self, event):
        self._notify(event)

    @handle_event(subsidy_events.SUBSIDY_REVERSED)
    def on_subsidy_reversed(self, event):
        self._notify(event)

    def _notify(self, event):
        # validate -> domain: who hears of it, in which words
        event_type = event["event_type"]
        data = fanout.jsonable(event["data"])
        audience_list = domain.audiences(event_type, data)
        title, body = domain.render(event_type, data)
        now = utcnow()
        # one unit of work: the inbox claim, the notifications and the deliveries
        with self.db.unit_of_work() as uow:
            conn = uow.session.connection()
            notifications = fanout.notification_rows(
                event, audience_list, title, body, json.dumps(data, ensure_ascii=False), now)
            recipients = fanout.email_recipients(conn, event_type, audience_list)
            deliveries = (fanout.email_rows(event, data, recipients, now)
                          + fanout.webhook_rows(conn, event, fanout.webhook_body(event, data),
                                                now))
            if notifications:
                conn.execute(fanout.INSERT_NOTIFICATIONS, notifications)
            if deliveries:
                conn.execute(fanout.INSERT_DELIVERIES, deliveries)
            # a decision counts in finance's digest, exactly once: in the claim's unit
            digest_rows.fold(conn, event, self.config.finance_digest_hour)
        metrics.DELIVERED.labels("in_app", "delivered").inc(len(notifications))
        if deliveries:
            self.deliveries.wake()
