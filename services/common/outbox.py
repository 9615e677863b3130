"""The outbox relay: publishes pending rows in order, with publisher confirms.

A row is marked sent only after the broker confirmed it. A unit of work that commits
wakes the relay at once; a sweep every few seconds catches what a crash left behind.
Publishing a row twice is allowed (consumers' inboxes absorb it); losing one is not.

On SQLite the rows one pass published are marked in the next pass's transaction, before
it reads what is pending (so nothing is read twice): one transaction per pass instead of
two. A crash in between publishes those rows again after the restart, which is allowed.

On PostgreSQL replicas share the table: a pass claims its rows (FOR UPDATE SKIP LOCKED,
then a lease) in a short transaction, publishes with no transaction open and marks what
the broker confirmed. Rows whose relay died are claimed again when their lease ends.
"""
import json
import logging
import threading
from datetime import timedelta, timezone

from kombu import Connection
from sqlalchemy import bindparam, func, or_, select, update

from services.common import metrics
from services.common.clock import utcnow
from services.common.database import forbid_open_transaction, is_postgres
from services.common.settings import broker_nodes
from services.common.topology import event_exchange, queues_fed_by

log = logging.getLogger(__name__)
BATCH = 200
CLAIM_LEASE = timedelta(seconds=60)  # far longer than a pass; a dead relay's rows wait this


class OutboxRelay:
    def __init__(self, engine, outbox, amqp_uri, producer, sweep_seconds=1.0, quorum=False):
        self.engine = engine
        self.outbox = outbox
        self.amqp_uri = amqp_uri
        self.producer = producer
        self.sweep_seconds = sweep_seconds
        self.quorum = quorum
        self.exchange = event_exchange(producer)
        self._wake = threading.Event()
        self._pass_lock = threading.Lock()
        self._stopping = False
        self._connection = None
        self._unmarked = []  # published and confirmed, to be marked by the next pass
        # Built once: the relay runs these on every pass.
        self._pending = (select(outbox.c.id, outbox.c.event_type, outbox.c.body)
                         .where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id).limit(BATCH))
        claimable = or_(outbox.c.claimed_until.is_(None),
                        outbox.c.claimed_until < bindparam("now"))
        self._claimable = self._pending.where(claimable).with_for_update(skip_locked=True)
        by_ids = outbox.c.id.in_(bindparam("ids", expanding=True))
        self._claim = update(outbox).where(by_ids).values(claimed_until=bindparam("until"))
        self._sent = update(outbox).where(by_ids).values(sent_at=bindparam("now"))

    # lifecycle -----------------------------------------------------------------
    def wake(self):
        self._wake.set()

    def stop(self):
        self._stopping = True
        self._wake.set()

    def run(self):
        """The relay loop; runs in a managed green thread until stop()."""
        while not self._stopping:
            self._wake.wait(self.sweep_seconds)
            self._wake.clear()
            if self._stopping:
                break
            try:
                self.publish_pending()
            except Exception:  # broker or database away: try again next sweep
                metrics.OUTBOX_PUBLISH_FAILURES.labels(self.producer).inc()
                log.warning("outbox relay pass failed; will retry", exc_info=True)
                self._drop_connection()
        self._mark_unmarked()
        self._drop_connection()

    # work ----------------------------------------------------------------------
    def publish_pending(self):
        """Publish every pending row; returns how many were published."""
        with self._pass_lock:
            published = 0
            while not self._stopping:
                count = self._publish_batch()
                published += count
                if count < BATCH:
                    break
            return published

    def _publish_batch(self):
        if is_postgres(self.engine):
            return self._publish_batch_claimed()
        # SQLite: no transaction may stay open across network I/O (it would hold the
        # file's write lock while this green thread waits on the broker).
        with self.engine.begin() as conn:
            self._mark_sent(conn, self._unmarked)
            rows = conn.execute(self._pending).all()
        self._unmarked = []
        self._publish_rows(rows, self._unmarked)
        return len(rows)

    def _publish_batch_claimed(self):
        # Replicas skip rows another relay holds, so they never fight over a row; no
        # transaction stays open while the broker confirms.
        now = utcnow()
        with self.engine.begin() as conn:
            rows = conn.execute(self._claimable, {"now": now}).all()
            if rows:
                conn.execute(self._claim, {"ids": [row.id for row in rows],
                                           "until": now + CLAIM_LEASE})
        published = []
        try:
            self._publish_rows(rows, published)
        finally:
            confirmed = {row.id for row in published}
            unpublished = [row for row in rows if row.id not in confirmed]
            with self.engine.begin() as conn:
                self._mark_sent(conn, published)
                if unpublished:  # let the next pass (any replica's) have them at once
                    conn.execute(self._claim, {"ids": [row.id for row in unpublished],
                                               "until": None})
        return len(rows)

    def _mark_unmarked(self):
        """At a graceful stop: mark what the last pass published (best effort)."""
        if not self._unmarked:
            return
        try:
            with self.engine.begin() as conn:
                self._mark_sent(conn, self._unmarked)
            self._unmarked = []
        except Exception:  # they will be published again after the restart: allowed
            log.warning("could not mark %d published outbox rows", len(self._unmarked),
                        exc_info=True)

    def _mark_sent(self, conn, rows):
        if rows:
            conn.execute(self._sent, {"ids": [row.id for row in rows], "now": utcnow()})

    def _publish_rows(self, rows, published):
        """Publish in order, each confirmed, appending each to `published` once the broker
        confirmed it; stops between rows when asked to stop."""
        if not rows:
            return published
        forbid_open_transaction("an outbox publish")
        producer = self._producer()
        for row in rows:
            if self._stopping:
                break
            producer.publish(json.loads(row.body), exchange=self.exchange,
                             routing_key=row.event_type, serializer="json",
                             delivery_mode=2, retry=False)
            metrics.EVENTS_PUBLISHED.labels(self.producer, row.event_type).inc()
            published.append(row)
        return published

    def _producer(self):
        if self._connection is None:
            connection = Connection(self.amqp_uri, heartbeat=0, connect_timeout=5,
                                    transport_options={"confirm_publish": True})
            # each node of a cluster once (kombu moves to the next on a failure); the
            # relay's own loop tries again later
            connection.ensure_connection(max_retries=len(broker_nodes(self.amqp_uri)))
            channel = connection.channel()
            self.exchange(channel).declare()
            for queue in queues_fed_by(self.producer, self.quorum):
                queue(channel).declare()
            self._connection = connection
            self._kombu_producer = connection.Producer(channel)
        return self._kombu_producer

    def _drop_connection(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # already broken; nothing to release
                pass
            self._connection = None

    def observe_backlog(self):
        """Set the backlog gauges; called at scrape time, not on the hot path."""
        with self.engine.connect() as conn:
            pending, oldest = conn.execute(
                select(func.count(), func.min(self.outbox.c.created_at))
                .where(self.outbox.c.sent_at.is_(None))).one()
        metrics.OUTBOX_PENDING.labels(self.producer).set(pending)
        age = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite hands back naive UTC
                oldest = oldest.replace(tzinfo=timezone.utc)
            age = (utcnow() - oldest).total_seconds()
        metrics.OUTBOX_OLDEST_AGE.labels(self.producer).set(age)
