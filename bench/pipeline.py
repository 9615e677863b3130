"""Benchmark of the approval pipeline against its own ceiling on this machine.

    .venv/bin/python bench/pipeline.py [--count 800] [--rate 50] [--seconds 20] [--runs 3]
                                       [--concurrency 8] [--backend sqlite|postgres]

Starts a whole system (real processes, a private vhost), loads unions and a fund, then
per run: (a) approves --count reported activities as fast as they go, (b) approves at
--rate per second for --seconds. The end-to-end rate counts approvals whose subsidy
decision and notification are stored; latency runs from the approval (its history entry,
written in the approve transaction) to the subsidy notification's row in notify, both
timestamps recorded by the system, not by polling. Then the ceiling: a bare nameko @http
entrypoint making one RPC, under the same load generator; and the skeleton: the same
message flow as the pipeline with no work in it (bench/skeleton_services.py), the floor
under the real services. Prints medians, the ratios, and the CPU milliseconds each
process spent per approval (bench/cpu.py).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cpu import CpuMeter, broker_pid  # noqa: E402
from bench.common import as_fast_as_possible, at_fixed_rate, median, percentile  # noqa: E402
from tests.support.system import System, free_port_block  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402
from tests.support.world import activity_body, build_world  # noqa: E402

QUIET = {"CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}


def report_many(world, count, concurrency):
    """Report `count` activities (not timed); returns {id: title}."""
    client = world.as_user("ua_power")
    union_id = world.unions["power"]["id"]
    made = {}

    def send(_):
        title = "基准-%s" % uuid.uuid4().hex[:12]
        answer = client.post("/api/v1/activities", activity_body(union_id, title=title))
        assert answer.status_code == 201, answer.text
        made[answer.json()["id"]] = title
    as_fast_as_possible(range(count), send, concurrency)
    return made


def wait_quiet(system, timeout=300):
    """Until every queue of the system is empty: reporting N activities leaves N
    activity_reported events for notify, and approvals must not queue behind them."""
    arguments = ["list_queues", "--no-table-headers", "-p", system.broker.vhost,
                 "messages_ready", "messages_unacknowledged"]

    def quiet():
        if hasattr(system.broker, "ctl"):  # a cluster's (tests/support/rabbit_cluster.py)
            out = system.broker.ctl(*arguments)
        else:
            out = subprocess.run(["rabbitmqctl", "-q"] + arguments, capture_output=True,
                                 text=True, check=True).stdout
        return all(int(n) == 0 for line in out.splitlines() for n in line.split())
    wait_for(quiet, timeout, "the queues to drain", interval=0.5)


def approver(world):
    reviewer = world.as_user("rev_ganzhou")

    def send(activity_id):
        answer = reviewer.post("/api/v1/activities/%d/approve" % activity_id)
        assert answer.status_code == 200, answer.text
    return send


DECISION_NOTICES = ("SELECT {what} FROM notifications WHERE id > :after"
                    " AND audience_kind = 'union_admins'"
                    " AND event_type IN ('subsidy_granted', 'subsidy_declined')")


def last_notification_id(system):
    notify = create_engine(system.database_url("notify"))
    with notify.connect() as conn:
        after = conn.execute(text("SELECT coalesce(max(id), 0) FROM notifications")).scalar()
    notify.dispose()
    return after


def timings(system, activities, after, timeout):
    """Approval and notification timestamps of each activity, once all are stored.

    Waits on a count of the decision notices newer than `after` (cheap, so the waiting
    takes little CPU from the system it measures), then reads them once."""
    titles = {title: activity_id for activity_id, title in activities.items()}
    notify = create_engine(system.database_url("notify"))
    acts = create_engine(system.database_url("activities"))

    def counted():
        with notify.connect() as conn:
            return conn.execute(text(DECISION_NOTICES.format(what="count(*)")),
                                {"after": after}).scalar() >= len(activities)
    wait_for(counted, timeout, "every notification", interval=0.2)
    with notify.connect() as conn:
        rows = conn.execute(text(DECISION_NOTICES.format(what="body, created_at")),
                            {"after": after}).all()
    notified = {}
    for body, created in rows:
        start = body.find("《")
        title = body[start + 1:body.find("》", start)]
        if title in titles:
            notified[titles[title]] = _utc(created)
    assert len(notified) == len(activities), "%d of %d notified" % (len(notified),
                                                                     len(activities))
    with acts.connect() as conn:
        rows = conn.execute(text("SELECT activity_id, at FROM activity_history WHERE action = "
                                 "'approve'")).all()
    approved = {a: _utc(at) for a, at in rows if a in activities}
    notify.dispose()
    acts.dispose()
    return approved, notified


def _utc(value):
    if isinstance(value, str):
        from datetime import datetime
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def figures(approved, notified):
    latencies = [(notified[a] - approved[a]).total_seconds() * 1000 for a in approved]
    span = (max(notified.values()) - min(approved.values())).total_seconds()
    return {"count": len(latencies), "seconds": round(span, 2),
            "rate": round(len(latencies) / span, 1),
            "p50_ms": round(percentile(latencies, 0.50), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1)}


def system_pids(system):
    pids = {name: process.pid for name, process in system.processes.items()}
    return dict(pids, broker=broker_pid(), load_generator=os.getpid())


def run_pipeline(world, args):
    burst = report_many(world, args.count, args.concurrency)
    wait_quiet(world.system)
    after = last_notification_id(world.system)
    meter = CpuMeter(system_pids(world.system))
    as_fast_as_possible(list(burst), approver(world), args.concurrency)
    fast = figures(*timings(world.system, burst, after, 300))
    fast.update(meter.figures(len(burst)))
    steady_items = report_many(world, int(args.rate * args.seconds), args.concurrency)
    wait_quiet(world.system)
    after = last_notification_id(world.system)
    at_fixed_rate(list(steady_items), approver(world), args.rate, args.concurrency)
    steady = figures(*timings(world.system, steady_items, after, 300))
    return fast, steady


def run_ceiling(args, broker):
    port = free_port_block(1)
    process, config = _nameko("AMQP_URI: %s\nWEB_SERVER_ADDRESS: 127.0.0.1:%d\nmax_workers: 10\n"
                              % (broker.uri, port),
                              ["bench.ceiling_services:Back", "bench.ceiling_services:Front"])
    send = Sender("http://127.0.0.1:%d/ping/" % port)
    try:
        wait_for(lambda: requests.post(send.url + "0", timeout=2).status_code == 200, 60,
                 "the ceiling")
        meter = CpuMeter({"ceiling": process.pid, "broker": broker_pid(),
                          "load_generator": os.getpid()})
        elapsed = as_fast_as_possible(range(args.count), send, args.concurrency)
        return args.count / elapsed, meter.figures(args.count)
    finally:
        send.close()
        _stop(process, config)


class Sender:
    """POSTs <url><value> from the load generator's threads, one keep-alive session each."""

    def __init__(self, url):
        self.url = url
        self.sessions = {}

    def __call__(self, value):
        own = self.sessions.setdefault(threading.get_ident(), requests.Session())
        assert own.post(self.url + str(value), timeout=10).status_code == 200

    def close(self):
        for own in self.sessions.values():
            own.close()  # idle keep-alive connections would hold nameko's graceful stop


