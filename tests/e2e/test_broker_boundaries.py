"""The broker boundary: who may call a service, and what each process's broker user may do.

A direct call over the broker (as anyone with broker credentials could make) changes
nothing unless it is signed with the system's key for exactly that call; each process
has its own broker user that can do only its own job; guest is not used; the services'
HTTP ports are not reachable from outside the machine while the gateway's is.
"""
import socket
import subprocess
import time

import amqp.exceptions
import pytest
import requests
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy

from services.common import signing
from services.common.errors import CallRefused
from tests.support.system import rabbitmqctl
from tests.support.world import activity_body

pytestmark = pytest.mark.one_backend  # signatures and broker users: no database part differs

REFUSALS = (amqp.exceptions.AccessRefused, amqp.exceptions.NotAllowed)


@pytest.fixture(scope="module")
def submitted(world):
    """An activity waiting for review, and how its history reads."""
    answer = world.as_user("ua_power").post(
        "/api/v1/activities", activity_body(world.unions["power"]["id"], title="签名测试活动"))
    assert answer.status_code == 201, answer.text
    return answer.json()


def _state(world, activity):
    admin = world.system.client()
    read = admin.get("/api/v1/activities/%d" % activity["id"]).json()
    history = admin.get("/api/v1/activities/%d/history" % activity["id"]).json()
    return read["status"], len(history if isinstance(history, list) else history["items"])


def _approve_with(cluster, activity):
    return cluster.activities.transition(activity["id"], "approve", "intruder")


# signed commands -----------------------------------------------------------------------
def test_an_unsigned_call_is_refused_and_changes_nothing(world, submitted):
    before = _state(world, submitted)
    with ClusterRpcProxy({"AMQP_URI": world.system.broker.uri_of("tools")},
                         timeout=30) as cluster:
        with pytest.raises(CallRefused, match="not signed"):
            _approve_with(cluster, submitted)
        with pytest.raises(CallRefused):  # reads too: the service answers signed calls only
            cluster.activities.get_activity(submitted["id"])
    assert _state(world, submitted) == before == ("submitted", before[1])


def test_a_call_signed_with_another_key_is_refused(world, submitted):
    before = _state(world, submitted)
    with world.system.rpc(actor="intruder", signing_key=b"x" * 48) as cluster:
        with pytest.raises(CallRefused, match="does not match"):
            _approve_with(cluster, submitted)
    assert _state(world, submitted) == before


def test_an_expired_signature_is_refused(world, submitted, monkeypatch):
    before = _state(world, submitted)
    real_sign = signing.sign
    monkeypatch.setattr(signing, "sign", lambda *args, **kwargs: real_sign(
        *args, now=time.time() - signing.TTL_SECONDS - 1, **kwargs))
    with world.system.rpc(actor="late") as cluster:
        with pytest.raises(CallRefused, match="expired"):
            _approve_with(cluster, submitted)
    assert _state(world, submitted) == before


def test_a_signature_replayed_for_another_method_or_arguments_is_refused(
        world, submitted, monkeypatch):
    """A signature seen on a read (e.g. taken off the wire) does not approve anything."""
    before = _state(world, submitted)
    key = world.system.signing_key()
    seen = signing.sign(key, "activities", "get_activity", (submitted["id"],), {},
                        {"username": "rev_ganzhou", "role": "county_reviewer"})
    assert signing.verify(key, "activities", "get_activity", [submitted["id"]], {}, seen)
    monkeypatch.setattr(signing, "sign", lambda *args, **kwargs: seen)
    with world.system.rpc(actor="replayer") as cluster:
        with pytest.raises(CallRefused, match="another call"):
            _approve_with(cluster, submitted)
        with pytest.raises(CallRefused, match="other arguments"):
            cluster.activities.get_activity(submitted["id"] + 1)
    assert _state(world, submitted) == before


def test_the_same_signed_call_replayed_is_refused(world, submitted, monkeypatch):
    key = world.system.signing_key()
    once = signing.sign(key, "activities", "get_activity", (submitted["id"],), {},
                        {"username": "rev_ganzhou", "role": "county_reviewer"})
    monkeypatch.setattr(signing, "sign", lambda *args, **kwargs: once)
    with world.system.rpc(actor="replayer") as cluster:
        assert cluster.activities.get_activity(submitted["id"])["id"] == submitted["id"]
        with pytest.raises(CallRefused, match="used before"):
            cluster.activities.get_activity(submitted["id"])


def test_a_signed_call_works_and_the_gateway_signs_its_own(world, submitted):
    with world.system.rpc(actor="rev_ganzhou", role="county_reviewer") as cluster:
        assert cluster.activities.get_activity(submitted["id"])["status"] == "submitted"
    # the gateway's calls are signed for the signed-in user: its routes work
    assert world.as_user("rev_ganzhou").get(
        "/api/v1/activities/%d" % submitted["id"]).status_code == 200


