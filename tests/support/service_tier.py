"""The service tier: a service's entrypoints run in this process, with nameko's
worker_factory, against a real (migrated) SQLite database of their own.

    tier = ServiceDatabase("subsidies", tmp_path)
    service = tier.worker(Service)                    # self.db and self.config are real
    answer = service.create_fund(payload)             # an RPC entrypoint, called directly
    tier.deliver(Service, "on_activity_approved", tier.event(APPROVED, facts))
    tier.outbox("subsidy_granted")                    # envelopes the unit of work wrote

deliver() does what the reliable event handler does around a handler: the worker's first
unit of work claims the event in the inbox, and a second delivery of the same envelope
raises AlreadyProcessed (which the real handler acknowledges) with nothing changed.
"""
import importlib
import json

from nameko.testing.services import worker_factory
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from services.common.consumer import ReliableEventHandler
from services.common.database import make_engine
from services.common.dependencies import Config, DatabaseAccess
from services.common.events import make_envelope, read_envelope
from services.common.migrate import migrate
from services.common.settings import load_settings


class ServiceDatabase:
    def __init__(self, service_name, tmp_path, **settings):
        self.service_name = service_name
        self.settings = load_settings({}, data_dir=str(tmp_path), **settings)
        self.url = migrate(service_name, self.settings)
        self.engine = make_engine(self.url, pool_size=2)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        models = importlib.import_module("services.%s.models" % service_name)
        self.tables = models.MESSAGING

    def close(self):
        self.engine.dispose()

    def access(self, inbox=None, correlation_id="test-correlation", causation_id=None):
        """What an entrypoint sees as self.db."""
        return DatabaseAccess(self.sessions, self.tables, self.service_name, correlation_id,
                              causation_id, None, inbox)

    def worker(self, service_class, inbox=None, causation_id=None, **dependencies):
        """A service instance whose db and config are real; other dependencies are mocks
        unless given."""
        dependencies.setdefault("db", self.access(inbox, causation_id=causation_id))
        if isinstance(getattr(service_class, "config", None), Config):
            dependencies.setdefault("config", self.settings)
        return worker_factory(service_class, **dependencies)

    def event(self, spec, data, correlation_id="test-correlation"):
        """An envelope as a consumer receives it (validated, data loaded)."""
        envelope = make_envelope(spec.event_type, data, spec.producer, correlation_id)
        return read_envelope(json.loads(json.dumps(envelope, default=str)))

    def deliver(self, service_class, method_name, envelope, **dependencies):
        """Run an event handler as the reliable handler would, inbox claim included."""
        handler = _event_handler(service_class, method_name)
        consumer = "%s.%s" % (self.service_name, handler.event_type)
        service = self.worker(service_class, inbox=(consumer, envelope["event_id"]),
                              causation_id=envelope["event_id"], **dependencies)
        return getattr(service, method_name)(envelope)

    def outbox(self, event_type=None):
        """The envelopes written to the outbox, oldest first."""
        table = self.tables.outbox
        query = select(table.c.body).order_by(table.c.id)
        if event_type is not None:
            query = query.where(table.c.event_type == event_type)
        with self.engine.connect() as conn:
            return [json.loads(body) for body in conn.execute(query).scalars()]

    def count(self, table_name, where="1=1", **params):
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM %s WHERE %s" % (table_name, where)),
                                params).scalar()


def _event_handler(service_class, method_name):
    method = getattr(service_class, method_name)
    for entrypoint in getattr(method, "nameko_entrypoints", ()):
        if isinstance(entrypoint, ReliableEventHandler):
            return entrypoint
    raise AssertionError("%s.%s is not a reliable event handler" % (
        service_class.__name__, method_name))
