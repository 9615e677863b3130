"""Benchmark of the console's pages (issue 20): server time per page on the demo data,
and the lists that must stay paged over many activities.

    .venv/bin/python bench/console_pages.py [--backend sqlite|postgres] [--requests 200]
        [--warmup 10] [--activities 0] [--only SUBSTRING]

Starts a System (tests/support/system.py), loads the demo data with the loader
scripts/start runs (scripts/demo.py, CM_DEMO=1, against this System's gateway), signs in
to the console as each role's demo user (a form POST to /login, the cm_console cookie),
and requests each page sequentially from one client: --warmup times, then --requests
times. Two figures per page:

- client: wall time of each request over loopback (requests, keep-alive), p50/p95/max;
- server: the gateway's own histogram, cm_http_request_duration_seconds{route=...}, read
  from /metrics before and after each page's timed run: the mean (its _sum/_count), the
  share of requests at or under 100 ms (an exact bucket edge), and the bucket p95 falls
  in (the histogram cannot say more than its buckets).

With --activities N (PostgreSQL only) the activities database is then filled with N rows
by bench/lists.py's SQL (all of them the first demo union's, the one union1 administers:
its county reviewer sees a fifth of a sixth of them waiting), and the paged lists are
timed again.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from tests.support.system import ADMIN, System  # noqa: E402

QUIET = {"CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}
HISTOGRAM = "cm_http_request_duration_seconds"
SAMPLE = re.compile(r'^(\w+)\{([^}]*)\} (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
OBJECTIVE = 0.1  # seconds: "every page answers in under 100 ms at the server (p95)"


def demo_password():
    sys.path.insert(0, str(ROOT / "scripts"))
    import demo
    return demo.DEMO_PASSWORD


def load_demo(system):
    """scripts/demo.py, as scripts/start's supervisord runs it, against this System."""
    env = dict(system.env_of("tools"), CM_DEMO="1", CM_GATEWAY_PORT=str(system.base_port),
               CM_ADMIN_USERNAME=ADMIN[0], CM_ADMIN_PASSWORD=ADMIN[1])
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py")], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit("the demo loader failed:\n%s\n%s" % (done.stdout, done.stderr))
    return time.monotonic() - started


def settle(admin, fund_id, seconds=2.0, deadline=120):
    """Until the demo's approvals have their decisions (and so their notices): the count
    of decisions unchanged for `seconds`."""
    last, since, stop = None, time.monotonic(), time.monotonic() + deadline
    while time.monotonic() < stop:
        count = admin.get("/api/v1/funds/%d/subsidies" % fund_id, limit=1).json()["total"]
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return count
        time.sleep(0.25)
    return last


class Console:
    """One signed-in browser, as far as the server can tell: the cookie, nothing else."""

    def __init__(self, base, username, password):
        self.base, self.username = base, username
        self.session = requests.Session()
        answer = self.session.post(base + "/login", data={"username": username,
                                                          "password": password},
                                   allow_redirects=False, timeout=15)
        assert answer.status_code == 303 and self.session.cookies.get("cm_console"), (
            username, answer.status_code, answer.text[:300])

    def get(self, path):
        answer = self.session.get(self.base + path, allow_redirects=False, timeout=30)
        assert answer.status_code == 200, (self.username, path, answer.status_code,
                                           answer.text[:300])
        return answer


def histogram(base):
    """{route: {"count", "sum", "buckets": {le: cumulative}}} of GET on the gateway."""
    text = requests.get(base + "/metrics", timeout=10).text
    found = defaultdict(lambda: {"count": 0.0, "sum": 0.0, "buckets": {}})
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if not match or not match.group(1).startswith(HISTOGRAM):
            continue
        labels = dict(LABEL.findall(match.group(2)))
        if labels.get("method") != "GET":
            continue
        entry, value = found[labels["route"]], float(match.group(3))
        kind = match.group(1)[len(HISTOGRAM):]
        if kind == "_count":
            entry["count"] = value
        elif kind == "_sum":
            entry["sum"] = value
        elif kind == "_bucket":
            entry["buckets"][labels["le"]] = value
    return found


