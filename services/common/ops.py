"""Health, readiness, metrics and dead-letter operations, mixed into every service."""
import json
import logging

from kombu import Connection
from services.common.errors import expected_rpc
from services.common.web import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from services.common.clock import iso, utcnow
from services.common.database import forbid_open_transaction
from services.common.errors import NotFound
from services.common.settings import broker_nodes


rpc = expected_rpc()
log = logging.getLogger(__name__)


class HealthEndpoints:
    """/healthz, /readyz and /metrics; expects the service to have `db = Database(...)`."""

    @http("GET", "/healthz")
    def healthz(self, request):
        return Response(json.dumps({"status": "ok"}), mimetype="application/json")

    @http("GET", "/readyz")
    def readyz(self, request):
        checks = {"database": _check(self._db_provider().ping),
                  "broker": _check(lambda: _ping_broker(self._db_provider().container.config["AMQP_URI"]))}
        ready = all(value == "ok" for value in checks.values())
        return Response(json.dumps({"status": "ready" if ready else "not_ready", "checks": checks}),
                        status=200 if ready else 503, mimetype="application/json")

    @http("GET", "/metrics")
    def metrics(self, request):
        provider = self._db_provider()
        for observe in (provider.relay and provider.relay.observe_backlog,
                        provider.tables and provider.observe_dead_letters, self.refresh_gauges):
            if observe:
                try:
                    observe()
                except Exception:  # a scrape still answers when the database is away
                    log.warning("a gauge could not be refreshed", exc_info=True)
        return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    def refresh_gauges(self):
        """Services override this to set business gauges just before a scrape."""

    def _db_provider(self):
        return self.db.provider


class DeadLetterOps:
    """List and re-drive the dead letters parked by reliable event handlers."""

    @rpc
    def list_dead_letters(self, include_redriven=False):
        table = self._db_provider().tables.dead_letters
        query = select(table).order_by(table.c.id)
        if not include_redriven:
            query = query.where(table.c.redriven_at.is_(None))
        with self._db_provider().engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_dead_letter_view(self.name, row) for row in rows]

    @rpc
    def redrive_dead_letters(self, letter_ids=None):
        """Send letters back to their queues; None means all open ones."""
        provider = self._db_provider()
        table = provider.tables.dead_letters
        query = select(table).where(table.c.redriven_at.is_(None))
        if letter_ids is not None:
            query = query.where(table.c.id.in_(letter_ids))
        with provider.engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.id)).all()
        if letter_ids is not None and len(rows) != len(set(letter_ids)):
            raise NotFound("unknown or already re-driven dead letter",
                           {"letter_ids": sorted(set(letter_ids) - {r.id for r in rows})})
        forbid_open_transaction("a re-drive publish")
        with Connection(self._db_provider().container.config["AMQP_URI"],
                        transport_options={"confirm_publish": True}) as connection:
            producer = connection.Producer()
            for row in rows:
                producer.publish(json.loads(row.body), exchange="", routing_key=row.queue,
                                 serializer="json", delivery_mode=2)
                with provider.engine.begin() as tx:
                    tx.execute(update(table).where(table.c.id == row.id)
                               .values(redriven_at=utcnow()))
        provider.observe_dead_letters()
        return [row.id for row in rows]

    def _db_provider(self):
        return self.db.provider


class OpsEndpoints(HealthEndpoints, DeadLetterOps):
    pass


def _dead_letter_view(service, row):
    return {"id": row.id, "service": service, "queue": row.queue, "event_id": row.event_id,
            "event_type": row.event_type, "error": row.error, "attempts": row.attempts,
            "created_at": iso(row.created_at), "redriven_at": iso(row.redriven_at)}


def _check(probe):
    try:
        probe()
        return "ok"
    except Exception as exc:  # the probe reports, it does not fail
        return "error: %s" % exc.__class__.__name__


def _ping_broker(uri):
    with Connection(uri, connect_timeout=2) as connection:  # any live node of a cluster
        connection.ensure_connection(max_retries=len(broker_nodes(uri)))
