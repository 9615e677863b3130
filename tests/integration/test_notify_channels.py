"""Email over a real SMTP server and signed webhooks to a real HTTP receiver, through
real processes: retries with backoff, failures recorded with their reason and a
notification_failed event, subscriptions disabled after repeated failure and enabled
again by ops, and nothing delivered twice."""
import json
import uuid

import pytest

from services.common.events import make_envelope
from tests.support.events import outbox_envelopes, publish
from tests.support.notify_smtp import SmtpServer
from tests.support.notify_webhooks import WebhookReceiver
from tests.support.system import System
from tests.support.waiting import wait_for
from tests.support.world import activity_body, build_world

SECRET = "webhook-secret-for-tests-0123"
MAX_ATTEMPTS = 4
DISABLE_AFTER = 6


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = SmtpServer(tmp_path_factory.mktemp("smtp") / "mail")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def receivers():
    """The webhook receivers, made before the system starts: the allow list names each
    allowed one by host and port. "elsewhere" listens on 127.0.0.1 too, on a port the list
    does not name."""
    made = {name: WebhookReceiver(SECRET)
            for name in ("signed", "slow", "failing", "by_name", "elsewhere")}
    yield made
    for receiver in made.values():
        receiver.stop()


def port_of(receiver):
    return receiver.server.server_address[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory, backend, smtp, receivers):
    allow = ["127.0.0.1:%d" % port_of(receivers[name]) for name in ("signed", "slow", "failing")]
    allow.append("localhost:%d" % port_of(receivers["by_name"]))
    system = System(tmp_path_factory.mktemp("notify"), backend, {
        "CM_SMTP_HOST": "127.0.0.1", "CM_SMTP_PORT": str(smtp.port),
        "CM_SMTP_FROM": "张掖市总工会 <notify@culture-matrix.test>",
        "CM_DELIVERY_MAX_ATTEMPTS": str(MAX_ATTEMPTS), "CM_DELIVERY_BACKOFF_SECONDS": "0.2",
        "CM_DELIVERY_POLL_SECONDS": "0.2", "CM_WEBHOOK_TIMEOUT_SECONDS": "1",
        "CM_WEBHOOK_DISABLE_AFTER": str(DISABLE_AFTER), "CM_WEBHOOK_ALLOW_HOSTS": ",".join(allow),
    }).start()
    try:
        yield build_world(system)
    finally:
        system.stop()


def deliveries(world, **filters):
    answer = world.as_user("ops").get("/api/v1/notifications/deliveries", limit=500, **filters)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def settle(world, what, predicate, **filters):
    return wait_for(lambda: [d for d in deliveries(world, **filters) if predicate(d)], 30, what)


def set_email(world, username, address, language="zh-CN", **channels):
    answer = world.as_user(username).put("/api/v1/notifications/preferences", {
        "email": address, "language": language, "channels": channels})
    assert answer.status_code == 200, answer.text


def approve(world, title, username="ua_power", union="power", reviewer="rev_ganzhou"):
    activity = world.as_user(username).post(
        "/api/v1/activities", activity_body(world.unions[union]["id"], title=title)).json()
    assert world.as_user(reviewer).post(
        "/api/v1/activities/%d/approve" % activity["id"], {"comment": "同意"}).status_code == 200
    return activity


def paid_event(world, title, union="power"):
    return make_envelope("subsidy_paid", {
        "subsidy_id": 1, "activity_id": 1, "activity_title": title,
        "union_id": world.unions[union]["id"], "fund_id": world.fund["id"],
        "amount": "350.00", "batch_id": 1}, "subsidies", str(uuid.uuid4()))


def subscribe(world, receiver, event_types, url=None, **extra):
    answer = world.as_user("ops").post("/api/v1/webhooks", dict(
        url=url or receiver.url, secret=receiver.secret, event_types=event_types, **extra))
    assert answer.status_code == 201, answer.text
    return answer.json()


