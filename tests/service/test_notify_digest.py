"""Finance's daily digest in-process: decisions folded into their day's figures in the
unit of work that claims the event, one notice a day for finance (and the emails of those
who chose them), sent once; a decision after its day's digest went counts in the next;
the timer catches up on days it missed; payments returned and reversals reach the union."""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.common.clock import LOCAL, iso, utcnow
from services.common.errors import Invalid
from services.notify import digest
from services.notify.service import Service
from services.subsidies import events as subsidy_events
from tests.service.test_notify_handlers import FINANCE, UNION_ADMIN, granted_facts
from tests.support.service_tier import ServiceDatabase

FINANCE2 = dict(FINANCE, user_id=8, username="caiwu2")
HOUR = 18


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("notify", tmp_path)
    yield tier
    tier.close()


def decide(tier, spec, facts, at=None, handler=None):
    envelope = tier.event(spec, facts)
    if at is not None:
        envelope["occurred_at"] = iso(at)
    name = handler or "on_%s" % spec.event_type
    tier.deliver(Service, name, envelope)
    return envelope


def grant(tier, amount="350.00", county="甘州区", at=None, **changes):
    return decide(tier, subsidy_events.SUBSIDY_GRANTED,
                  granted_facts(amount=amount, county=county, **changes), at)


def decline(tier, county="临泽县", reason="budget_exhausted", at=None):
    return decide(tier, subsidy_events.SUBSIDY_DECLINED, granted_facts(
        status="declined", amount="0.00", county=county, reason=reason), at)


def venue(tier, amount="20000.00", status="granted"):
    return decide(tier, subsidy_events.VENUE_SUBSIDY_DECIDED, {
        "subsidy_id": 3, "venue_id": 9, "venue_name": "供电职工书屋", "county": "甘州区",
        "host_union_id": 7, "period": "2026", "purpose": "construction", "fund_id": 2,
        "status": status, "amount": amount, "reason": None, "policy_version": 1,
        "explanation": [], "batch_id": None})


def finance_notices(tier, who=FINANCE):
    return [n for n in tier.worker(Service).inbox(who, limit=500)["items"]
            if n["event_type"] == "finance_digest"]


