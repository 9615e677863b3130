"""Waiting on a condition with a deadline: the only way tests wait."""
import time


class DeadlineExceeded(AssertionError):
    pass


def wait_for(condition, timeout=30.0, what="the condition", interval=0.05):
    """Return the first truthy value of condition(); fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # not there yet (e.g. a process still starting)
            last_error = exc
        if time.monotonic() > deadline:
            raise DeadlineExceeded("waited %.0fs for %s (last error: %r)"
                                   % (timeout, what, last_error))
        time.sleep(interval)  # deadline: the poll interval of a bounded wait