def failed_events(world):
    return {e["data"]["delivery_id"]: e["data"]
            for e in outbox_envelopes(world.system, "notify", "notification_failed")}


# email ------------------------------------------------------------------------------
def test_emails_reach_those_who_chose_them_in_their_language(world, smtp):
    set_email(world, "ua_power", "ua-power@example.org")
    set_email(world, "finance", "finance@example.org", "en")
    set_email(world, "rev_ganzhou", "rev-ganzhou@example.org",
              activity_reported={"email": False})
    activity = approve(world, "职工书画展")

    def granted(to):
        return [m for m in smtp.messages(to) if "职工书画展" in m.get_content()
                and ("补助" in m["Subject"] or "Subsidy" in m["Subject"])]
    chinese = wait_for(lambda: granted("ua-power@example.org"), 30, "the union admin's email")[0]
    assert chinese["Subject"] == "【职工文化服务矩阵】活动补助已核定"
    assert "获得补助 350.00 元" in chinese.get_content() and "通知设置" in chinese.get_content()
    assert chinese["From"].addresses[0].addr_spec == "notify@culture-matrix.test"
    assert chinese["Message-ID"].strip().startswith("<delivery-")
    # finance hears of grants in its daily digest (in English, as it chose), not one by one
    with world.system.rpc(actor="ops") as cluster:
        sent = cluster.notify.send_finance_digest({}, "ops")
    assert sent["sent"] and sent["granted_count"] >= 1
    english = wait_for(lambda: [m for m in smtp.messages("finance@example.org")
                                if "subsidy decisions" in m["Subject"]], 30,
                       "finance's digest email")[0]
    assert english["Subject"] == "[Culture Matrix] Today's subsidy decisions (%s)" % sent["day"]
    assert "%d granted, %s yuan in all" % (sent["granted_count"], sent["granted"]) in (
        english.get_content())
    assert not granted("finance@example.org")
    approval = wait_for(lambda: [m for m in smtp.messages("ua-power@example.org")
                                 if m["Subject"].endswith("活动已通过审核")
                                 and "职工书画展" in m.get_content()], 30, "the approval email")
    assert "审核意见：同意" in approval[0].get_content()

    # the reviewer opted out of report emails: the in-app notice came, the email did not
    wait_for(lambda: [n for n in world.as_user("rev_ganzhou").get(
        "/api/v1/notifications", limit=500).json()["items"] if "职工书画展" in n["body"]],
        30, "the reviewer's in-app notice")
    assert not [d for d in deliveries(world, event_type="activity_reported")
                if d["target"] == "rev-ganzhou@example.org"]
    assert not [m for m in smtp.messages("rev-ganzhou@example.org") if "职工书画展" in m.get_content()]

    sent = [d for d in deliveries(world, channel="email", status="delivered")
            if d["target"] == "ua-power@example.org" and d["event_type"] == "subsidy_granted"]
    assert sent and sent[0]["attempts"] == 1 and sent[0]["attempt_log"][0]["outcome"] == "delivered"
    assert world.system.metric("notify", "cm_notifications_delivered_total",
                               {"channel": "email", "outcome": "delivered"}) >= 3
    assert activity["id"]


def test_a_busy_mailbox_is_retried_with_backoff_until_it_accepts(world, smtp):
    # only the approval by email (opting out of a subsidy decision's email is allowed)
    set_email(world, "ua_school", "flaky-school@example.org",
              subsidy_granted={"email": False}, subsidy_declined={"email": False})
    approve(world, "临泽篮球联赛", "ua_school", "school", "rev_linze")
    done = settle(world, "the flaky delivery to succeed", lambda d: d["event_type"] == "activity_approved"
                  and d["target"] == "flaky-school@example.org" and d["status"] == "delivered",
                  channel="email")[0]
    assert done["attempts"] == 3
    log = done["attempt_log"]
    assert [a["outcome"] for a in log] == ["error", "error", "delivered"]
    assert "451" in log[0]["error"] and log[0]["status_code"] == 451
    assert log[1]["at"] > log[0]["at"]
    assert [m for m in smtp.messages("flaky-school@example.org") if "临泽篮球联赛" in m.get_content()]
    set_email(world, "ua_school", None)


