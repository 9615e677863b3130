"""Pure rules of the activities service: seasons and themes, transitions, reports,
coverage, satisfaction, statistics, lecturers and unions; and its contract's word lists."""
from datetime import date, timedelta

import pytest

from services.activities import contract, domain
from services.activities.domain import Held

THEMES = domain.default_themes()
TODAY = date(2026, 11, 24)


def held(county, month, category="culture", tier="grassroots", status="approved", year=2026,
         participants=10, day=15, union_id=1):
    return Held(county=county, tier=tier, category=category, held_on=date(year, month, day),
                status=status, participants=participants, expenses_fen=100_00,
                union_id=union_id)


# the four seasons -------------------------------------------------------------------------
@pytest.mark.parametrize("held_on, season", [
    (date(2026, 3, 1), "spring"), (date(2026, 5, 31), "spring"), (date(2026, 6, 1), "summer"),
    (date(2026, 9, 10), "autumn"), (date(2026, 12, 1), "winter"), (date(2027, 2, 28), "winter"),
])
def test_seasons(held_on, season):
    assert domain.season_of(held_on) == season


@pytest.mark.parametrize("category, held_on, match", [
    ("women", date(2026, 3, 8), True),       # spring: women workers' showcase
    ("sports", date(2026, 4, 1), False),
    ("sports", date(2026, 5, 1), True),      # May launches Red May (summer's theme)
    ("women", date(2026, 5, 20), True),      # ... and is still spring
    ("sports", date(2026, 7, 1), True),
    ("reading", date(2026, 7, 1), False),
    ("reading", date(2026, 10, 1), True),    # autumn reading season
    ("sports", date(2026, 6, 1), True),
    ("culture", date(2026, 12, 20), True),   # winter warm culture
    ("culture", date(2026, 1, 20), True),
    ("lecture", date(2026, 2, 1), False),
])
def test_theme_match_by_season(category, held_on, match):
    assert domain.theme_match(category, held_on, THEMES) is match


def test_configured_themes_replace_the_defaults():
    themes = domain.themes_for({"autumn": {"theme": "金秋书香", "categories": ["reading", "lecture"]}})
    assert themes["autumn"]["theme"] == "金秋书香"
    assert domain.theme_match("lecture", date(2026, 10, 1), themes)
    assert themes["spring"] == THEMES["spring"]  # untouched seasons keep their default


def test_months_due():
    assert domain.months_due(2025, TODAY) == tuple(range(1, 13))
    assert domain.months_due(2026, TODAY) == tuple(range(1, 12))
    assert domain.months_due(2027, TODAY) == ()


# coverage -------------------------------------------------------------------------------
def test_coverage_lists_every_county_month_without_an_approved_activity():
    items = [held("甘州区", month) for month in range(1, 12)] + [
        held("临泽县", 3, "women"), held("临泽县", 3, "sports"), held("张掖市", 4, tier="city")]
    answer = domain.coverage(2026, ["甘州区", "临泽县"], items, THEMES, TODAY)
    assert answer["months_due"] == list(range(1, 12))
    assert {(g["county"], g["month"]) for g in answer["gaps"]} == {
        ("临泽县", m) for m in range(1, 12) if m != 3}
    rows = {row["county"]: row for row in answer["counties"]}
    assert rows["甘州区"]["months_covered"] == 11 and rows["甘州区"]["gaps"] == []
    assert rows["临泽县"]["months"]["3"] == 2 and rows["临泽县"]["total"] == 2
    assert answer["city"]["4"] == 1  # the city's own activity counts for no county
    assert answer["complete"] is False


def test_a_county_outside_the_list_still_gets_a_row():
    answer = domain.coverage(2025, ["甘州区"], [held("新区", 5, year=2025)], THEMES, TODAY)
    assert [row["county"] for row in answer["counties"]] == ["甘州区", "新区"]
    assert len(answer["gaps"]) == 12 + 11


