"""Re-deciding declines never overspends, and re-decides each decline once at most, while
new approvals arrive and adjustments land: two subsidies processes on one PostgreSQL
database (the fixtures of test_subsidies_concurrency), two finance clients re-deciding at
once, top-ups and a cut of the budget in between.
"""
import itertools
import json
import threading
from collections import Counter

from services.common.events import make_envelope
from tests.integration.test_subsidies_concurrency import query, two_instances  # noqa: F401
from tests.support.events import publish
from tests.support.waiting import wait_for

YEAR = 2046
FIRST, LATER = 120, 120            # approvals before the re-deciding, and during it
BUDGET = "10000.00"                # about a quarter of what the first approvals ask for
TOP_UPS = ["5000.00", "5000.00", "5000.00", "-2000.00", "5000.00"]
IDS = itertools.count(9_500_001)


def approvals(count, tag):
    envelopes = []
    for n in range(count):
        union_id = 600_001 + n % 15
        envelopes.append(make_envelope("activity_approved", {
            "activity_id": next(IDS), "title": "重新核定并发 %s-%d" % (tag, n),
            "union_id": union_id, "union_name": "工会 %d" % union_id, "county": "甘州区",
            "tier": "grassroots", "category": "sports", "season": "summer",
            "held_on": "%d-06-%02d" % (YEAR, n % 28 + 1), "participants": 10 + n % 60,
            "expenses": "%d.00" % (400 + (n * 53) % 1600), "actor": "rev_ganzhou"},
            "activities", "redecide-concurrency-%s-%d" % (tag, n)))
    return envelopes


def decided_count(system):
    return query(system, "SELECT count(*) FROM subsidies WHERE year = :y", y=YEAR)[0][0]


def redecide_until_done(client, fund_id, answers, still_arriving):
    """Re-decide in calls of 40 until nothing waits, or the fund is used up once nothing
    new arrives."""
    while True:
        answer = client.post("/api/v1/funds/%d/redecisions" % fund_id, {"limit": 40})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        answers.append(body)
        if not still_arriving.is_set() and (body["remaining"] == 0
                                            or body["stopped"] == "fund_used_up"):
            return


def test_re_deciding_while_approvals_and_adjustments_land_never_overspends(two_instances):
    world = two_instances
    system = world.system
    admin = system.client()
    fund = admin.post("/api/v1/funds", {"name": "重新核定并发测试资金", "year": YEAR,
                                        "policy": "activity", "budget": BUDGET}).json()
    for envelope in approvals(FIRST, "a"):
        publish(system, envelope)
    wait_for(lambda: decided_count(system) == FIRST, 120, "the first approvals' decisions")
    declined_first = query(system, "SELECT count(*) FROM subsidies WHERE year = :y AND "
                                   "reason = 'budget_exhausted'", y=YEAR)[0][0]
    assert declined_first > FIRST // 2, "most of the first approvals should wait for money"

    still_arriving = threading.Event()
    still_arriving.set()
    answers, adjustments, failures = [], [], []

    def arrive():
        for envelope in approvals(LATER, "b"):
            publish(system, envelope)
        wait_for(lambda: decided_count(system) == FIRST + LATER, 120, "the later decisions")
        still_arriving.clear()

    def adjust():
        finance = world.as_user("finance2")
        for amount in TOP_UPS:
            answer = finance.post("/api/v1/funds/%d/adjustments" % fund["id"],
                                  {"amount": amount, "reason": "并发调整 %s" % amount})
            adjustments.append((amount, answer.status_code))

    def guarded(work):
        def run():
            try:
                work()
            except BaseException as exc:  # reported below, with the thread's own failure
                failures.append(exc)
                still_arriving.clear()
        return threading.Thread(target=run)
    threads = [guarded(arrive), guarded(adjust)] + [
        guarded(lambda client=client: redecide_until_done(client, fund["id"], answers,
                                                          still_arriving))
        for client in (world.as_user("finance"), admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not failures, failures
    assert not any(thread.is_alive() for thread in threads)

    # both processes re-decided; the adjustments landed (a cut may find the money granted)
    calls = [system.metric(name, "cm_entrypoint_calls_total",
                           {"kind": "rpc", "name": "redecide", "outcome": "ok"})
             for name in ("subsidies", "subsidies-2")]
    assert all(count > 0 for count in calls), calls
    assert {status for _, status in adjustments} <= {201, 409}
    assert sum(1 for _, status in adjustments if status == 201) >= 4

    figures = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    budget, granted = (int(figures[k].replace(".", "")) for k in ("budget", "granted"))
    rows = query(system, "SELECT id, status, amount_fen, reason, redecided_at, union_id "
                         "FROM subsidies WHERE year = :y", y=YEAR)
    assert len(rows) == FIRST + LATER
    granted_rows = [r for r in rows if r.status == "granted"]
    assert sum(r.amount_fen for r in granted_rows) == granted <= budget
    report = admin.get("/api/v1/funds/%d/reconciliation" % fund["id"]).json()
    assert report["consistent"], report["problems"]

    # at most once: one reserve per grant, two decision events for a re-decided decline
    reserves = Counter(r.subsidy_id for r in query(
        system, "SELECT subsidy_id FROM ledger WHERE fund_id = :f AND kind = 'reserve'",
        f=fund["id"]))
    assert max(reserves.values()) == 1
    assert set(reserves) == {r.id for r in granted_rows}
    told = Counter(json.loads(r.body)["data"]["subsidy_id"] for r in query(
        system, "SELECT body FROM outbox WHERE event_type IN ('subsidy_granted', "
                "'subsidy_declined')"))
    redecided = {r.id for r in rows if r.redecided_at is not None}
    assert redecided and any(r.id in redecided for r in granted_rows)
    assert all(told[r.id] == (2 if r.id in redecided else 1) for r in rows)
    items = Counter(item["subsidy_id"] for body in answers for item in body["items"])
    assert set(items) == redecided and max(items.values()) == 1
    waiting = [r for r in rows if r.status == "declined" and r.redecided_at is None]
    assert all(r.reason == "budget_exhausted" for r in waiting)

    per_union = Counter()
    for r in granted_rows:
        per_union[r.union_id] += r.amount_fen
    stored = dict(query(system, "SELECT union_id, granted_fen FROM union_years WHERE "
                                "year = :y AND granted_fen > 0", y=YEAR))
    assert stored == dict(per_union)
