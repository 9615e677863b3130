"""A primary/standby pair through a proxy (tests/support/pg_pair.py) behaves as a
failover test needs it to, and is_transient() is right about the errors a real server
and a real cut connection produce (services/common/retry.py, issue 21).

The pair needs PostgreSQL 15's binaries, not the suite's backend: these run in the
SQLite pass too (a pair starts in 1.3-4 s on this machine, fails over in about 0.3 s;
the whole file takes about 20 s). The serialization failure, deadlock,
terminated backend and unique violation are made on the machine's own server, as
tests/integration/test_green_driver.py uses it."""
import os
import socket
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.common.database import ensure_database, make_engine
from services.common.retry import is_transient, sqlstate_of
from tests.support import pg_pair
from tests.support.system import Postgres

needs_binaries = pytest.mark.skipif(not pg_pair.available(),
                                    reason="needs PostgreSQL 15 binaries and root")
# A failover must fit well inside the deadline of the services' retries (25 s).
FAILOVER_BUDGET = 10.0  # seconds


@pytest.fixture(autouse=True)
def once_per_suite_run(backend):
    """Nothing here uses the suite's backend: the SQLite pass runs it, the PostgreSQL
    pass (scripts/test) would only repeat it."""
    if backend != "sqlite":
        pytest.skip("backend-independent: run in the SQLite pass")


@pytest.fixture
def pair(tmp_path):
    running = pg_pair.PgPair(tmp_path / "pair").start()
    yield running
    running.stop()


@pytest.fixture
def database(pair):
    """A database through the proxy, made as System's Postgres makes them."""
    postgres = Postgres(server=pair.server)
    url = postgres.database_url("pair")
    ensure_database(url)
    engine = make_engine(url, pool_size=2)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE rows (id INTEGER PRIMARY KEY, note TEXT)"))
    yield engine
    engine.dispose()
    postgres.drop(wait=True)  # through the proxy: after a failover, on the promoted standby
    assert not _databases_like(pair, postgres.prefix)


def _databases_like(pair, prefix):
    return pair._query(pair.current_port,
                       "SELECT datname FROM pg_database WHERE datname LIKE %s",
                       (prefix + "%",))


def _write(engine, ids):
    for row_id in ids:  # one commit each: every one acknowledged before the next
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO rows VALUES (:id, :note)"),
                         {"id": row_id, "note": "行 %d" % row_id})


def _ids(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM rows ORDER BY id")).scalars().all()


def _on_standby(pair, engine):
    return pair.connect(port=pair.standby_port, database=engine.url.database)


@needs_binaries
def test_rows_written_through_the_proxy_reach_the_standby_which_refuses_writes(pair,
                                                                              database):
    _write(database, range(1, 11))
    assert make_url(pair.server).port == pair.proxy_port != pair.primary_port
    assert pair._query(pair.primary_port,
                       "SELECT state, sync_state FROM pg_stat_replication") == [
        ["streaming", "sync"]]
    pair.wait_replayed()
    standby = _on_standby(pair, database)
    try:
        cursor = standby.cursor()
        cursor.execute("SELECT id, note FROM rows ORDER BY id")
        assert [list(row) for row in cursor.fetchall()] == [
            [n, "行 %d" % n] for n in range(1, 11)]
        with pytest.raises(Exception) as refused:  # a real 25006 from a standby
            cursor.execute("INSERT INTO rows VALUES (99, 'x')")
    finally:
        standby.close()
    assert sqlstate_of(refused.value) == "25006" and is_transient(refused.value)


@needs_binaries
def test_after_fail_over_the_same_url_writes_and_has_every_acknowledged_row(pair,
                                                                            database):
    _write(database, range(1, 21))  # no wait for the standby: synchronous commit is it
    timings = pair.fail_over()
    print("fail_over timings", timings)
    assert timings["total"] < FAILOVER_BUDGET
    assert pair._query(pair.standby_port, "SELECT pg_is_in_recovery()") == [[False]]
    # the same engine: its pooled connections are dead, pre-ping replaces them
    assert _ids(database) == list(range(1, 21))
    _write(database, [21])
    fresh = make_engine(database.url, pool_size=1)  # and a new one on the same URL
    try:
        assert _ids(fresh) == list(range(1, 22))
    finally:
        fresh.dispose()


@needs_binaries
def test_an_open_connection_fails_at_fail_over_with_a_transient_error(pair, database):
    connection = database.connect()
    transaction = connection.begin()
    connection.execute(text("INSERT INTO rows VALUES (1, 'never committed')"))
    pair.fail_over()
    with pytest.raises(Exception) as cut:
        connection.execute(text("INSERT INTO rows VALUES (2, 'x')"))
    print("open connection at fail_over:", repr(cut.value), repr(cut.value.orig))
    assert cut.value.connection_invalidated and is_transient(cut.value)
    transaction.rollback()
    connection.close()
    assert _ids(database) == []  # the open transaction died with the primary
    # the dead primary's port: what a connect during the switch meets (nobody listens)
    with pytest.raises(Exception) as refused:
        pair.connect(port=pair.primary_port)
    assert "Can't create a connection" in str(refused.value) and is_transient(refused.value)


@needs_binaries
def test_a_raw_pg8000_connection_through_the_proxy_fails_transiently(pair):
    raw = pair.connect()
    cursor = raw.cursor()
    cursor.execute("SELECT 1")
    pair.fail_over()
    with pytest.raises(Exception) as cut:
        cursor.execute("SELECT 1")
    assert type(cut.value).__name__ == "InterfaceError" and is_transient(cut.value)


@needs_binaries
def test_stop_leaves_nothing_running_and_may_be_called_again(pair):
    pair.fail_over()  # the hardest case: a killed primary's leftovers, a promoted standby
    ports, root = (pair.primary_port, pair.standby_port, pair.proxy_port), pair.root
    pair.stop()
    pair.stop()
    assert not root.exists() and (pair.directory / "standby.log").exists()
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and _mentions(pid, root)]
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _mentions(pid, root):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as cmdline:
            return str(root).encode() in cmdline.read()
    except OSError:
        return False


