"""Which database failures a whole unit of work may simply run again, and how long to
wait between tries (issue 21: a PostgreSQL failover).

A failure is transient when running the same work again later can succeed: the server
went away (killed, shut down, promoted away from us, the connection cut), the server
refused us for now (starting up, still a standby: read-only), or it chose our
transaction as the loser of a serialization conflict or deadlock. A unique key
violation, a domain error or a bug is not: the same work would fail the same way again.

One caveat the caller owns: a connection cut while COMMIT was on its way leaves the
outcome unknown (it may have committed). Retrying is then safe only for work that
notices it was already done (an idempotency key, an outbox row, a unique constraint
on the business key), which is why the retry wraps a whole unit of work.

pg8000 (1.31) reports a server that ends the session with a FATAL error (57P01 from
pg_terminate_backend or a shutdown, 57P03 while starting) as InterfaceError("network
error"): it keeps reading after the ErrorResponse and meets the closed socket, so the
SQLSTATE is lost (tests/integration/test_pg_pair.py shows it). Both forms count here.

SQLite's "database is locked" is not for this module (services/common/database.py
queues SQLite writers itself): it is False here.

Pure: no nameko, no eventlet; only SQLAlchemy's and pg8000's exception classes.
"""
import random
import struct
import time

from sqlalchemy.exc import DBAPIError

# SQLSTATEs (PostgreSQL, Appendix A) after which the same work may succeed on a retry.
TRANSIENT_SQLSTATES = frozenset({
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "57P01",  # admin_shutdown (also pg_terminate_backend)
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now (starting up, shutting down)
    "25006",  # read_only_sql_transaction: we reached a standby or a demoted primary
})
CONNECTION_EXCEPTION_CLASS = "08"  # 08xxx: connection_exception and its subclasses

# What pg8000 (1.31) says in its InterfaceError when the socket failed: "network error"
# (read/write/flush failed or the server closed it), "connection is closed" (used after
# it was closed), "communication error" (a unix socket connect failed), and
# "Can't create a connection to host ..." (the TCP connect failed: nobody listening).
PG8000_CONNECTION_MESSAGES = ("network error", "connection is closed",
                              "communication error", "can't create a connection")

# Python's own signs of a dead socket, when one escapes a driver unwrapped.
# ConnectionError: reset, refused, aborted, broken pipe. Not a bare TimeoutError: one
# can come from anything (pg8000 wraps its socket timeouts as "network error" anyway).
SOCKET_FAILURES = (ConnectionError, EOFError)

BACKOFF_FIRST = 0.2  # seconds
BACKOFF_MAX = 3.0
BACKOFF_JITTER = 0.2  # ±20 %: replicas that failed together do not retry together


def is_transient(exc):
    """True when the unit of work that raised exc may be run again as a whole."""
    chain = list(_causes(exc))
    has_driver_error = any(_is_driver_error(link) for link in chain)
    for link in chain:
        if _transient_by_itself(link):
            return True
        # A truncated message unpacked by a driver: the connection died mid-read.
        if isinstance(link, struct.error) and has_driver_error:
            return True
    return False


def sqlstate_of(exc):
    """The SQLSTATE of one exception (not its causes), or None."""
    for name in ("sqlstate", "pgcode"):  # psycopg 3, psycopg2
        code = getattr(exc, name, None)
        if isinstance(code, str):
            return code
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], dict):  # pg8000: the server's ErrorResponse fields
        code = args[0].get("C")
        return code if isinstance(code, str) else None
    return None


def _transient_by_itself(exc):
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    code = sqlstate_of(exc)
    if code is not None:
        return code in TRANSIENT_SQLSTATES or code.startswith(CONNECTION_EXCEPTION_CLASS)
    if _is_pg8000_interface_error(exc):
        message = str(exc).lower()
        return any(words in message for words in PG8000_CONNECTION_MESSAGES)
    return isinstance(exc, SOCKET_FAILURES)


def _is_pg8000_interface_error(exc):
    try:
        from pg8000.exceptions import InterfaceError
    except ImportError:  # the SQLite-only deployment may not have pg8000
        return False
    return isinstance(exc, InterfaceError)


def _is_driver_error(exc):
    return isinstance(exc, DBAPIError) or type(exc).__module__.startswith("pg8000")


def _causes(exc, limit=20):
    """exc, then everything it wraps: SQLAlchemy's .orig, __cause__, __context__."""
    seen, pending = set(), [exc]
    while pending and len(seen) < limit:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            pending.append(orig)
        pending.extend([current.__cause__, current.__context__])


def backoff(attempt, jitter=random.uniform):
    """Seconds to wait before try number attempt + 1 (attempt 0 is the first retry):
    0.2 s doubling, ±20 %, never more than 3 s."""
    base = min(BACKOFF_FIRST * (2 ** max(attempt, 0)), BACKOFF_MAX)
    return min(base * (1 + jitter(-BACKOFF_JITTER, BACKOFF_JITTER)), BACKOFF_MAX)


class Retries:
    """The retries of one unit of work within a deadline: `next_delay()` is the wait
    before the next try, or None when the deadline has passed (give up, raise).

    A failover (kill, promote, reconnect) takes a few seconds; 25 s leaves room for a
    slow one without holding a request past the gateway's patience."""

    def __init__(self, deadline_seconds=25.0, clock=time.monotonic, jitter=random.uniform):
        self.clock = clock
        self.jitter = jitter
        self.deadline = clock() + deadline_seconds
        self.attempt = 0

    def next_delay(self):
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            return None
        delay = min(backoff(self.attempt, self.jitter), remaining)
        self.attempt += 1
        return delay
