"""Sign-in throttle per account, kept in the gateway's database so that replicas share it.

After MAX_FAILURES failed sign-ins on one username within WINDOW seconds, every sign-in
on it (the right password included) is answered 429 with Retry-After until the lock
passes: FIRST_DELAY seconds, doubled for each lock the account had in the last MEMORY
seconds (a repeat offender), at most MAX_DELAY. Unknown usernames are throttled alike,
so a lock tells nothing about whether a name exists.

An attempt claims its place before the password hash is checked (a conditional UPDATE),
so that many concurrent attempts cannot slip past the limit while their hashes run: at
most MAX_FAILURES checks are ever in flight or failed within a window. A success clears
the account's failures; its lock history still decays with time only.
"""
import math
import random
import time

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from gateway.models import SignInThrottle

MAX_FAILURES = 10
WINDOW = 15 * 60
FIRST_DELAY = 60
MAX_DELAY = 24 * 3600
MEMORY = 24 * 3600  # locks older than this no longer make the next one longer
PRUNE_ODDS = 0.01  # a new row deletes the long-quiet ones now and then
T = SignInThrottle.__table__


def delay_after(lockouts):
    """The lock's length for an account that had `lockouts` locks in MEMORY."""
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(lockouts, 20))


class Throttle:
    def __init__(self, engine, clock=time.time):
        self.engine, self.clock = engine, clock

    def claim(self, username):
        """None when this attempt may check its password (it is counted as a failure until
        succeeded() says otherwise), else the whole seconds to wait."""
        now = self.clock()
        key = username[:64]
        with self.engine.begin() as conn:
            self._ensure_row(conn, key, now)
            conn.execute(update(T).where(T.c.username == key, T.c.window_started < now - WINDOW)
                         .values(failures=0, window_started=now))
            claimed = conn.execute(
                update(T).where(T.c.username == key, T.c.failures < MAX_FAILURES,
                                or_(T.c.locked_until.is_(None), T.c.locked_until <= now))
                .values(failures=T.c.failures + 1, updated=now)).rowcount
            if claimed:
                return None
            locked_until = conn.execute(select(T.c.locked_until).where(
                T.c.username == key)).scalar()
        if locked_until is not None and locked_until > now:
            return max(1, math.ceil(locked_until - now))
        return 1  # the window's attempts are all still being checked

    def failed(self, username):
        """A claimed attempt's password was wrong: the account is locked when its window
        holds MAX_FAILURES failures."""
        now = self.clock()
        key = username[:64]
        with self.engine.begin() as conn:
            row = conn.execute(select(T).where(T.c.username == key)).first()
            if row is None or row.failures < MAX_FAILURES:
                return
            recent = row.lockouts if (row.last_lockout or 0) >= now - MEMORY else 0
            conn.execute(update(T).where(T.c.username == key,
                                         T.c.failures >= MAX_FAILURES)  # one locker only
                         .values(failures=0, window_started=now, lockouts=recent + 1,
                                 last_lockout=now, locked_until=now + delay_after(recent),
                                 updated=now))

    def succeeded(self, username):
        with self.engine.begin() as conn:
            conn.execute(update(T).where(T.c.username == username[:64])
                         .values(failures=0, updated=self.clock()))

    def _ensure_row(self, conn, key, now):
        if conn.execute(select(T.c.username).where(T.c.username == key)).first():
            return
        dialect = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
        made = conn.execute(dialect(T).values(
            username=key, failures=0, window_started=now, lockouts=0, updated=now)
            .on_conflict_do_nothing(index_elements=["username"])).rowcount
        if made and random.random() < PRUNE_ODDS:
            conn.execute(delete(T).where(and_(
                T.c.updated < now - MEMORY - MAX_DELAY,
                or_(T.c.locked_until.is_(None), T.c.locked_until < now))))
