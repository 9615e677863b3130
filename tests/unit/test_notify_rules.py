from services.notify import domain


def test_subsidy_decisions_reach_the_union_admins_and_finance():
    data = {"union_id": 7, "activity_title": "读书会", "amount": "350.00",
            "explanation": ["基础补助：150.00 元"], "reason": None}
    assert domain.audiences("subsidy_granted", data) == [("union_admins", "7"), ("role", "finance")]
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
