"""Reading statistics in-process: loans and readers in a period, the autumn reading
season, venues idle in a period."""
from datetime import timedelta

import pytest

from services.activities import events as activity_events
from services.common.clock import local_today
from services.common.errors import Invalid
from services.library.service import Service
from tests.support.service_tier import ServiceDatabase

TODAY = local_today()
YEAR = TODAY.year - 1
VENUE = {"name": "甘州区职工书屋", "kind": "book_house", "county": "甘州区", "host_union_id": 3}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("library", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def library(tier):
    return tier.worker(Service)


@pytest.fixture
def network(library):
    busy = library.register_venue(VENUE, "city")
    idle = library.register_venue(dict(VENUE, name="临泽县职工书屋", county="临泽县",
                                       host_union_id=None), "city")
    copies = library.add_holdings(busy["id"], {"isbn": "9787020002207", "title": "红楼梦",
                                               "copies": 3}, "staff")["copies"]
    for copy, reader in zip(copies, (41, 41, 42)):
        library.lend({"copy_id": copy["id"]}, {"user_id": reader, "username": "r%d" % reader},
                     "staff")
    return busy, idle


def period(**more):
    return dict({"date_from": (TODAY - timedelta(days=10)).isoformat(),
                 "date_to": TODAY.isoformat()}, **more)


def test_loans_and_readers_by_venue_county_and_month(library, network):
    busy, _ = network
    stats = library.loan_statistics(period())
    assert (stats["loans"], stats["active_readers"]) == (3, 2)
    assert stats["by_venue"] == [{"venue_id": busy["id"], "name": "甘州区职工书屋",
                                  "county": "甘州区", "loans": 3, "active_readers": 2}]
    assert stats["by_month"] == [{"month": TODAY.strftime("%Y-%m"), "loans": 3,
                                  "active_readers": 2}]
    assert stats["date_to"] == TODAY.isoformat()
    assert library.loan_statistics(period(county="临泽县"))["loans"] == 0
    assert library.loan_statistics(period(host_union_id=3, kind="book_house"))["loans"] == 3


def test_a_statistics_period_is_checked(library):
    for filters in (period(date_to=(TODAY - timedelta(days=11)).isoformat()),
                    period(date_from=(TODAY - timedelta(days=4 * 366)).isoformat()),
                    {"date_from": TODAY.isoformat()}, period(kind="library"),
                    period(venue_id=0)):
        with pytest.raises(Invalid):
            library.loan_statistics(filters)


def test_the_idle_venues_of_a_period(tier, library, network):
    busy, idle = network
    answer = library.idle_venues(period())
    assert [v["id"] for v in answer["items"]] == [idle["id"]] and answer["total"] == 1
    # an approved activity held there makes it active in that period
    facts = {"activity_id": 9, "title": "读书会", "union_id": 3, "union_name": "工会",
             "county": "临泽县", "tier": "grassroots", "category": "reading",
             "season": "autumn", "held_on": TODAY.isoformat(), "participants": 12,
             "expenses": "0.00", "venue_id": idle["id"], "lecturer_id": None,
             "actor": "reviewer", "status": "approved"}
    tier.deliver(Service, "on_activity_approved", tier.event(activity_events.APPROVED, facts))
    assert library.idle_venues(period())["total"] == 0
    assert library.get_venue(idle["id"])["activities_held"] == 1


def test_the_autumn_reading_season(tier, library, network):
    busy, idle = network
    for activity_id, venue, category, held_on in (
            (1, busy, "reading", "%d-09-10" % YEAR), (2, idle, "sports", "%d-10-01" % YEAR),
            (3, busy, "reading", "%d-12-01" % YEAR)):  # after the season
        tier.deliver(Service, "on_activity_approved", tier.event(activity_events.APPROVED, {
            "activity_id": activity_id, "title": "活动", "union_id": 3, "union_name": "工会",
            "county": venue["county"], "tier": "grassroots", "category": category,
            "season": "autumn", "held_on": held_on, "participants": 20, "expenses": "0.00",
            "venue_id": venue["id"], "lecturer_id": None, "actor": "r", "status": "approved"}))
    season = library.reading_season(YEAR)
    assert (season["year"], season["theme"]) == (YEAR, "职工读书季")
    assert (season["date_from"], season["date_to"]) == ("%d-09-01" % YEAR, "%d-11-30" % YEAR)
    assert (season["activities_at_venues"], season["reading_activities"]) == (2, 1)
    assert season["reading_participants"] == 20 and season["venues_with_activities"] == 2
    assert season["loans"] == 0 and season["copies_added"] == 0
    assert library.reading_season(str(YEAR), {"county": "临泽县"})["activities_at_venues"] == 1
    for year, filters in ((1999, {}), ("next", {}), (YEAR, {"kind": "book_house"})):
        with pytest.raises(Invalid):
            library.reading_season(year, filters)