def test_signatures_bind_every_part_of_the_call():
    key = b"k" * 40
    actor = {"username": "ua_power", "role": "union_admin"}
    token = signing.sign(key, "activities", "transition", (7, "approve", "ua_power"), {},
                         actor)
    assert signing.verify(key, "activities", "transition", [7, "approve", "ua_power"], {},
                          token) == actor
    payload, _, mac = token.partition(".")
    for bad, why in [
        (lambda: signing.verify(key, "activities", "transition", [8, "approve", "ua_power"],
                                {}, token), "other arguments"),
        (lambda: signing.verify(key, "activities", "transition", [7, "approve", "ua_power"],
                                {"comment": "x"}, token), "other arguments"),
        (lambda: signing.verify(key, "activities", "transition", [7, "approve", "ua_power"],
                                {}, payload + "." + mac[:-2] + "AA"), "does not match"),
        (lambda: signing.verify(key, "library", "transition", [7, "approve", "ua_power"],
                                {}, token), "another call"),
        (lambda: signing.verify(key, "activities", "transition", [7, "approve", "ua_power"],
                                {}, token, now=time.time() - 10), "in the future"),
        (lambda: signing.verify(key, "activities", "transition", [7, "approve", "ua_power"],
                                {}, None), "not signed"),
        (lambda: signing.verify(key, "activities", "transition", [7, "approve", "ua_power"],
                                {}, token, now=time.time() + 61), "expired"),
    ]:
        with pytest.raises(signing.SignatureError, match=why):
            bad()
    seen = signing.SeenSignatures()
    assert signing.verify(key, "activities", "transition", [7, "approve", "ua_power"], {},
                          token, seen=seen) == actor
    with pytest.raises(signing.SignatureError, match="used before"):
        signing.verify(key, "activities", "transition", [7, "approve", "ua_power"], {},
                       token, seen=seen)


def test_the_gateway_signs_for_the_signed_in_user():
    """gateway.rpc takes the acting user from the route's Call; without one it acts as
    the gateway itself."""
    from types import SimpleNamespace

    from gateway.api import Call
    from gateway.rpc import acting_user
    user = SimpleNamespace(id=3, username="rev_ganzhou", role="county_reviewer")
    worker = SimpleNamespace(args=(Call(request_id="r", user=user),))
    assert acting_user(worker) == {"username": "rev_ganzhou", "role": "county_reviewer"}
    assert acting_user(SimpleNamespace(args=(Call(request_id="r"),))) == \
        {"username": "gateway", "role": "system"}
    assert acting_user(SimpleNamespace(args=())) == {"username": "gateway", "role": "system"}


def test_a_placeholder_signing_key_is_refused(tmp_path):
    from services.common.settings import load_settings
    for placeholder in ("CHANGE-ME-rpc-signing-key-in-production-please", "short"):
        with pytest.raises(signing.SignatureError):
            signing.load_key(load_settings({}, data_dir=str(tmp_path),
                                           rpc_signing_key=placeholder))
    made = signing.key_file(tmp_path / "data")
    assert made.stat().st_mode & 0o777 == 0o600
    assert signing.key_file(tmp_path / "data").read_text() == made.read_text()


# broker users ----------------------------------------------------------------------------
def _publish(uri, exchange, routing_key):
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        producer.publish({"forged": True}, exchange=exchange, routing_key=routing_key,
                         serializer="json", retry=False, declare=[])


def test_notify_cannot_publish_activities_events_or_read_subsidies_queue(world):
    broker = world.system.broker
    notify = broker.uri_of("notify")
    activities_events = Exchange("activities.events", type="topic", durable=True)
    with pytest.raises(REFUSALS):
        _publish(notify, activities_events, "activity_approved")
    with pytest.raises(REFUSALS):  # nor send any service a command
        _publish(notify, Exchange("nameko-rpc", type="topic", durable=True),
                 "activities.transition")
    with pytest.raises(REFUSALS):
        with Connection(notify) as connection:
            queue = Queue("subsidies.activities.activity_approved",
                          channel=connection.channel(), no_declare=True)
            queue.get()
    # while the activities user may publish to its own exchange (checked with a routing
    # key no queue is bound to, so nothing is delivered)
    _publish(broker.uri_of("activities"), activities_events, "nothing.listens.here")


def test_the_gateway_cannot_consume_a_service_queue_nor_publish_events(world):
    gateway = world.system.broker.uri_of("gateway")
    with pytest.raises(REFUSALS):
        with Connection(gateway) as connection:
            Queue("rpc-activities", channel=connection.channel(), no_declare=True).get()
    with pytest.raises(REFUSALS):
        _publish(gateway, Exchange("activities.events", type="topic", durable=True),
                 "activity_approved")


def test_every_process_has_its_own_user_and_guest_is_not_used(world):
    broker = world.system.broker
    users = {line.split("\t")[0] for line in rabbitmqctl(
        "list_permissions", "-p", broker.vhost).splitlines()[1:] if line.strip()}
    assert "guest" not in users
    connected = rabbitmqctl("list_connections", "user", "vhost")
    mine = [line.split("\t")[0] for line in connected.splitlines()
            if line.endswith("\t" + broker.vhost)]
    assert mine and "guest" not in mine
    for process in ("gateway", "activities", "subsidies", "library", "notify"):
        assert "%s-%s" % (broker.vhost, process) in mine, (process, sorted(set(mine)))


# HTTP ports ------------------------------------------------------------------------------
def _outside_address():
    """An address of this machine other than loopback, or None."""
    try:
        out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        parts = line.split()
        if "inet" in parts:
            address = parts[parts.index("inet") + 1].split("/")[0]
            if not address.startswith("127."):
                return address
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent
            address = probe.getsockname()[0]
        return None if address.startswith("127.") else address
    except OSError:
        return None


def test_service_ports_listen_on_loopback_only_and_the_gateway_on_every_address(system):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    gateway_port = system.base_port
    assert requests.get("http://%s:%d/healthz" % (address, gateway_port),
                        timeout=5).status_code == 200
    for offset, service in enumerate(("activities", "subsidies", "library", "notify"), 1):
        assert requests.get("%s/healthz" % system.url_of(service), timeout=5).ok
        with pytest.raises(requests.ConnectionError):
            requests.get("http://%s:%d/metrics" % (address, gateway_port + offset), timeout=5)