def _nameko(config_text, services):
    """A `nameko run` process of the given bench services; (process, config path)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as config:
        config.write(config_text)
    process = subprocess.Popen([str(Path(sys.executable).parent / "nameko"), "run", "--config",
                                config.name] + services, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, config.name


def _stop(process, config):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    os.unlink(config)


def run_skeleton(args, broker):
    """The same message flow with no work (bench/skeleton_services.py), one process per
    service: approvals per second from the first request to the last subsidy_granted
    handled, as recorded by the notify skeleton."""
    front_port, notify_port = free_port_block(2), free_port_block(1)
    base = "AMQP_URI: %s\nmax_workers: 10\n" % broker.uri
    ports = (("Notify", notify_port), ("Subsidies", 0), ("Library", 0), ("Activities", 0),
             ("Front", front_port))  # consumers first
    started = {name.lower(): _nameko(base + "WEB_SERVER_ADDRESS: 127.0.0.1:%d\n" % port,
                                     ["bench.skeleton_services:%s" % name])
               for name, port in ports}
    send = Sender("http://127.0.0.1:%d/approve/" % front_port)
    done_url = "http://127.0.0.1:%d/done" % notify_port
    probe = requests.Session()
    try:
        def warmed():  # consumers declare their queues as they start: an early event is lost
            probe.post(send.url + "0", timeout=2)
            return probe.get(done_url, timeout=2).json()["count"] > 0
        wait_for(warmed, 60, "the skeleton", interval=0.2)
        before = probe.get(done_url, timeout=2).json()["count"]
        meter = CpuMeter(dict({name: process.pid for name, (process, _) in started.items()},
                              broker=broker_pid(), load_generator=os.getpid()))

        def finished():
            done = probe.get(done_url, timeout=2).json()
            return done if done["count"] >= before + args.count else None
        first = time.time()
        as_fast_as_possible(range(1, args.count + 1), send, args.concurrency)
        done = wait_for(finished, 120, "the skeleton to finish", interval=0.2)
        return args.count / (done["last_at"] - first), meter.figures(args.count)
    finally:
        send.close()
        probe.close()
        for process, config in started.values():
            _stop(process, config)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=800)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--replicas", nargs="*", default=[],
                        help="services to run a second process of (competing consumers)")
    parser.add_argument("--env", nargs="*", default=[], metavar="CM_KEY=VALUE",
                        help="settings for the system's processes, e.g. CM_MAX_WORKERS=4")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        settings = dict(QUIET, **dict(pair.split("=", 1) for pair in args.env))
        system = System(Path(scratch), args.backend, settings).start()
        for name in args.replicas:
            system.start_replica(name)
        try:
            world = build_world(system, budget="99999999.00")
            for run in range(args.runs):
                fast, steady = run_pipeline(world, args)
                ceiling, ceiling_cpu = run_ceiling(args, system.broker)
                skeleton, skeleton_cpu = run_skeleton(args, system.broker)
                results.append({"fast": fast, "steady": steady, "ceiling_rps": round(ceiling, 1),
                                "ceiling_cpu": ceiling_cpu, "skeleton_rps": round(skeleton, 1),
                                "skeleton_cpu": skeleton_cpu,
                                "skeleton_ratio": round(skeleton / ceiling, 3),
                                "ratio": round(fast["rate"] / ceiling, 3)})
                print(json.dumps({"run": run + 1, **results[-1]}), flush=True)
        finally:
            system.stop()
    summary = {
        "backend": args.backend, "replicas": args.replicas, "env": args.env, "runs": args.runs, "count": args.count,
        "concurrency": args.concurrency,
        "pipeline_rate_median": median([r["fast"]["rate"] for r in results]),
        "ceiling_rps_median": median([r["ceiling_rps"] for r in results]),
        "ratio_median": median([r["ratio"] for r in results]),
        "skeleton_rps_median": median([r["skeleton_rps"] for r in results]),
        "skeleton_ratio_median": median([r["skeleton_ratio"] for r in results]),
        "fast_seconds_median": median([r["fast"]["seconds"] for r in results]),
        "fast_p99_ms_median": median([r["fast"]["p99_ms"] for r in results]),
        "steady_rate": args.rate,
        "steady_p50_ms_median": median([r["steady"]["p50_ms"] for r in results]),
        "steady_p95_ms_median": median([r["steady"]["p95_ms"] for r in results]),
        "steady_p99_ms_median": median([r["steady"]["p99_ms"] for r in results]),
    }
    print("SUMMARY " + json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                   for k, v in summary.items()}))


if __name__ == "__main__":
    main()