def server_figures(before, after, route):
    old, new = before.get(route), after[route]
    count = new["count"] - (old["count"] if old else 0)
    total = new["sum"] - (old["sum"] if old else 0)
    buckets = sorted(((float(le), value - (old["buckets"].get(le, 0) if old else 0))
                      for le, value in new["buckets"].items()))
    under = dict(buckets).get(OBJECTIVE, float("nan"))
    p95_bucket = next(("<= %g ms" % (le * 1000) if le != float("inf") else "> 10 s"
                       for le, cumulative in buckets if cumulative >= 0.95 * count), "?")
    previous = [le for le, cumulative in buckets if cumulative < 0.95 * count]
    if previous and p95_bucket.startswith("<="):
        p95_bucket = "%g-%g ms" % (previous[-1] * 1000, float(p95_bucket.split()[1]))
    return {"server_mean_ms": round(1000 * total / count, 1) if count else None,
            "server_p95_bucket": p95_bucket,
            "server_share_le_100ms": round(under / count, 3) if count else None,
            "server_count": int(count)}


def route_of(path):
    """The route label the gateway records a console path under."""
    path = path.split("?")[0]
    path = re.sub(r"^/activities/\d+$", "/activities/<int:activity_id>", path)
    path = re.sub(r"^/funds/\d+/batches/preview$", "/funds/<int:fund_id>/batches/preview",
                  path)
    path = re.sub(r"^/batches/\d+$", "/batches/<int:batch_id>", path)
    path = re.sub(r"^/survey/\d+$", "/survey/<int:activity_id>", path)
    return re.sub(r"^/funds/\d+$", "/funds/<int:fund_id>", path)


def measure(base, console, path, warmup, count):
    for _ in range(warmup):
        console.get(path)
    before = histogram(base)
    samples, size = [], 0
    for _ in range(count):
        started = time.perf_counter()
        answer = console.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        size = len(answer.content)
    after = histogram(base)
    figures = {"user": console.username, "page": path,
               "client_p50_ms": round(percentile(samples, 0.5), 1),
               "client_p95_ms": round(percentile(samples, 0.95), 1),
               "client_max_ms": round(max(samples), 1), "bytes": size}
    figures.update(server_figures(before, after, route_of(path)))
    return figures


def demo_activity(admin, union_id):
    """An activity of union1's with a decision: the fullest activity page."""
    activities = admin.get("/api/v1/activities", union_id=union_id, status="approved",
                           limit=50).json()["items"]
    decided = [a for a in activities
               if admin.get("/api/v1/subsidies", activity_id=a["id"]).json()]
    return (decided or activities)[0]["id"]


def demo_batch(admin, union_id, fund_id):
    """A batch of the demo fund (union1's union given bank details first), or None when
    the fund has nothing granted to batch."""
    admin.put("/api/v1/payees/union/%d" % union_id, {
        "account_name": "演示工会委员会", "bank": "中国工商银行张掖分行",
        "account_number": "0271001234567890"})
    answer = admin.post("/api/v1/disbursements", {"fund_id": fund_id})
    return answer.json()["id"] if answer.status_code == 201 else None


