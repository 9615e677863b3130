"""Decisions in process (entrypoints/decisions.py): an approval or an evaluation in, the
decision, the fund's money, the ledger and the outbox out; a duplicate delivery changes
nothing; cancelling releases the money."""
import pytest

from services.activities import events as activity_events
from services.common.errors import Conflict, Invalid, NotFound
from services.common.unit_of_work import AlreadyProcessed
from services.library import events as library_events
from services.subsidies.service import Service
from tests.support.service_tier import ServiceDatabase

YEAR = 2026


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


def approved(activity_id=1, union_id=3, county="甘州区", participants=40, expenses="1500.00",
             held_on="%d-04-23" % YEAR):
    return {"activity_id": activity_id, "title": "读书分享会 %d" % activity_id,
            "union_id": union_id, "union_name": "甘州区某工会", "county": county,
            "tier": "grassroots", "category": "reading", "season": "spring",
            "held_on": held_on, "participants": participants, "expenses": expenses,
            "venue_id": None, "lecturer_id": None, "actor": "reviewer", "status": "approved"}


def evaluated(venue_id=7, period="%d-H1" % YEAR, rating="excellent", total=92):
    return {"venue_id": venue_id, "name": "甘州区职工书屋", "kind": "book_house",
            "county": "甘州区", "host_union_id": 3, "evaluation_id": 11, "period": period,
            "total": total, "rating": rating}


def open_fund(tier, budget="1000.00", policy="activity", **extra):
    return tier.worker(Service).create_fund(dict(
        {"name": "%d 年补助资金" % YEAR, "year": YEAR, "policy": policy, "budget": budget},
        **extra))


def approve(tier, **facts):
    envelope = tier.event(activity_events.APPROVED, approved(**facts))
    tier.deliver(Service, "on_activity_approved", envelope)
    return envelope


def test_an_approval_is_granted_reserved_and_announced(tier):
    fund = open_fund(tier)
    envelope = approve(tier)
    (subsidy,) = tier.worker(Service).list_subsidies({"activity_id": 1})["items"]
    assert (subsidy["status"], subsidy["amount"], subsidy["fund_id"]) == ("granted", "350.00",
                                                                          fund["id"])
    assert subsidy["policy_version"] == 1 and subsidy["explanation"][-1].endswith("350.00 元")
    assert tier.worker(Service).get_fund(fund["id"])["granted"] == "350.00"
    assert tier.count("ledger", "kind = 'reserve' AND amount_fen = 35000") == 1
    assert tier.count("union_years", "union_id = 3 AND granted_fen = 35000") == 1
    (granted,) = tier.outbox("subsidy_granted")
    assert granted["data"]["amount"] == "350.00" and granted["data"]["subsidy_id"] == subsidy["id"]
    assert granted["causation_id"] == envelope["event_id"]
    assert tier.count("inbox", "consumer = 'subsidies.activity_approved'") == 1


def test_a_duplicate_delivery_raises_already_processed_and_changes_nothing(tier):
    open_fund(tier)
    envelope = approve(tier)
    with pytest.raises(AlreadyProcessed):
        tier.deliver(Service, "on_activity_approved", envelope)
    assert tier.count("subsidies") == 1 and tier.count("ledger") == 1
    assert len(tier.outbox("subsidy_granted")) == 1


def test_the_same_activity_under_another_event_keeps_its_first_decision(tier):
    open_fund(tier)
    approve(tier)
    approve(tier)  # a new event id, the same activity
    assert tier.count("subsidies") == 1 and len(tier.outbox()) == 1
    assert tier.count("inbox", "consumer = 'subsidies.activity_approved'") == 2


def test_without_a_fund_or_money_the_approval_is_declined(tier):
    approve(tier, activity_id=1)
    assert tier.outbox("subsidy_declined")[0]["data"]["reason"] == "no_fund"
    open_fund(tier, budget="500.00")
    approve(tier, activity_id=2)
    approve(tier, activity_id=3)  # 150.00 left, 350.00 asked
    declined = tier.outbox("subsidy_declined")[-1]["data"]
    assert (declined["activity_id"], declined["reason"], declined["amount"]) == (
        3, "budget_exhausted", "0.00")
    assert tier.count("ledger") == 1


