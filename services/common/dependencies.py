"""nameko dependency providers: settings, the database (with its outbox relay), metrics."""
import json
import logging
import time
import weakref

from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from nameko.rpc import Rpc
from sqlalchemy import func, insert, select
from sqlalchemy.orm import sessionmaker

from services.common import logs, metrics
from services.common.clock import utcnow
from services.common.database import make_engine, service_database_url
from services.common.outbox import OutboxRelay
from services.common.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class Config(DependencyProvider):
    """self.config: this process's typed Settings (services.common.settings)."""

    def get_dependency(self, worker_ctx):
        return self.container.config["CM"]


class DatabaseAccess:
    """What an entrypoint sees as self.db.

    In an event handler's worker, inbox names (consumer, event_id): the worker's first
    unit of work claims it, so that a handler never claims by hand.
    """

    def __init__(self, sessions, tables, producer, correlation_id=None, causation_id=None,
                 wake=None, inbox=None, provider=None):
        self.sessions = sessions
        self.provider = provider  # the Database itself, for the ops endpoints (ping, dead letters)
        self._tables = tables
        self._producer = producer
        self._correlation_id = correlation_id
        self._causation_id = causation_id
        self._wake = wake
        self._inbox = inbox

    def unit_of_work(self):
        inbox, self._inbox = self._inbox, None  # claimed once, by the first unit
        return UnitOfWork(self.sessions, self._tables, self._producer, self._correlation_id,
                          self._causation_id, self._wake, inbox_claim=inbox)

    def session(self):
        """A plain session (queries, or the gateway's own small writes): `with db.session() as s:`."""
        return self.sessions()


class Database(DependencyProvider):
    """The service's own database; with messaging tables it also runs the outbox relay."""

    def __init__(self, tables=None, name=None, extra_connections=None):
        self.tables = tables
        self.name = name  # database name when it differs from the service name
        # the setting naming how many more green threads of the service use the database
        # at once besides its workers (notify's delivery senders)
        self.extra_connections = extra_connections

    def setup(self):
        settings = self.container.config["CM"]
        self.url = service_database_url(self.name or self.container.service_name, settings)
        # Workers hold a connection only while they query; past a dozen they queue for
        # one (green), which keeps a gateway of many workers within PostgreSQL's limits.
        extra = int(getattr(settings, self.extra_connections)) if self.extra_connections else 0
        self.engine = make_engine(self.url,
                                  pool_size=min(self.container.max_workers, 10) + 2 + extra)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.relay = None
        if self.tables is None:
            return
        self.relay = OutboxRelay(self.engine, self.tables.outbox,
                                 self.container.config["AMQP_URI"],
                                 self.container.service_name,
                                 sweep_seconds=settings.outbox_sweep_seconds,
                                 quorum=settings.quorum_queues)

    def start(self):
        if self.relay is not None:
            self._relay_thread = self.container.spawn_managed_thread(
                self.relay.run, identifier="outbox-relay")

    def stop(self):
        if self.relay is not None:
            self.relay.stop()  # finishes the row in hand, then leaves
            self._relay_thread.wait()
        self.engine.dispose()

    def kill(self):
        if self.relay is not None:
            self.relay.stop()
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        context = worker_ctx.context_data
        consumer = getattr(worker_ctx.entrypoint, "inbox_consumer", None)
        inbox = None
        if consumer is not None and self.tables is not None and worker_ctx.args:
            inbox = (consumer, worker_ctx.args[0]["event_id"])
        return DatabaseAccess(self.sessions, self.tables, self.container.service_name,
                              context.get("correlation_id"), context.get("causation_id"),
                              self.relay.wake if self.relay else None, inbox, provider=self)

    # used by the reliable event handler and the ops endpoints --------------------
    def record_dead_letter(self, queue, body, error, attempts):
        envelope = body if isinstance(body, dict) else {}
        with self.engine.begin() as conn:
            conn.execute(insert(self.tables.dead_letters).values(
                queue=queue, event_id=str(envelope.get("event_id") or "") or None,
                event_type=envelope.get("event_type"),
                body=json.dumps(body, ensure_ascii=False, default=str),
                error=error[-4000:], attempts=attempts, created_at=utcnow()))
        self.observe_dead_letters()

    def observe_dead_letters(self):
        table = self.tables.dead_letters
        with self.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(table)
                                 .where(table.c.redriven_at.is_(None))).scalar()
        metrics.DEAD_LETTERS_OPEN.labels(self.container.service_name).set(count)

    def ping(self):
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")


class EntrypointMetrics(DependencyProvider):
    """RED figures and one log line for every RPC method and event handler.

    worker_setup runs in the worker's own greenlet, so the ids bound for logging there
    appear on every line the worker logs.
    """

    def setup(self):
        self._started = weakref.WeakKeyDictionary()

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()
        context = worker_ctx.context_data
        logs.bind(correlation_id=context.get("correlation_id"),
                  event_id=context.get("causation_id"))

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        entrypoint = worker_ctx.entrypoint
        if isinstance(entrypoint, HttpRequestHandler):
            return  # HTTP routes are measured by the HTTP layer with their status
        kind = "rpc" if isinstance(entrypoint, Rpc) else "event"
        name = entrypoint.method_name
        service = self.container.service_name
        outcome = "error" if exc_info else "ok"
        elapsed = time.perf_counter() - self._started.pop(worker_ctx, time.perf_counter())
        metrics.ENTRYPOINT_CALLS.labels(service, kind, name, outcome).inc()
        metrics.ENTRYPOINT_LATENCY.labels(service, kind, name).observe(elapsed)
        log.info("%s %s %s in %.1f ms", kind, name, outcome, elapsed * 1000)


class Blobs(DependencyProvider):
    """self.blobs: the blob store the settings name (services.common.blobs): files'
    bytes, which never travel over the broker."""

    def setup(self):
        from services.common.blobs import store_of
        self.store = store_of(self.container.config["CM"])

    def get_dependency(self, worker_ctx):
        return self.store
