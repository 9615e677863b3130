"""The activities service's reporting and review entrypoints in-process: a report is a
row, a history entry and an activity_reported envelope in one unit of work; each review
step moves the status once, appends to the trail and publishes its event."""
from datetime import date, timedelta

import pytest

from services.activities import contract, domain
from services.activities.service import Service
from services.common.clock import local_today
from services.common.errors import Conflict, Forbidden, Invalid, NotFound
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("activities", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def service(tier):
    return tier.worker(Service)


@pytest.fixture
def shop(service):
    city = service.create_union({"name": "市总工会", "level": "city", "county": "张掖市",
                                 "members": 10})
    county = service.create_union({"name": "甘州区总工会", "level": "county", "county": "甘州区",
                                   "parent_id": city["id"], "members": 100})
    return service.create_union({"name": "某厂工会", "level": "grassroots", "county": "甘州区",
                                 "parent_id": county["id"], "members": 50})


def body(union_id, **changes):
    report = {"union_id": union_id, "title": "职工篮球赛", "category": "sports",
              "held_on": (local_today() - timedelta(days=1)).isoformat(), "participants": 40,
              "expenses": "1500.00", "evidence": [{"kind": "photo",
                                                "url": "https://photos.example.org/1.jpg"}]}
    report.update(changes)
    return report


def test_a_report_is_its_row_its_history_and_its_event(tier, service, shop):
    activity = service.report_activity(body(shop["id"]), "shop_admin")
    assert activity["status"] == "submitted" and activity["tier"] == "grassroots"
    assert activity["county"] == "甘州区" and activity["expenses"] == "1500.00"
    assert activity["reported_by"] == "shop_admin"
    held_on = date.fromisoformat(activity["held_on"])
    assert activity["season"] == domain.season_of(held_on) and activity["year"] == held_on.year
    assert tier.count("activities", "expenses_fen = 150000") == 1
    (step,) = service.history(activity["id"])
    assert (step["action"], step["from_status"], step["to_status"]) == ("report", None, "submitted")
    (envelope,) = tier.outbox(contract.REPORTED.event_type)
    assert envelope["producer"] == "activities"
    facts = envelope["data"]
    assert facts["activity_id"] == activity["id"] and facts["union_name"] == "某厂工会"
    assert facts["expenses"] == "1500.00" and facts["status"] == "submitted"
    assert facts["season_theme"] and facts["lecturer_name"] is None
    assert contract.ActivityFacts().validate(facts) == {}


def test_a_refused_report_leaves_nothing(tier, service, shop):
    with pytest.raises(Invalid) as bad:
        service.report_activity(body(shop["id"], participants=51, lecturer_id=1), "a")
    assert set(bad.value.details) == {"participants", "lecturer_id"}
    with pytest.raises(Invalid) as bad:
        service.report_activity(body(999), "a")
    assert "union_id" in bad.value.details
    with pytest.raises(Invalid) as bad:
        service.report_activity(body(shop["id"], expenses="12.345"), "a")
    assert "expenses" in bad.value.details
    assert tier.count("activities") == 0 and tier.count("activity_history") == 0
    assert tier.outbox() == []


def test_a_retry_with_the_same_request_key_finds_the_first_report(tier, service, shop):
    first = service.report_activity(body(shop["id"]), "a", "key-1")
    assert service.report_activity(body(shop["id"]), "a", "key-1") == first
    assert tier.count("activities") == 1 and len(tier.outbox()) == 1


def test_review_steps_move_once_and_publish_each_event(tier, service, shop):
    activity = service.report_activity(body(shop["id"]), "a")
    with pytest.raises(Invalid):
        service.transition(activity["id"], "return", "reviewer", "  ")
    returned = service.transition(activity["id"], "return", "reviewer", "缺签到表")
    assert returned["status"] == "returned"
    with pytest.raises(Conflict):
        service.transition(activity["id"], "approve", "reviewer")
    edited = service.update_activity(activity["id"], {
        k: v for k, v in body(shop["id"], participants=45).items() if k != "union_id"}, "a")
    assert edited["participants"] == 45 and edited["status"] == "returned"
    service.transition(activity["id"], "resubmit", "a")
    approved = service.transition(activity["id"], "approve", "reviewer", "好")
    assert approved["status"] == "approved"
    assert [(h["action"], h["to_status"]) for h in service.history(activity["id"])] == [
        ("report", "submitted"), ("return", "returned"), ("edit", "returned"),
        ("resubmit", "submitted"), ("approve", "approved")]
    assert [e["event_type"] for e in tier.outbox()] == [
        "activity_reported", "activity_returned", "activity_reported", "activity_approved"]
    (approval,) = tier.outbox(contract.APPROVED.event_type)
    assert approval["data"]["comment"] == "好" and approval["data"]["actor"] == "reviewer"
    assert approval["data"]["participants"] == 45 and approval["data"]["status"] == "approved"
    with pytest.raises(Conflict):
        service.update_activity(activity["id"], {
            k: v for k, v in body(shop["id"]).items() if k != "union_id"}, "a")


def test_a_reviewer_outside_the_scope_changes_nothing(tier, service, shop):
    activity = service.report_activity(body(shop["id"]), "a")
    with pytest.raises(Forbidden):
        service.transition(activity["id"], "approve", "r", None,
                           {"county": "临泽县", "tiers": ["grassroots"]})
    assert service.get_activity(activity["id"])["status"] == "submitted"
    assert len(tier.outbox()) == 1 and tier.count("activity_history") == 1
    assert service.transition(activity["id"], "approve", "r", None,
                              {"county": "甘州区", "tiers": ["grassroots"]})["status"] == "approved"


def test_bulk_review_answers_per_item_in_order(tier, service, shop):
    one = service.report_activity(body(shop["id"]), "a")
    two = service.report_activity(body(shop["id"], title="二"), "a")
    service.transition(two["id"], "reject", "r", "重复")
    results = service.bulk_transition([two["id"], 999, one["id"]], "approve", "r")
    assert [(r["id"], r["status"]) for r in results] == [
        (two["id"], "rejected"), (999, None), (one["id"], "approved")]
    assert [r["error"]["code"] if r["error"] else None for r in results] == [
        "CONFLICT", "NOT_FOUND", None]
    assert contract.BulkItem(many=True).validate(results) == {}
    with pytest.raises(Invalid):
        service.bulk_transition(list(range(contract.BULK_MAX + 1)), "approve", "r")


def test_reads_lists_and_filters(service, shop):
    one = service.report_activity(body(shop["id"]), "a")
    two = service.report_activity(body(shop["id"], category="reading", title="读书会"), "a")
    assert service.get_activities([one["id"], 999, "x"]) == {str(one["id"]): one}
    page = service.list_activities({"union_id": shop["id"]}, 1, 0)
    assert page["total"] == 2 and page["items"][0]["id"] == two["id"]  # newest first
    assert service.list_activities({"category": "reading"})["items"] == [two]
    with pytest.raises(Invalid):
        service.list_activities({"status": "lost"})
    with pytest.raises(NotFound):
        service.history(999)
