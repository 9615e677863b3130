"""A season of approvals from several clients while disruptions strike: nodes of the
broker cluster killed (tests/integration/test_broker_cluster.py, bench/broker_cluster.py)
or the PostgreSQL primary lost (tests/integration/test_pg_failover.py).

Each disruption strikes once a share of the approvals is answered; its write stall is
the longest gap between two answered approvals around the strike, and its 503s are the
answers of 503 that the clients retried until writes had resumed.
"""
import threading
import time

from tests.support.stream import Stream, persistently
from tests.support.waiting import wait_for

SEASON_ENV = {"CM_RPC_TIMEOUT": "5",
              "CM_RETRY_DELAYS": "0.5,1,2,4,8",  # outlive a failover before dead-lettering
              "CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}


class WatchedStream(Stream):
    """A Stream that notes when each approval is answered and every 503 meanwhile."""

    def __init__(self, world):
        super().__init__(world)
        self.answered, self.unavailable, self.lock = [], 0, threading.Lock()

    def approve(self, activity_id):
        reviewer = self.reviewer_of(activity_id)

        def send():
            answer = self.client(reviewer).post("/api/v1/activities/%d/approve" % activity_id)
            if answer.status_code == 503:
                with self.lock:
                    self.unavailable += 1
            return answer
        persistently(send, also_done=(409,))
        with self.lock:
            self.answered.append(time.monotonic())

    def stall_around(self, moment, window=120.0):
        times = sorted(t for t in self.answered if moment - window <= t <= moment + window)
        before = [t for t in times if t <= moment]
        after = [t for t in times if t > moment]
        return after[0] - before[-1] if before and after else None

    def wait_answered(self, count, timeout=240):
        wait_for(lambda: len(self.answered) >= count, timeout,
                 "%d approvals answered" % count, interval=0.1)


class Disruption:
    """strike() breaks something (its answer is kept as `detail`); observe() runs once
    writes have resumed after it (where the gateway went, say); heal() then mends it."""

    def __init__(self, name, strike, observe=None, heal=None):
        self.name, self._strike, self._observe, self._heal = name, strike, observe, heal
        self.moment = self.detail = self.observed = self.stall = self.unavailable = None

    def strike(self):
        self.moment = time.monotonic()
        self.detail = self._strike()

    def resumed(self):
        self.observed = self._observe() if self._observe else None

    def heal(self):
        if self._heal:
            self._heal()


def run_season(world, disruptions, approvals=60, clients=4):
    """Report and approve at least `approvals` activities from `clients` threads, going
    on until writes have resumed after every disruption; answers the stream (the
    disruptions carry their figures). Raises if a client or the disruptor failed."""
    stream = WatchedStream(world)
    failures, all_struck = [], threading.Event()
    share = approvals // (len(disruptions) + 1)

    def disrupt():
        for number, disruption in enumerate(disruptions, start=1):
            stream.wait_answered(share * number)
            unavailable_before = stream.unavailable
            disruption.strike()
            stream.wait_answered(len(stream.answered) + max(2, approvals // 10))
            disruption.unavailable = stream.unavailable - unavailable_before
            disruption.resumed()
            if number == len(disruptions):
                all_struck.set()  # the clients may stop once their share is done
            disruption.heal()

    def guarded(work, *args):
        try:
            work(*args)
        except BaseException as exc:  # noqa: B902 - a failed thread fails the season
            failures.append(exc)
            all_struck.set()

    def client(count):
        done = 0
        while (done < count or not all_struck.is_set()) and not failures:
            stream.approve(stream.report(len(stream.activities))["id"])
            done += 1
    threads = [threading.Thread(target=guarded, args=(client, approvals // clients))
               for _ in range(clients)]
    threads.append(threading.Thread(target=guarded, args=(disrupt,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    for disruption in disruptions:
        disruption.stall = stream.stall_around(disruption.moment)
    return stream


def node_kills(system, directory):
    """The broker cluster's two kills: the gateway's node, then (once it is back) the
    next one; each observes the gateway's nodes after and restarts its node."""
    from scripts.broker_users import user_name
    from tests.support.rabbit_cluster import cluster
    gateway_user = user_name("gateway", system.broker.vhost)
    nodes = system.broker.connected_nodes(gateway_user)
    first = sorted(nodes)[0] if nodes else 1

    def kill(node):
        return Disruption("cmq%d" % node, lambda: cluster("kill", directory, str(node)),
                          observe=lambda: system.broker.connected_nodes(gateway_user),
                          heal=lambda: cluster("restart", directory, str(node)))
    return [kill(first), kill(first % 3 + 1)]
