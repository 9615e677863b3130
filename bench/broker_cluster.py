"""The whole system on a three-node RabbitMQ cluster with quorum queues, approvals
streaming from several clients while first the node the gateway is connected to, then
another one, is killed (SIGKILL) and brought back; then a reconciliation.

    .venv/bin/python bench/broker_cluster.py [--approvals 60] [--clients 4] [--dir /tmp/cmq]

Prints, per kill, the longest gap between two answered approvals around it (the write
stall) and the 503s answered meanwhile; then lost/duplicated and the fund against the
ledger. Exits 1 unless nothing was lost or doubled. Starts the cluster with
scripts/rabbit_cluster (ports 5701-5703 beside the machine's broker) and stops it after.
"""
import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import stream as stream_module  # noqa: E402
from tests.support.rabbit_cluster import ClusterBroker, cluster  # noqa: E402
from tests.support.stream import Stream, reconcile  # noqa: E402
from tests.support.system import System  # noqa: E402
from tests.support.world import build_world  # noqa: E402

ENV = {"CM_QUORUM_QUEUES": "true", "CM_RPC_TIMEOUT": "5", "CM_RETRY_DELAYS": "0.5,1,2,4,8",
       "CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}


class Watch:
    """When each approval was answered, and the 503s seen (the stream's clients retry)."""

    def __init__(self):
        self.answered, self.unavailable, self.lock = [], 0, threading.Lock()

    def wrap(self, send):
        def sending():
            answer = send()
            with self.lock:
                if answer.status_code == 503:
                    self.unavailable += 1
            return answer
        return sending

    def stall_around(self, moment, window=60.0):
        times = sorted(t for t in self.answered if moment - window <= t <= moment + window)
        before = [t for t in times if t <= moment]
        after = [t for t in times if t > moment]
        if not before or not after:
            return None
        return after[0] - before[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", type=int, default=60)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "cm-cluster"))
    args = parser.parse_args()
    began = time.monotonic()
    cluster("start", args.dir)
    print("cluster up in %.1f s" % (time.monotonic() - began))
    system = System(Path(tempfile.mkdtemp()), "sqlite", ENV, broker=ClusterBroker(args.dir))
    watch = Watch()
    original = stream_module.persistently
    stream_module.persistently = lambda send, **kw: original(watch.wrap(send), **kw)
    try:
        system.start()
        world = build_world(system)
        stream = Stream(world)
        kills = []

        def client(count):
            for _ in range(count):
                activity = stream.report(len(stream.activities))
                stream.approve(activity["id"])
                with watch.lock:
                    watch.answered.append(time.monotonic())

        failures = []

        def killer():
            try:
                kill_twice()
            except BaseException as exc:  # the run is worthless without its kills
                failures.append(exc)
                raise

        from scripts.broker_users import user_name
        # asked before the stream starts: rabbitmqctl takes a second or two to answer
        gateway_nodes = system.broker.connected_nodes(user_name("gateway", system.broker.vhost))

        def kill_twice():
            first = sorted(gateway_nodes)[0] if gateway_nodes else 1
            for round_, node in ((1, first), (2, first % 3 + 1)):
                wait_answered(watch, args.approvals * round_ // 3)
                moment = time.monotonic()
                cluster("kill", args.dir, str(node))
                kills.append((round_, node, moment))
                wait_answered(watch, args.approvals * round_ // 3 + args.approvals // 10)
                cluster("restart", args.dir, str(node))  # back and synced before the next
        threads = [threading.Thread(target=client, args=(args.approvals // args.clients,))
                   for _ in range(args.clients)]
        monkey = threading.Thread(target=killer)
        for thread in threads + [monkey]:
            thread.start()
        for thread in threads + [monkey]:
            thread.join()
        result = reconcile(stream, timeout=300)
        for round_, node, moment in kills:
            stall = watch.stall_around(moment)
            print("kill %d: node cmq%d, write stall %s s" % (
                round_, node, "%.2f" % stall if stall is not None else "n/a"))
        print("503 answers (retried): %d" % watch.unavailable)
        print(json.dumps(result, ensure_ascii=False))
        whole = not failures and len(kills) == 2 and result["lost"] == 0 and result["duplicated"] == 0 \
            and result["doubled_notices"] == 0
        sys.exit(0 if whole else 1)
    finally:
        system.stop()
        cluster("stop", args.dir)


def wait_answered(watch, count, timeout=600):
    deadline = time.monotonic() + timeout
    while len(watch.answered) < count:
        if time.monotonic() > deadline:
            raise TimeoutError("only %d approvals answered" % len(watch.answered))
        time.sleep(0.1)
    return len(watch.answered)


if __name__ == "__main__":
    main()
