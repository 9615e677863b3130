"""is_transient() on exceptions built the way pg8000 and SQLAlchemy build them, and the
backoff/deadline arithmetic. The same rules on errors a real server produced are in
tests/integration/test_pg_pair.py."""
import sqlite3
import struct

import pg8000.dbapi
import pytest
from pg8000.exceptions import DatabaseError, InterfaceError
from sqlalchemy import exc as sa_exc

from services.common.errors import Conflict
from services.common.retry import Retries, backoff, is_transient, sqlstate_of


def server_error(code, message="boom", severity="ERROR"):
    """What pg8000's handle_ERROR_RESPONSE raises: the ErrorResponse fields as a dict."""
    return DatabaseError({"S": severity, "V": severity, "C": code, "M": message})


def wrapped(orig, invalidated=False):
    """What SQLAlchemy raises around a driver error (its DBAPIError.instance())."""
    return sa_exc.DBAPIError.instance("INSERT INTO t VALUES (1)", {}, orig,
                                      pg8000.dbapi.Error, connection_invalidated=invalidated)


def raised(make_inner, outer_class, outer_message):
    """outer raised `from` inner, as pg8000's _read/_write do."""
    try:
        try:
            raise make_inner()
        except Exception as inner:
            raise outer_class(outer_message) from inner
    except Exception as outer:
        return outer


@pytest.mark.parametrize("code", ["40001", "40P01", "57P01", "57P02", "57P03", "25006",
                                  "08006", "08001", "08P01"])
def test_retryable_sqlstates_are_transient_bare_and_wrapped(code):
    assert is_transient(server_error(code))
    assert is_transient(wrapped(server_error(code)))


@pytest.mark.parametrize("code", ["23505", "23503", "42P01", "22P02", "40002", "57014",
                                  "25P02"])
def test_other_sqlstates_are_not(code):
    # unique/foreign key, missing table, bad input, integrity constraint at commit,
    # statement cancelled (our own timeout), in failed transaction
    assert not is_transient(server_error(code))
    assert not is_transient(wrapped(server_error(code)))


def test_sqlalchemy_maps_pg8000_errors_to_its_own_classes_and_keeps_orig():
    error = wrapped(server_error("40001"))
    assert isinstance(error, sa_exc.DatabaseError) and sqlstate_of(error.orig) == "40001"
    assert sqlstate_of(error) is None  # the code lives on orig, which is walked


@pytest.mark.parametrize("inner", [ConnectionResetError, BrokenPipeError, TimeoutError,
                                   ConnectionAbortedError])
def test_pg8000_network_error_from_a_dead_socket(inner):
    error = raised(inner, InterfaceError, "network error")
    assert is_transient(error)
    assert is_transient(wrapped(error, invalidated=False))


def test_pg8000_eof_network_error_has_no_cause():
    assert is_transient(InterfaceError("network error"))  # _read saw b"": server closed


@pytest.mark.parametrize("message", [
    "connection is closed",
    "communication error",
    "Can't create a connection to host 127.0.0.1 and port 1 (timeout is None and "
    "source_address is None).",
])
def test_pg8000_connection_interface_errors(message):
    assert is_transient(InterfaceError(message))


@pytest.mark.parametrize("message", ["in failed transaction block", "Cursor closed",
                                     "The parameter x can't be of type <class 'object'>."])
def test_other_pg8000_interface_errors_are_not(message):
    assert not is_transient(InterfaceError(message))
    assert not is_transient(wrapped(InterfaceError(message)))


def test_sqlalchemy_invalidated_connection_is_transient_whatever_the_driver_said():
    assert is_transient(wrapped(InterfaceError("something new"), invalidated=True))


def test_raw_socket_failures_and_eof():
    assert is_transient(ConnectionResetError(104, "Connection reset by peer"))
    assert is_transient(BrokenPipeError(32, "Broken pipe"))
    assert is_transient(EOFError())


def test_struct_error_counts_only_under_a_driver_error():
    assert not is_transient(struct.error("unpack requires a buffer of 5 bytes"))
    assert is_transient(raised(lambda: struct.error("unpack requires a buffer of 5 bytes"),
                               DatabaseError, "unexpected"))


