"""A worker that failed on a transient database failure runs again, whole.

A PostgreSQL failover (services.common.retry) cuts every connection and refuses writes
for a few seconds; a serialization failure or deadlock picks a loser. The work that
failed is run again from its start, as a new worker with the same arguments: the
message stays in hand meanwhile (not acknowledged, not answered), and its inbox claim,
idempotency key and unique keys make a second run of work that did land a no-op.

The wait happens in a managed thread, never in the worker: a worker waiting for its
own rerun would hold the slot that rerun needs.
"""
import logging

import eventlet

from services.common.retry import is_transient

log = logging.getLogger(__name__)


def run_again_later(container, retries, exc_info, what, again):
    """Schedule again() after the next backoff of `retries` when exc_info is a transient
    failure and the deadline allows; True when it is scheduled."""
    if exc_info is None or not is_transient(exc_info[1]):
        return False
    delay = retries.next_delay()
    if delay is None:
        log.warning("%s kept failing on transient database errors; giving up", what)
        return False
    log.warning("%s failed on a transient database error (%s); running it again in %.2f s",
                what, exc_info[0].__name__, delay)

    def later():
        eventlet.sleep(delay)
        again()
    container.spawn_managed_thread(later, identifier="rerun of %s" % what)
    return True
