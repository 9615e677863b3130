"""SIGUSR1 logs every green thread's stack and each broker connection's state."""
import logging
import os
import signal

import eventlet
from kombu import Connection

from services.common import stacks


def test_sigusr1_logs_the_stack_of_every_green_thread(caplog):
    parked = eventlet.Event()
    waiter = eventlet.spawn(parked.wait)
    eventlet.sleep(0)  # a yield, not a wait: the waiter parks itself
    connection = Connection("amqp://guest:guest@127.0.0.1:1//")  # never connected
    previous = signal.getsignal(signal.SIGUSR1)
    try:
        stacks.install()
        with caplog.at_level(logging.WARNING, logger="services.common.stacks"):
            os.kill(os.getpid(), signal.SIGUSR1)
            eventlet.sleep(0)  # a yield: the handler has run by now
    finally:
        signal.signal(signal.SIGUSR1, previous)
        parked.send()
        waiter.wait()
    messages = [record.getMessage() for record in caplog.records]
    threads = [m for m in messages if m.startswith("green thread")]
    assert threads and any("parked.wait" in m or "event.py" in m for m in threads)
    assert any(m.startswith("broker connection %x: connected=False" % id(connection))
               for m in messages)
