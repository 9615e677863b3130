"""Pure rules of the reading network: ISBNs, loans, periods, the four-goods evaluation."""
import copy
from datetime import date

import pytest

from services.library import domain


# ISBN ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("978-7-02-000220-7", "9787020002207"),   # 红楼梦, ISBN-13 with hyphens
    ("9787020002207", "9787020002207"),
    ("0-306-40615-2", "9780306406157"),        # ISBN-10 -> ISBN-13
    ("080442957X", "9780804429573"),           # X check digit
    ("080442957x", "9780804429573"),
    ("979-10-90636-07-1", "9791090636071"),
])
def test_valid_isbns_are_normalised_to_isbn13(text, expected):
    assert domain.normalise_isbn(text) == expected


@pytest.mark.parametrize("text", [
    "978-7-02-000220-8",   # wrong ISBN-13 check digit
    "0-306-40615-3",       # wrong ISBN-10 check digit
    "9771234567003",       # an ISSN-like prefix, not a book
    "12345", "", "97870200022X7", "abcdefghij", None, 9787020002207,
])
def test_bad_isbns_are_refused(text):
    with pytest.raises(domain.BadIsbn):
        domain.normalise_isbn(text)


# loans ---------------------------------------------------------------------------------
RULES = dict(domain.DEFAULT_LOAN_RULES)


def test_a_loan_is_due_after_the_loan_period():
    assert domain.due_on(date(2026, 9, 1), RULES) == date(2026, 10, 1)


def test_renewal_extends_from_the_due_date_a_limited_number_of_times():
    assert domain.renewed_due_on(date(2026, 10, 1), 0, date(2026, 9, 20), RULES) == date(2026, 10, 31)
    assert domain.renewed_due_on(date(2026, 10, 1), 1, date(2026, 10, 1), RULES) == date(2026, 10, 31)
    with pytest.raises(domain.LoanRefused, match="renewed 2 times"):
        domain.renewed_due_on(date(2026, 10, 1), 2, date(2026, 9, 20), RULES)


def test_an_overdue_loan_cannot_be_renewed():
    with pytest.raises(domain.LoanRefused, match="overdue"):
        domain.renewed_due_on(date(2026, 10, 1), 0, date(2026, 10, 2), RULES)


def test_a_reader_has_a_limited_number_of_books_out():
    domain.check_borrow(4, RULES)
    with pytest.raises(domain.LoanRefused):
        domain.check_borrow(5, RULES)


def test_days_overdue():
    assert domain.days_overdue(date(2026, 10, 1), False, date(2026, 10, 1)) == 0
    assert domain.days_overdue(date(2026, 10, 1), False, date(2026, 10, 4)) == 3
    assert domain.days_overdue(date(2026, 10, 1), True, date(2026, 10, 4)) == 0


# periods -------------------------------------------------------------------------------
@pytest.mark.parametrize("period, bounds", [
    ("2026", (date(2026, 1, 1), date(2026, 12, 31))),
    ("2026-H1", (date(2026, 1, 1), date(2026, 6, 30))),
    ("2026-H2", (date(2026, 7, 1), date(2026, 12, 31))),
    ("2026-Q1", (date(2026, 1, 1), date(2026, 3, 31))),
    ("2026-Q4", (date(2026, 10, 1), date(2026, 12, 31))),
    ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),
    ("2026-12", (date(2026, 12, 1), date(2026, 12, 31))),
])
def test_periods(period, bounds):
    assert domain.period_bounds(period) == bounds


@pytest.mark.parametrize("period", ["26", "2026-Q5", "2026-H3", "2026-13", "2026-00", "1999",
                                    "2026 ", "", None])
def test_bad_periods(period):
    with pytest.raises(domain.BadPeriod):
        domain.period_bounds(period)


def test_the_reading_season_is_autumn():
    assert domain.reading_season(2026) == (date(2026, 9, 1), date(2026, 11, 30))


# four-goods evaluation -----------------------------------------------------------------
SCHEME = domain.DEFAULT_SCHEME
FULL = {"site": 20, "management": 20, "activities": 10, "service": 20, "e_reading": 10,
        "reading_activities": 10}


def test_the_default_scheme_is_valid_and_adds_up_to_100():
    assert domain.scheme_errors(SCHEME) == {}
    assert sum(SCHEME["criteria"].values()) == 100
    assert domain.evaluator_maxima(SCHEME)["activities"] == 10


def test_scores_are_checked_against_the_evaluators_maxima():
    assert domain.score_errors(FULL, SCHEME) == {}
    errors = domain.score_errors(dict(FULL, activities=11, site=-1, service=True), SCHEME)
    assert set(errors) == {"activities", "site", "service"}
    assert "0 to 10" in errors["activities"][0]
    missing = dict(FULL)
    del missing["e_reading"]
    assert set(domain.score_errors(missing, SCHEME)) == {"e_reading"}