def local(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def test_a_day_of_decisions_becomes_one_digest_for_finance_sent_once(tier):
    for amount in ("350.00", "290.00"):
        grant(tier, amount)
    grant(tier, "700.00", county="临泽县")
    decline(tier)
    decline(tier, county="甘州区", reason="cancelled")  # a grant withdrawn
    venue(tier)
    assert finance_notices(tier) == []  # nothing one by one
    assert tier.count("notifications", "audience_kind = 'role' AND "
                      "audience_key = 'finance'") == 0

    first = tier.worker(Service).send_finance_digest(None, "ops")
    assert first["sent"] is True and first["sent_by"] == "ops"
    assert (first["granted_count"], first["granted"], first["declined_count"],
            first["cancelled_count"], first["decisions"]) == (4, "21340.00", 1, 1, 6)
    assert first["venues"] == {"granted_count": 1, "granted": "20000.00",
                               "declined_count": 0, "cancelled_count": 0}
    assert [(c["county"], c["granted_count"], c["granted"], c["declined_count"])
            for c in first["by_county"]] == [("临泽县", 1, "700.00", 1),
                                             ("甘州区", 3, "20640.00", 0)]
    again = tier.worker(Service).send_finance_digest({"day": first["day"]}, "timer")
    assert again == first  # the one that went; nothing sent twice
    (notice,) = finance_notices(tier)
    assert finance_notices(tier, FINANCE2) == [notice]  # every finance user, once
    assert finance_notices(tier, UNION_ADMIN) == []
    assert notice["title"] == "今日补助核定汇总（%s）" % first["day"]
    assert "核定补助 4 项，共 21340.00 元；不予补助 1 项。撤销已核定补助 1 项。" in notice["body"]
    assert "· 甘州区：核定 3 项，共 20640.00 元；不予补助 0 项；撤销 1 项" in notice["body"]
    assert "其中阵地补助：核定 1 项，共 20000.00 元" in notice["body"]
    start, end = digest.window(date.fromisoformat(first["day"]), HOUR)
    assert first["window_start"] == start.isoformat() and first["window_end"] == end.isoformat()
    assert "%s 至 %s（北京时间）" % (start.strftime("%Y-%m-%d %H:%M"),
                                 end.strftime("%Y-%m-%d %H:%M")) in notice["body"]
    tier.worker(Service).set_preferences(FINANCE, {"language": "en"})
    (english,) = finance_notices(tier)
    assert english["title"] == "Today's subsidy decisions (%s)" % first["day"]
    assert "4 granted, 21340.00 yuan in all; 1 declined." in english["body"]


def test_a_threshold_notice_still_reaches_finance_at_once(tier):
    decide(tier, subsidy_events.FUND_THRESHOLD_REACHED, {
        "fund_id": 1, "name": "活动补助资金", "year": 2026, "threshold_percent": 80,
        "budget": "1000.00", "granted": "800.00", "remaining": "200.00"})
    (alert,) = tier.worker(Service).inbox(FINANCE)["items"]
    assert alert["event_type"] == "fund_threshold_reached" and alert["title"] == "资金使用提醒"
    assert tier.count("digest_figures") == 0  # not a decision: not in the digest


def test_the_digest_goes_by_email_to_finance_users_who_chose_it(tier):
    setup = tier.worker(Service)
    setup.set_preferences(FINANCE, {"email": "caiwu@example.org", "language": "en"})
    setup.set_preferences(FINANCE2, {"email": "caiwu2@example.org", "channels": {
        "finance_digest": {"email": False}}})
    setup.set_preferences(UNION_ADMIN, {"email": "admin7@example.org", "channels": {
        "subsidy_granted": {"email": False}}})
    grant(tier)
    service = tier.worker(Service)
    service.send_finance_digest({}, "ops")
    assert tier.count("deliveries", "event_type = 'finance_digest'") == 1
    assert tier.count("deliveries", "event_type = 'finance_digest' AND channel = 'email' "
                      "AND target = 'caiwu@example.org' AND language = 'en' AND "
                      "subject LIKE '[Culture Matrix] Today''s subsidy decisions (%'") == 1
    service.deliveries.wake.assert_called_once()
    listed = service.list_deliveries({"event_type": "finance_digest"})
    assert listed["total"] == 1 and listed["items"][0]["recipient"] == "user:5"


def test_a_decision_made_after_its_days_digest_went_counts_in_the_next(tier):
    today = digest.digest_day(utcnow(), HOUR)
    grant(tier, "350.00")
    assert tier.worker(Service).send_finance_digest({"day": today.isoformat()})["sent"]
    late = grant(tier, "290.00")  # the same window, but its digest has gone
    assert digest.digest_day(digest.occurred(late), HOUR) == today
    sent = tier.worker(Service).finance_digest({"day": today.isoformat()})
    assert (sent["sent"], sent["granted_count"], sent["granted"]) == (True, 1, "350.00")
    following = tier.worker(Service).finance_digest(
        {"day": (today + timedelta(days=1)).isoformat()})
    assert (following["sent"], following["granted_count"], following["granted"]) == (
        False, 1, "290.00")


def test_the_timer_sends_every_due_day_it_missed_and_never_the_one_being_counted(tier):
    now = utcnow()
    today = digest.digest_day(now, HOUR)
    for days_ago in (3, 1):
        grant(tier, "100.00", at=local(today - timedelta(days=days_ago), HOUR - 1))
    grant(tier, "350.00", at=now)
    service = tier.worker(Service)
    sent = service.send_due(now)
    assert [one["day"] for one in sent] == [(today - timedelta(days=n)).isoformat()
                                            for n in (3, 1)]
    assert all(one["sent_by"] == "timer" and one["granted"] == "100.00" for one in sent)
    assert service.send_due(now) == []  # each once
    assert service.finance_digest()["sent"] is False  # today's is still counting
    assert len(finance_notices(tier)) == 2
    # at the hour, today's is due
    at_the_hour = local(today, HOUR).astimezone(timezone.utc)
    assert [one["day"] for one in service.send_due(at_the_hour)] == [today.isoformat()]


def test_a_day_without_decisions_sends_nothing(tier):
    answer = tier.worker(Service).send_finance_digest({"day": "2026-01-05"})
    assert answer["sent"] is False and answer["decisions"] == 0
    assert tier.count("notifications") == 0
    assert tier.count("digest_days", "sent_at IS NOT NULL") == 0
    with pytest.raises(Invalid):
        tier.worker(Service).send_finance_digest({"day": "yesterday"})


def test_the_hour_sets_the_window(tmp_path):
    tier = ServiceDatabase("notify", tmp_path, finance_digest_hour=0)
    try:
        grant(tier, at=local(date(2026, 12, 2), 23, 59))
        grant(tier, at=local(date(2026, 12, 3), 0, 0))
        answer = tier.worker(Service).finance_digest({"day": "2026-12-02"})
        assert answer["granted_count"] == 1  # hour 0: the digest of a day is that day
        assert answer["window_start"] == "2026-12-02T00:00:00+08:00"
        assert answer["window_end"] == "2026-12-03T00:00:00+08:00"
    finally:
        tier.close()


def test_windows_follow_the_hour_and_a_bad_hour_is_refused():
    moment = local(date(2026, 12, 2), 17, 59)
    assert digest.digest_day(moment, 18) == date(2026, 12, 2)
    assert digest.digest_day(moment + timedelta(minutes=1), 18) == date(2026, 12, 3)
    assert digest.due_day(moment, 18) == date(2026, 12, 1)
    assert digest.due_day(moment + timedelta(minutes=1), 18) == date(2026, 12, 2)
    start, end = digest.window(date(2026, 12, 2), 18)
    assert (start, end) == (local(date(2026, 12, 1), 18), local(date(2026, 12, 2), 18))
    assert digest.due_day(local(date(2026, 12, 3), 0), 0) == date(2026, 12, 2)
    for bad in (24, -1, "18", True):
        with pytest.raises(digest.BadDigestHour):
            digest.check_hour(bad)


def test_a_returned_payment_and_a_reversal_reach_the_unions_admins(tier):
    returned = {"batch_id": 3, "line_id": 5, "fund_id": 1, "payee_kind": "union",
                "payee_id": 7, "payee_name": "供电工会", "union_id": 7, "amount": "640.00",
                "count": 2, "subsidy_ids": [21, 22], "reason": "户名与账号不符"}
    decide(tier, subsidy_events.PAYMENT_RETURNED, returned)
    decide(tier, subsidy_events.PAYMENT_RETURNED, dict(
        returned, line_id=6, payee_kind="venue", payee_id=2, payee_name="甘州区职工文化宫",
        union_id=None))  # a venue paid itself: no union to tell
    decide(tier, subsidy_events.SUBSIDY_REVERSED, {
        "subsidy_id": 21, "subject": "activity", "activity_id": 11, "venue_id": None,
        "activity_title": "读书分享会", "union_id": 7, "county": "甘州区", "fund_id": 1,
        "amount": "350.00", "reason": "活动重复申报"})
    items = tier.worker(Service).inbox(UNION_ADMIN)["items"]
    assert [n["event_type"] for n in items] == ["subsidy_reversed", "payment_returned"]
    reversal, payment = items
    assert payment["title"] == "拨付款被银行退回"
    assert "640.00 元" in payment["body"] and "户名与账号不符" in payment["body"]
    assert "重新拨付" in payment["body"]
    assert reversal["title"] == "补助已撤回（退款）"
    assert "350.00 元" in reversal["body"] and "活动重复申报" in reversal["body"]
    assert tier.count("notifications") == 2
    assert tier.worker(Service).inbox(FINANCE)["total"] == 0
    assert tier.count("digest_figures") == 0
    # money coming back is critical: it reaches the inbox whatever the admin muted
    service = tier.worker(Service)
    service.set_preferences(UNION_ADMIN, {"language": "en", "channels": {
        "payment_returned": {"in_app": False}}})
    titles = [n["title"] for n in service.inbox(UNION_ADMIN)["items"]]
    assert titles == ["Subsidy reversed (refunded)", "Payment returned by the bank"]
