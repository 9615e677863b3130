"""Statistics in process (entrypoints/statistics.py), and the contract's independence."""
import subprocess
import sys

import pytest

from services.activities import events as activity_events
from services.common.errors import Invalid
from services.subsidies.service import Service
from tests.service.test_subsidies_decisions import approved
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


def test_a_years_figures(tier):
    service = tier.worker(Service)
    service.create_fund({"name": "fund", "year": 2026, "policy": "activity", "budget": "800.00"})
    for activity_id, county in ((1, "甘州区"), (2, "临泽县"), (3, "临泽县")):
        tier.deliver(Service, "on_activity_approved", tier.event(
            activity_events.APPROVED, approved(activity_id=activity_id, county=county)))
    stats = service.stats({"year": 2026})
    assert (stats["granted"], stats["activities_subsidised"], stats["declined"]) == (
        "700.00", 2, 1)
    assert stats["average_per_activity"] == "350.00" and stats["paid"] == "0.00"
    assert [(c["county"], c["granted"], c["declined"]) for c in stats["by_county"]] == [
        ("临泽县", "350.00", 1), ("甘州区", "350.00", 0)]
    assert [(t["tier"], t["tier_name"]) for t in stats["by_tier"]] == [("grassroots", "基层")]
    assert stats["venues"] == {"granted": "0.00", "paid": "0.00", "venues_subsidised": 0,
                               "declined": 0, "average_per_venue": "0.00"}
    assert [(f["budget"], f["granted"], f["remaining"], f["county"]) for f in stats["funds"]] == [
        ("800.00", "700.00", "100.00", None)]
    county = service.stats({"year": 2026, "county": "甘州区"})
    assert county["county"] == "甘州区" and county["activities_subsidised"] == 1
    assert service.stats({"year": 2030})["funds"] == []
    with pytest.raises(Invalid):
        service.stats({"year": 1999})


def test_the_contract_needs_no_implementation():
    probe = ("import sys; import services.subsidies.contract as c; "
             "bad = [m for m in sys.modules if m.startswith(('sqlalchemy', 'eventlet', "
             "'nameko.rpc', 'nameko.containers', 'services.subsidies.models', "
             "'services.subsidies.service', 'services.subsidies.domain', "
             "'services.subsidies.entrypoints'))]; "
             "assert not bad, bad; assert c.FundIn and c.SUBSIDY_GRANTED.event_type")
    subprocess.run([sys.executable, "-c", probe], check=True)
