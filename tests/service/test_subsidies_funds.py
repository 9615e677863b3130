"""Funds in process (entrypoints/funds.py): opening one, its county allocations, its
ledger and its reconciliation (the aggregate's invariant, checked, never repaired)."""
import pytest
from sqlalchemy import text

from services.activities import events as activity_events
from services.common.errors import Conflict, Invalid, NotFound
from services.subsidies.service import Service
from tests.service.test_subsidies_decisions import approved, with_bank_details
from tests.support.service_tier import ServiceDatabase

FUND = {"name": "2026 年职工文体活动补助资金", "year": 2026, "policy": "activity",
        "budget": "1000.00"}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def service(tier):
    return tier.worker(Service)


def test_a_fund_opens_with_its_figures_and_allocations(tier, service):
    fund = service.create_fund(dict(FUND, allocations=[{"county": "临泽县", "budget": "300.00"}]))
    assert (fund["budget"], fund["granted"], fund["paid"], fund["remaining"]) == (
        "1000.00", "0.00", "0.00", "1000.00")
    assert fund["county"] is None and fund["status"] == "open" and fund["used_percent"] == 0
    assert fund["allocations"] == [{"county": "临泽县", "budget": "300.00", "granted": "0.00",
                                    "paid": "0.00", "remaining": "300.00"}]
    assert fund["created_at"].endswith("Z")
    assert service.get_fund(fund["id"]) == fund
    assert tier.count("fund_allocations") == 1 and tier.outbox() == []
    listed = service.list_funds({"year": 2026})
    assert listed["total"] == 1 and listed["items"] == [fund]
    assert service.list_funds({"county": "临泽县"})["total"] == 0


def test_one_open_fund_per_year_policy_and_county(service):
    service.create_fund(FUND)
    with pytest.raises(Conflict):
        service.create_fund(FUND)
    county_fund = service.create_fund(dict(FUND, county="临泽县"))
    assert county_fund["county"] == "临泽县"


@pytest.mark.parametrize("change, field", [
    ({"county": "北京市"}, "county"),
    ({"budget": "-1.00"}, "budget"),
    ({"year": 1999}, "year"),
    ({"allocations": [{"county": "临泽县", "budget": "2000.00"}]}, "allocations"),
    ({"allocations": [{"county": "临泽县", "budget": "1.00"}] * 2}, "allocations.1.county"),
    ({"county": "临泽县", "allocations": [{"county": "临泽县", "budget": "1.00"}]},
     "allocations"),
    ({"allocations": [{"county": "临泽县", "budget": "1.00"}] * 51}, "allocations"),
])
def test_a_bad_fund_is_refused_with_its_field(tier, service, change, field):
    with pytest.raises(Invalid) as refused:
        service.create_fund(dict(FUND, **change))
    assert field in refused.value.details
    assert tier.count("funds") == 0


def test_allocations_never_go_below_what_was_granted(tier, service):
    fund = service.create_fund(FUND)
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(county="临泽县")))
    with pytest.raises(Invalid) as refused:
        service.set_allocations(fund["id"], {"allocations": [{"county": "临泽县",
                                                              "budget": "100.00"}]})
    assert "allocations.0.budget" in refused.value.details
    answer = service.set_allocations(fund["id"], {"allocations": [
        {"county": "临泽县", "budget": "400.00"}, {"county": "高台县", "budget": "100.00"}]})
    assert [(a["county"], a["granted"]) for a in answer["allocations"]] == [
        ("临泽县", "350.00"), ("高台县", "0.00")]
    answer = service.set_allocations(fund["id"], {"allocations": [
        {"county": "临泽县", "budget": "350.00"}]})
    assert [a["remaining"] for a in answer["allocations"]] == ["0.00"]
    assert tier.count("fund_allocations") == 1
    assert service.reconcile_fund(fund["id"])["consistent"]
    county_fund = service.create_fund(dict(FUND, county="高台县"))
    with pytest.raises(Invalid):
        service.set_allocations(county_fund["id"], {"allocations": []})