def test_a_refused_address_is_recorded_failed_with_its_reason_and_announced(world, smtp):
    set_email(world, "ua_school", "bounce-school@example.org")
    approve(world, "临泽象棋比赛", "ua_school", "school", "rev_linze")
    failed = settle(world, "the bounced delivery to fail", lambda d: d["status"] == "failed"
                    and d["target"] == "bounce-school@example.org"
                    and d["event_type"] == "activity_approved", channel="email")[0]
    assert failed["attempts"] == 1  # a 550 is permanent: no retry
    assert "550" in failed["last_error"] and "mailbox unavailable" in failed["last_error"]
    announced = wait_for(lambda: failed_events(world).get(failed["id"]), 30,
                         "notification_failed in the outbox")
    assert announced["channel"] == "email" and announced["recipient"].startswith("user:")
    assert "550" in announced["reason"]
    set_email(world, "ua_school", None)


# webhooks ---------------------------------------------------------------------------
def test_webhooks_are_signed_and_retried_until_the_receiver_recovers(world, receivers):
    receiver = receivers['signed']
    receiver.fail_next = 2
    hook = subscribe(world, receiver, ["activity_approved"], name="OA 系统")
    try:
        assert hook["enabled"] is True and "secret" not in hook
        activity = approve(world, "甘州合唱节")
        accepted = wait_for(lambda: receiver.accepted("activity_approved"), 30, "the webhook")
        assert len(receiver.requests) == 3
        assert [r["status"] for r in receiver.requests] == [500, 500, 204]
        assert all(receiver.is_signed(r) for r in receiver.requests)
        assert len({r["headers"]["X-CM-Delivery"] for r in receiver.requests}) == 1
        envelope = accepted[0]
        assert envelope["event_type"] == "activity_approved" and envelope["producer"] == "activities"
        assert envelope["data"]["activity_id"] == activity["id"]
        assert receiver.requests[0]["headers"]["X-CM-Event-Id"] == envelope["event_id"]

        log = world.as_user("ops").get("/api/v1/webhooks/%d/deliveries" % hook["id"]).json()
        assert log["total"] == 1
        entry = log["items"][0]
        assert entry["status"] == "delivered" and entry["attempts"] == 3
        assert [(a["outcome"], a["status_code"]) for a in entry["attempt_log"]] == [
            ("error", 500), ("error", 500), ("delivered", 204)]
        current = world.as_user("ops").get("/api/v1/webhooks/%d" % hook["id"]).json()
        assert current["consecutive_failures"] == 0 and current["last_success_at"]

        # the broker delivers the same event twice more: nothing is posted twice
        before = world.system.metric("notify", "cm_inbox_duplicates_total",
                                     {"event_type": "activity_approved"})
        original = [e for e in outbox_envelopes(world.system, "activities", "activity_approved")
                    if e["event_id"] == envelope["event_id"]][0]
        publish(world.system, original, times=2)
        wait_for(lambda: world.system.metric("notify", "cm_inbox_duplicates_total",
                                             {"event_type": "activity_approved"}) >= before + 2,
                 30, "notify to skip both copies")
        assert len(receiver.accepted("activity_approved")) == 1
    finally:
        world.as_user("ops").post("/api/v1/webhooks/%d/disable" % hook["id"])


def test_a_slow_receiver_times_out_and_is_tried_again(world, receivers):
    receiver = receivers['slow']
    receiver.delay = 3  # over the 1 s timeout
    hook = subscribe(world, receiver, ["subsidy_paid"])
    try:
        event = paid_event(world, "慢速接收测试")
        publish(world.system, event)
        settle(world, "a timed-out try", lambda d: d["attempts"] >= 1
               and "timed out" in (d["last_error"] or ""), event_id=event["event_id"],
               channel="webhook")
        receiver.delay = 0
        done = settle(world, "the delivery after the receiver sped up",
                      lambda d: d["status"] == "delivered", event_id=event["event_id"],
                      channel="webhook")[0]
        assert "timed out" in done["attempt_log"][0]["error"]
        assert receiver.accepted("subsidy_paid")[-1]["event_id"] == event["event_id"]
    finally:
        world.as_user("ops").post("/api/v1/webhooks/%d/disable" % hook["id"])


