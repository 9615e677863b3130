"""One transaction: the state change, the inbox mark and the outbox rows together.

Entry points read: validate -> domain -> `with db.unit_of_work() as uow: ...` -> answer.
The unit commits when its block ends normally and rolls back when it raises; events
emitted in it are published only after it commits. In an event handler's worker the
first unit also claims the event in the inbox: a second delivery of the same event
raises AlreadyProcessed out of the handler, which the reliable handler acknowledges.
"""
import json

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.common.clock import utcnow
from services.common.events import make_envelope

# Statements built once and reused: building one costs more than running it, and a
# reused statement also keeps its compiled-cache key.
_CLAIMS = {}
_EMITS = {}


def _claim_statement(inbox, dialect):
    statement = _CLAIMS.get((inbox, dialect))
    if statement is None:
        insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = _CLAIMS[(inbox, dialect)] = insert_(inbox).on_conflict_do_nothing()
    return statement


def _emit_statement(outbox):
    statement = _EMITS.get(outbox)
    if statement is None:
        statement = _EMITS[outbox] = insert(outbox)
    return statement


class AlreadyProcessed(Exception):
    """This consumer has processed this event before: nothing to do, nothing changed."""


class UnitOfWork:
    def __init__(self, session_factory, tables, producer, correlation_id=None,
                 causation_id=None, after_commit=None, inbox_claim=None):
        self._session_factory = session_factory
        self._tables = tables
        self._producer = producer
        self._correlation_id = correlation_id
        self._causation_id = causation_id
        self._after_commit = after_commit
        self._inbox_claim = inbox_claim  # (consumer, event_id) to mark in this unit
        self.emitted = []
        self.session = None

    def __enter__(self):
        self.session = self._session_factory()
        self._committed = False
        if self._inbox_claim is not None:
            try:
                if not self._claim(*self._inbox_claim):
                    raise AlreadyProcessed("%s has processed %s" % self._inbox_claim)
            except BaseException:
                self.session.rollback()
                self.session.close()
                raise
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None and not self._committed:
                self.commit()
        finally:
            if not self._committed:
                self.session.rollback()
            self.session.close()

    def _claim(self, consumer, event_id):
        """Mark an event processed; False when this consumer processed it already."""
        connection = self.session.connection()
        statement = _claim_statement(self._tables.inbox, connection.dialect.name)
        return connection.execute(statement, {"consumer": consumer, "event_id": event_id,
                                              "processed_at": utcnow()}).rowcount == 1

    def emit(self, event_type, data):
        envelope = make_envelope(event_type, data, self._producer,
                                 self._correlation_id, self._causation_id)
        self.session.connection().execute(_emit_statement(self._tables.outbox), {
            "event_id": envelope["event_id"], "event_type": event_type,
            "body": json.dumps(envelope, ensure_ascii=False, default=str),
            "created_at": utcnow()})
        self.emitted.append(envelope)
        return envelope

    def commit(self):
        self.session.commit()
        self._committed = True
        if self.emitted and self._after_commit:
            self._after_commit()
