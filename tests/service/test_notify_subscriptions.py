"""The webhook entrypoints in-process: subscriptions as rows, answers without secrets, and
disabling one failing what waits for it (notification_failed in the outbox)."""
import json

import pytest

from services.common.errors import Invalid, NotFound
from services.notify.service import Service
from services.subsidies import events as subsidy_events
from tests.service.test_notify_handlers import add_webhook, granted_facts
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("notify", tmp_path)
    yield tier
    tier.close()


def test_a_subscription_is_created_and_answered_without_its_secret(tier):
    answer = add_webhook(tier.worker(Service), ["subsidy_granted", "venue_subsidy_paid"])
    assert answer["id"] == 1 and answer["name"] == "https://hooks.example.org/cm"
    assert answer["event_types"] == ["subsidy_granted", "venue_subsidy_paid"]
    assert answer["enabled"] is True and answer["consecutive_failures"] == 0
    assert answer["created_by"] == "ops" and answer["created_at"].endswith("Z")
    assert "secret" not in answer
    assert tier.count("webhook_subscriptions", "secret = 's3cret-s3cret-s3cret'") == 1
    service = tier.worker(Service)
    assert service.get_webhook(1) == answer
    assert service.list_webhooks() == {"items": [answer], "total": 1}
    assert service.list_webhooks(limit=1, offset=1) == {"items": [], "total": 1}
    for missing in (2, 2 ** 40, "1"):
        with pytest.raises(NotFound):
            service.get_webhook(missing)


def test_a_bad_subscription_is_refused_and_nothing_is_written(tier):
    service = tier.worker(Service)
    good = {"url": "https://x.example.org", "secret": "s" * 16, "event_types": ["subsidy_paid"]}
    for bad in ({"secret": "short"}, {"url": "ftp://x.example.org"}, {"event_types": []},
                {"event_types": ["subsidy_paid", "subsidy_paid"]}, {"colour": "red"}):
        with pytest.raises(Invalid):
            service.create_webhook(dict(good, **bad), "ops")
    assert tier.count("webhook_subscriptions") == 0


def test_a_subscription_changes_in_place(tier):
    add_webhook(tier.worker(Service), ["subsidy_granted"])
    answer = tier.worker(Service).update_webhook(1, {
        "name": "财务系统", "event_types": ["subsidy_paid"], "secret": "n" * 16})
    assert answer["name"] == "财务系统" and answer["event_types"] == ["subsidy_paid"]
    with tier.engine.connect() as conn:
        stored, secret = conn.exec_driver_sql(
            "SELECT event_types, secret FROM webhook_subscriptions").one()
    assert json.loads(stored) == ["subsidy_paid"] and secret == "n" * 16
    with pytest.raises(NotFound):
        tier.worker(Service).update_webhook(9, {"name": "x"})
    with pytest.raises(Invalid):
        tier.worker(Service).update_webhook(1, {"event_types": ["nope"]})


def test_disabling_fails_what_waits_and_enabling_starts_afresh(tier):
    add_webhook(tier.worker(Service), ["subsidy_granted"])
    envelope = tier.event(subsidy_events.SUBSIDY_GRANTED, granted_facts())
    tier.deliver(Service, "on_subsidy_granted", envelope)
    assert tier.count("deliveries", "status = 'pending'") == 1
    answer = tier.worker(Service).disable_webhook(1, "ops-wang")
    assert answer["enabled"] is False and answer["disabled_reason"] == "disabled by ops-wang"
    assert answer["disabled_at"].endswith("Z")
    assert tier.count("deliveries", "status = 'failed' AND "
                      "last_error = 'disabled by ops-wang'") == 1
    (failed,) = tier.outbox("notification_failed")
    assert failed["producer"] == "notify" and failed["data"] == {
        "delivery_id": 1, "event_id": envelope["event_id"], "channel": "webhook",
        "recipient": "webhook:1", "reason": "disabled by ops-wang"}
    # disabling again fails nothing more; a new grant is not delivered to it
    tier.worker(Service).disable_webhook(1)
    tier.deliver(Service, "on_subsidy_granted",
                 tier.event(subsidy_events.SUBSIDY_GRANTED, granted_facts(subsidy_id=22)))
    assert tier.count("deliveries") == 1 and len(tier.outbox("notification_failed")) == 1
    enabled = tier.worker(Service).enable_webhook(1)
    assert enabled["enabled"] is True and enabled["disabled_reason"] is None
    assert enabled["disabled_at"] is None and enabled["consecutive_failures"] == 0
    with pytest.raises(NotFound):
        tier.worker(Service).enable_webhook(7)
