"""Finance's daily digest over real processes (issue 18, "less noise"): a day of decisions
made over HTTP reaches finance as one digest (count and total granted, declines, by
county) and not one notice per grant; a threshold notice still comes at once; the digest
asked for several times at once, of two notify processes, lands once.

The digest hour is set twelve hours away from now, so that the day's decisions all fall in
one digest's window; the test sends the digest by the notify RPC, never waits for a clock.
"""
import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest

from services.common.clock import LOCAL
from services.common.events import make_envelope
from tests.support.events import count_rows, publish
from tests.support.system import System
from tests.support.waiting import wait_for
from tests.support.world import activity_body

IDS = itertools.count(8_200_001)
ALERT_YEAR, NO_FUND_YEAR = 2043, 2044


@pytest.fixture(scope="module")
def system(tmp_path_factory, backend):
    hour = (datetime.now(LOCAL).hour + 12) % 24
    running = System(tmp_path_factory.mktemp("digest"), backend, {
        "CM_FINANCE_DIGEST_HOUR": str(hour), "CM_FINANCE_DIGEST_CHECK_SECONDS": "0.5"}).start()
    running.start_replica("notify")  # two notify processes share the work and the digest
    yield running
    running.stop()


def notify_rpc(system, method, *args):
    with system.rpc(actor="ops") as cluster:
        return getattr(cluster.notify, method)(*args)


def inbox(client):
    answer = client.get("/api/v1/notifications", limit=500)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def approval(union, year):
    return make_envelope("activity_approved", {
        "activity_id": next(IDS), "title": "汇总测试活动", "union_id": union["id"],
        "union_name": union["name"], "county": union["county"], "tier": "grassroots",
        "category": "reading", "season": "autumn", "held_on": "%d-10-15" % year,
        "participants": 40, "expenses": "1500.00", "actor": "rev_ganzhou"},
        "activities", "test-notify-digest")


def approve_over_http(world, username, union, reviewer, title):
    reported = world.as_user(username).post("/api/v1/activities",
                                            activity_body(world.unions[union]["id"], title=title))
    assert reported.status_code == 201, reported.text
    activity_id = reported.json()["id"]
    assert world.as_user(reviewer).post(
        "/api/v1/activities/%d/approve" % activity_id).status_code == 200
    return wait_for(lambda: world.as_user(username).get(
        "/api/v1/subsidies", activity_id=activity_id).json(), 30, "the decision of %s" % title)[0]


@pytest.fixture(scope="module")
def day(world):
    """A day of decisions: three grants over HTTP (two of 甘州区, one of 临泽县), one of them
    cancelled by finance; a grant from a small fund of its own that passes 80 % of it; a
    decline for want of a fund. Waits until notify has counted all six."""
    grants = [approve_over_http(world, "ua_power", "power", "rev_ganzhou", "汇总读书会一"),
              approve_over_http(world, "ua_power", "power", "rev_ganzhou", "汇总读书会二"),
              approve_over_http(world, "ua_school", "school", "rev_linze", "汇总合唱")]
    assert all(g["status"] == "granted" and g["amount"] == "350.00" for g in grants)
    cancelled = world.as_user("finance").post("/api/v1/subsidies/%d/cancel" % grants[1]["id"],
                                              {"reason": "活动未按计划举办"})
    assert cancelled.status_code == 200, cancelled.text
    fund = world.system.client().post("/api/v1/funds", {
        "name": "%d年度小额资金" % ALERT_YEAR, "year": ALERT_YEAR, "policy": "activity",
        "budget": "400.00"})
    assert fund.status_code == 201, fund.text
    publish(world.system, approval(world.unions["power"], ALERT_YEAR))  # 350 of 400: 80 %
    publish(world.system, approval(world.unions["school"], NO_FUND_YEAR))  # no fund: declined
    return wait_for(lambda: (lambda d: d if d["decisions"] == 6 else None)(
        notify_rpc(world.system, "finance_digest", {})), 60, "notify to count six decisions")


def test_finance_hears_of_thresholds_at_once_and_of_decisions_not_one_by_one(world, day):
    finance = world.as_user("finance")
    alert = wait_for(lambda: [n for n in inbox(finance)
                              if n["event_type"] == "fund_threshold_reached"], 30,
                     "the threshold notice, before any digest")
    assert alert[0]["title"] == "资金使用提醒" and "%d" % ALERT_YEAR in alert[0]["body"]
    assert day["sent"] is False
    kinds = {n["event_type"] for n in inbox(finance)}
    assert kinds == {"fund_threshold_reached"}  # no grant, decline or digest yet
    # the union admins still hear of each of their decisions
    union_admin = {n["event_type"] for n in inbox(world.as_user("ua_power"))}
    assert {"subsidy_granted", "subsidy_declined"} <= union_admin