# -- real server errors on the machine's own PostgreSQL --------------------------------
@pytest.fixture
def local_engine():
    postgres = Postgres()
    url = postgres.database_url("retry")
    ensure_database(url)
    engine = make_engine(url, pool_size=4)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)"))
        conn.execute(text("INSERT INTO accounts VALUES (1, 100), (2, 100)"))
    yield engine
    engine.dispose()
    postgres.drop()


def test_a_real_serialization_failure_is_transient(local_engine):
    first = local_engine.connect().execution_options(isolation_level="REPEATABLE READ")
    try:
        first.begin()
        first.execute(text("SELECT balance FROM accounts WHERE id = 1")).scalar()
        with local_engine.begin() as second:
            second.execute(text("UPDATE accounts SET balance = 50 WHERE id = 1"))
        with pytest.raises(Exception) as failed:
            first.execute(text("UPDATE accounts SET balance = 0 WHERE id = 1"))
    finally:
        first.close()
    assert sqlstate_of(failed.value.orig) == "40001" and is_transient(failed.value)


def test_a_real_deadlock_is_transient(local_engine):
    errors, a_holds_1, b_holds_2 = [], threading.Event(), threading.Event()

    def lock_both(mine, theirs, holding, other_holding):
        try:
            with local_engine.begin() as conn:
                conn.execute(text("SET LOCAL deadlock_timeout = '100ms'"))
                conn.execute(text("UPDATE accounts SET balance = 0 WHERE id = %d" % mine))
                holding.set()
                assert other_holding.wait(10)
                conn.execute(text("UPDATE accounts SET balance = 0 WHERE id = %d" % theirs))
        except Exception as error:  # one of the two is chosen as the victim
            errors.append(error)
    workers = [threading.Thread(target=lock_both, args=(1, 2, a_holds_1, b_holds_2)),
               threading.Thread(target=lock_both, args=(2, 1, b_holds_2, a_holds_1))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert len(errors) == 1, errors
    assert sqlstate_of(errors[0].orig) == "40P01" and is_transient(errors[0])


def test_a_terminated_backend_is_transient(local_engine):
    victim = local_engine.connect()
    try:
        pid = victim.execute(text("SELECT pg_backend_pid()")).scalar()
        with local_engine.connect() as killer:
            assert killer.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        with pytest.raises(Exception) as terminated:
            victim.execute(text("SELECT 1"))
    finally:
        victim.close()
    # pg8000 reads on past the server's FATAL 57P01 into the closed socket, so what
    # arrives is its "network error" (services/common/retry.py says so)
    orig = terminated.value.orig
    assert sqlstate_of(orig) == "57P01" or str(orig) == "network error", repr(orig)
    assert is_transient(terminated.value)


def test_a_real_unique_violation_is_not_transient(local_engine):
    with pytest.raises(Exception) as duplicate:
        with local_engine.begin() as conn:
            conn.execute(text("INSERT INTO accounts VALUES (1, 5)"))
    assert sqlstate_of(duplicate.value.orig) == "23505"
    assert not is_transient(duplicate.value)
