"""Email and webhook deliveries (ops): the log with every try, sending a failed one again,
and the gauges of what waits."""
from sqlalchemy import select

from services.common.clock import utcnow
from services.common.errors import Conflict, NotFound, expected_rpc
from services.common.paging import DEFAULT_LIMIT
from services.common.schema import load
from services.notify import metrics, queries
from services.notify.contract import DELIVERY_CHANNELS, DeliveryFilter
from services.notify.models import Delivery, WebhookSubscription

rpc = expected_rpc()


class DeliveryEntrypoints:
    @rpc
    def webhook_deliveries(self, webhook_id, filters=None, limit=DEFAULT_LIMIT, offset=0):
        filters = load(DeliveryFilter(), filters)
        with self.db.session() as session:
            queries.subscription(session, webhook_id)
            query = select(Delivery).filter_by(subscription_id=webhook_id, **filters)
            return queries.deliveries_page(session, query, limit, offset)

    @rpc
    def list_deliveries(self, filters=None, limit=DEFAULT_LIMIT, offset=0):
        filters = load(DeliveryFilter(), filters)
        with self.db.session() as session:
            return queries.deliveries_page(session, select(Delivery).filter_by(**filters),
                                           limit, offset)

    @rpc
    def redeliver(self, delivery_id, webhook_id=None):
        """Send a finally failed delivery again, from a fresh count of tries."""
        with self.db.unit_of_work() as uow:
            delivery = (uow.session.get(Delivery, delivery_id)
                        if queries.storable(delivery_id) else None)
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
            answer = queries.delivery_view(uow.session, delivery)
        self.deliveries.wake()
        return answer

    # gauges ----------------------------------------------------------------------------
    def refresh_gauges(self):
        super().refresh_gauges()
        with self.db.session() as session:
            pending = queries.pending_counts(session)
            disabled = queries.disabled_webhooks(session)
        for channel in DELIVERY_CHANNELS:
            metrics.PENDING.labels(channel).set(pending.get(channel, 0))
        metrics.WEBHOOKS_DISABLED.set(disabled)
