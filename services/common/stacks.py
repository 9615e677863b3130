"""`kill -USR1 <pid>` logs the stack of every green thread of a service, and the state of
each of its broker connections.

py-spy sees only the hub's OS thread; a service that is alive but no longer consuming
(a green thread stuck on a dead socket, say) is diagnosed from its green threads.
"""
import gc
import logging
import signal
import traceback

import greenlet
from kombu import Connection

log = logging.getLogger(__name__)


def install():
    signal.signal(signal.SIGUSR1, _dump)


def _dump(_signum, _frame):
    threads = [obj for obj in gc.get_objects()
               if isinstance(obj, greenlet.greenlet) and obj.gr_frame is not None]
    for number, thread in enumerate(threads, 1):
        log.warning("green thread %d of %d:\n%s", number, len(threads),
                    "".join(traceback.format_stack(thread.gr_frame)))
    for connection in [obj for obj in gc.get_objects() if isinstance(obj, Connection)]:
        transport = getattr(connection._connection, "_transport", None) \
            if connection._connection is not None else None
        sock = getattr(transport, "sock", None)
        log.warning("broker connection %x: connected=%s transport_connected=%s socket=%s",
                    id(connection), connection.connected,
                    getattr(transport, "connected", None),
                    sock.fileno() if sock is not None else None)
