"""The delivery entrypoints in-process (the log, sending a failed one again) and the
delivery worker's record of a try: delivered, retried with backoff, or failed for good
with notification_failed in the outbox."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from services.common.clock import utcnow
from services.common.errors import Conflict, Invalid, NotFound
from services.notify.channels import DeliveryError
from services.notify.delivery import DeliveryWorker
from services.notify.service import Service
from services.subsidies import events as subsidy_events
from tests.service.test_notify_handlers import UNION_ADMIN, add_webhook, granted_facts
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("notify", tmp_path, delivery_max_attempts=2,
                           webhook_disable_after=3)
    add_webhook(tier.worker(Service), ["subsidy_granted"])
    tier.worker(Service).set_preferences(UNION_ADMIN, {"email": "admin7@example.org"})
    tier.deliver(Service, "on_subsidy_granted",
                 tier.event(subsidy_events.SUBSIDY_GRANTED, granted_facts()))
    yield tier
    tier.close()


@pytest.fixture
def sender(tier):
    """The delivery worker over the tier's database, without its thread."""
    worker = DeliveryWorker()
    worker.settings = tier.settings
    database = SimpleNamespace(engine=tier.engine, sessions=tier.sessions,
                               tables=tier.tables, relay=None)
    worker._database = lambda: database
    return worker


def test_the_delivery_log_lists_filters_and_pages(tier):
    service = tier.worker(Service)
    log = service.list_deliveries()
    assert log["total"] == 2
    assert [item["channel"] for item in log["items"]] == ["webhook", "email"]  # newest first
    webhook = log["items"][0]
    assert webhook["status"] == "pending" and webhook["attempt_log"] == []
    assert webhook["subscription_id"] == 1 and webhook["created_at"].endswith("Z")
    assert service.list_deliveries({"channel": "email"})["items"][0]["target"] == \
        "admin7@example.org"
    assert service.list_deliveries({"status": "failed"}) == {"items": [], "total": 0}
    assert service.list_deliveries(limit=1, offset=1)["items"][0]["channel"] == "email"
    for bad in ({"status": "lost"}, {"event_id": "x" * 65}, {"colour": "red"}):
        with pytest.raises(Invalid):
            service.list_deliveries(bad)
    assert service.webhook_deliveries(1)["total"] == 1
    with pytest.raises(NotFound):
        service.webhook_deliveries(5)


def test_a_try_is_recorded_retried_with_backoff_then_failed_for_good(tier, sender):
    jobs = sender.claim(10)
    assert {job["channel"] for job in jobs} == {"email", "webhook"}
    assert tier.count("deliveries", "status = 'sending' AND lease_until IS NOT NULL") == 2
    assert sender.claim(10) == []  # leased: nobody else takes them
    webhook = next(job for job in jobs if job["channel"] == "webhook")
    assert webhook["secret"] == "s3cret-s3cret-s3cret"
    email = next(job for job in jobs if job["channel"] == "email")
    sender.record(email, 250, None, 12)
    assert tier.count("deliveries", "channel = 'email' AND status = 'delivered' AND "
                      "attempts = 1 AND delivered_at IS NOT NULL") == 1
    sender.record(webhook, 503, DeliveryError("HTTP 503 busy", status_code=503), 40)
    assert tier.count("deliveries", "channel = 'webhook' AND status = 'pending' AND "
                      "attempts = 1 AND last_error = 'HTTP 503 busy' AND "
                      "next_attempt_at > :now", now=utcnow() + timedelta(seconds=1)) == 1
    assert tier.count("webhook_subscriptions", "consecutive_failures = 1") == 1
    assert tier.outbox() == []
    _due_now(tier)
    (again,) = sender.claim(10)
    sender.record(again, 500, DeliveryError("HTTP 500 oops", status_code=500), 40)
    assert tier.count("deliveries", "channel = 'webhook' AND status = 'failed' AND "
                      "attempts = 2") == 1
    (failed,) = tier.outbox("notification_failed")
    assert failed["data"]["reason"] == "HTTP 500 oops" and failed["data"]["channel"] == "webhook"
    assert failed["causation_id"] == again["event_id"]
    sender.record(again, 500, DeliveryError("late"), 1)  # no longer sending: ignored
    assert tier.count("delivery_attempts") == 3


def test_a_permanent_error_fails_at_once(tier, sender):
    email = next(job for job in sender.claim(10) if job["channel"] == "email")
    sender.record(email, 550, DeliveryError("recipient refused: 550", permanent=True,
                                            status_code=550), 5)
    assert tier.count("deliveries", "channel = 'email' AND status = 'failed' AND "
                      "attempts = 1") == 1
    assert len(tier.outbox("notification_failed")) == 1


def test_a_failed_delivery_is_sent_again_from_a_fresh_count(tier, sender):
    service = tier.worker(Service)
    with pytest.raises(Conflict):
        service.redeliver(1)  # still pending
    webhook = next(job for job in sender.claim(10) if job["channel"] == "webhook")
    sender.record(webhook, None, DeliveryError("refused", permanent=True), 3)
    with pytest.raises(NotFound):
        service.redeliver(webhook["id"], webhook_id=9)
    with pytest.raises(NotFound):
        service.redeliver(2 ** 40)
    answer = service.redeliver(webhook["id"], webhook_id=1)
    assert answer["status"] == "pending" and answer["attempts"] == 0
    assert [attempt["outcome"] for attempt in answer["attempt_log"]] == ["error"]
    service.deliveries.wake.assert_called_once()
    assert tier.count("deliveries", "id = :d AND status = 'pending'", d=webhook["id"]) == 1


def test_a_delivery_of_a_disabled_subscription_is_not_sent_again(tier):
    service = tier.worker(Service)
    service.disable_webhook(1)
    (failed,) = service.list_deliveries({"status": "failed"})["items"]
    with pytest.raises(Conflict):
        service.redeliver(failed["id"])
    assert tier.count("deliveries", "status = 'failed'") == 1


def _due_now(tier):
    with tier.engine.begin() as conn:
        conn.execute(text("UPDATE deliveries SET next_attempt_at = :now "
                          "WHERE status = 'pending'"), {"now": utcnow() - timedelta(seconds=1)})
