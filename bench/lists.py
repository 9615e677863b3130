"""Benchmark of the list endpoints over 1,000,000 activities in PostgreSQL.

    .venv/bin/python bench/lists.py [--activities 1000000] [--requests 200]

Starts a system on PostgreSQL, loads a small federation through the gateway, then fills
the activities database with --activities rows (and the subsidies database with a
decision for each approved one) by SQL, ANALYZEs, and times each list request through
the gateway from a client, sequentially. Prints p50 and p99 per endpoint.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from tests.support.system import System  # noqa: E402
from tests.support.world import build_world  # noqa: E402

QUIET = {"CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}
COUNTIES = ["甘州区", "临泽县", "高台县", "山丹县", "民乐县", "肃南裕固族自治县"]

FILL_ACTIVITIES = """
INSERT INTO activities (union_id, county, tier, title, category, held_on, year, season,
    participants, expenses_fen, evidence, status, reported_by, created_at, updated_at)
SELECT :union_id,
       (ARRAY[{counties}])[1 + mod(n, 6)],
       'grassroots', '基准活动 ' || n,
       (ARRAY['culture','sports','reading','lecture','exhibition','women'])[1 + mod(n / 7, 6)],
       DATE '2026-01-01' + mod(n, 330),
       2026,
       (ARRAY['winter','winter','spring','spring','spring','summer','summer','summer',
              'autumn','autumn','autumn','winter'])[1 + mod(mod(n, 330) / 28, 12)],
       10 + mod(n, 90), 100000 + mod(n, 50000),
       '[{{"kind": "photo", "url": "https://example.org/p.jpg"}}]',
       (ARRAY['submitted','approved','approved','rejected','returned'])[1 + mod(n / 3, 5)],
       'bench', now(), now()
FROM generate_series(1, :count) AS n
"""

# a decision for every approved activity: the same predicate as FILL_ACTIVITIES' status
FILL_SUBSIDIES = """
INSERT INTO subsidies (activity_id, activity_title, union_id, county, tier, year, fund_id,
    status, amount_fen, policy_version, inputs, explanation, event_id, decided_at)
SELECT :first_id - 1 + n, '基准活动 ' || n, :union_id, (ARRAY[{counties}])[1 + mod(n, 6)],
       'grassroots', 2026, :fund_id, 'granted', 29000, 1, '{{}}', '[]', 'bench-' || n, now()
FROM generate_series(1, :count) AS n
WHERE mod(n / 3, 5) IN (1, 2)
"""


def fill(system, world, count):
    """Rows by SQL in each service's own database (only a benchmark reaches in like this)."""
    counties = ", ".join("'%s'" % c for c in COUNTIES)
    params = {"union_id": world.unions["power"]["id"], "count": count,
              "fund_id": world.fund["id"]}
    activities = create_engine(system.database_url("activities"))
    with activities.begin() as conn:
        first_id = conn.execute(text("SELECT COALESCE(MAX(id), 0) + 1 FROM activities")).scalar()
        conn.execute(text(FILL_ACTIVITIES.format(counties=counties)), params)
    _analyze(activities, "activities")
    subsidies = create_engine(system.database_url("subsidies"))
    with subsidies.begin() as conn:
        decided = conn.execute(text(FILL_SUBSIDIES.format(counties=counties)),
                               dict(params, first_id=first_id)).rowcount
    _analyze(subsidies, "subsidies")
    return decided


def _analyze(engine, table):
    # what autovacuum does to a table at rest: statistics and the visibility map
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE %s" % table))
    engine.dispose()


def timed(client, path, params, count):
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(path, **params)
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
    return {"p50_ms": round(percentile(samples, 0.5), 1), "p99_ms": round(percentile(samples, 0.99), 1),
            "total": answer.json().get("total")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch), "postgres", QUIET).start()
        try:
            world = build_world(system)
            started = time.monotonic()
            decisions = fill(system, world, args.activities)
            print("filled %d activities and %d decisions in %.0fs" % (
                args.activities, decisions, time.monotonic() - started), flush=True)
            admin, reviewer, finance = (system.client(), world.as_user("rev_ganzhou"),
                                        world.as_user("finance"))
            cases = [
                ("activities by county+season+status (city)", admin, "/api/v1/activities",
                 {"county": "临泽县", "season": "autumn", "status": "approved"}),
                ("activities by status (city)", admin, "/api/v1/activities", {"status": "submitted"}),
                ("activities by season (county reviewer)", reviewer, "/api/v1/activities",
                 {"season": "summer"}),
                ("activities, second page by county+status", admin, "/api/v1/activities",
                 {"county": "高台县", "status": "approved", "offset": 50}),
                ("subsidies by fund (finance)", finance,
                 "/api/v1/funds/%d/subsidies" % world.fund["id"], {}),
            ]
            results = {}
            for name, client, path, params in cases:
                timed(client, path, params, 5)  # warm the caches and plans
                results[name] = timed(client, path, params, args.requests)
                print(json.dumps({name: results[name]}, ensure_ascii=False), flush=True)
        finally:
            system.stop()
    worst = max(r["p99_ms"] for r in results.values())
    print("SUMMARY " + json.dumps({"activities": args.activities, "worst_p99_ms": worst}))


if __name__ == "__main__":
    main()
