"""Budgets never overspend and union caps never break with two subsidies processes.

Two service instances consume one queue against one PostgreSQL database; hundreds of
approvals (distinct activities) arrive at once against a budget that covers only some.
"""
import itertools

import pytest
from sqlalchemy import create_engine, text

from services.common.clock import local_today
from services.common.events import make_envelope
from tests.support.events import publish
from tests.support.waiting import wait_for
from tests.support.world import build_world

APPROVALS = 300
YEAR = 2045
BUDGET_FEN = 3_000_000   # 30,000.00: about a third of what the approvals ask for
CAP_FEN = 500_000        # version 2's yearly cap of a grassroots union


@pytest.fixture(scope="module")
def two_instances(request, backend):
    if backend != "postgres":
        pytest.skip("two processes on one database need PostgreSQL: an SQLite file is one "
                    "process's (run with --backend postgres)")
    system = request.getfixturevalue("system")
    world = build_world(system)
    system.start_replica("subsidies")
    return world


def query(system, sql, **params):
    engine = create_engine(system.database_url("subsidies"))
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def test_hundreds_of_concurrent_approvals_never_overspend_nor_break_a_cap(two_instances):
    world = two_instances
    system = world.system
    admin = system.client()
    published = admin.post("/api/v1/policies/activity/2/publish",
                           {"effective_from": local_today().isoformat()})
    assert published.status_code == 200, published.text
    fund = admin.post("/api/v1/funds", {"name": "并发测试资金", "year": YEAR, "policy": "activity",
                                        "budget": "30000.00"}).json()
    # two busy unions ask for far more than their yearly cap; ten others share the rest
    busy, others = [500_001, 500_002], list(range(500_003, 500_013))
    ids = itertools.count(9_000_001)
    envelopes = []
    for n in range(APPROVALS):
        half = n // 2
        union_id = busy[half % 2] if n % 2 == 0 else others[half % len(others)]
        envelopes.append(make_envelope("activity_approved", {
            "activity_id": next(ids), "title": "并发活动 %d" % n, "union_id": union_id,
            "union_name": "工会 %d" % union_id, "county": "甘州区", "tier": "grassroots",
            "category": "sports", "season": "summer", "held_on": "%d-06-%02d" % (YEAR, n % 28 + 1),
            "participants": 20 + n % 50, "expenses": "%d.00" % (600 + (n * 37) % 1400),
            "actor": "rev_ganzhou"}, "activities", "concurrency-%d" % n))
    for envelope in envelopes:
        publish(system, envelope)

    def all_decided():
        return query(system, "SELECT count(*) FROM subsidies WHERE year = :y", y=YEAR)[0][0] \
            == APPROVALS
    wait_for(all_decided, 180, "a decision for each of %d approvals" % APPROVALS)

    # both instances took part
    handled = [system.metric(name, "cm_events_handled_total",
                             {"event_type": "activity_approved", "outcome": "ok"})
               for name in ("subsidies", "subsidies-2")]
    assert all(count > 0 for count in handled), handled

    rows = query(system, "SELECT activity_id, union_id, status, amount_fen, reason "
                         "FROM subsidies WHERE year = :y", y=YEAR)
    assert len({r.activity_id for r in rows}) == APPROVALS          # exactly one each
    granted = [r for r in rows if r.status == "granted"]
    declined = [r for r in rows if r.status == "declined"]
    granted_sum = sum(r.amount_fen for r in granted)
    assert granted and declined, "the budget should cover only some of the approvals"
    assert granted_sum <= BUDGET_FEN
    assert {r.reason for r in declined} <= {"budget_exhausted", "union_cap_reached"}
    assert any(r.reason == "budget_exhausted" for r in declined)
    assert any(r.reason == "union_cap_reached" for r in declined)
    per_union = {}
    for r in granted:
        per_union[r.union_id] = per_union.get(r.union_id, 0) + r.amount_fen
    assert max(per_union.values()) <= CAP_FEN, per_union
    assert [per_union[u] for u in busy] == [CAP_FEN, CAP_FEN]  # the last grant is cut to fit

    figures = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    budget, granted_yuan, remaining = (int(figures[k].replace(".", ""))
                                       for k in ("budget", "granted", "remaining"))
    assert budget == BUDGET_FEN and granted_yuan == granted_sum
    assert granted_yuan + remaining == budget
    report = admin.get("/api/v1/funds/%d/reconciliation" % fund["id"]).json()
    assert report["consistent"], report["problems"]
    assert report["ledger"]["entries"] == len(granted)
    unions_stored = dict(query(system, "SELECT union_id, granted_fen FROM union_years "
                                       "WHERE year = :y", y=YEAR))
    assert unions_stored == per_union
