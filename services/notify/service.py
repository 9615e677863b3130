"""Notify: every event someone must hear of becomes inbox notifications, emails to the
recipients who chose them, and webhook deliveries to subscribers; finance hears of the
day's subsidy decisions in one daily digest.

The composition: the service's name, its dependencies and its entrypoints, which live by
sub-domain in services/notify/entrypoints/. Handlers write in one transaction (no network
I/O); the delivery worker (delivery.py) sends.
"""
from services.common.dependencies import Config, Database, EntrypointMetrics
from services.common.ops import OpsEndpoints
from services.notify import events as _events  # noqa: F401  registers this service's events
from services.notify.delivery import DeliveryWorker
from services.notify.entrypoints.deliveries import DeliveryEntrypoints
from services.notify.entrypoints.digests import DigestEntrypoints
from services.notify.entrypoints.handlers import EventHandlers
from services.notify.entrypoints.inbox import InboxEntrypoints
from services.notify.entrypoints.preferences import PreferenceEntrypoints
from services.notify.entrypoints.reminders import ReminderEntrypoints
from services.notify.entrypoints.subscriptions import SubscriptionEntrypoints
from services.notify.models import MESSAGING


class Service(EventHandlers, InboxEntrypoints, PreferenceEntrypoints, SubscriptionEntrypoints,
              DeliveryEntrypoints, ReminderEntrypoints, DigestEntrypoints, OpsEndpoints):
    name = "notify"
    db = Database(MESSAGING, extra_connections="delivery_concurrency")
    config = Config()
    measured = EntrypointMetrics()
    deliveries = DeliveryWorker()
