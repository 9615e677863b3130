"""Finance's daily digest of subsidy decisions: a timer sends each day's once it is due
(finance_digest_hour, local time), and ops (or a test) can send or read a day's now.

The decisions were folded into their day's figures by the event handlers (digest_rows.fold).
Sending writes one in-app notice for finance and the emails of the finance users who chose
them, as an event's fan-out writes its own, and marks the day sent, in one unit of work;
the day's row lock makes the digest go once whatever the replicas and repeats.
"""
import json
import logging

from services.common.clock import utcnow
from services.common.errors import expected_rpc
from services.common.schema import load
from services.common.timers import SettingsTimer
from services.notify import digest, digest_rows, metrics
from services.notify.contract import DigestIn, DigestOut

log = logging.getLogger(__name__)
rpc = expected_rpc()
DIGEST_OUT = DigestOut()


class DigestTimer(SettingsTimer):
    """every(finance_digest_check_seconds), refusing a bad finance_digest_hour at start."""

    def setup(self):
        digest.check_hour(self.container.config["CM"].finance_digest_hour)  # stops here
        super().setup()


class DigestEntrypoints:
    @rpc
    def send_finance_digest(self, payload=None, actor=None):
        """Send a day's digest now ({"day": "2026-12-02"}; no day: the one being counted
        now, before its hour), unless it went already (then the answer is the one that
        went). A day without decisions sends nothing. Decisions made after it went count
        in the next day's digest."""
        data = load(DigestIn(), payload)
        hour = digest.check_hour(self.config.finance_digest_hour)
        return self._send(data["day"] or digest.digest_day(utcnow(), hour), hour,
                          actor or "ops")

    @rpc
    def finance_digest(self, payload=None):
        """A day's digest as it stands, sent or not (no day: the one being counted now)."""
        data = load(DigestIn(), payload)
        hour = digest.check_hour(self.config.finance_digest_hour)
        day = data["day"] or digest.digest_day(utcnow(), hour)
        with self.db.session() as session:
            conn = session.connection()
            facts = digest_rows.day_facts(conn, day, hour)
            row = conn.execute(digest_rows.DAYS.select().where(
                digest_rows.DAYS.c.day == day)).first()
        sent = row is not None and row.sent_at is not None
        return _answer({"facts": _sent_facts(row) if sent else facts,
                        "sent_at": row.sent_at if sent else None,
                        "sent_by": row.sent_by if sent else None})

    @DigestTimer.decorator("finance_digest_check_seconds")
    def send_due_digests(self):
        """Every day whose digest is due and has not gone (a restart or an outage across the
        hour catches up here), oldest first."""
        try:
            self.send_due(utcnow())
        except Exception:  # the database away: the next tick tries again
            log.exception("sending the finance digest failed")

    def send_due(self, now):
        hour = digest.check_hour(self.config.finance_digest_hour)
        with self.db.session() as session:
            days = digest_rows.unsent_days(session.connection(), digest.due_day(now, hour))
        return [self._send(day, hour, "timer") for day in days]

    def _send(self, day, hour, actor):
        with self.db.unit_of_work() as uow:
            sent = digest_rows.send(uow.session.connection(), day, hour, utcnow(), actor,
                                    getattr(self.db, "_correlation_id", None))
        if sent["sent_now"]:
            metrics.DIGESTS_SENT.inc()
            metrics.DELIVERED.labels("in_app", "delivered").inc()
            log.info("sent the finance digest of %s (%d decisions)", day,
                     digest.decisions(sent["facts"]))
            if sent["emails"]:
                self.deliveries.wake()
        return _answer(sent)


def _sent_facts(row):
    return json.loads(row.facts)


def _answer(sent):
    facts = sent["facts"]
    return DIGEST_OUT.dump(dict(facts, decisions=digest.decisions(facts),
                                sent=sent["sent_at"] is not None, sent_at=sent["sent_at"],
                                sent_by=sent["sent_by"]))
