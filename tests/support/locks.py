"""Holding a service's database still, so that a handler is caught mid-transaction."""
import sqlite3
from contextlib import contextmanager

from sqlalchemy import create_engine, text


@contextmanager
def writes_blocked(system, service, table):
    """While inside, the service's writers (SQLite) or users of `table` (PostgreSQL) wait."""
    url = str(system.database_url(service))
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(system.database_url(service))
    conn = engine.connect()
    transaction = conn.begin()
    conn.execute(text("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE" % table))
    try:
        yield
    finally:
        transaction.rollback()
        conn.close()
        engine.dispose()