def test_the_ledger_and_reconciliation(tier, service):
    fund = service.create_fund(FUND)
    for activity_id in (1, 2):
        tier.deliver(Service, "on_activity_approved", tier.event(
            activity_events.APPROVED, approved(activity_id=activity_id)))
    ledger = service.fund_ledger(fund["id"])
    assert ledger["total"] == 2 and [e["kind"] for e in ledger["items"]] == ["reserve"] * 2
    assert ledger["items"][0]["amount"] == "350.00"
    report = service.reconcile_fund(fund["id"])
    assert report["consistent"] and report["problems"] == []
    assert report["ledger"] == {"budget": "1000.00", "granted": "700.00", "paid": "0.00",
                                "entries": 2}
    assert report["decisions"] == {"granted": "700.00", "paid": "0.00"}
    assert service.reconcile_all()["consistent"]
    with pytest.raises(NotFound):
        service.fund_ledger(99)


def test_reconciliation_reports_drift_and_repairs_nothing(tier, service):
    fund = service.create_fund(FUND)
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved()))
    with tier.engine.begin() as conn:
        conn.execute(text("UPDATE funds SET granted_fen = 120000"))  # drifted: over budget
    report = service.reconcile_fund(fund["id"])
    assert not report["consistent"]
    assert report["problems"] == [
        "granted (ledger): stored 1200.00, recomputed 350.00",
        "granted (decisions): stored 1200.00, recomputed 350.00",
        "granted exceeds the budget"]
    assert report["remaining"] == "-200.00"
    assert tier.count("funds", "granted_fen = 120000") == 1  # left as found
    assert not service.reconcile_all()["consistent"]


# adjusting and closing (issue 18) -------------------------------------------------------
def test_an_adjustment_moves_the_budget_with_its_reason_in_the_ledger(tier, service):
    fund = service.create_fund(FUND)
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved()))  # 350.00 granted
    raised = service.adjust_fund(fund["id"], {"amount": "500.00", "reason": " 追加预算 "},
                                 "finance1")
    assert (raised["amount"], raised["reason"], raised["actor"]) == ("500.00", "追加预算",
                                                                     "finance1")
    assert (raised["budget_before"], raised["budget_after"]) == ("1000.00", "1500.00")
    assert (raised["fund"]["budget"], raised["fund"]["remaining"]) == ("1500.00", "1150.00")
    assert raised["fund"]["opening_budget"] == "1000.00" and raised["at"].endswith("Z")
    lowered = service.adjust_fund(fund["id"], {"amount": "-1150.00", "reason": "调减"}, "f2")
    assert (lowered["budget_after"], lowered["fund"]["remaining"]) == ("350.00", "0.00")
    with pytest.raises(Conflict) as refused:
        service.adjust_fund(fund["id"], {"amount": "-0.01", "reason": "低于已核定"}, "f2")
    assert refused.value.details["granted"] == "350.00"
    assert refused.value.details["amount"] == ["at least 0.00"]
    ledger = service.fund_ledger(fund["id"])["items"]
    assert [(e["kind"], e["amount"], e["note"], e["actor"]) for e in ledger[1:]] == [
        ("adjust", "500.00", "追加预算", "finance1"), ("adjust", "-1150.00", "调减", "f2")]
    assert raised["id"] == ledger[1]["id"] and lowered["id"] == ledger[2]["id"]
    listed = service.list_adjustments(fund["id"])
    assert listed["total"] == 2 and [a["budget_before"] for a in listed["items"]] == [
        "1000.00", "1500.00"]
    assert service.list_adjustments(fund["id"], limit=1, offset=1)["items"] == [
        {k: v for k, v in lowered.items() if k != "fund"}]
    report = service.reconcile_fund(fund["id"])
    assert report["consistent"], report["problems"]
    assert report["ledger"]["budget"] == "350.00"
    # lowered to what is granted: 80 % and 100 % reached by the cut, said once each
    assert [e["data"]["threshold_percent"] for e in tier.outbox("fund_threshold_reached")] == [
        80, 100]


