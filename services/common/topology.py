"""Exchanges and queues, declared the same way by producers and consumers.

Producers declare the queues of their events' consumers too, so that an event
published before its consumer first starts waits for it instead of vanishing.
"""
from kombu import Exchange, Queue

from services.common.events import REGISTRY, queue_name, spec_for

PERSISTENT = 2

# What RabbitMQ recommends setting by policy rather than by queue arguments, for the
# quorum queues (event queues, their retry queues and the RPC queues): a message
# redelivered this many times (a handler that crashes its process on it) is dead-lettered
# instead of looping forever, at least once (it stays in its queue until the dead-letter
# queue confirmed it), which needs `reject-publish` overflow. Applied by scripts/start on
# a local broker (scripts/broker_users.py) and declared in the production manifests;
# the services declare only the queue type. Retry queues keep their TTL and their
# dead-letter target as arguments: those are their routing, and arguments win over a
# policy's dead-letter-exchange.
DEAD_LETTER_EXCHANGE = "cm.dead-letters"
DEAD_LETTER_QUEUE = "cm.dead-letters"
QUORUM_POLICY = {
    "name": "cm-quorum",
    "pattern": r"^(activities|subsidies|library|notify)\.|^rpc-",
    # "queues", not "quorum_queues": RabbitMQ before 3.12 (Debian's 3.10) knows no such
    # target. On a classic queue the policy changes nothing of ours: delivery-limit and
    # the strategy are quorum-only, overflow matters only with a length limit (none),
    # and no classic queue of ours rejects messages without requeueing them.
    "apply-to": "queues",
    "priority": 1,
    "definition": {
        "delivery-limit": 20,
        "dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "dead-letter-strategy": "at-least-once",
        "overflow": "reject-publish",
    },
}


def event_exchange(producer):
    # Same attributes as nameko's get_event_exchange, so both may declare it.
    return Exchange("%s.events" % producer, type="topic", durable=True,
                    delivery_mode=PERSISTENT, auto_delete=False)


def _arguments(quorum, extra=None):
    arguments = dict(extra or {})
    if quorum:
        arguments["x-queue-type"] = "quorum"
    return arguments or None


def event_queue(consumer, event_type, quorum=False):
    spec = spec_for(event_type)
    return Queue(queue_name(consumer, event_type), exchange=event_exchange(spec.producer),
                 routing_key=event_type, durable=True, auto_delete=False,
                 queue_arguments=_arguments(quorum))


def retry_queue(target_queue, delay_seconds, quorum=False):
    """A parking queue whose messages expire back into target_queue after the delay."""
    return Queue("%s.retry.%ss" % (target_queue, delay_seconds), exchange=Exchange(""),
                 routing_key="%s.retry.%ss" % (target_queue, delay_seconds),
                 durable=True, auto_delete=False,
                 queue_arguments=_arguments(quorum, {
                     "x-message-ttl": int(delay_seconds * 1000),
                     "x-dead-letter-exchange": "",
                     "x-dead-letter-routing-key": target_queue,
                 }))


def queues_fed_by(producer, quorum=False):
    """Every consumer queue that the producer's events go to (services.catalogue, imported
    by the runner, has registered every service's subscriptions)."""
    return [event_queue(consumer, spec.event_type, quorum)
            for spec in list(REGISTRY.values()) if spec.producer == producer
            for consumer in spec.consumers]
