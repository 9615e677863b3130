"""send_reminder in-process: one in-app notice per union to its admins, written as event
fan-out writes them, and the reminder row, in one unit of work; the reader's language;
a retry with the same request key sends nothing twice."""
import pytest
from sqlalchemy import text

from services.common.errors import Invalid
from services.notify.service import Service
from tests.service.test_notify_handlers import REVIEWER, UNION_ADMIN
from tests.support.service_tier import ServiceDatabase

OTHER_ADMIN = dict(UNION_ADMIN, user_id=6, username="xuexiao", union_id=8)
THIRD_ADMIN = dict(UNION_ADMIN, user_id=9, username="meikuang", union_id=9)


def reminder(**changes):
    payload = {"union_ids": [7, 8], "year": 2026, "month": 3, "county": "甘州区"}
    payload.update(changes)
    return payload


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("notify", tmp_path)
    yield tier
    tier.close()


def test_a_reminder_reaches_each_unions_admins_and_no_one_else(tier):
    service = tier.worker(Service)
    answer = service.send_reminder(reminder(), "city")
    assert answer["sent"] == 2 and answer["union_ids"] == [7, 8]
    assert (answer["year"], answer["month"], answer["county"]) == (2026, 3, "甘州区")
    assert answer["sent_by"] == "city" and answer["sent_at"].endswith("Z")
    assert set(answer) == {"id", "sent", "union_ids", "year", "month", "county", "sent_by",
                           "sent_at"}
    # the rows event fan-out writes: one per audience, under the reminder's own event id
    (event_id,) = {row[0] for row in _rows(tier, "SELECT event_id FROM reminders")}
    assert tier.count("notifications", "event_id = :e AND event_type = 'coverage_reminder' "
                      "AND audience_kind = 'union_admins' AND audience_key IN ('7', '8')",
                      e=event_id) == 2
    assert tier.count("notifications") == 2
    assert tier.count("deliveries") == 0 and tier.count("outbox") == 0  # in-app only
    for admin in (UNION_ADMIN, OTHER_ADMIN):
        (item,) = service.inbox(admin, unread_only=True)["items"]
        assert item["event_type"] == "coverage_reminder" and item["read"] is False
        assert item["title"] == "请及时上报活动"
        assert item["body"].startswith("2026 年 3 月甘州区暂无贵单位上报的活动")
    assert service.inbox(THIRD_ADMIN)["total"] == 0
    assert service.inbox(REVIEWER)["total"] == 0
    only = service.inbox(UNION_ADMIN, filters={"event_type": "coverage_reminder"})
    assert only["total"] == 1


def test_the_reminder_speaks_the_readers_language(tier):
    service = tier.worker(Service)
    service.send_reminder(reminder(union_ids=[7], month=11), "city")
    service.set_preferences(UNION_ADMIN, {"language": "en"})
    (item,) = service.inbox(UNION_ADMIN)["items"]
    assert item["title"] == "Please report your activities"
    assert "甘州区 has no activity reported by your union for November 2026" in item["body"]
    assert "{" not in item["body"]


def test_a_retry_with_the_same_key_sends_once_and_another_body_is_refused(tier):
    service = tier.worker(Service)
    first = service.send_reminder(reminder(), "city", "key-1")
    again = service.send_reminder(reminder(), "city", "key-1")
    assert again == first
    assert tier.count("reminders") == 1 and tier.count("notifications") == 2
    with pytest.raises(Invalid) as refused:
        service.send_reminder(reminder(month=4), "city", "key-1")
    assert "Idempotency-Key" in refused.value.details
    # the key is the sender's: another sender's same key is a reminder of its own
    other = service.send_reminder(reminder(), "rev_ganzhou", "key-1")
    assert other["id"] != first["id"] and tier.count("notifications") == 4
    assert tier.count("reminders") == 2


@pytest.mark.parametrize("bad, field", [
    (reminder(union_ids=[]), "union_ids"),
    (reminder(union_ids=[7, 7]), "union_ids"),
    (reminder(union_ids=list(range(1, 202))), "union_ids"),
    (reminder(union_ids=["7"]), "union_ids"),
    (reminder(month=13), "month"),
    (reminder(year="2026"), "year"),
    (reminder(county="北京市"), "county"),
    ({"union_ids": [7], "year": 2026, "month": 3}, "county"),
    (dict(reminder(), colour="red"), "colour"),
])
def test_a_bad_reminder_is_refused_and_writes_nothing(tier, bad, field):
    with pytest.raises(Invalid) as refused:
        tier.worker(Service).send_reminder(bad, "city")
    assert field in refused.value.details
    assert tier.count("reminders") == 0 and tier.count("notifications") == 0


def _rows(tier, sql):
    with tier.engine.connect() as conn:
        return conn.execute(text(sql)).all()
