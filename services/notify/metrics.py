"""Business figures of notify."""
from prometheus_client import Counter, Gauge

DELIVERED = Counter(
    "cm_notifications_delivered_total",
    "Notification deliveries by channel (in_app, email, webhook) and outcome "
    "(delivered, retried, failed)", ["channel", "outcome"])
PENDING = Gauge("cm_notification_deliveries_pending",
                "Email and webhook deliveries waiting to be sent", ["channel"])
WEBHOOKS_DISABLED = Gauge("cm_webhook_subscriptions_disabled",
                          "Webhook subscriptions disabled (by ops or after failures)")
DIGESTS_SENT = Counter("cm_finance_digests_sent_total",
                       "Finance's daily digests of subsidy decisions sent (one per day)")