def demo_cases(activity_id, fund_id, batch_id=None):
    """(username, page) in the order they are timed: each role's demo user on its pages."""
    batch = [("finance", "/batches/%d" % batch_id)] if batch_id else []
    return batch + [
        ("finance", "/payees"), ("finance", "/funds/%d/batches/preview" % fund_id),
        ("worker", "/survey/%d" % activity_id),
        ("union1", "/activities/mine"), ("union1", "/activities/new"),
        ("union1", "/activities/%d" % activity_id), ("union1", "/notifications"),
        ("rev_ganzhou", "/review"), ("rev_ganzhou", "/review?season=autumn"),
        ("rev_ganzhou", "/activities/%d" % activity_id), ("rev_ganzhou", "/coverage"),
        ("rev_ganzhou", "/notifications"),
        (ADMIN[0], "/review"), (ADMIN[0], "/review?season=autumn"), (ADMIN[0], "/coverage"),
        (ADMIN[0], "/funds"), (ADMIN[0], "/funds/%d" % fund_id),
        ("finance", "/funds"), ("finance", "/funds/%d" % fund_id),
        ("finance", "/notifications"),
        ("worker", "/loans"), ("worker", "/notifications"), ("ops", "/notifications"),
    ]


def large_cases():
    return [
        ("union1", "/activities/mine"), ("union1", "/activities/mine?offset=1000"),
        ("rev_ganzhou", "/review"), ("rev_ganzhou", "/review?season=autumn"),
        ("rev_ganzhou", "/review?offset=1000"),
        (ADMIN[0], "/review"), (ADMIN[0], "/review?season=autumn"),
    ]


def run(system, consoles, cases, args, label):
    results = []
    for username, path in cases:
        if args.only and args.only not in path:
            continue
        figures = measure(system.gateway, consoles[username], path, args.warmup, args.requests)
        figures["data"] = label
        results.append(figures)
        print(json.dumps(figures, ensure_ascii=False), flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--activities", type=int, default=0,
                        help="then fill this many activities by SQL (postgres) and time the lists")
    parser.add_argument("--only", help="time only the pages whose path contains this")
    args = parser.parse_args()
    if args.activities and args.backend != "postgres":
        parser.error("--activities fills PostgreSQL: add --backend postgres")
    password = demo_password()
    print("load average before: %s" % "%.2f %.2f %.2f" % os.getloadavg(),
          flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch), args.backend, QUIET).start()
        try:
            print("pids (for py-spy): %s" % json.dumps(
                {name: process.pid for name, process in system.processes.items()}), flush=True)
            print("demo loaded in %.0fs" % load_demo(system), flush=True)
            admin = system.client()
            fund_id = admin.get("/api/v1/funds", limit=10).json()["items"][0]["id"]
            print("decisions settled: %s" % settle(admin, fund_id), flush=True)
            users = admin.get("/api/v1/users", role="union_admin", limit=100).json()["items"]
            union_id = next(u for u in users if u["username"] == "union1")["union_id"]
            activity_id = demo_activity(admin, union_id)
            cases = demo_cases(activity_id, fund_id, demo_batch(admin, union_id, fund_id))
            consoles = {name: Console(system.gateway, name,
                                      ADMIN[1] if name == ADMIN[0] else password)
                        for name in sorted({name for name, _ in cases})}
            results = run(system, consoles, cases, args, "demo")
            if args.activities:
                from bench import lists
                fund = admin.get("/api/v1/funds/%d" % fund_id).json()
                world = SimpleNamespace(unions={"power": {"id": union_id}}, fund=fund)
                started = time.monotonic()
                decisions = lists.fill(system, world, args.activities)
                print("filled %d activities and %d decisions in %.0fs" % (
                    args.activities, decisions, time.monotonic() - started), flush=True)
                results += run(system, consoles, large_cases(), args,
                               "%d activities" % args.activities)
        finally:
            system.stop()
    print("load average after: %s" % "%.2f %.2f %.2f" % os.getloadavg())
    over = [r for r in results if r["server_share_le_100ms"] is not None
            and r["server_share_le_100ms"] < 0.95]
    print("SUMMARY " + json.dumps({
        "pages": len(results), "backend": args.backend, "activities": args.activities,
        "worst_client_p95_ms": max(r["client_p95_ms"] for r in results),
        "over_100ms_p95_at_server": ["%s %s (%s)" % (r["user"], r["page"], r["data"])
                                     for r in over]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
