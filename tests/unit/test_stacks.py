"""SIGUSR1 logs every green thread's stack and each broker connection's state."""
import logging
import os
import signal

import eventlet
from kombu import Connection

from services.common import stacks


def test_sigusr1_logs_the_stack_of_every_green_thread(caplog):
    started, parked = eventlet.Event(), eventlet.Event()

    def park():
        started.send()
        parked.wait()
    waiter = eventlet.spawn(park)
    with eventlet.Timeout(5):  # deadline for the waiter to have parked itself
        started.wait()
    connection = Connection("amqp://guest:guest@127.0.0.1:1//")  # never connected
    previous = signal.getsignal(signal.SIGUSR1)
    try:
        stacks.install()
        with caplog.at_level(logging.WARNING, logger="services.common.stacks"):
            os.kill(os.getpid(), signal.SIGUSR1)  # handled before the next statement runs
    finally:
        signal.signal(signal.SIGUSR1, previous)
        parked.send()
        waiter.wait()
    messages = [record.getMessage() for record in caplog.records]
    threads = [m for m in messages if m.startswith("green thread")]
    assert any("in park" in m for m in threads)
    assert any(m.startswith("broker connection %x: connected=False" % id(connection))
               for m in messages)
