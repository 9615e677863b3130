"""notify's event handlers in-process: an event in, notifications and deliveries out, in one
unit of work that claims the event; a duplicate raises AlreadyProcessed and changes nothing."""
import json

import pytest

from services.activities import events as activity_events
from services.common.unit_of_work import AlreadyProcessed
from services.library import events as library_events
from services.notify.service import Service
from services.subsidies import events as subsidy_events
from tests.support.service_tier import ServiceDatabase

UNION_ADMIN = {"user_id": 3, "username": "gongdian", "role": "union_admin", "union_id": 7,
               "county": "甘州区"}
FINANCE = {"user_id": 5, "username": "caiwu", "role": "finance", "union_id": None,
           "county": None}
REVIEWER = {"user_id": 4, "username": "shenhe", "role": "county_reviewer", "union_id": None,
            "county": "甘州区"}


def activity_facts(**changes):
    facts = {"activity_id": 11, "title": "读书分享会", "union_id": 7, "union_name": "供电工会",
             "county": "甘州区", "tier": "grassroots", "category": "reading",
             "season": "spring", "held_on": "2026-04-23", "participants": 30,
             "expenses": "600.00", "venue_id": None, "lecturer_id": None,
             "actor": "shenhe", "comment": "材料齐全", "status": "approved"}
    facts.update(changes)
    return facts


def granted_facts(**changes):
    facts = {"subsidy_id": 21, "activity_id": 11, "activity_title": "读书分享会",
             "union_id": 7, "county": "甘州区", "tier": "grassroots", "fund_id": 1,
             "status": "granted", "amount": "350.00", "reason": None, "policy_version": 1,
             "explanation": ["基础补助：150.00 元", "参与人数补助：200.00 元"]}
    facts.update(changes)
    return facts


def add_webhook(service, event_types, url="https://hooks.example.org/cm"):
    return service.create_webhook({"url": url, "secret": "s3cret-s3cret-s3cret",
                                   "event_types": event_types}, "ops")


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("notify", tmp_path)
    yield tier
    tier.close()


def test_an_approval_reaches_the_unions_admins_in_their_inbox(tier):
    envelope = tier.event(activity_events.APPROVED, activity_facts())
    service = tier.worker(Service)
    service.on_activity_approved(envelope)  # a plain call: no inbox claim needed to work
    assert tier.count("notifications", "event_id = :e AND audience_kind = 'union_admins' "
                      "AND audience_key = '7'", e=envelope["event_id"]) == 1
    assert tier.count("notifications") == 1
    assert tier.count("deliveries") == 0  # nobody chose email, nobody subscribed
    service.deliveries.wake.assert_not_called()
    assert tier.outbox() == []  # notify publishes nothing for a notice
    inbox = tier.worker(Service).inbox(UNION_ADMIN)
    (item,) = inbox["items"]
    assert item["title"] == "活动已通过审核" and "读书分享会" in item["body"]
    assert "审核意见：材料齐全" in item["body"] and item["read"] is False


def test_a_duplicate_delivery_raises_already_processed_and_changes_nothing(tier):
    add_webhook(tier.worker(Service), ["subsidy_granted"])
    envelope = tier.event(subsidy_events.SUBSIDY_GRANTED, granted_facts())
    tier.deliver(Service, "on_subsidy_granted", envelope)
    counted = "granted_count = 1 AND granted_fen = 35000 AND county = '甘州区'"
    before = (tier.count("notifications"), tier.count("deliveries"), tier.count("inbox"),
              tier.count("digest_figures", counted))
    # the union's admins (finance: in its digest, counted once); one webhook; one claim
    assert before == (1, 1, 1, 1)
    assert tier.count("inbox", "consumer = 'notify.subsidy_granted' AND event_id = :e",
                      e=envelope["event_id"]) == 1
    with pytest.raises(AlreadyProcessed):
        tier.deliver(Service, "on_subsidy_granted", envelope)
    assert (tier.count("notifications"), tier.count("deliveries"), tier.count("inbox"),
            tier.count("digest_figures", counted)) == before


