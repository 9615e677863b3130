"""Webhook subscriptions (ops): create, list, change, enable and disable them."""
import json

from sqlalchemy import select

from services.common.clock import utcnow
from services.common.errors import expected_rpc
from services.common.paging import DEFAULT_LIMIT, page
from services.common.schema import load
from services.notify import metrics, queries
from services.notify.contract import WebhookCreate, WebhookOut, WebhookUpdate
from services.notify.delivery import disable_subscription
from services.notify.models import WebhookSubscription

rpc = expected_rpc()


class SubscriptionEntrypoints:
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
        return answer

    @rpc
    def list_webhooks(self, limit=DEFAULT_LIMIT, offset=0):
        with self.db.session() as session:
            return page(session, select(WebhookSubscription), WebhookSubscription.id,
                        WebhookOut(), limit, offset)

    @rpc
    def get_webhook(self, webhook_id):
        with self.db.session() as session:
            return WebhookOut().dump(queries.subscription(session, webhook_id))

    @rpc
    def update_webhook(self, webhook_id, payload):
        data = load(WebhookUpdate(), payload)
        with self.db.unit_of_work() as uow:
            subscription = queries.subscription(uow.session, webhook_id)
            for key, value in data.items():
                setattr(subscription, key,
                        json.dumps(value) if key == "event_types" else value)
            subscription.updated_at = utcnow()
            answer = WebhookOut().dump(subscription)
        return answer

    @rpc
    def enable_webhook(self, webhook_id):
        """Ops turn a subscription back on (after its receiver recovered)."""
        with self.db.unit_of_work() as uow:
            subscription = queries.subscription(uow.session, webhook_id)
            subscription.enabled, subscription.consecutive_failures = True, 0
            subscription.disabled_reason = subscription.disabled_at = None
            subscription.updated_at = utcnow()
            answer = WebhookOut().dump(subscription)
        return answer

    @rpc
    def disable_webhook(self, webhook_id, actor=None):
        """Disable a subscription; what still waits for it fails (notification_failed)."""
        now = utcnow()
        with self.db.unit_of_work() as uow:
            subscription = queries.subscription(uow.session, webhook_id)
            failed = []
            if subscription.enabled:
                failed = disable_subscription(uow, subscription,
                                              "disabled by %s" % (actor or "ops"), now)
            answer = WebhookOut().dump(subscription)
        if failed:
            metrics.DELIVERED.labels("webhook", "failed").inc(len(failed))
        return answer
