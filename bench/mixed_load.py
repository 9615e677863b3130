"""Benchmark of a federation's morning: many clients at once against one gateway.

    .venv/bin/python bench/mixed_load.py [--clients 8 32] [--seconds 30]
                                         [--sign-ins 1000] [--season 800]
                                         [--backend sqlite|postgres]

Starts a whole system (real processes, a private vhost, rate limits off), then for each
client count runs the mix of tests/support/load.py for --seconds: union admins signing
in, reporting, listing and reading their inboxes, changing passwords; two reviewers
approving what comes in; an admin creating users. Prints requests per second, p50 and p99
per kind and every failure. Then memory: each process's resident memory before the load,
after it, after --sign-ins more sign-ins (one at a time, from 8 clients) and after a
season (--season activities reported and approved, their decisions and notices stored).
"""
import argparse
import sys
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import as_fast_as_possible, percentile  # noqa: E402
from tests.support.load import Morning, resident_mib, thread_count  # noqa: E402
from tests.support.system import System  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402
from tests.support.world import PASSWORD, activity_body, build_world  # noqa: E402

QUIET = {"CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}


def print_results(clients, results):
    print("\n%d clients, %.1f s: %d requests, %.1f requests/s, %d failures" % (
        clients, results.seconds, len(results.samples),
        len(results.samples) / results.seconds, len(results.failures())))
    print("  %-16s %7s %8s %9s %9s %9s %6s" % ("kind", "count", "req/s", "p50 ms", "p99 ms",
                                             "max ms", "fail"))
    for kind, samples in sorted(results.by_kind().items()):
        seconds = [s.seconds * 1000 for s in samples]
        print("  %-16s %7d %8.1f %9.1f %9.1f %9.1f %6d" % (
            kind, len(samples), len(samples) / results.seconds, percentile(seconds, 0.5),
            percentile(seconds, 0.99), max(seconds), sum(1 for s in samples if not s.ok)))
    for failure in results.failures()[:10]:
        print("  failed %s: %s %s" % (failure.kind, failure.status, failure.error))


def memory(system, when):
    figures = {name: resident_mib(process.pid) for name, process in system.processes.items()}
    threads = {name: thread_count(process.pid) for name, process in system.processes.items()}
    print("\nresident memory %s (MiB; threads):" % when)
    for name in sorted(figures):
        print("  %-12s %7.1f  %3d" % (name, figures[name], threads[name]))
    print("  %-12s %7.1f" % ("all", sum(figures.values())))
    return figures


def sign_in_many(system, count):
    def send(_):
        answer = requests.post(system.gateway + "/api/v1/auth/token",
                               json={"username": "rev_ganzhou", "password": PASSWORD},
                               timeout=30)
        assert answer.status_code == 200, answer.text
    seconds = as_fast_as_possible(range(count), send, 8)
    print("\n%d sign-ins from 8 clients in %.1f s (%.1f/s)" % (count, seconds, count / seconds))


def season(world, count):
    reporter, reviewer = world.as_user("ua_power"), world.as_user("rev_ganzhou")
    union_id = world.unions["power"]["id"]
    ids = []

    def report(_):
        answer = reporter.post("/api/v1/activities", activity_body(
            union_id, title="季度-%s" % uuid.uuid4().hex[:8]))
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])

    def approve(activity_id):
        answer = reviewer.post("/api/v1/activities/%d/approve" % activity_id)
        assert answer.status_code == 200, answer.text
    finance = world.as_user("finance")

    def decisions():
        answer = finance.get("/api/v1/funds/%d/subsidies" % world.fund["id"], limit=1)
        assert answer.status_code == 200, answer.text
        return answer.json()["total"]
    before = decisions()
    as_fast_as_possible(range(count), report, 8)
    as_fast_as_possible(list(ids), approve, 8)

    def decided():
        return decisions() >= before + count
    wait_for(decided, 600, "the season's decisions", interval=0.5)
    print("\na season: %d activities reported, approved and decided" % count)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--sign-ins", type=int, default=1000)
    parser.add_argument("--season", type=int, default=800)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    import tempfile
    with tempfile.TemporaryDirectory(prefix="cm-mixed-") as tmp:
        system = System(tmp, args.backend, QUIET).start()
        try:
            world = build_world(system)
            memory(system, "after start and the world's set-up")
            for clients in args.clients:
                morning = Morning(world, clients).build_actors()
                print_results(clients, morning.run(seconds=args.seconds))
            memory(system, "after the mixed load")
            if args.sign_ins:
                sign_in_many(system, args.sign_ins)
                memory(system, "after %d more sign-ins" % args.sign_ins)
            if args.season:
                season(world, args.season)
                memory(system, "after a season of %d" % args.season)
        finally:
            system.stop()


if __name__ == "__main__":
    main()
