"""The approval pipeline on a three-node RabbitMQ cluster with quorum queues against one
node with classic queues, in the same run (issue 21): the ratio of their end-to-end
rates (aim: at least 0.85) and p99 approve -> notification of each.

    .venv/bin/python bench/pipeline_cluster.py [--count 400] [--rate 30] [--seconds 15]
                                               [--runs 3] [--concurrency 8] [--dir /tmp/cmq]

Two whole systems run side by side (the machine's broker; scripts/rabbit_cluster's
three nodes on 5701-5703), idle but for the one measured; each run measures the single
node, then the cluster, with bench/pipeline.py's run_pipeline (a burst as fast as it
goes, then a fixed rate). SQLite databases for both: the broker is what differs.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import median  # noqa: E402
from bench.pipeline import QUIET, run_pipeline  # noqa: E402
from tests.support.rabbit_cluster import ClusterBroker, cluster  # noqa: E402
from tests.support.system import System  # noqa: E402
from tests.support.world import build_world  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--rate", type=float, default=30)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "cm-cluster-bench"))
    args = parser.parse_args()
    began = time.monotonic()
    cluster("start", args.dir)
    print("cluster up in %.1f s" % (time.monotonic() - began), flush=True)
    systems = {}
    with tempfile.TemporaryDirectory() as scratch:
        try:
            systems["single"] = System(Path(scratch) / "single", "sqlite", QUIET).start()
            systems["cluster"] = System(Path(scratch) / "cluster", "sqlite",
                                        dict(QUIET, CM_QUORUM_QUEUES="true"),
                                        broker=ClusterBroker(args.dir)).start()
            worlds = {name: build_world(system, budget="99999999.00")
                      for name, system in systems.items()}
            results = {"single": [], "cluster": []}
            for run in range(args.runs):
                for name in ("single", "cluster"):
                    fast, steady = run_pipeline(worlds[name], args)
                    results[name].append({"rate": fast["rate"], "fast_p99_ms": fast["p99_ms"],
                                          "steady_p99_ms": steady["p99_ms"],
                                          "steady_p50_ms": steady["p50_ms"]})
                    print(json.dumps({"run": run + 1, "broker": name, **results[name][-1]}),
                          flush=True)
        finally:
            for system in systems.values():
                system.stop()
            cluster("stop", args.dir)
    summary = {name: {key: median([r[key] for r in rows]) for key in rows[0]}
               for name, rows in results.items()}
    summary["ratio"] = round(summary["cluster"]["rate"] / summary["single"]["rate"], 3)
    summary.update(runs=args.runs, count=args.count, rate=args.rate,
                   concurrency=args.concurrency)
    print("SUMMARY " + json.dumps(summary))


if __name__ == "__main__":
    main()
