from datetime import date, timedelta

import pytest

from services.activities import domain


@pytest.mark.parametrize("held_on, season", [
    (date(2026, 3, 1), "spring"), (date(2026, 5, 31), "spring"), (date(2026, 6, 1), "summer"),
    (date(2026, 9, 10), "autumn"), (date(2026, 12, 1), "winter"), (date(2027, 2, 28), "winter"),
])
def test_seasons(held_on, season):
    assert domain.season_of(held_on) == season


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
