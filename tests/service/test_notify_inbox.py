"""The inbox entrypoints in-process: what a caller sees (in their language), counts, and
marking read (rows written in one unit of work)."""
import pytest

from services.activities import events as activity_events
from services.common.errors import Invalid, NotFound
from services.notify.service import Service
from services.subsidies import events as subsidy_events
from tests.service.test_notify_handlers import (
    FINANCE, REVIEWER, UNION_ADMIN, activity_facts, granted_facts)
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("notify", tmp_path)
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, activity_facts()))
    tier.deliver(Service, "on_activity_returned", tier.event(
        activity_events.RETURNED, activity_facts(comment="请补充发票", status="returned")))
    tier.deliver(Service, "on_subsidy_granted",
                 tier.event(subsidy_events.SUBSIDY_GRANTED, granted_facts()))
    yield tier
    tier.close()


def test_the_inbox_is_the_callers_newest_first_with_counts(tier):
    inbox = tier.worker(Service).inbox(UNION_ADMIN)
    assert [item["event_type"] for item in inbox["items"]] == [
        "subsidy_granted", "activity_returned", "activity_approved"]
    assert inbox["total"] == 3 and inbox["unread"] == 3
    assert set(inbox["items"][0]) == {"id", "event_type", "title", "body", "created_at",
                                      "read"}
    assert inbox["items"][0]["created_at"].endswith("Z")
    # finance hears of the grant in its daily digest, not one by one
    assert tier.worker(Service).inbox(FINANCE)["total"] == 0
    assert tier.worker(Service).inbox(REVIEWER)["total"] == 0
    # reading the inbox keeps the recipient row as the gateway describes the user
    assert tier.count("recipients", "user_id = 3 AND role = 'union_admin' AND "
                      "union_id = 7 AND language = 'zh-CN'") == 1


def test_the_inbox_pages_filters_and_speaks_the_callers_language(tier):
    service = tier.worker(Service)
    page = service.inbox(UNION_ADMIN, limit=1, offset=1)
    assert [item["event_type"] for item in page["items"]] == ["activity_returned"]
    assert page["total"] == 3
    only = service.inbox(UNION_ADMIN, filters={"event_type": "activity_approved"})
    assert only["total"] == 1 and only["unread"] == 3
    with pytest.raises(Invalid):
        service.inbox(UNION_ADMIN, filters={"event_type": "nope"})
    with pytest.raises(Invalid):
        service.inbox({"user_id": 3, "role": "stranger"})
    service.set_preferences(UNION_ADMIN, {"language": "en"})
    (item,) = service.inbox(UNION_ADMIN, filters={"event_type": "activity_returned"})["items"]
    assert item["title"] == "Activity returned for rework" and "请补充发票" in item["body"]


def test_marking_read_writes_read_marks_for_the_callers_notifications_only(tier):
    service = tier.worker(Service)
    newest, middle, oldest = (item["id"] for item in service.inbox(UNION_ADMIN)["items"])
    assert service.mark_read(UNION_ADMIN, [oldest, 10 ** 12]) == {"marked": 1}
    assert service.mark_read(UNION_ADMIN, [oldest]) == {"marked": 0}  # already read
    assert tier.count("read_marks", "user_id = 3 AND notification_id = :n", n=oldest) == 1
    unread = service.inbox(UNION_ADMIN, unread_only=True)
    assert unread["total"] == 2 and unread["unread"] == 2
    assert service.unread_count(UNION_ADMIN) == {"unread": 2}
    # finance's digest of the day (the grant in it) is someone else's for the others
    assert service.send_finance_digest({"day": None}, "ops")["sent"] is True
    (finance_item,) = service.inbox(FINANCE)["items"]
    assert finance_item["event_type"] == "finance_digest"
    with pytest.raises(NotFound):
        service.mark_one_read(UNION_ADMIN, finance_item["id"])
    with pytest.raises(NotFound):
        service.mark_one_read(REVIEWER, finance_item["id"])
    with pytest.raises(NotFound):
        service.mark_one_read(UNION_ADMIN, 2 ** 40)
    assert service.mark_one_read(FINANCE, finance_item["id"]) == {"marked": 1}
    with pytest.raises(Invalid):
        service.mark_read(UNION_ADMIN, ["1"])
    assert service.mark_read(UNION_ADMIN, None) == {"marked": 2}
    assert service.unread_count(UNION_ADMIN) == {"unread": 0}
    assert tier.count("read_marks") == 4


def test_muting_an_event_type_in_app_hides_it_but_never_a_subsidy_decision(tier):
    service = tier.worker(Service)
    service.set_preferences(UNION_ADMIN, {"channels": {
        "activity_approved": {"in_app": False}, "subsidy_granted": {"in_app": False}}})
    inbox = service.inbox(UNION_ADMIN)
    assert [item["event_type"] for item in inbox["items"]] == [
        "subsidy_granted", "activity_returned"]
    assert inbox["unread"] == 2 and service.unread_count(UNION_ADMIN) == {"unread": 2}
    assert service.mark_read(UNION_ADMIN) == {"marked": 2}  # the muted one stays unread
