"""Quorum queues, switched on by config for clustered brokers, carry the same pipeline."""
import subprocess

import pytest

from tests.support.stream import Stream, reconcile
from tests.support.waiting import wait_for
from tests.support.world import build_world

# queue types are the broker's: the database plays no part here that differs
pytestmark = pytest.mark.one_backend


def queue_types(vhost):
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return dict(line.split("\t")[:2] for line in out.splitlines() if "\t" in line)


def test_quorum_queues_by_config(fresh_system):
    system = fresh_system({"CM_QUORUM_QUEUES": "true"})
    world = build_world(system)
    stream = Stream(world)
    stream.push(5)
    result = reconcile(stream)
    assert result["lost"] == 0 and result["duplicated"] == 0
    types = queue_types(system.broker.vhost)
    event_queues = {name: kind for name, kind in types.items()
                    if name.startswith(("subsidies.", "notify.", "library."))}
    assert event_queues and set(event_queues.values()) == {"quorum"}, types
    # a classic RPC queue would live on one node: the service unreachable while it is down
    rpc_queues = {name: kind for name, kind in types.items() if name.startswith("rpc-")}
    assert set(rpc_queues) == {"rpc-activities", "rpc-subsidies", "rpc-library",
                               "rpc-notify"} and set(rpc_queues.values()) == {"quorum"}, types
    # delivery limit and at-least-once dead-lettering come from the policy, not arguments
    policies = queue_policies(system.broker.vhost)
    for name in list(event_queues) + list(rpc_queues):
        assert policies[name] == "cm-quorum", (name, policies)


def queue_policies(vhost):
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "policy"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return dict(line.split("\t")[:2] for line in out.splitlines() if "\t" in line)


def test_a_message_redelivered_past_the_limit_is_dead_lettered_not_lost(fresh_system):
    """The policy the start command imports: a quorum queue's message that keeps coming
    back (a handler that crashes its process on it) goes to the dead-letter store after
    the delivery limit, at least once, instead of looping forever or vanishing."""
    from kombu import Connection, Queue

    from services.common.topology import DEAD_LETTER_QUEUE, QUORUM_POLICY
    system = fresh_system({"CM_QUORUM_QUEUES": "true"}, start=False)
    limit = QUORUM_POLICY["definition"]["delivery-limit"]
    queue = Queue("notify.tests.poison", durable=True, routing_key="notify.tests.poison",
                  queue_arguments={"x-queue-type": "quorum"})
    with Connection(system.broker.uri) as connection:
        channel = connection.channel()
        bound = queue(channel)
        bound.declare()
        connection.Producer(channel).publish({"poison": True}, routing_key=queue.name,
                                             serializer="json", delivery_mode=2)
        deliveries = 0
        for _ in range(limit + 5):  # without the policy it would come back for ever
            message = wait_for(lambda: bound.get(no_ack=False), 10, "the message again",
                               interval=0.05) if deliveries <= limit else bound.get()
            if message is None:
                break
            deliveries += 1
            message.requeue()
        parked = wait_for(lambda: Queue(DEAD_LETTER_QUEUE)(channel).get(no_ack=True), 10,
                          "the message in the dead-letter store", interval=0.05)
    assert deliveries == limit + 1, deliveries
    assert parked.payload == {"poison": True}