def test_a_failing_receiver_is_disabled_and_ops_enable_it_again(world, receivers):
    receiver = receivers['failing']
    receiver.failing = True
    hook = subscribe(world, receiver, ["subsidy_paid"])
    ops = world.as_user("ops")
    try:
        first = paid_event(world, "失败一")
        publish(world.system, first)
        failed = settle(world, "the first delivery to fail", lambda d: d["status"] == "failed",
                        event_id=first["event_id"], channel="webhook")[0]
        assert failed["attempts"] == MAX_ATTEMPTS and "HTTP 500" in failed["last_error"]
        assert wait_for(lambda: failed_events(world).get(failed["id"]), 30,
                        "notification_failed")["channel"] == "webhook"

        second = paid_event(world, "失败二")
        publish(world.system, second)
        wait_for(lambda: not ops.get("/api/v1/webhooks/%d" % hook["id"]).json()["enabled"],
                 30, "the subscription to be disabled")
        disabled = ops.get("/api/v1/webhooks/%d" % hook["id"]).json()
        assert disabled["consecutive_failures"] == DISABLE_AFTER
        assert "consecutive" in disabled["disabled_reason"]
        cut_short = settle(world, "the second delivery failed by the disabling",
                           lambda d: d["status"] == "failed", event_id=second["event_id"],
                           channel="webhook")[0]
        assert cut_short["attempts"] == DISABLE_AFTER - MAX_ATTEMPTS
        assert "disabled" in cut_short["last_error"]

        while_off = paid_event(world, "停用期间")
        publish(world.system, while_off)
        wait_for(lambda: [n for n in world.as_user("ua_power").get(
            "/api/v1/notifications", limit=500).json()["items"] if "停用期间" in n["body"]],
            30, "the event to be handled")
        assert deliveries(world, event_id=while_off["event_id"], channel="webhook") == []
        redo = ops.post("/api/v1/webhooks/%d/deliveries/%d/redeliver" % (hook["id"], failed["id"]))
        assert redo.status_code == 409  # enable it first

        receiver.failing = False
        enabled = ops.post("/api/v1/webhooks/%d/enable" % hook["id"])
        assert enabled.status_code == 200 and enabled.json()["enabled"] is True
        assert enabled.json()["consecutive_failures"] == 0 and enabled.json()["disabled_reason"] is None
        redo = ops.post("/api/v1/webhooks/%d/deliveries/%d/redeliver" % (hook["id"], failed["id"]))
        assert redo.status_code == 200 and redo.json()["status"] == "pending"
        wait_for(lambda: [b for b in receiver.accepted("subsidy_paid")
                          if b["event_id"] == first["event_id"]], 30, "the redelivery")
        after = paid_event(world, "恢复之后")
        publish(world.system, after)
        wait_for(lambda: [b for b in receiver.accepted("subsidy_paid")
                          if b["event_id"] == after["event_id"]], 30, "a new event after recovery")
        done = wait_for(lambda: [d for d in ops.get(
            "/api/v1/webhooks/%d/deliveries" % hook["id"], event_id=first["event_id"]
        ).json()["items"] if d["status"] == "delivered"], 30, "the redelivery recorded")[0]
        assert done["attempts"] == 1 and done["attempt_log"][-1]["status_code"] == 204
        assert ops.post("/api/v1/webhooks/%d/deliveries/%d/redeliver"
                        % (hook["id"], failed["id"])).status_code == 409  # delivered already
        assert world.system.metric("notify", "cm_notifications_delivered_total",
                                   {"channel": "webhook", "outcome": "failed"}) >= 2
    finally:
        ops.post("/api/v1/webhooks/%d/disable" % hook["id"])


