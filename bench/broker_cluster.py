"""The whole system on a three-node RabbitMQ cluster with quorum queues, approvals
streaming from several clients while first the node the gateway is connected to, then
another one, is killed (SIGKILL) and brought back; then a reconciliation.

    .venv/bin/python bench/broker_cluster.py [--approvals 150] [--clients 4] [--dir /tmp/cmq]

Prints, per kill, the write stall (the longest gap between two answered approvals around
it), the 503s answered meanwhile and the gateway's node after; then lost/duplicated and
the fund against the ledger. Exits 1 unless nothing was lost or doubled. Starts the
cluster with scripts/rabbit_cluster (ports 5701-5703 beside the machine's broker) and
stops it after. The season itself is tests/support/season.py.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.season import SEASON_ENV, node_kills, run_season  # noqa: E402
from tests.support.rabbit_cluster import ClusterBroker, cluster  # noqa: E402
from tests.support.stream import reconcile  # noqa: E402
from tests.support.system import System  # noqa: E402
from tests.support.world import build_world  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--approvals", type=int, default=150)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "cm-cluster"))
    args = parser.parse_args()
    began = time.monotonic()
    cluster("start", args.dir)
    print("cluster up in %.1f s" % (time.monotonic() - began))
    system = System(Path(tempfile.mkdtemp()), "sqlite",
                    dict(SEASON_ENV, CM_QUORUM_QUEUES="true"), broker=ClusterBroker(args.dir))
    try:
        system.start()
        began = time.monotonic()
        kills = node_kills(system, args.dir)
        stream = run_season(build_world(system), kills, args.approvals, args.clients)
        print("%d approvals answered in %.1f s" % (len(stream.answered),
                                                    time.monotonic() - began))
        result = reconcile(stream, timeout=300)
        for number, kill in enumerate(kills, start=1):
            print("kill %d: node %s, write stall %s s, %d × 503, gateway then on %s" % (
                number, kill.name, "%.2f" % kill.stall if kill.stall is not None else "n/a",
                kill.unavailable, sorted("cmq%d" % n for n in kill.observed)))
        print(json.dumps(result, ensure_ascii=False))
        whole = len(kills) == 2 and result["lost"] == 0 and result["duplicated"] == 0 \
            and result["doubled_notices"] == 0 \
            and result["fund_granted_fen"] == result["ledger_fen"] == result["decisions_fen"]
        sys.exit(0 if whole else 1)
    finally:
        system.stop()
        cluster("stop", args.dir)


if __name__ == "__main__":
    main()
