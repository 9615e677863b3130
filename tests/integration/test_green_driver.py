"""The PostgreSQL driver must not block eventlet's hub: a slow query lets others run."""
import time

import eventlet
import pytest
from eventlet import patcher
from sqlalchemy import text

from services.common.database import ensure_database, make_engine
from tests.support.system import Postgres


@pytest.fixture
def engine():
    postgres = Postgres()
    url = postgres.database_url("green")
    ensure_database(url)
    engine = make_engine(url, pool_size=2)
    yield engine
    engine.dispose()
    postgres.drop()


def test_the_suite_runs_monkey_patched():
    assert patcher.is_monkey_patched("socket") and patcher.is_monkey_patched("thread")


def test_a_slow_query_does_not_stall_the_hub(engine):
    def slow_query():
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(1.0)"))

    started = time.monotonic()
    query = eventlet.spawn(slow_query)
    # If the driver blocked the hub, this timeout could only fire after the query ended.
    with eventlet.Timeout(0.2, False):
        query.wait()
    regained_after = time.monotonic() - started
    assert not query.dead, "the query finished before the hub got control back"
    assert regained_after < 0.8
    query.wait()
    assert time.monotonic() - started >= 1.0