def test_a_webhook_reaches_a_private_target_only_on_an_allowed_host_and_port(world, receivers):
    """The allow list names host and port: a name on a private address is refused unless
    allowed with its port, and an allowed host on another port is refused."""
    allowed, elsewhere = receivers["by_name"], receivers["elsewhere"]
    targets = {
        "allowed name and port": "http://localhost:%d/hooks/named" % port_of(allowed),
        "allowed host, other port": "http://127.0.0.1:%d/hooks/ip" % port_of(elsewhere),
        "private name, other port": "http://localhost:%d/hooks/named" % port_of(elsewhere),
    }
    hooks = {what: subscribe(world, allowed, ["subsidy_paid"], url=url, name=what)
             for what, url in targets.items()}
    try:
        event = paid_event(world, "私网目标测试")
        publish(world.system, event)
        posted = wait_for(lambda: [b for b in allowed.accepted("subsidy_paid")
                                   if b["event_id"] == event["event_id"]], 30,
                          "the delivery to the allowed host and port")
        assert len(posted) == 1
        assert [r["headers"]["Host"] for r in allowed.requests
                if r["headers"]["X-CM-Event-Id"] == event["event_id"]] == [
            "localhost:%d" % port_of(allowed)]
        for what in ("allowed host, other port", "private name, other port"):
            failed = wait_for(lambda: [d for d in world.as_user("ops").get(
                "/api/v1/webhooks/%d/deliveries" % hooks[what]["id"],
                event_id=event["event_id"]).json()["items"] if d["status"] == "failed"],
                30, "the refused delivery (%s)" % what)[0]
            assert failed["attempts"] == 1, what  # refused for good: not retried
            assert "not a public address" in failed["last_error"], (what, failed["last_error"])
            assert ":%d" % port_of(elsewhere) in failed["last_error"]
        assert elsewhere.requests == []
    finally:
        for hook in hooks.values():
            world.as_user("ops").post("/api/v1/webhooks/%d/disable" % hook["id"])


def test_webhooks_belong_to_ops_and_bad_input_is_refused(world):
    ops = world.as_user("ops")
    for username in ("worker", "ua_power", "finance"):
        assert world.as_user(username).get("/api/v1/webhooks").status_code == 403
        assert world.as_user(username).get("/api/v1/notifications/deliveries").status_code == 403
    bad = ops.post("/api/v1/webhooks", {"url": "ftp://x", "secret": "short",
                                        "event_types": ["no_such_event"], "extra": 1})
    assert bad.status_code == 422
    assert set(bad.json()["error"]["details"]) == {"url", "secret", "event_types", "extra"}
    empty = ops.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/x", "secret": SECRET,
                                          "event_types": []})
    assert empty.status_code == 422 and "event_types" in empty.json()["error"]["details"]
    assert ops.get("/api/v1/webhooks/999999").status_code == 404
    assert ops.post("/api/v1/webhooks/999999/enable").status_code == 404

    body = {"url": "http://127.0.0.1:9/idempotent", "secret": SECRET,
            "event_types": ["subsidy_paid"]}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = ops.post("/api/v1/webhooks", body, headers=key)
    again = ops.post("/api/v1/webhooks", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    changed = ops.session.patch(world.system.gateway + "/api/v1/webhooks/%d" % first.json()["id"],
                                json={"event_types": ["subsidy_paid", "subsidy_granted"],
                                      "name": "财务系统"}, timeout=10)
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["subsidy_paid", "subsidy_granted"]
    assert changed.json()["name"] == "财务系统"
    off = ops.post("/api/v1/webhooks/%d/disable" % first.json()["id"])
    assert off.json()["enabled"] is False
    listed = ops.get("/api/v1/webhooks").json()
    assert first.json()["id"] in [h["id"] for h in listed["items"]]
    assert json.dumps(listed).count(SECRET) == 0  # secrets are never shown