def test_emails_go_to_recipients_who_gave_an_address_and_did_not_turn_email_off(tier):
    setup = tier.worker(Service)
    setup.set_preferences(UNION_ADMIN, {"email": "admin7@example.org", "language": "en"})
    setup.set_preferences(FINANCE, {"email": "finance@example.org", "channels": {
        "subsidy_granted": {"email": False}}})
    service = tier.worker(Service)
    tier.deliver(Service, "on_subsidy_granted", tier.event(subsidy_events.SUBSIDY_GRANTED,
                                                           granted_facts()),
                 deliveries=service.deliveries)
    assert tier.count("deliveries", "channel = 'email'") == 1
    assert tier.count("deliveries", "channel = 'email' AND recipient = 'user:3' AND "
                      "target = 'admin7@example.org' AND language = 'en' AND "
                      "status = 'pending' AND attempts = 0") == 1
    assert tier.count("deliveries", "subject = '[Culture Matrix] Subsidy granted'") == 1
    service.deliveries.wake.assert_called_once()


def test_a_webhook_subscriber_gets_the_event_as_published(tier):
    add_webhook(tier.worker(Service), ["venue_evaluated"])
    add_webhook(tier.worker(Service), ["subsidy_paid"], url="https://other.example.org/")
    facts = {"venue_id": 9, "name": "供电职工书屋", "kind": "book_house", "county": "甘州区",
             "host_union_id": 7, "evaluation_id": 2, "period": "2026", "total": 86,
             "rating": "good", "max_total": 100, "rating_name": "良好",
             "period_start": "2026-01-01", "period_end": "2026-12-31"}
    envelope = tier.event(library_events.VENUE_EVALUATED, facts)
    tier.deliver(Service, "on_venue_evaluated", envelope)
    assert tier.count("deliveries") == 1
    with tier.engine.connect() as conn:
        payload, target, subscription_id = conn.exec_driver_sql(
            "SELECT payload, target, subscription_id FROM deliveries").one()
    assert target == "https://hooks.example.org/cm" and subscription_id == 1
    body = json.loads(payload)
    assert {key: body[key] for key in ("event_id", "event_type", "producer",
                                       "correlation_id", "schema_version")} == {
        "event_id": envelope["event_id"], "event_type": "venue_evaluated",
        "producer": "library", "correlation_id": "test-correlation", "schema_version": 1}
    assert body["data"]["period_start"] == "2026-01-01"  # dates as ISO text again
    assert body["data"]["rating_name"] == "良好"


def test_a_county_report_goes_to_the_city_and_a_grassroots_one_to_the_county(tier):
    tier.deliver(Service, "on_activity_reported", tier.event(
        activity_events.REPORTED, activity_facts(tier="county", status="reported")))
    tier.deliver(Service, "on_activity_reported", tier.event(
        activity_events.REPORTED, activity_facts(status="reported")))
    assert tier.count("notifications", "audience_kind = 'role' AND "
                      "audience_key = 'city_admin'") == 1
    assert tier.count("notifications", "audience_kind = 'county_reviewers' AND "
                      "audience_key = '甘州区'") == 1
    assert tier.worker(Service).unread_count(REVIEWER) == {"unread": 1}


def test_a_venue_subsidy_without_a_host_union_reaches_finance_in_its_digest_only(tier):
    facts = {"subsidy_id": 3, "venue_id": 9, "venue_name": "供电职工书屋", "county": "甘州区",
             "host_union_id": None, "period": "2026", "purpose": "construction",
             "fund_id": 2, "status": "granted", "amount": "5000.00", "reason": None,
             "policy_version": 1, "explanation": ["基础补助：5000.00 元"], "batch_id": None}
    tier.deliver(Service, "on_venue_subsidy_decided",
                 tier.event(subsidy_events.VENUE_SUBSIDY_DECIDED, facts))
    assert tier.count("notifications") == 0
    assert tier.count("digest_figures", "subject = 'venue' AND granted_count = 1 AND "
                      "granted_fen = 500000") == 1
    digest = tier.worker(Service).finance_digest()
    assert digest["sent"] is False and digest["venues"]["granted"] == "5000.00"
