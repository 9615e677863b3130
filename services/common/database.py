"""Engines per service: an SQLite file by default, a database of its own on PostgreSQL.

PostgreSQL goes through pg8000, a pure-Python driver whose sockets eventlet makes
green, so a slow query never stalls the hub (tests/integration/test_green_driver.py).
"""
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError


def service_database_url(service_name, settings):
    if settings.get("database_url"):
        url = make_url(settings["database_url"]).set(drivername="postgresql+pg8000")
        return url.set(database="%s_%s" % (url.database or "culture_matrix", service_name))
    data_dir = Path(settings["data_dir"])
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
    url = make_url(url)
    if is_postgres(url):
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                             pool_pre_ping=True, pool_recycle=300)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                           connect_args={"timeout": 30})
    _serialize_sqlite_writers(engine)
    return engine


def _serialize_sqlite_writers(engine):
    # Take the write lock at BEGIN, so two processes never deadlock upgrading a read
    # lock, and a budget check and its reservation see the same state.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