def test_the_cause_chain_is_walked():
    # our code re-raising a driver failure as something else keeps the failure visible
    assert is_transient(raised(lambda: wrapped(server_error("40P01")), RuntimeError, "x"))
    try:
        try:
            raise InterfaceError("network error")
        except InterfaceError:
            raise KeyError("while handling it")  # implicit __context__
    except KeyError as error:
        assert is_transient(error)


def test_a_cycle_in_the_chain_ends():
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert not is_transient(first)


@pytest.mark.parametrize("error", [
    ValueError("bad"), KeyError("x"), Conflict("已存在"),
    sqlite3.OperationalError("database is locked"),
    sa_exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError(
        "database is locked")),
    sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
    TimeoutError("some other wait"), OSError(2, "No such file or directory"),
])
def test_not_transient(error):
    assert not is_transient(error)


def test_backoff_doubles_from_a_fifth_of_a_second_to_three():
    no_jitter = lambda low, high: 0.0  # noqa: E731
    assert [backoff(n, no_jitter) for n in range(7)] == [0.2, 0.4, 0.8, 1.6, 3.0, 3.0, 3.0]


def test_backoff_jitter_is_twenty_percent_either_way_and_capped():
    low, high = (lambda a, b: a), (lambda a, b: b)
    assert backoff(0, low) == pytest.approx(0.16) and backoff(0, high) == pytest.approx(0.24)
    assert backoff(3, high) == pytest.approx(1.92)
    assert backoff(9, high) == 3.0 and backoff(9, low) == pytest.approx(2.4)
    samples = [backoff(1) for _ in range(300)]  # the real random source
    assert all(0.32 <= s <= 0.48 for s in samples) and len(set(samples)) > 100


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_retries_give_delays_until_the_deadline_then_none():
    clock = FakeClock()
    retries = Retries(deadline_seconds=5, clock=clock, jitter=lambda a, b: 0.0)
    delays = []
    while (delay := retries.next_delay()) is not None:
        delays.append(delay)
        clock.now += delay + 0.01  # the try itself takes a little
    assert delays[:4] == [0.2, 0.4, 0.8, 1.6]
    # 3.0 would pass the deadline: the last delay is cut to what is left of it
    assert len(delays) == 5 and delays[4] == pytest.approx(5 - 3.04)
    assert retries.next_delay() is None


def test_retries_deadline_counts_from_creation():
    clock = FakeClock()
    retries = Retries(deadline_seconds=25, clock=clock)
    clock.now += 25
    assert retries.next_delay() is None


class _Container:
    """Runs a managed thread at once (the wait is the rerun's own business)."""

    def __init__(self):
        self.spawned = []

    def spawn_managed_thread(self, run, identifier=None):
        self.spawned.append(identifier)


def _exc_info(exc):
    try:
        raise exc
    except BaseException:
        import sys
        return sys.exc_info()


def test_a_transient_failure_is_run_again_until_the_deadline():
    from services.common.rerun import run_again_later
    now = [0.0]
    retries = Retries(deadline_seconds=1.0, clock=lambda: now[0], jitter=lambda a, b: 0.0)
    container = _Container()
    cut = _exc_info(ConnectionResetError("the server went away"))
    assert run_again_later(container, retries, cut, "activities.approve", lambda: None)
    assert container.spawned == ["rerun of activities.approve"]
    now[0] = 1.5  # past the deadline: answered as it is (the caller maps it to 503)
    assert not run_again_later(container, retries, cut, "activities.approve", lambda: None)
    assert len(container.spawned) == 1


def test_a_lasting_failure_or_success_is_not_run_again():
    from services.common.rerun import run_again_later
    container = _Container()
    for exc_info in (None, _exc_info(ValueError("a bug")), _exc_info(KeyError("x"))):
        assert not run_again_later(container, Retries(), exc_info, "x.y", lambda: None)
    assert container.spawned == []


def test_an_rpc_past_its_reruns_is_answered_unavailable():
    from services.common.errors import Unavailable
    from services.common.rpc import _unavailable
    (kind, exc, _) = _unavailable("subsidies", _exc_info(ConnectionResetError("gone")))
    assert kind is Unavailable and exc.status == 503 and exc.details == {"service": "subsidies"}
    assert "its database is unavailable" in exc.message
    lasting = _exc_info(ValueError("a bug"))
    assert _unavailable("subsidies", lasting) is lasting
