"""Notify's pure rules: audiences, templates in both languages, preferences, retries, signatures."""
import re

import pytest

from services.notify import domain, events
from services.notify.channels import DeliveryError, check_target

FACTS = {
    "activity_reported": {"activity_id": 1, "title": "读书会", "union_id": 7, "union_name": "供电工会",
                          "county": "甘州区", "held_on": "2026-05-01", "participants": 40,
                          "expenses": "1500.00", "comment": None},
    "activity_approved": {"title": "读书会", "union_id": 7, "county": "甘州区", "comment": "材料齐全"},
    "activity_rejected": {"title": "读书会", "union_id": 7, "county": "甘州区", "comment": "签到表缺失"},
    "activity_returned": {"title": "读书会", "union_id": 7, "county": "甘州区", "comment": "请补充发票"},
    "subsidy_granted": {"activity_title": "读书会", "union_id": 7, "amount": "350.00",
                        "explanation": ["基础补助：150.00 元"], "reason": None},
    "subsidy_declined": {"activity_title": "读书会", "union_id": 7, "amount": "0.00",
                         "explanation": [], "reason": "budget_exhausted"},
    "subsidy_paid": {"activity_title": "读书会", "union_id": 7, "amount": "350.00"},
    "fund_threshold_reached": {"name": "活动补助资金", "year": 2026, "threshold_percent": 80,
                               "budget": "1000.00", "granted": "800.00", "remaining": "200.00"},
    "venue_evaluated": {"name": "供电职工书屋", "host_union_id": 7, "period": "2026",
                        "total": 86, "max_total": 100, "rating": "good", "rating_name": "良好"},
    "venue_subsidy_decided": {"venue_name": "供电职工书屋", "host_union_id": 7, "period": "2026",
                              "purpose": "construction", "status": "granted", "amount": "5000.00",
                              "reason": None, "explanation": ["基础补助：5000.00 元"]},
    "venue_subsidy_paid": {"venue_name": "供电职工书屋", "host_union_id": 7, "period": "2026",
                           "purpose": "upkeep", "status": "paid", "amount": "2000.00"},
    "payment_returned": {"batch_id": 3, "line_id": 5, "fund_id": 1, "payee_kind": "union",
                         "payee_id": 7, "payee_name": "供电工会", "union_id": 7,
                         "amount": "640.00", "count": 2, "subsidy_ids": [1, 2],
                         "reason": "户名与账号不符"},
    "subsidy_reversed": {"subsidy_id": 1, "subject": "activity", "activity_id": 11,
                         "venue_id": None, "activity_title": "读书会", "union_id": 7,
                         "county": "甘州区", "fund_id": 1, "amount": "350.00",
                         "reason": "重复申报"},
}


def test_the_event_types_are_those_with_audiences_and_those_notify_subscribes_to():
    assert tuple(domain.AUDIENCES) == domain.EVENT_TYPES
    assert {spec.event_type for spec in events.CONSUMED} == set(domain.EVENT_TYPES)
    assert domain.CRITICAL <= set(domain.EVENT_TYPES)


def test_every_event_type_has_facts_here_and_a_template_in_each_language():
    assert set(FACTS) == set(domain.EVENT_TYPES)
    for language in domain.LANGUAGES:
        assert set(domain.TEMPLATES[language]) == set(domain.EVENT_TYPES)


@pytest.mark.parametrize("event_type", domain.EVENT_TYPES)
@pytest.mark.parametrize("language", domain.LANGUAGES)
def test_templates_fill_in_the_facts_and_leave_no_placeholder(event_type, language):
    title, body = domain.render(event_type, FACTS[event_type], language)
    assert title and body and not re.search(r"[{}]", title + body)
    chinese = re.search(r"[\u4e00-\u9fff]", title)
    assert bool(chinese) == (language == "zh-CN")


def test_facts_and_reasons_appear_in_the_words():
    assert "签到表缺失" in domain.render("activity_rejected", FACTS["activity_rejected"])[1]
    assert "Reason: 请补充发票" in domain.render("activity_returned", FACTS["activity_returned"], "en")[1]
    granted = domain.render("subsidy_granted", FACTS["subsidy_granted"], "en")[1]
    assert "350.00 yuan" in granted and "· 基础补助：150.00 元" in granted
    assert "budget is used up" in domain.render("subsidy_declined", FACTS["subsidy_declined"], "en")[1]
    assert "良好" in domain.render("venue_evaluated", FACTS["venue_evaluated"])[1]
    assert "86/100" in domain.render("venue_evaluated", FACTS["venue_evaluated"], "en")[1]


def test_an_unknown_language_falls_back_to_chinese_and_a_missing_fact_renders_empty():
    assert domain.render("subsidy_paid", FACTS["subsidy_paid"], "fr")[0] == "补助已拨付"
    assert domain.render("subsidy_paid", {"union_id": 7}, "en")[1].startswith("The subsidy of  yuan")


def test_email_subjects_carry_the_brand_and_bodies_a_way_to_opt_out():
    subject, body = domain.render_email("subsidy_paid", FACTS["subsidy_paid"])
    assert subject == "【职工文化服务矩阵】补助已拨付" and "通知设置" in body
    subject, body = domain.render_email("subsidy_paid", FACTS["subsidy_paid"], "en")
    assert subject == "[Culture Matrix] Subsidy paid" and "notification settings" in body