def test_a_complete_year_has_no_gaps():
    items = [held(c, m, year=2025) for c in ("甘州区", "临泽县") for m in range(1, 13)]
    answer = domain.coverage(2025, ["甘州区", "临泽县"], items, THEMES, TODAY)
    assert answer["gaps"] == [] and answer["complete"] is True


def test_season_theme_shares():
    items = [held("甘州区", 3, "women"), held("甘州区", 4, "culture"), held("甘州区", 5, "sports"),
             held("甘州区", 10, "reading"), held("甘州区", 9, "sports")]
    shares = {s["season"]: s for s in domain.season_shares(items, THEMES)}
    assert shares["spring"]["activities"] == 3 and shares["spring"]["matching"] == 2
    assert shares["spring"]["share"] == "0.6667"  # rounded half up
    assert shares["autumn"]["share"] == "0.5000"
    assert shares["summer"]["activities"] == 0 and shares["summer"]["share"] is None


# satisfaction ---------------------------------------------------------------------------
def test_satisfaction_is_the_share_of_fours_and_fives():
    figures = domain.satisfaction([5, 4, 4, 3, 5])
    assert figures["satisfaction"] == "0.8000" and figures["responses"] == 5
    assert figures["satisfied"] == 4 and figures["average"] == "4.20"
    assert figures["meets_target"] is False and figures["target"] == "0.95"
    assert domain.satisfaction([5] * 19 + [3])["meets_target"] is True  # exactly 95%
    assert domain.satisfaction([5] * 18 + [3, 4])["satisfaction"] == "0.9500"
    empty = domain.satisfaction([])
    assert empty["satisfaction"] is None and empty["meets_target"] is None


def test_a_ratio_just_under_the_target_never_reads_as_meeting_it():
    figures = domain.satisfaction([5] * 1899 + [1] * 101)  # 0.9495
    assert figures["satisfaction"] == "0.9495" and figures["meets_target"] is False


# statistics -----------------------------------------------------------------------------
def test_statistics_by_dimension_and_the_published_figures():
    items = [held("甘州区", 3, "women", participants=30),
             held("甘州区", 6, "lecture", participants=50),
             held("临泽县", 7, "lecture", status="submitted", participants=20),
             held("临泽县", 8, "sports", status="rejected", participants=99),
             held("张掖市", 9, "reading", tier="city", participants=100)]
    stats = domain.statistics(2026, items, [5, 5, 4, 2])
    assert stats["reported"] == 5
    assert stats["by_status"] == {"submitted": 1, "approved": 3, "rejected": 1, "returned": 0}
    assert stats["by_county"]["甘州区"] == {"total": 2, "approved": 2, "participants": 80}
    assert stats["by_tier"]["city"]["approved"] == 1 and stats["by_tier"]["county"]["total"] == 0
    assert stats["by_season"]["summer"]["total"] == 3
    assert stats["by_category"]["lecture"] == {"total": 2, "approved": 1, "participants": 50}
    assert stats["participants_total"] == 180
    published = stats["published"]
    assert published["activities_held"] == 4 and published["activities_approved"] == 3
    assert published["lecture_sessions"] == 1
    assert published["lecture_satisfaction"] == "0.7500" and published["meets_target"] is False


# lecturers and unions -------------------------------------------------------------------
def test_a_lecture_names_an_active_lecturer_and_nothing_else_does():
    assert domain.lecturer_errors("lecture", {"active": True}) == {}
    # API.md's body has no lecturer_id: a lecture without one is a lecture all the same
    assert domain.lecturer_errors("lecture", None) == {}
    assert "lecturer_id" in domain.lecturer_errors("lecture", "unknown")
    assert "lecturer_id" in domain.lecturer_errors("lecture", {"active": False})
    assert "lecturer_id" in domain.lecturer_errors("culture", {"active": True})
    assert domain.lecturer_errors("culture", None) == {}


