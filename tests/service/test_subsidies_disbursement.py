"""Disbursement in process (entrypoints/disbursement.py): a batch of granted decisions,
paid once through the money aggregate (ledger, fund, allocations, events), cancelled, and
exported for the bank."""
import pytest

from services.activities import events as activity_events
from services.common.errors import Conflict, Invalid, NotFound
from services.library import events as library_events
from services.subsidies.service import Service
from tests.service.test_subsidies_decisions import approved, evaluated
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def granted(tier):
    """A fund with two granted activities (350.00 each, one in an allocation)."""
    service = tier.worker(Service)
    fund = service.create_fund({"name": "fund", "year": 2026, "policy": "activity",
                                "budget": "1000.00",
                                "allocations": [{"county": "临泽县", "budget": "400.00"}]})
    for activity_id, county in ((1, "甘州区"), (2, "临泽县")):
        tier.deliver(Service, "on_activity_approved", tier.event(
            activity_events.APPROVED, approved(activity_id=activity_id, county=county)))
    return fund


def test_a_batch_is_paid_once(tier, granted):
    service = tier.worker(Service)
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert (batch["status"], batch["count"], batch["total"]) == ("open", 2, "700.00")
    with pytest.raises(Conflict):
        service.create_batch({"fund_id": granted["id"]}, "finance1")  # nothing left outside
    paid = service.pay_batch(batch["id"], {"reference": "BANK-1"}, "finance2")
    assert (paid["status"], paid["paid_by"], paid["reference"]) == ("paid", "finance2", "BANK-1")
    fund = service.get_fund(granted["id"])
    assert (fund["granted"], fund["paid"]) == ("700.00", "700.00")
    assert fund["allocations"][0]["paid"] == "350.00"
    assert tier.count("ledger", "kind = 'pay' AND batch_id = :b AND note = 'BANK-1'",
                      b=batch["id"]) == 2
    events = tier.outbox("subsidy_paid")
    assert [e["data"]["activity_id"] for e in events] == [1, 2]
    assert events[0]["data"]["batch_id"] == batch["id"] and events[0]["data"]["amount"] == "350.00"
    assert tier.count("subsidies", "status = 'paid'") == 2
    with pytest.raises(Conflict):
        service.pay_batch(batch["id"], {}, "finance2")
    assert len(tier.outbox("subsidy_paid")) == 2
    assert service.reconcile_fund(granted["id"])["consistent"]
    listed = service.list_batches({"fund_id": granted["id"], "status": "paid"})
    assert listed["total"] == 1 and listed["items"][0]["id"] == batch["id"]
    assert service.list_subsidies({"batch_id": batch["id"]})["total"] == 2


def test_a_cancelled_batch_frees_its_decisions(tier, granted):
    service = tier.worker(Service)
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert service.cancel_batch(batch["id"], "finance1")["status"] == "cancelled"
    assert tier.count("subsidies", "batch_id IS NULL") == 2
    with pytest.raises(Conflict):
        service.pay_batch(batch["id"], {}, "finance1")
    again = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert again["count"] == 2 and again["id"] != batch["id"]
    assert tier.count("ledger", "kind = 'pay'") == 0 and tier.outbox("subsidy_paid") == []


def test_a_venue_subsidy_is_paid_with_its_venue_event(tier):
    service = tier.worker(Service)
    fund = service.create_fund({"name": "venues", "year": 2026, "policy": "venue",
                                "budget": "50000.00"})
    tier.deliver(Service, "on_venue_evaluated",
                 tier.event(library_events.VENUE_EVALUATED, evaluated()))
    batch = service.create_batch({"fund_id": fund["id"]}, "finance1")
    service.pay_batch(batch["id"], {}, "finance1")
    (paid,) = tier.outbox("venue_subsidy_paid")
    assert (paid["data"]["status"], paid["data"]["batch_id"]) == ("paid", batch["id"])


def test_the_export_for_the_bank(tier, granted):
    service = tier.worker(Service)
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    export = service.export_batch(batch["id"])
    assert (export["count"], export["total"]) == (2, "700.00")
    assert export["filename"] == "disbursement-%d-700.00.csv" % batch["id"]
    lines = export["csv"].splitlines()
    assert lines[0].startswith("\ufeff序号,补助编号,补助对象") and len(lines) == 3
    assert "文体活动" in lines[1] and "基层" in lines[1] and "350.00" in lines[1]


def test_unknown_or_bad(tier):
    service = tier.worker(Service)
    with pytest.raises(Invalid):
        service.create_batch({"fund_id": 99}, "finance1")
    with pytest.raises(Invalid):
        service.create_batch({"fund_id": "1"}, "finance1")
    with pytest.raises(NotFound):
        service.get_batch(99)
    with pytest.raises(NotFound):
        service.pay_batch(99, {}, "finance1")
