"""A reliable event handler: validated envelopes, retries with backoff, dead letters.

nameko acknowledges a message whose handler raised, and the event is gone. Here a
failure is republished (with publisher confirms) to a delay queue whose TTL returns it
to the handler's queue, with the attempt count in a header; after the last delay it is
stored as a dead letter that ops can list and re-drive. Only then is the original
acknowledged; if even that fails the message is requeued, never dropped.
"""
import logging
import traceback

from eventlet import semaphore
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import SharedExtension
from nameko.messaging import Consumer

from services.common import metrics
from services.common.database import forbid_open_transaction
from services.common.dependencies import Database
from services.common.events import UnknownEvent, read_envelope, spec_for
from services.common.queue_consumers import ClusterQueueConsumer
from services.common.rerun import run_again_later
from services.common.retry import Retries
from services.common.topology import event_queue, retry_queue
from services.common.unit_of_work import AlreadyProcessed

log = logging.getLogger(__name__)
ATTEMPTS_HEADER = "x-cm-attempts"


def _not_a_duplicate(record):
    """nameko logs an expected exception with its traceback; a duplicate is not news."""
    return not (record.exc_info and isinstance(record.exc_info[1], AlreadyProcessed))


logging.getLogger("nameko.containers").addFilter(_not_a_duplicate)


class EventQueueConsumer(ClusterQueueConsumer):
    """The event handlers' own broker connection and consumer thread.

    nameko hands every message of a process to one consumer thread, which blocks while
    the worker pool is full: a backlog of events would keep the RPC requests of people
    waiting for an answer in the same line. Events wait here instead, and take at most
    EventWorkerSlots workers, so RPCs always find one free.
    """

    @property
    def prefetch_count(self):
        return event_worker_limit(self.container.max_workers)


def event_worker_limit(max_workers):
    """Workers events may take; the rest (a quarter, at least one) are kept for RPCs."""
    return max(1, max_workers - max(1, max_workers // 4))


class EventWorkerSlots(SharedExtension):
    def setup(self):
        self.slots = semaphore.Semaphore(event_worker_limit(self.container.max_workers))


class ReliableEventHandler(EventHandler):
    queue_consumer = EventQueueConsumer()
    worker_slots = EventWorkerSlots()

    def __init__(self, event, **kwargs):
        # event: the producer's EventSpec (its published events module) or its name
        self.spec = spec_for(event) if isinstance(event, str) else event
        kwargs.setdefault("expected_exceptions", AlreadyProcessed)
        super().__init__(self.spec.producer, self.spec.event_type, **kwargs)

    def setup(self):
        settings = self.container.config["CM"]
        self.quorum = settings.quorum_queues
        self.retry_delays = list(settings.retry_delays)
        # the inbox row the worker's first unit of work claims (see DatabaseAccess)
        self.inbox_consumer = "%s.%s" % (self.container.service_name, self.event_type)
        self.queue = event_queue(self.container.service_name, self.event_type, self.quorum)
        self.publisher = Publisher(self.container.config["AMQP_URI"])
        Consumer.setup(self)  # register the queue; skip EventHandler's own naming

    @property
    def consumer_name(self):
        return self.queue.name

    def _database(self):
        for dependency in self.container.dependencies:
            if isinstance(dependency, Database):
                return dependency
        raise RuntimeError("a reliable event handler needs a Database dependency")

    def handle_message(self, body, message):
        try:
            envelope = read_envelope(body)
        except (ValidationError, UnknownEvent) as exc:
            # A malformed event will never succeed: park it at once, do not retry.
            self._settle_failure(message, body, "invalid envelope: %s" % exc, final=True)
            return
        context_data = {"correlation_id": envelope["correlation_id"],
                        "causation_id": envelope["event_id"]}
        self._spawn(message, body, envelope, context_data, Retries())

    def _spawn(self, message, body, envelope, context_data, retries):
        def again():  # the same delivery, run whole once more (services.common.rerun)
            self._spawn(message, body, envelope, context_data, retries)
        self.worker_slots.slots.acquire()  # blocks this consumer thread only, not RPCs
        try:
            self.container.spawn_worker(
                self, (envelope,), {}, context_data=context_data,
                handle_result=lambda worker_ctx, result=None, exc_info=None:
                    self._after_worker(message, body, result, exc_info, retries, again))
        except ContainerBeingKilled:
            self.worker_slots.slots.release()
            self.queue_consumer.requeue_message(message)
        except BaseException:
            self.worker_slots.slots.release()
            raise

    def _after_worker(self, message, body, result, exc_info, retries=None, again=None):
        self.worker_slots.slots.release()
        if retries is not None and run_again_later(
                self.container, retries, exc_info,
                "%s.%s" % (self.container.service_name, self.event_type), again):
            return result, exc_info  # a failover is no reason to spend a retry attempt
        if exc_info is not None and issubclass(exc_info[0], AlreadyProcessed):
            metrics.INBOX_DUPLICATES.labels(self.container.service_name, self.event_type).inc()
            exc_info = None  # a duplicate delivery: done before, acknowledge it
        if exc_info is None:
            metrics.EVENTS_HANDLED.labels(self.container.service_name, self.spec.producer,
                                          self.event_type, "ok").inc()
            self.queue_consumer.ack_message(message)
        else:
            error = "".join(traceback.format_exception(*exc_info))
            self._settle_failure(message, body, error, final=False)
        return result, exc_info

    def _settle_failure(self, message, body, error, final):
        service = self.container.service_name
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        metrics.EVENTS_HANDLED.labels(service, self.spec.producer, self.event_type, "error").inc()
        try:
            if not final and attempts <= len(self.retry_delays):
                self._send_to_retry(body, attempts, error)
                metrics.EVENT_RETRIES.labels(service, self.event_type).inc()
            else:
                self._dead_letter(body, error, attempts)
        except Exception:
            log.exception("could not park a failed %s; requeueing it", self.event_type)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)

    def _dead_letter(self, body, error, attempts):
        try:
            self._database().record_dead_letter(self.queue.name, body, error, attempts)
        except Exception:
            # The database is away too (a restart?): wait the longest delay and try the
            # whole thing again rather than spin on an immediate requeue.
            log.warning("dead letter store unavailable; parking %s for another try",
                        self.event_type, exc_info=True)
            self._send_to_retry(body, attempts - 1, error)
            return
        metrics.DEAD_LETTERS.labels(self.container.service_name, self.event_type).inc()
        log.error("dead-lettered %s after %d attempts", self.event_type, attempts)

    def _send_to_retry(self, body, attempts, error):
        forbid_open_transaction("a retry publish")
        delay = self.retry_delays[min(attempts, len(self.retry_delays)) - 1]
        parking = retry_queue(self.queue.name, delay, self.quorum)
        log.warning("%s failed (attempt %d); retrying in %ss: %s",
                    self.event_type, attempts, delay, error.strip().splitlines()[-1])
        self.publisher.publish(body, exchange=parking.exchange, routing_key=parking.name,
                               declare=[parking, self.queue], serializer="json",
                               headers={ATTEMPTS_HEADER: attempts,
                                        "x-cm-last-error": error[-500:]})


handle_event = ReliableEventHandler.decorator
