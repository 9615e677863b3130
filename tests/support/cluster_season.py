"""A season of approvals on the three-node cluster while nodes die: first the node the
gateway is connected to, then (once it is back) another. Shared by
tests/integration/test_broker_cluster.py and bench/broker_cluster.py.

Each kill is a SIGKILL of a node (scripts/rabbit_cluster kill); its write stall is the
longest gap between two answered approvals around it.
"""
import threading
import time

from tests.support.rabbit_cluster import cluster
from tests.support.stream import Stream, persistently
from tests.support.waiting import wait_for

CLUSTER_ENV = {"CM_QUORUM_QUEUES": "true", "CM_RPC_TIMEOUT": "5",
               "CM_RETRY_DELAYS": "0.5,1,2,4,8",  # outlive a node's loss before dead-lettering
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


class Kill:
    def __init__(self, round_, node, moment, gateway_after=None):
        self.round, self.node, self.moment, self.gateway_after = round_, node, moment, gateway_after
        self.stall = self.unavailable = None


def run_season(system, directory, world, approvals=60, clients=4):
    """Report and approve at least `approvals` activities from `clients` threads, going
    on until writes have resumed after both kills (a node's restart takes a while);
    answers (stream, kills). Raises if a client or the killer failed."""
    from scripts.broker_users import user_name
    stream = WatchedStream(world)
    gateway_user = user_name("gateway", system.broker.vhost)
    gateway_nodes = system.broker.connected_nodes(gateway_user)
    first = sorted(gateway_nodes)[0] if gateway_nodes else 1
    kills, failures, killed_twice = [], [], threading.Event()

    def kill_twice():
        for round_, node in ((1, first), (2, first % 3 + 1)):
            stream.wait_answered(approvals * round_ // 3)
            unavailable_before = stream.unavailable
            moment = time.monotonic()
            cluster("kill", directory, str(node))
            kill = Kill(round_, node, moment)
            kills.append(kill)
            stream.wait_answered(approvals * round_ // 3 + max(2, approvals // 10))
            kill.gateway_after = system.broker.connected_nodes(gateway_user)
            kill.unavailable = stream.unavailable - unavailable_before
            if round_ == 2:
                killed_twice.set()  # the clients may stop once their share is done
            cluster("restart", directory, str(node))  # back and in sync before the next

    def guarded(work, *args):
        try:
            work(*args)
        except BaseException as exc:  # noqa: B902 - a failed thread fails the season
            failures.append(exc)
            killed_twice.set()

    def client(count):
        done = 0
        while (done < count or not killed_twice.is_set()) and not failures:
            stream.approve(stream.report(len(stream.activities))["id"])
            done += 1
    threads = [threading.Thread(target=guarded, args=(client, approvals // clients))
               for _ in range(clients)]
    threads.append(threading.Thread(target=guarded, args=(kill_twice,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    for kill in kills:
        kill.stall = stream.stall_around(kill.moment)
    return stream, kills