def test_union_changes_keep_only_what_changed():
    current = {"name": "甲工会", "county": "甘州区", "parent_id": 2, "members": 50, "contacts": []}
    proposed = dict(current, name="乙工会", members=50)
    assert domain.union_changes(current, proposed) == {"name": ["甲工会", "乙工会"]}
    assert domain.union_changes(current, dict(current)) == {}


def test_participants_must_be_at_least_one():
    union = {"members": 50}
    report = {"held_on": TODAY, "participants": 0, "expenses": 0, "evidence": [{}]}
    assert "participants" in domain.report_errors(report, union, TODAY, 90, 1.0)


# transitions, reports and the three tiers ------------------------------------------------
def test_transitions_are_checked():
    assert domain.next_status("approve", "submitted") == "approved"
    assert domain.next_status("resubmit", "returned") == "submitted"
    for action, state in [("approve", "approved"), ("reject", "returned"),
                          ("resubmit", "submitted"), ("return", "rejected")]:
        with pytest.raises(domain.TransitionRefused):
            domain.next_status(action, state)


def test_report_rules():
    today = date(2026, 11, 24)
    union = {"members": 50, "level": "grassroots", "county": "甘州区"}
    good = {"held_on": today, "participants": 50, "expenses": 0,
            "evidence": [{"kind": "photo", "url": "https://x"}]}
    assert domain.report_errors(good, union, today, 90, 1.0) == {}
    bad = dict(good, held_on=today + timedelta(days=1), participants=51, expenses=-1, evidence=[])
    assert set(domain.report_errors(bad, union, today, 90, 1.0)) == {
        "held_on", "participants", "expenses", "evidence"}
    old = dict(good, held_on=today - timedelta(days=91))
    assert "held_on" in domain.report_errors(old, union, today, 90, 1.0)
    assert domain.report_errors(dict(good, participants=75), union, today, 90, 1.5) == {}


def test_the_three_tiers():
    city = {"level": "city", "county": "张掖市"}
    county = {"level": "county", "county": "甘州区"}
    assert domain.union_errors({"level": "county", "county": "甘州区"}, city) == {}
    assert domain.union_errors({"level": "grassroots", "county": "甘州区"}, county) == {}
    assert "parent_id" in domain.union_errors({"level": "grassroots", "county": "甘州区"}, city)
    assert "county" in domain.union_errors({"level": "grassroots", "county": "临泽县"}, county)


# the contract's word lists -------------------------------------------------------------
def test_the_domain_speaks_the_contracts_words():
    assert tuple(domain.SEASONS) == contract.SEASONS
    assert set(contract.SEASON_NAMES) == set(contract.SEASONS)
    assert set(contract.CATEGORY_NAMES) == set(contract.CATEGORIES)
    assert set(contract.STATUS_NAMES) == set(contract.STATUSES)
    assert set(contract.LEVEL_NAMES) == set(contract.LEVELS)
    assert set(contract.EVIDENCE_KIND_NAMES) == set(contract.EVIDENCE_KINDS)
    assert tuple(domain.TRANSITIONS) == contract.REVIEW_ACTIONS
    assert set(domain.HELD_STATUSES) < set(contract.STATUSES)


def test_a_request_fingerprint_covers_the_body_not_its_key_order():
    body = {"union_id": 1, "title": "职工篮球赛", "evidence": [{"kind": "photo", "url": "u"}]}
    same = {"evidence": [{"url": "u", "kind": "photo"}], "title": "职工篮球赛", "union_id": 1}
    assert domain.request_fingerprint(body) == domain.request_fingerprint(same)
    assert len(domain.request_fingerprint(body)) == 64
    assert domain.request_fingerprint(body) != domain.request_fingerprint(
        dict(body, title="职工排球赛"))
    assert domain.request_fingerprint(body) != domain.request_fingerprint(
        dict(body, union_id="1"))
