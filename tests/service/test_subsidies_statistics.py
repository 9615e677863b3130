"""Statistics in process (entrypoints/statistics.py): a year's figures (averages rounded
half up to the fen), a county's, a union's year against its cap; the contract's
independence."""
import subprocess
import sys
from datetime import timedelta

import pytest

from services.activities import events as activity_events
from services.common.clock import local_today
from services.common.errors import Invalid
from services.common.money import average_fen
from services.subsidies.domain import DEFAULT_ACTIVITY_POLICY
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


def test_an_average_is_rounded_half_up_to_the_fen():
    assert average_fen(110000, 3) == 36667  # 1100.00 / 3 = 366.666... -> 366.67
    assert [average_fen(total, 3) for total in (100, 200, 300)] == [33, 67, 100]
    assert average_fen(1, 2) == 1 and average_fen(3, 2) == 2  # a half fen rounds up
    assert average_fen(0, 0) == 0 and average_fen(500, 0) == 0


def test_the_years_averages_round_half_up(tier):
    service = tier.worker(Service)
    service.create_fund({"name": "fund", "year": 2026, "policy": "activity",
                         "budget": "5000.00"})
    for activity_id, participants in ((1, 40), (2, 40), (3, 50)):  # 350 + 350 + 400
        tier.deliver(Service, "on_activity_approved", tier.event(
            activity_events.APPROVED, approved(activity_id=activity_id,
                                               participants=participants)))
    stats = service.stats({"year": 2026})
    assert (stats["granted"], stats["activities_subsidised"]) == ("1100.00", 3)
    assert stats["average_per_activity"] == "366.67"  # truncated, it was 366.66
    assert stats["by_county"][0]["average_per_activity"] == "366.67"


def test_a_countys_figures_carry_its_own_funds_only(tier):
    service = tier.worker(Service)
    city = service.create_fund({"name": "city", "year": 2026, "policy": "activity",
                                "budget": "800.00"})
    own = service.create_fund({"name": "临泽", "year": 2026, "policy": "activity",
                               "county": "临泽县", "budget": "400.00"})
    for activity_id, county in ((1, "甘州区"), (2, "临泽县")):
        tier.deliver(Service, "on_activity_approved", tier.event(
            activity_events.APPROVED, approved(activity_id=activity_id, county=county)))
    linze = service.stats({"year": 2026, "county": "临泽县"})
    assert [f["id"] for f in linze["funds"]] == [own["id"]]
    assert (linze["granted"], linze["funds"][0]["granted"]) == ("350.00", "350.00")
    assert service.stats({"year": 2026, "county": "甘州区"})["funds"] == []
    assert [f["id"] for f in service.stats({"year": 2026})["funds"]] == [city["id"], own["id"]]


def decide(tier, activity_id, union_id=3, tier_name="grassroots", **facts):
    tier.deliver(Service, "on_activity_approved", tier.event(activity_events.APPROVED, dict(
        approved(activity_id=activity_id, union_id=union_id, **facts), tier=tier_name)))


def test_a_unions_year_against_its_yearly_cap(tier):
    service = tier.worker(Service)
    service.create_fund({"name": "fund", "year": 2026, "policy": "activity",
                         "budget": "800.00"})
    decide(tier, 1)                    # 350.00
    decide(tier, 2, participants=50)   # 400.00
    decide(tier, 3)                    # 350.00 asked, 50.00 left: declined
    decide(tier, 4, union_id=4)        # another union's
    decide(tier, 5, held_on="2025-12-30")  # another year's
    with tier.engine.begin() as conn:  # the first one paid (how is disbursement's concern)
        conn.exec_driver_sql("UPDATE subsidies SET status = 'paid' WHERE activity_id = 1")
    before = service.union_year({"union_id": 3, "year": 2026, "tier": "grassroots"})
    assert (before["cap"], before["room"], before["policy_version"]) == (None, None, 1)
    # version 2 (a draft until now) has the yearly cap per union: in force from today
    service.publish_policy("activity", 2, {"effective_from": local_today().isoformat()},
                           "finance1")
    year = service.union_year({"union_id": 3, "year": 2026, "tier": "grassroots"})
    assert year == {"union_id": 3, "year": 2026, "tier": "grassroots", "granted": "750.00",
                    "paid": "350.00", "pending": "400.00", "decisions": 3, "subsidised": 2,
                    "declined": 1, "cap": "5000.00", "room": "4250.00", "policy_version": 2}
    # the cap follows the union's tier; without one given, the tier of its decisions
    assert service.union_year({"union_id": 3, "year": 2026, "tier": "county"})["cap"] == (
        "30000.00")
    assert service.union_year({"union_id": 3, "year": 2026})["cap"] == "5000.00"
    nothing = service.union_year({"union_id": 99, "year": 2026, "tier": "grassroots"})
    assert (nothing["granted"], nothing["decisions"], nothing["room"]) == ("0.00", 0, "5000.00")
    assert service.union_year({"union_id": 99, "year": 2026})["cap"] is None  # tier unknown
    with pytest.raises(Invalid):
        service.union_year({"union_id": 3, "year": 2026, "tier": "province"})


def test_the_cap_is_the_policys_in_force_today(tier):
    service = tier.worker(Service)
    rules = [dict(rule) for rule in DEFAULT_ACTIVITY_POLICY["rules"]
             if rule["type"] != "cap_per_union_year"]
    document = dict(DEFAULT_ACTIVITY_POLICY, rules=rules + [
        {"type": "cap_per_union_year", "amount": "300.00"}])
    service.upload_policy({"kind": "activity", "document": document,
                           "effective_from": local_today().isoformat()}, "finance1")
    service.create_fund({"name": "fund", "year": 2026, "policy": "activity",
                         "budget": "5000.00"})
    decide(tier, 1)  # 350.00, cut to the cap of 300.00
    year = service.union_year({"union_id": 3, "year": 2026, "tier": "city"})
    assert (year["granted"], year["cap"], year["room"], year["policy_version"]) == (
        "300.00", "300.00", "0.00", 3)  # version 2 is a draft (migration 0003)
    # an uncapped version from tomorrow (versions apply in order, each on a later day) is
    # not the one in force today: the cap stays
    service.upload_policy({"kind": "activity", "document": dict(document, rules=rules),
                           "effective_from": (local_today() + timedelta(days=1)).isoformat()},
                          "finance1")
    today = service.union_year({"union_id": 3, "year": 2026, "tier": "grassroots"})
    assert (today["cap"], today["room"], today["policy_version"]) == ("300.00", "0.00", 3)
