"""The delivery worker: sends the email and webhook deliveries that event handlers wrote.

A managed green thread in the notify process. It claims due rows in a short transaction
(FOR UPDATE SKIP LOCKED on PostgreSQL, so replicas never send the same row at once; a
lease lets another replica take over a row whose sender died), sends them with no
transaction open, and records each outcome in a unit of work of its own: delivered, or
back to pending with exponential backoff, or failed with its reason and a
notification_failed event in the outbox. A webhook subscription whose tries fail too
often in a row is disabled until ops enable it again.

Delivery is at least once: a process killed between the send and the record sends that
row again after its lease; receivers dedupe by X-CM-Delivery (webhooks) or Message-ID.
"""
import logging
import threading
import time
from datetime import timedelta

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from services.common.clock import utcnow
from services.common.database import is_postgres
from services.common.dependencies import Database
from services.common.unit_of_work import UnitOfWork
from services.notify import channels, domain, events, metrics
from services.notify.models import Delivery, DeliveryAttempt, WebhookSubscription

log = logging.getLogger(__name__)


class DeliveryWorker(DependencyProvider):
    """As self.deliveries in the service: wake() after writing deliveries."""

    def setup(self):
        self.settings = self.container.config["CM"]
        for entry in self.settings.webhook_allow_hosts:
            channels.parse_allow_entry(entry)  # a malformed entry stops the process here
        self._wake = threading.Event()
        self._stopping = False
        self._thread = None
        self.pool = eventlet.GreenPool(int(self.settings.delivery_concurrency))

    def start(self):
        self._thread = self.container.spawn_managed_thread(self.run,
                                                           identifier="notify-deliveries")

    def stop(self):
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.wait()
        self.pool.waitall()  # finish and record what is in flight

    def kill(self):
        self._stopping = True
        self._wake.set()

    def get_dependency(self, worker_ctx):
        return self

    # the loop ------------------------------------------------------------------------
    def wake(self):
        self._wake.set()

    def run(self):
        while not self._stopping:
            self._wake.wait(float(self.settings.delivery_poll_seconds))
            self._wake.clear()
            if self._stopping:
                break
            try:
                self.dispatch_due()
            except Exception:  # database away: try again at the next poll
                log.warning("delivery pass failed; will retry", exc_info=True)

    def dispatch_due(self):
        while not self._stopping:
            free = self.pool.free()
            if free <= 0:
                return  # a finishing send wakes the loop
            claimed = self.claim(free)
            for job in claimed:
                self.pool.spawn_n(self._deliver, job)
            if len(claimed) < free:
                return

    # claiming ------------------------------------------------------------------------
    def _database(self):
        for dependency in self.container.dependencies:
            if isinstance(dependency, Database):
                return dependency
        raise RuntimeError("the delivery worker needs the Database dependency")

    def claim(self, limit):
        """Take up to `limit` due deliveries; returns plain dicts to send from."""
        db = self._database()
        now = utcnow()
        lease = now + timedelta(seconds=self._lease_seconds())
        due = or_(and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
                  and_(Delivery.status == "sending", Delivery.lease_until < now))
        query = select(Delivery).where(due).order_by(Delivery.next_attempt_at, Delivery.id)
        query = query.limit(limit)
        if is_postgres(db.engine):
            query = query.with_for_update(skip_locked=True)
        with db.sessions() as session:
            rows = session.scalars(query).all()
            jobs = []
            secrets = {}
            sub_ids = {r.subscription_id for r in rows if r.subscription_id}
            if sub_ids:
                secrets = dict(session.execute(
                    select(WebhookSubscription.id, WebhookSubscription.secret)
                    .where(WebhookSubscription.id.in_(sub_ids))).all())
            for row in rows:
                row.status, row.lease_until, row.updated_at = "sending", lease, now
                jobs.append({"id": row.id, "event_id": row.event_id,
                             "event_type": row.event_type, "channel": row.channel,
                             "recipient": row.recipient, "target": row.target,
                             "subject": row.subject, "payload": row.payload,
                             "subscription_id": row.subscription_id,
                             "secret": secrets.get(row.subscription_id),
                             "correlation_id": row.correlation_id})
            session.commit()
        return jobs

    def _lease_seconds(self):
        # never shorter than one whole try could take
        return max(float(self.settings.delivery_lease_seconds),
                   3 * max(float(self.settings.smtp_timeout_seconds),
                           float(self.settings.webhook_timeout_seconds)))

    # sending -------------------------------------------------------------------------
    def _deliver(self, job):
        try:
            started = time.perf_counter()
            try:
                status_code = self.send(job)
                error = None
            except channels.DeliveryError as exc:
                status_code, error = exc.status_code, exc
            except Exception as exc:  # a sender bug must not lose the row
                log.exception("delivery %s raised", job["id"])
                status_code, error = None, channels.DeliveryError(
                    "%s: %s" % (exc.__class__.__name__, exc))
            elapsed_ms = int((time.perf_counter() - started) * 1000)
            self.record(job, status_code, error, elapsed_ms)
        except Exception:
            log.warning("could not record delivery %s; its lease will bring it back",
                        job["id"], exc_info=True)
        finally:
            self._wake.set()

    def send(self, job):
        if job["channel"] == "email":
            return channels.send_email(self.settings, job["target"], job["subject"],
                                       job["payload"],
                                       "<delivery-%d.%s@culture-matrix.local>"
                                       % (job["id"], job["event_id"]))
        if job["channel"] == "webhook":
            return channels.send_webhook(
                self.settings, job["target"], job["secret"] or "", job["payload"].encode("utf-8"),
                {"X-CM-Event": job["event_type"], "X-CM-Event-Id": job["event_id"],
                 "X-CM-Delivery": str(job["id"])})
        raise channels.DeliveryError("unknown channel %s" % job["channel"], permanent=True)

    # recording -----------------------------------------------------------------------
    def record(self, job, status_code, error, elapsed_ms):
        db = self._database()
        wake = db.relay.wake if db.relay else None
        try:
            with UnitOfWork(db.sessions, db.tables, "notify", job["correlation_id"],
                            job["event_id"], wake) as uow:
                recorded = self._record_in(uow, job, status_code, error, elapsed_ms)
        except IntegrityError:  # the same attempt recorded twice: the first one stands
            return
        if recorded is None:
            return
        outcome, failed_too = recorded
        metrics.DELIVERED.labels(job["channel"], outcome).inc()
        if failed_too:
            metrics.DELIVERED.labels("webhook", "failed").inc(len(failed_too))

    def _record_in(self, uow, job, status_code, error, elapsed_ms):
        """The outcome of one try, in the unit of work; (outcome, deliveries failed with
        a subscription it disabled), or None when the row is no longer ours."""
        session = uow.session
        delivery = session.get(Delivery, job["id"], with_for_update=True)
        if delivery is None or delivery.status != "sending":
            return None  # another worker took it over after our lease; it records
        outcome = "delivered"
        now = utcnow()
        delivery.attempts += 1
        delivery.updated_at, delivery.lease_until = now, None
        number = (session.scalar(select(func.max(DeliveryAttempt.number))
                                 .where(DeliveryAttempt.delivery_id == delivery.id)) or 0) + 1
        session.add(DeliveryAttempt(
            delivery_id=delivery.id, number=number, at=now,
            outcome="delivered" if error is None else "error", status_code=status_code,
            error=None if error is None else error.reason[:2000], duration_ms=elapsed_ms))
        if error is None:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
        else:
            delivery.last_error = error.reason[:2000]
            step = domain.next_step(delivery.attempts, int(self.settings.delivery_max_attempts),
                                    error.permanent)
            if step == "retry":
                outcome = "retried"
                delivery.status = "pending"
                delivery.next_attempt_at = now + timedelta(seconds=domain.backoff_seconds(
                    delivery.attempts, float(self.settings.delivery_backoff_seconds),
                    float(self.settings.delivery_backoff_max_seconds)))
            else:
                outcome = "failed"
                fail(uow, delivery, error.reason, now)
        failed_too = []
        if delivery.subscription_id is not None:
            failed_too = [d for d in self._account_webhook(
                uow, delivery.subscription_id, error, now) if d.id != delivery.id]
            if delivery.status == "failed":
                outcome = "failed"  # its subscription was disabled just now
        return outcome, failed_too

    def _account_webhook(self, uow, subscription_id, error, now):
        session = uow.session
        table = WebhookSubscription
        if error is None:
            session.execute(update(table).where(table.id == subscription_id)
                            .values(consecutive_failures=0, last_success_at=now))
            return []
        session.execute(update(table).where(table.id == subscription_id).values(
            consecutive_failures=table.consecutive_failures + 1, last_failure_at=now))
        subscription = session.get(table, subscription_id, populate_existing=True)
        limit = int(self.settings.webhook_disable_after)
        if not subscription.enabled or not domain.should_disable(
                subscription.consecutive_failures, limit):
            return []
        reason = "subscription disabled after %d consecutive failed tries (last: %s)" % (
            subscription.consecutive_failures, error.reason[:200])
        return disable_subscription(uow, subscription, reason, now)


def fail(uow, delivery, reason, now):
    """Record a delivery as finally failed and tell the world (notification_failed)."""
    delivery.status, delivery.last_error, delivery.lease_until = "failed", reason[:2000], None
    delivery.updated_at = now
    uow.emit(events.NOTIFICATION_FAILED.event_type, events.notification_failed(delivery, reason))


def disable_subscription(uow, subscription, reason, now):
    """Disable a subscription and fail what still waits for it; returns those deliveries."""
    subscription.enabled = False
    subscription.disabled_reason, subscription.disabled_at = reason[:500], now
    subscription.updated_at = now
    waiting = uow.session.scalars(select(Delivery).where(
        Delivery.subscription_id == subscription.id,
        Delivery.status == "pending")).all()
    for delivery in waiting:
        fail(uow, delivery, reason, now)
    return waiting