def test_approved_activities_held_at_the_venue_count_toward_the_activities_score():
    scores = dict(FULL, activities=5)
    held = [{"category": "reading"}, {"category": "reading"}, {"category": "sports"}]
    result = domain.evaluate(scores, held, {"e_reading_devices": 6}, SCHEME)
    activities = next(c for c in result.criteria if c["key"] == "activities")
    assert result.activity_credit == 3 + 3 + 2
    assert activities["score"] == 5 + 8 and activities["max"] == 20
    assert result.total == 20 + 20 + 13 + 20 + 10 + 10 == 93
    assert result.rating == "excellent" and result.max_total == 100
    assert any("3 场（其中读书活动 2 场）" in line for line in result.explanation)
    assert "电子阅读设备 6 台" in result.explanation
    assert result.explanation[-1].endswith("评定为「优秀」")


def test_the_activity_credit_is_capped():
    many = [{"category": "reading"}] * 9
    result = domain.evaluate(dict(FULL, activities=0), many, {}, SCHEME)
    assert result.activity_credit == 10


@pytest.mark.parametrize("total, rating", [(100, "excellent"), (90, "excellent"), (89, "good"),
                                           (75, "good"), (74, "pass"), (60, "pass"),
                                           (59, "fail"), (0, "fail")])
def test_rating_bands(total, rating):
    assert domain.rating_for(total, SCHEME["bands"]) == rating


def test_configured_bands_change_the_rating():
    strict = copy.deepcopy(SCHEME)
    strict["bands"] = [{"rating": "excellent", "min": 95}, {"rating": "good", "min": 85},
                       {"rating": "pass", "min": 70}, {"rating": "fail", "min": 0}]
    assert domain.scheme_errors(strict) == {}
    scores = dict(FULL)                   # 90 with no activity credit
    assert domain.evaluate(scores, [], {}, SCHEME).rating == "excellent"
    assert domain.evaluate(scores, [], {}, strict).rating == "good"


@pytest.mark.parametrize("change, field", [
    (lambda s: s["bands"].reverse(), "bands"),
    (lambda s: s["bands"].pop(), "bands"),
    (lambda s: s["bands"][3].update(min=5), "bands"),
    (lambda s: s["bands"][1].update(min=90), "bands"),
    (lambda s: s["bands"][0].update(min=101), "bands"),
    (lambda s: s["criteria"].pop("site"), "criteria"),
    (lambda s: s["criteria"].update(site=0), "criteria"),
    (lambda s: s["activity_credit"].update(credit_max=21), "activity_credit"),
    (lambda s: s["activity_credit"].update(per_activity=-1), "activity_credit"),
])
def test_bad_schemes_are_refused_naming_the_field(change, field):
    scheme = copy.deepcopy(SCHEME)
    change(scheme)
    assert field in domain.scheme_errors(scheme)


# statistics ----------------------------------------------------------------------------
def test_loan_statistics_count_loans_and_distinct_readers():
    rows = [
        {"venue_id": 1, "venue_name": "甲", "county": "甘州区", "month": "2026-09", "borrower_id": 7},
        {"venue_id": 1, "venue_name": "甲", "county": "甘州区", "month": "2026-10", "borrower_id": 7},
        {"venue_id": 2, "venue_name": "乙", "county": "临泽县", "month": "2026-10", "borrower_id": 8},
    ]
    stats = domain.loan_statistics(rows)
    assert stats["loans"] == 3 and stats["active_readers"] == 2
    assert stats["by_venue"][0] == {"venue_id": 1, "name": "甲", "county": "甘州区",
                                    "loans": 2, "active_readers": 1}
    assert stats["by_month"] == [{"month": "2026-09", "loans": 1, "active_readers": 1},
                                 {"month": "2026-10", "loans": 2, "active_readers": 2}]
    assert {r["county"]: r["loans"] for r in stats["by_county"]} == {"甘州区": 2, "临泽县": 1}


def test_network_summary_adds_up_by_county_and_kind():
    venues = [
        {"county": "甘州区", "kind": "culture_palace", "floor_area_m2": 3000, "seats": 200,
         "e_reading_devices": 4},
        {"county": "甘州区", "kind": "rest_station_corner", "floor_area_m2": 20, "seats": 6,
         "e_reading_devices": 1},
        {"county": "临泽县", "kind": "culture_palace", "floor_area_m2": 2000, "seats": 100,
         "e_reading_devices": 2},
    ]
    summary = domain.network_summary(venues)
    assert summary["total"] == {"venues": 3, "floor_area_m2": 5020, "seats": 306,
                                "e_reading_devices": 7}
    kinds = {row["kind"]: row for row in summary["by_kind"]}
    assert kinds["culture_palace"]["floor_area_m2"] == 5000
    assert kinds["culture_palace"]["kind_name"] == "工人文化宫"
    assert len(summary["by_county_and_kind"]) == 3


def test_idle_venues_have_neither_loans_nor_activities():
    venues = [{"id": 1}, {"id": 2}, {"id": 3}]
    assert domain.idle_venues(venues, {1}, {2}) == [{"id": 3}]