def test_thresholds_go_out_once_each(tier):
    fund = open_fund(tier, budget="400.00")
    approve(tier, activity_id=1)  # 350 of 400: past 80%
    (threshold,) = tier.outbox("fund_threshold_reached")
    assert (threshold["data"]["threshold_percent"], threshold["data"]["remaining"]) == (
        80, "50.00")
    approve(tier, activity_id=2, participants=0, expenses="100.00")  # 50.00: exactly 100%
    assert [e["data"]["threshold_percent"] for e in tier.outbox("fund_threshold_reached")] == [
        80, 100]
    assert tier.worker(Service).get_fund(fund["id"])["used_percent"] == 100


def test_a_county_allocation_must_also_have_the_money(tier):
    open_fund(tier, budget="1000.00", allocations=[{"county": "临泽县", "budget": "300.00"}])
    approve(tier, activity_id=1, county="临泽县")
    assert tier.outbox("subsidy_declined")[0]["data"]["reason"] == "budget_exhausted"
    approve(tier, activity_id=2, county="甘州区")  # the pool: 700.00
    assert tier.outbox("subsidy_granted")[0]["data"]["activity_id"] == 2


def test_a_venue_evaluation_is_decided_once_per_period(tier):
    open_fund(tier, budget="50000.00", policy="venue")
    envelope = tier.event(library_events.VENUE_EVALUATED, evaluated())
    tier.deliver(Service, "on_venue_evaluated", envelope)
    (decided,) = tier.outbox("venue_subsidy_decided")
    # a book house's construction 20000.00, excellent x 1.20
    assert (decided["data"]["status"], decided["data"]["amount"]) == ("granted", "24000.00")
    assert decided["data"]["purpose"] == "construction" and decided["data"]["batch_id"] is None
    with pytest.raises(AlreadyProcessed):
        tier.deliver(Service, "on_venue_evaluated", envelope)
    tier.deliver(Service, "on_venue_evaluated", tier.event(library_events.VENUE_EVALUATED,
                                                           evaluated()))
    assert tier.count("subsidies") == 1 and len(tier.outbox("venue_subsidy_decided")) == 1
    assert tier.count("union_years") == 0  # a venue's money is not a union's year


def test_a_poor_venue_is_declined(tier):
    open_fund(tier, budget="50000.00", policy="venue")
    tier.deliver(Service, "on_venue_evaluated", tier.event(
        library_events.VENUE_EVALUATED, evaluated(rating="pass", total=65)))
    (decided,) = tier.outbox("venue_subsidy_decided")
    assert (decided["data"]["status"], decided["data"]["reason"]) == ("declined", "not_eligible")


def test_cancelling_releases_the_money(tier):
    fund = open_fund(tier)
    approve(tier)
    service = tier.worker(Service)
    subsidy_id = service.list_subsidies({"activity_id": 1})["items"][0]["id"]
    answer = service.cancel_subsidy(subsidy_id, {"reason": "活动未按计划举办"}, "finance1")
    assert (answer["status"], answer["reason"], answer["amount"]) == ("declined", "cancelled",
                                                                      "0.00")
    assert "已撤销原核定补助 350.00 元" in answer["explanation"][-1]
    assert service.get_fund(fund["id"])["granted"] == "0.00"
    assert tier.count("ledger", "kind = 'release' AND amount_fen = 35000") == 1
    assert tier.count("union_years", "granted_fen = 0") == 1
    assert tier.outbox("subsidy_declined")[0]["data"]["reason"] == "cancelled"
    assert service.reconcile_fund(fund["id"])["consistent"]
    with pytest.raises(Conflict):
        service.cancel_subsidy(subsidy_id, {"reason": "again"}, "finance1")


def test_reading_and_bad_input(tier):
    service = tier.worker(Service)
    with pytest.raises(NotFound):
        service.get_subsidy(99)
    with pytest.raises(NotFound):
        service.list_subsidies({"fund_id": 99}, fund_must_exist=True)
    assert service.list_subsidies({"fund_id": 99}) == {"items": [], "total": 0}
    with pytest.raises(Invalid) as bad:
        service.list_subsidies({"reason": "weather"})
    assert "reason" in bad.value.details
    with pytest.raises(Invalid):
        service.cancel_subsidy(1, {"reason": "   "}, "finance1")