def test_the_days_digest_lands_once_with_the_days_figures(world, day):
    system = world.system
    with ThreadPoolExecutor(4) as pool:  # four requests at once, over two notify processes
        answers = list(pool.map(lambda _: notify_rpc(system, "send_finance_digest", {},
                                                     "ops"), range(4)))
    assert all(a["sent"] for a in answers)
    assert len({a["sent_at"] for a in answers}) == 1  # one digest went; the others saw it
    sent = answers[0]
    assert (sent["granted_count"], sent["granted"], sent["declined_count"],
            sent["cancelled_count"]) == (4, "1400.00", 1, 1)
    assert [(c["county"], c["granted_count"], c["granted"], c["declined_count"],
             c["cancelled_count"]) for c in sent["by_county"]] == [
        ("临泽县", 1, "350.00", 1, 0), ("甘州区", 3, "1050.00", 0, 1)]
    for username in ("finance", "finance2"):
        digests = [n for n in inbox(world.as_user(username))
                   if n["event_type"] == "finance_digest"]
        assert len(digests) == 1, username
        assert digests[0]["title"] == "今日补助核定汇总（%s）" % sent["day"]
        body = digests[0]["body"]
        assert "核定补助 4 项，共 1400.00 元；不予补助 1 项。撤销已核定补助 1 项。" in body
        assert "· 甘州区：核定 3 项，共 1050.00 元；不予补助 0 项；撤销 1 项" in body
        assert "· 临泽县：核定 1 项，共 350.00 元；不予补助 1 项" in body
        kinds = {n["event_type"] for n in inbox(world.as_user(username))}
        assert not kinds & {"subsidy_granted", "subsidy_declined", "venue_subsidy_decided"}
    assert count_rows(system, "notify", "notifications", "event_type = 'finance_digest'") == 1
    assert count_rows(system, "notify", "digest_days", "sent_at IS NOT NULL") == 1
    for username in ("ua_power", "rev_ganzhou", "worker"):
        assert not [n for n in inbox(world.as_user(username))
                    if n["event_type"] == "finance_digest"], username
    again = notify_rpc(system, "send_finance_digest", {"day": sent["day"]}, "ops")
    assert again == sent
    only = world.as_user("finance").get("/api/v1/notifications", event_type="finance_digest")
    assert only.status_code == 200 and only.json()["total"] == 1


def test_a_decision_after_the_digest_went_waits_for_the_next_one(world, day):
    sent = notify_rpc(world.system, "send_finance_digest", {"day": day["day"]}, "ops")
    assert sent["sent"] is True  # (sent by the test before, or now)
    approve_over_http(world, "ua_school", "school", "rev_linze", "汇总之后的活动")
    next_day = (date.fromisoformat(day["day"]) + timedelta(days=1)).isoformat()
    following = wait_for(lambda: (lambda d: d if d["decisions"] == 1 else None)(
        notify_rpc(world.system, "finance_digest", {"day": next_day})), 30,
        "the next day's count")
    assert following["sent"] is False and following["granted"] == "350.00"
    assert notify_rpc(world.system, "finance_digest", {"day": day["day"]}) == sent


def granted_event(world, county, n):
    return make_envelope("subsidy_granted", {
        "subsidy_id": 9_000_000 + n, "activity_id": 9_000_000 + n, "activity_title": "并发",
        "union_id": world.unions["power"]["id"], "county": county, "tier": "grassroots",
        "fund_id": world.fund["id"], "status": "granted", "amount": "1.00", "reason": None,
        "policy_version": 1, "explanation": []}, "subsidies", "test-notify-digest-race")


def counted(world, day, county):
    facts = notify_rpc(world.system, "finance_digest", {"day": day})
    return next((c["granted_count"] for c in facts["by_county"] if c["county"] == county), 0)


def test_decisions_folded_while_the_digest_goes_are_each_counted_once(world, day):
    """Decisions arrive (at two notify processes) while the digest of their day is sent:
    each counts in that digest or in the next day's, never in both, never in neither."""
    county, total = "高台县", 200
    # today's digest has gone (if an earlier test did not send it, now): what arrives now
    # counts in the next day's, which is sent while they arrive
    assert notify_rpc(world.system, "send_finance_digest", {"day": day["day"]})["sent"]
    first = (date.fromisoformat(day["day"]) + timedelta(days=1)).isoformat()
    second = (date.fromisoformat(day["day"]) + timedelta(days=2)).isoformat()
    with ThreadPoolExecutor(1) as pool:
        publishing = pool.submit(lambda: [publish(world.system, granted_event(world, county, n))
                                          for n in range(total)])
        wait_for(lambda: counted(world, first, county) >= 5, 30, "the first decisions counted")
        sent = notify_rpc(world.system, "send_finance_digest", {"day": first}, "ops")
        publishing.result()
    assert sent["sent"] is True
    in_sent = next(c["granted_count"] for c in sent["by_county"] if c["county"] == county)
    wait_for(lambda: in_sent + counted(world, second, county) == total, 60,
             "every decision counted, in the digest that went or in the next")
    assert 5 <= in_sent < total  # the digest went while decisions were still arriving
    # what went is what the day's figures hold: nothing was added to them after
    assert count_rows(world.system, "notify", "digest_figures", "day = :d AND county = :c "
                      "AND granted_count = :n", {"d": date.fromisoformat(first), "c": county,
                                                 "n": in_sent}) == 1
    assert count_rows(world.system, "notify", "notifications",
                      "event_type = 'finance_digest'") == 2
