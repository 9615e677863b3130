"""SQLite's write lock is queued for cooperatively: a green thread that holds a
transaction across a wait never freezes the others (issue 14's mechanism), a nested
transaction fails at once, and replicas on one file still wait for each other."""
import subprocess
import sys
import time

import eventlet
import pytest
from eventlet import tpool
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from services.common.database import (NestedTransaction, TransactionSpansWait,
                                      forbid_open_transaction, make_engine)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine("sqlite:///%s" % (tmp_path / "lock.db"), pool_size=4)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def _ticks_while(work, seconds):
    """Run work() beside a green ticker; returns the longest gap between two ticks."""
    ticks = []

    def ticker():
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ticks.append(time.monotonic())
            eventlet.sleep(0.01)
    threads = [eventlet.spawn(ticker)] + [eventlet.spawn(job) for job in work]
    for thread in threads:
        thread.wait()
    return max(b - a for a, b in zip(ticks, ticks[1:]))


def test_a_writer_waits_green_while_another_holds_the_lock_across_a_thread_pool_call(engine):
    order = []

    def holder():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            order.append("holder in")
            tpool.execute(time.sleep, 0.4)  # what a password hash inside a transaction did
            order.append("holder out")

    def writer():
        eventlet.sleep(0.05)
        with engine.begin() as conn:
            order.append("writer in")
            conn.execute(text("INSERT INTO t VALUES (2)"))

    longest_gap = _ticks_while([holder, writer], 0.6)
    # Before the green lock, the writer's BEGIN IMMEDIATE sat in SQLite's busy handler and
    # no green thread ran again for the whole of SQLite's busy timeout.
    assert longest_gap < 0.2, longest_gap
    assert order == ["holder in", "holder out", "writer in"]
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT x FROM t")).scalars()) == [1, 2]


def test_fifty_green_threads_write_at_once_and_none_is_lost(engine):
    sessions = sessionmaker(engine)

    def write(number):
        with sessions() as session:
            session.execute(text("INSERT INTO t VALUES (:x)"), {"x": number})
            eventlet.sleep(0.001)  # a yield inside the transaction: others must queue
            session.commit()
    pool = eventlet.GreenPool(50)
    list(pool.imap(write, range(50)))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 50


def test_a_second_transaction_in_the_same_green_thread_fails_at_once(engine):
    started = time.monotonic()
    with engine.begin():
        with pytest.raises(Exception) as raised:
            with engine.begin():
                pass
    assert isinstance(raised.value, NestedTransaction) or \
        isinstance(getattr(raised.value, "orig", None), NestedTransaction)
    assert time.monotonic() - started < 1.0
    with engine.begin() as conn:  # and the lock was given back
        conn.execute(text("INSERT INTO t VALUES (3)"))


def test_a_failed_statement_gives_the_lock_back(engine):
    with pytest.raises(Exception):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO no_such_table VALUES (1)"))
    def another_writer():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (4)"))
        return "written"
    with eventlet.Timeout(5):
        assert eventlet.spawn(another_writer).wait() == "written"


def test_waits_inside_a_transaction_are_refused_and_allowed_outside(engine):
    sessions = sessionmaker(engine)
    with sessions() as session:
        forbid_open_transaction("a call")  # no statement yet: no transaction
        session.execute(text("SELECT 1"))
        with pytest.raises(TransactionSpansWait):
            forbid_open_transaction("a call")
        session.commit()
        forbid_open_transaction("a call")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        with pytest.raises(TransactionSpansWait):
            forbid_open_transaction("a publish")
    forbid_open_transaction("a publish")


def test_another_green_threads_transaction_does_not_count_as_ours(engine):
    holding = eventlet.Event()
    release = eventlet.Event()

    def holder():
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            holding.send()
            release.wait()
    thread = eventlet.spawn(holder)
    holding.wait()
    forbid_open_transaction("a call")  # the transaction is the holder's, not ours
    release.send()
    thread.wait()


HOLD_IN_ANOTHER_PROCESS = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO t VALUES (10)")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def test_a_replica_on_the_same_file_still_waits_for_the_other_process(engine, tmp_path):
    other = subprocess.Popen([sys.executable, "-c", HOLD_IN_ANOTHER_PROCESS,
                              str(tmp_path / "lock.db"), "0.5"], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert other.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with engine.begin() as conn:  # SQLite's busy timeout waits for the other process
            conn.execute(text("INSERT INTO t VALUES (11)"))
        assert time.monotonic() - started > 0.2
    finally:
        other.wait(timeout=30)
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT x FROM t")).scalars()) == [10, 11]
