"""Engines per service: an SQLite file by default, a database of its own on PostgreSQL.

PostgreSQL goes through pg8000, a pure-Python driver whose sockets eventlet makes
green, so a slow query never stalls the hub (tests/integration/test_green_driver.py).

SQLite's writers wait for its file lock in C (the busy handler), which no green thread
can interrupt: one green thread holding the lock while it waits on anything (a thread
pool, an RPC, a publish) would freeze every other green thread of the process that
tries to begin. So in each process the green threads that want a file's write lock
queue for it on a green lock first (SqliteWriteLock) and only then BEGIN IMMEDIATE;
SQLite's busy timeout is left for the other processes on the same file (replicas).

Whatever the backend, a transaction must not stay open across a wait:
forbid_open_transaction() says so loudly where such waits happen.
"""
import sqlite3
import threading
import weakref
from pathlib import Path

import greenlet
from eventlet import patcher, semaphore
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

SQLITE_LOCK_TIMEOUT = 30.0  # seconds, as SQLite's busy timeout below


def service_database_url(service_name, settings):
    if settings.database_url:
        url = make_url(settings.database_url).set(drivername="postgresql+pg8000")
        return url.set(database="%s_%s" % (url.database or "culture_matrix", service_name))
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    return make_url("sqlite:///%s" % (data_dir / ("%s.db" % service_name)))


def is_postgres(engine_or_url):
    url = getattr(engine_or_url, "url", engine_or_url)
    return url.get_backend_name() == "postgresql"


def ensure_database(url):
    """Create the service's PostgreSQL database if it is missing (idempotent)."""
    if not is_postgres(url):
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": url.database}).scalar()
            if not exists:
                try:
                    conn.execute(text('CREATE DATABASE "%s"' % url.database))
                except ProgrammingError:  # another replica created it first
                    pass
    finally:
        admin.dispose()


def make_engine(url, pool_size=10):
    """A fixed pool: past pool_size, green threads queue for a connection. An overflow
    connection would be opened for one checkout and closed after it, and opening one
    (pg8000's handshake and authentication) cost notify an eighth of its CPU."""
    url = make_url(url)
    if is_postgres(url):
        engine = create_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=30,
                               pool_pre_ping=True, pool_recycle=300)
    else:
        engine = create_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=30,
                               connect_args={"timeout": SQLITE_LOCK_TIMEOUT,
                                             "factory": _connection_class(url.database)})
        _serialize_sqlite_writers(engine)
    _track_transactions(engine)
    return engine


# SQLite: one writer at a time per file and process, queued cooperatively --------------
class NestedTransaction(sqlite3.OperationalError):
    """A green thread that holds a file's write lock asked for it again: it would wait
    for itself."""


class SqliteWriteLock:
    """The write lock of one SQLite file within this process.

    A green lock under eventlet (waiters yield to the hub), a thread lock otherwise. It
    knows its holder, so that a second transaction begun by the holder fails at once
    instead of waiting for itself until the timeout.
    """

    def __init__(self, path):
        self.path = path
        green = patcher.is_monkey_patched("thread")
        self._lock = semaphore.Semaphore(1) if green else threading.Lock()
        self.holder = None

    def acquire(self):
        me = greenlet.getcurrent()
        if self.holder is me:
            raise NestedTransaction(
                "this green thread already holds a transaction on %s; a second one "
                "would wait for itself" % self.path)
        if not self._lock.acquire(timeout=SQLITE_LOCK_TIMEOUT):
            raise sqlite3.OperationalError(
                "database is locked: waited %.0f s for this process's other transactions on %s"
                % (SQLITE_LOCK_TIMEOUT, self.path))
        self.holder = me

    def release(self):
        self.holder = None
        self._lock.release()  # wakes a waiter at the hub's next turn, never switches here


_LOCKS = {}
_LOCKS_GUARD = threading.Lock()
_CLASSES = {}


def write_lock(path):
    """The process's one lock for an SQLite file, whichever engine opened it."""
    key = str(Path(path).resolve()) if path and path != ":memory:" else ":memory:"
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = SqliteWriteLock(key)
        return lock


def _connection_class(path):
    """A sqlite3 connection class whose transactions hold the file's write lock."""
    lock = write_lock(path)
    cls = _CLASSES.get(lock.path)
    if cls is None:
        cls = _CLASSES[lock.path] = type("GreenSqliteConnection", (_GreenSqliteConnection,),
                                         {"write_lock": lock})
    return cls


class _GreenSqliteConnection(sqlite3.Connection):
    write_lock = None
    _holding = False

    def begin_immediate(self):
        self.write_lock.acquire()
        self._holding = True
        try:
            self.execute("BEGIN IMMEDIATE")  # other processes: SQLite's busy timeout
        except BaseException:
            self._let_go()
            raise

    def commit(self):
        try:
            super().commit()
        finally:
            self._let_go()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self):
        try:
            super().close()
        finally:
            self._let_go()

    def _let_go(self):
        if self._holding:
            self._holding = False
            self.write_lock.release()


def _serialize_sqlite_writers(engine):
    # Take the write lock at BEGIN, so two processes never deadlock upgrading a read
    # lock, and a budget check and its reservation see the same state.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=%d" % int(SQLITE_LOCK_TIMEOUT * 1000))
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.connection.dbapi_connection.begin_immediate()


# Every backend: which green thread has a transaction open -------------------------------
_OPEN = weakref.WeakKeyDictionary()  # Connection -> the green thread that began it


class TransactionSpansWait(RuntimeError):
    """A wait (a thread pool, an RPC, a publish, a send) began inside an open database
    transaction: on SQLite it would hold the file's write lock across the wait, on
    PostgreSQL its row locks."""


def _track_transactions(engine):
    @event.listens_for(engine, "begin")
    def _began(conn):
        _OPEN[conn] = greenlet.getcurrent()

    @event.listens_for(engine, "commit")
    def _committed(conn):
        _OPEN.pop(conn, None)

    @event.listens_for(engine, "rollback")
    def _rolled_back(conn):
        _OPEN.pop(conn, None)


def open_transactions():
    """The connections on which the calling green thread has a transaction open."""
    me = greenlet.getcurrent()
    return [conn for conn, owner in list(_OPEN.items())
            if owner is me and not conn.closed and not conn.invalidated
            and conn.in_transaction()]


def forbid_open_transaction(what):
    """Call before a wait: raises TransactionSpansWait when the calling green thread has
    a transaction open (docs/reliability.md, 'Transactions never span a wait')."""
    if _OPEN and open_transactions():
        raise TransactionSpansWait("%s inside an open database transaction" % what)
