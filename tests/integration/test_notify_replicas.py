"""Deliveries under two notify processes and across a crash: each delivery is sent by
one process at a time, and one whose sender died is taken over after its lease."""
import uuid

from services.common.events import make_envelope
from tests.support.events import publish
from tests.support.notify_webhooks import WebhookReceiver
from tests.support.waiting import wait_for
from tests.support.world import build_world

SECRET = "webhook-secret-for-replicas-01"
ENV = {"CM_DELIVERY_POLL_SECONDS": "0.1", "CM_DELIVERY_BACKOFF_SECONDS": "0.2",
       "CM_WEBHOOK_TIMEOUT_SECONDS": "1", "CM_SMTP_TIMEOUT_SECONDS": "1",
       "CM_DELIVERY_LEASE_SECONDS": "3"}


def allowing(receiver):
    """The settings with the receiver's own host and port on the allow list."""
    port = receiver.server.server_address[1]
    return dict(ENV, CM_WEBHOOK_ALLOW_HOSTS="127.0.0.1:%d" % port)


def paid(world, title):
    return make_envelope("subsidy_paid", {
        "subsidy_id": 1, "activity_id": 1, "activity_title": title,
        "union_id": world.unions["power"]["id"], "fund_id": world.fund["id"],
        "amount": "120.00", "batch_id": 1}, "subsidies", str(uuid.uuid4()))


def subscribe(world, receiver):
    answer = world.as_user("ops").post("/api/v1/webhooks", {
        "url": receiver.url, "secret": SECRET, "event_types": ["subsidy_paid"]})
    assert answer.status_code == 201, answer.text
    return answer.json()


def delivered(world, hook):
    body = world.as_user("ops").get("/api/v1/webhooks/%d/deliveries" % hook["id"],
                                    status="delivered", limit=500).json()
    return body["items"]


def test_two_notify_processes_send_each_delivery_once(fresh_system):
    receiver = WebhookReceiver(SECRET)  # first: the allow list names its port
    system = fresh_system(allowing(receiver))
    system.start_replica("notify")
    world = build_world(system)
    hook = subscribe(world, receiver)
    try:
        events = [paid(world, "并发投递 %d" % n) for n in range(24)]
        for event in events:
            publish(system, event)
        wait_for(lambda: len(delivered(world, hook)) == len(events), 60, "every delivery")
        posted = [r["headers"]["X-CM-Event-Id"] for r in receiver.requests]
        assert sorted(posted) == sorted(e["event_id"] for e in events)  # each exactly once
        assert all(receiver.is_signed(r) for r in receiver.requests)
    finally:
        receiver.stop()


def test_a_delivery_whose_sender_died_is_taken_over_after_its_lease(fresh_system):
    receiver = WebhookReceiver(SECRET)
    system = fresh_system(allowing(receiver))
    world = build_world(system)
    receiver.delay = 0.8  # long enough to kill the sender mid-request, under the timeout
    hook = subscribe(world, receiver)
    try:
        event = paid(world, "崩溃接管")
        publish(system, event)
        wait_for(lambda: receiver.arrived >= 1, 30, "the first try to be in flight")
        system.kill("notify")  # the answer never gets recorded
        receiver.delay = 0
        system.start("notify")
        done = wait_for(lambda: delivered(world, hook), 60, "the delivery taken over")[0]
        assert done["event_id"] == event["event_id"]
        ids = {r["headers"]["X-CM-Delivery"] for r in receiver.requests}
        assert ids == {str(done["id"])}  # a repeat carries the same key to dedupe on
        assert [b["event_id"] for b in receiver.accepted()].count(event["event_id"]) >= 1
    finally:
        receiver.stop()
