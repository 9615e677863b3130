"""Funds in process (entrypoints/funds.py): opening one, its county allocations, its
ledger and its reconciliation (the aggregate's invariant, checked, never repaired)."""
import pytest
from sqlalchemy import text

from services.activities import events as activity_events
from services.common.errors import Conflict, Invalid, NotFound
from services.subsidies.service import Service
from tests.service.test_subsidies_decisions import approved
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