@pytest.mark.parametrize("amount, field", [("0.00", "amount"), ("-0", "amount"),
                                           ("1.234", "amount"), (500, "amount"),
                                           ("--5.00", "amount")])
def test_a_bad_adjustment_is_refused_by_field(service, amount, field):
    fund = service.create_fund(FUND)
    with pytest.raises(Invalid) as refused:
        service.adjust_fund(fund["id"], {"amount": amount, "reason": "x"}, "f")
    assert field in refused.value.details
    for reason in ("", "  ", "长" * 501):
        with pytest.raises(Invalid) as refused:
            service.adjust_fund(fund["id"], {"amount": "1.00", "reason": reason}, "f")
        assert "reason" in refused.value.details
    with pytest.raises(Invalid):
        service.adjust_fund(fund["id"], {"amount": "1.00"}, "f")
    with pytest.raises(NotFound):
        service.adjust_fund(99, {"amount": "1.00", "reason": "x"}, "f")
    assert service.list_adjustments(fund["id"])["total"] == 0


def test_a_budget_never_falls_below_the_county_allocations(service):
    fund = service.create_fund(dict(FUND, allocations=[{"county": "临泽县", "budget": "800.00"}]))
    with pytest.raises(Conflict) as refused:
        service.adjust_fund(fund["id"], {"amount": "-300.00", "reason": "调减"}, "f")
    assert "allocations" in refused.value.details
    assert service.get_fund(fund["id"])["budget"] == "1000.00"


def test_a_raise_lets_the_thresholds_be_announced_again(tier, service):
    fund = service.create_fund(dict(FUND, budget="400.00"))
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(activity_id=1)))  # 350 of 400
    service.adjust_fund(fund["id"], {"amount": "600.00", "reason": "追加"}, "f")  # 35 %
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(activity_id=2)))  # 70 %
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(activity_id=3, participants=0,
                                                               expenses="300.00")))  # 85 %
    assert [e["data"]["threshold_percent"] for e in tier.outbox("fund_threshold_reached")] == [
        80, 80]


def test_a_closed_fund_draws_nothing_more_and_a_new_one_may_open(tier, service):
    fund = service.create_fund(FUND)
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(activity_id=1)))
    closed = service.close_fund(fund["id"], {"reason": "年度结束"}, "finance1")
    assert (closed["status"], closed["closed_by"], closed["closed_reason"]) == (
        "closed", "finance1", "年度结束")
    assert closed["closed_at"].endswith("Z") and closed["granted"] == "350.00"
    assert service.get_fund(fund["id"]) == closed
    assert service.list_funds({"status": "closed"})["items"] == [closed]
    with pytest.raises(Conflict) as twice:
        service.close_fund(fund["id"], {}, "finance2")
    assert twice.value.details["closed_by"] == "finance1"
    for refused in (lambda: service.adjust_fund(fund["id"], {"amount": "1.00", "reason": "x"},
                                                "f"),
                    lambda: service.redecide(fund["id"], {}, "f")):
        with pytest.raises(Conflict):
            refused()
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(activity_id=2)))
    assert tier.outbox("subsidy_declined")[-1]["data"]["reason"] == "no_fund"
    fresh = service.create_fund(dict(FUND, name="2026 年追加资金"))
    assert fresh["status"] == "open" and fresh["closed_reason"] is None
    assert service.close_fund(fresh["id"], {}, "f")["closed_reason"] is None
    with pytest.raises(Invalid):
        service.close_fund(fund["id"], {"reason": " "}, "f")
    # what the closed fund granted is still batched and paid
    with_bank_details(service, "union", 3)
    batch = service.create_batch({"fund_id": fund["id"]}, "finance1")
    assert batch["count"] == 1
    paid = service.pay_batch(batch["id"], {"reference": "B-1"}, "finance2")
    assert paid["status"] == "paid"
    assert service.get_fund(fund["id"])["paid"] == "350.00"
    assert service.reconcile_fund(fund["id"])["consistent"]
