"""Finance's digest in the database: folding a decision into its day's figures (in the
handler's unit of work, after the event's claim) and sending a day's digest once.

Both lock the day's row first (made if need be): SELECT ... FOR UPDATE on PostgreSQL; on
SQLite every transaction holds the file's write lock from BEGIN IMMEDIATE. So a decision
folded while its day's digest is being sent waits, then finds the day sent and counts in
the next day's; and of two senders (two replicas' timers, a timer and ops) one sends, the
other finds it sent. Nothing is counted twice, nothing is left out.
"""
import json
import uuid
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.notify import digest, domain, fanout
from services.notify.models import DigestDay, DigestFigure

DAYS, FIGURES = DigestDay.__table__, DigestFigure.__table__
LOCK_DAY = (select(DAYS.c.day, DAYS.c.sent_at, DAYS.c.sent_by, DAYS.c.facts)
            .where(DAYS.c.day == bindparam("day")).with_for_update())
FIGURES_OF_DAY = (select(FIGURES.c.county, FIGURES.c.subject, FIGURES.c.granted_count,
                         FIGURES.c.granted_fen, FIGURES.c.declined_count,
                         FIGURES.c.cancelled_count)
                  .where(FIGURES.c.day == bindparam("day"))
                  .order_by(FIGURES.c.county, FIGURES.c.subject))
# the days with decisions whose digest has not gone, up to a day
UNSENT_DAYS = (select(FIGURES.c.day).distinct().join(DAYS, DAYS.c.day == FIGURES.c.day)
               .where(DAYS.c.sent_at.is_(None), FIGURES.c.day <= bindparam("until"))
               .order_by(FIGURES.c.day))
MARK_SENT = (update(DAYS).where(DAYS.c.day == bindparam("the_day"))
             .values(sent_at=bindparam("at"), sent_by=bindparam("by"),
                     event_id=bindparam("notice_id"), facts=bindparam("text")))


def _insert(dialect, table):
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


_NEW_DAY, _ADD = {}, {}


def _new_day(dialect):
    if dialect not in _NEW_DAY:
        _NEW_DAY[dialect] = _insert(dialect, DAYS).on_conflict_do_nothing(
            index_elements=["day"])
    return _NEW_DAY[dialect]


def _add(dialect):
    if dialect not in _ADD:
        statement = _insert(dialect, FIGURES)
        _ADD[dialect] = statement.on_conflict_do_update(
            index_elements=["day", "county", "subject"],
            set_={name: FIGURES.c[name] + statement.excluded[name] for name in digest.FIGURES})
    return _ADD[dialect]


def lock_day(conn, day):
    """The day's row (made if need be), locked until the transaction ends."""
    conn.execute(_new_day(conn.dialect.name), {"day": day})
    return conn.execute(LOCK_DAY, {"day": day}).one()


def fold(conn, envelope, hour):
    """Count one decision in the digest of its day, or of the first day after it whose
    digest has not gone; returns that day (None for an event the digest does not count)."""
    counted = digest.figure(envelope["event_type"], envelope["data"])
    if counted is None:
        return None
    subject, county, added = counted
    day = digest.digest_day(digest.occurred(envelope), hour)
    while lock_day(conn, day).sent_at is not None:
        day += timedelta(days=1)  # that digest went out: the decision counts in the next
    conn.execute(_add(conn.dialect.name), dict(added, day=day, county=county,
                                              subject=subject))
    return day


def unsent_days(conn, until):
    return conn.execute(UNSENT_DAYS, {"until": until}).scalars().all()


def day_facts(conn, day, hour):
    """The digest of a day as it stands (the figures folded so far)."""
    return digest.facts(day, hour, conn.execute(FIGURES_OF_DAY, {"day": day}).all())


def send(conn, day, hour, now, actor, correlation_id=None):
    """Send a day's digest unless it went already. Answers {facts, sent_at, sent_by,
    sent_now, emails}. A day without decisions sends nothing (no empty digests)."""
    row = lock_day(conn, day)
    if row.sent_at is not None:
        return {"facts": json.loads(row.facts), "sent_at": row.sent_at,
                "sent_by": row.sent_by, "sent_now": False, "emails": 0}
    facts = day_facts(conn, day, hour)
    if not digest.decisions(facts):
        return {"facts": facts, "sent_at": None, "sent_by": None, "sent_now": False,
                "emails": 0}
    notice = {"event_id": str(uuid.uuid4()), "event_type": digest.KIND,
              "correlation_id": correlation_id}
    title, body = domain.render(digest.KIND, facts)
    text = json.dumps(facts, ensure_ascii=False)
    conn.execute(fanout.INSERT_NOTIFICATIONS, fanout.notification_rows(
        notice, digest.AUDIENCE, title, body, text, now))
    recipients = fanout.email_recipients(conn, digest.KIND, digest.AUDIENCE)
    emails = fanout.email_rows(notice, facts, recipients, now)
    if emails:
        conn.execute(fanout.INSERT_DELIVERIES, emails)
    conn.execute(MARK_SENT, {"the_day": day, "at": now, "by": actor,
                             "notice_id": notice["event_id"], "text": text})
    return {"facts": facts, "sent_at": now, "sent_by": actor, "sent_now": True,
            "emails": len(emails)}
