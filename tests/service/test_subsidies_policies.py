"""Policies in process (entrypoints/policies.py): versions, drafts and publication, the
version an approval gets, and the dry run."""
import copy
from datetime import timedelta

import pytest

from services.activities import events as activity_events
from services.common.clock import local_today
from services.common.errors import Conflict, Invalid, NotFound
from services.subsidies import domain
from services.subsidies.service import Service
from tests.service.test_subsidies_decisions import approved
from tests.support.service_tier import ServiceDatabase

FACTS = {"tier": "grassroots", "category": "reading", "county": "甘州区", "participants": 40,
         "expenses": "1500.00"}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def service(tier):
    return tier.worker(Service)


def test_the_shipped_versions(service):
    listed = service.list_policies()
    assert [(p["kind"], p["version"], p["status"], p["in_force"]) for p in listed["items"]] == [
        ("activity", 1, "published", True), ("activity", 2, "draft", False),
        ("venue", 1, "published", True)]
    assert service.list_policies("venue")["total"] == 1
    v2 = domain.DIFFERENTIATED_ACTIVITY_POLICY
    assert service.get_policy("activity", 2)["name"] == v2["name"]
    with pytest.raises(NotFound):
        service.get_policy("activity", 9)
    with pytest.raises(Invalid):
        service.list_policies("weather")


def test_upload_a_draft_then_publish_it(tier, service):
    document = copy.deepcopy(domain.DEFAULT_ACTIVITY_POLICY)
    draft = service.upload_policy({"kind": "activity", "document": document}, "finance1")
    assert (draft["version"], draft["status"], draft["created_by"]) == (3, "draft", "finance1")
    today = local_today().isoformat()
    published = service.publish_policy("activity", 3, {"effective_from": today}, "finance1")
    assert (published["status"], published["effective_from"], published["in_force"]) == (
        "published", today, True)
    with pytest.raises(Conflict):
        service.publish_policy("activity", 3, {"effective_from": today}, "finance1")
    assert tier.outbox() == []  # policies publish no event


def test_a_bad_document_or_date_is_refused_and_nothing_is_stored(tier, service):
    document = copy.deepcopy(domain.DIFFERENTIATED_ACTIVITY_POLICY)
    document["rules"][3]["factor"] = "1.234"
    with pytest.raises(Invalid) as refused:
        service.upload_policy({"kind": "activity", "document": document}, "finance1")
    assert "document.rules.3.factor" in refused.value.details
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    with pytest.raises(Invalid) as refused:
        service.upload_policy({"kind": "activity", "effective_from": yesterday,
                               "document": domain.DEFAULT_ACTIVITY_POLICY}, "finance1")
    assert "effective_from" in refused.value.details
    assert tier.count("policies") == 3


def test_an_approval_gets_the_version_in_force_on_its_day(tier, service):
    service.publish_policy("activity", 2, {"effective_from": local_today().isoformat()}, "f")
    service.create_fund({"name": "fund", "year": 2026, "policy": "activity",
                         "budget": "10000.00"})
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved()))
    (granted,) = tier.outbox("subsidy_granted")
    assert granted["data"]["policy_version"] == 2


def test_the_dry_run_grants_nothing(tier, service):
    answer = service.dry_run("activity", {"activity": FACTS})
    assert (answer["policy_version"], answer["amount"], answer["reason"]) == (1, "350.00", None)
    assert answer["approved_on"] == local_today().isoformat() and len(answer["explanation"]) == 4
    v2 = service.dry_run("activity", {"version": 2, "activity": dict(FACTS, participants=3)})
    assert (v2["amount"], v2["reason"]) == ("0.00", "not_eligible")
    venue = service.dry_run("venue", {"venue": {"kind": "book_house", "county": "甘州区",
                                                "rating": "good", "total": 85}})
    assert venue["amount"] == "20000.00" and venue["inputs"]["purpose"] == "construction"
    assert tier.count("subsidies") == 0 and tier.outbox() == []
    with pytest.raises(Invalid) as refused:
        service.dry_run("venue", {"activity": FACTS})
    assert "venue" in refused.value.details
    with pytest.raises(NotFound):
        service.dry_run("weather", {"activity": FACTS})
    with pytest.raises(Invalid):
        service.dry_run("activity", {"activity": dict(FACTS, participants=10**6 + 1)})