@pytest.mark.parametrize("event_type,expected", [
    ("activity_reported", [("county_reviewers", "甘州区")]),
    ("activity_approved", [("union_admins", "7")]),
    ("activity_returned", [("union_admins", "7")]),
    ("subsidy_declined", [("union_admins", "7")]),  # finance: in its daily digest
    ("payment_returned", [("union_admins", "7")]),
    ("subsidy_reversed", [("union_admins", "7")]),
    ("subsidy_paid", [("union_admins", "7")]),
    ("fund_threshold_reached", [("role", "finance"), ("role", "city_admin")]),
    ("venue_evaluated", [("union_admins", "7")]),
])
def test_each_event_reaches_its_audiences(event_type, expected):
    assert domain.audiences(event_type, FACTS[event_type]) == expected


def test_a_venue_without_a_host_union_reaches_nobody():
    assert domain.audiences("venue_evaluated", dict(FACTS["venue_evaluated"], host_union_id=None)) == []


def test_membership_follows_role_and_scope():
    admin = {"user_id": 3, "role": "union_admin", "union_id": 7, "county": None}
    other = {"user_id": 4, "role": "union_admin", "union_id": 8, "county": None}
    reviewer = {"user_id": 5, "role": "county_reviewer", "union_id": None, "county": "甘州区"}
    audience = domain.audiences("activity_approved", FACTS["activity_approved"])
    assert domain.belongs_to(admin, audience) and not domain.belongs_to(other, audience)
    assert not domain.belongs_to(reviewer, audience)
    assert domain.belongs_to(reviewer, domain.audiences("activity_reported",
                                                        FACTS["activity_reported"]))
    # a reviewer's union_id or a union admin's county never widen what they hear
    assert not domain.belongs_to(dict(reviewer, union_id=7), audience)


def test_opt_outs_apply_except_in_app_for_subsidy_decisions():
    prefs = {("activity_approved", "in_app"): False, ("subsidy_granted", "in_app"): False,
             ("subsidy_granted", "email"): False}
    assert not domain.channel_enabled("activity_approved", "in_app", prefs)
    assert domain.channel_enabled("subsidy_granted", "in_app", prefs)
    assert not domain.channel_enabled("subsidy_granted", "email", prefs)
    assert domain.channel_enabled("subsidy_paid", "email", prefs)  # unset means on
    assert not domain.wants_email({"email": None}, "subsidy_paid", {})
    assert domain.wants_email({"email": "a@b.cn"}, "subsidy_paid", {})


def test_backoff_doubles_up_to_its_cap_and_retries_stop():
    assert [domain.backoff_seconds(n, 2.0, 20.0) for n in range(1, 6)] == [2, 4, 8, 16, 20]
    assert domain.next_step(1, 5, permanent=False) == "retry"
    assert domain.next_step(5, 5, permanent=False) == "fail"
    assert domain.next_step(1, 5, permanent=True) == "fail"
    assert domain.should_disable(3, 3) and not domain.should_disable(2, 3)
    assert not domain.should_disable(100, 0)


def test_signatures_cover_the_timestamp_and_the_body():
    body = b'{"event_type":"subsidy_paid"}'
    header = "sha256=" + domain.signature("s3cret-s3cret-s3", 1700000000, body)
    assert domain.verify_signature("s3cret-s3cret-s3", "1700000000", body, header)
    assert not domain.verify_signature("s3cret-s3cret-s3", "1700000001", body, header)
    assert not domain.verify_signature("s3cret-s3cret-s3", "1700000000", body + b" ", header)
    assert not domain.verify_signature("another-secret-xx", "1700000000", body, header)


def test_webhook_targets_on_private_addresses_are_refused_unless_allowed():
    for url in ("http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://169.254.169.254/",
                "http://[::1]/x"):
        with pytest.raises(DeliveryError) as refused:
            check_target(url, [])
        assert refused.value.permanent
    check_target("http://127.0.0.1:8080/x", ["127.0.0.1:8080"])  # host and port
    with pytest.raises(DeliveryError):
        check_target("ftp://example.org/x", [])


# (formerly test_notify_rules.py) ------------------------------------------------------
def test_subsidy_decisions_reach_the_union_admins_and_finance_in_its_digest_only():
    data = {"union_id": 7, "activity_title": "读书会", "amount": "350.00",
            "explanation": ["基础补助：150.00 元"], "reason": None}
    assert domain.audiences("subsidy_granted", data) == [("union_admins", "7")]
    assert domain.audiences("venue_subsidy_decided", {"host_union_id": None}) == []
    title, body = domain.render("subsidy_granted", data)
    assert title == "活动补助已核定" and "350.00" in body and "· 基础补助：150.00 元" in body


def test_a_decline_names_its_reason_in_chinese():
    data = {"union_id": 7, "activity_title": "读书会", "amount": "0.00", "explanation": [],
            "reason": "budget_exhausted"}
    assert "补助资金预算已用尽" in domain.render("subsidy_declined", data)[1]


def test_a_user_belongs_to_the_audiences_of_its_role_and_scope():
    union_admin = {"user_id": 3, "role": "union_admin", "union_id": 7, "county": None}
    assert ("union_admins", "7") in domain.audiences_of(union_admin)
    reviewer = {"user_id": 4, "role": "county_reviewer", "union_id": None, "county": "甘州区"}
    assert ("county_reviewers", "甘州区") in domain.audiences_of(reviewer)
    assert ("union_admins", "7") not in domain.audiences_of(reviewer)


def test_county_and_city_reports_go_to_the_city_which_alone_reviews_them():
    assert domain.audiences("activity_reported", {"tier": "county", "county": "甘州区"}) == [
        ("role", "city_admin")]
    assert domain.audiences("activity_reported", {"tier": "grassroots", "county": "甘州区"}) == [
        ("county_reviewers", "甘州区")]
