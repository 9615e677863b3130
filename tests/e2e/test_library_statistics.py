"""Reading statistics through the gateway: loans per venue, county and month, active
readers, the autumn reading season, venues without a loan or an activity."""
import uuid
from datetime import timedelta

import pytest

from services.common.clock import local_today
from tests.support.waiting import wait_for
from tests.support.world import PASSWORD, activity_body


def error_of(answer, status, code="VALIDATION_FAILED"):
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    return answer.json()["error"]


@pytest.fixture(scope="module")
def network(world):
    """Three venues: one with loans, one with an approved activity, one idle."""
    admin = world.system.client()
    for username in ("stat_a", "stat_b"):
        assert admin.post("/api/v1/users", {"username": username, "password": PASSWORD,
                                            "role": "worker"}).status_code == 201

    def venue(kind, county, host):
        answer = admin.post("/api/v1/venues", {
            "name": "%s-%s" % (kind, uuid.uuid4().hex[:6]), "kind": kind, "county": county,
            "host_union_id": host})
        assert answer.status_code == 201, answer.text
        return answer.json()

    lending = venue("book_house", "甘州区", world.unions["power"]["id"])
    active = venue("craftsman_study", "甘州区", world.unions["power"]["id"])
    idle = venue("rest_station_corner", "临泽县", world.unions["school"]["id"])
    copies = admin.post("/api/v1/venues/%d/holdings" % lending["id"],
                        {"isbn": "9787020002207", "title": "红楼梦", "copies": 3}).json()["copies"]
    loans = [world.as_user("stat_a").post("/api/v1/loans", {"copy_id": copies[0]["id"]}),
             world.as_user("stat_a").post("/api/v1/loans", {"copy_id": copies[1]["id"]}),
             world.as_user("stat_b").post("/api/v1/loans", {"copy_id": copies[2]["id"]})]
    assert [l.status_code for l in loans] == [201] * 3
    held_on = local_today() - timedelta(days=2)
    activity = world.as_user("ua_power").post("/api/v1/activities", activity_body(
        world.unions["power"]["id"], venue_id=active["id"], held_on=held_on.isoformat()))
    assert activity.status_code == 201, activity.text
    assert world.as_user("rev_ganzhou").post(
        "/api/v1/activities/%d/approve" % activity.json()["id"]).status_code == 200
    wait_for(lambda: admin.get("/api/v1/venues/%d" % active["id"]).json()["activities_held"] == 1,
             20, "the approved activity counted at its venue")
    return {"lending": lending, "active": active, "idle": idle, "held_on": held_on}


def period(days=40):
    today = local_today()
    return {"date_from": (today - timedelta(days=days)).isoformat(), "date_to": today.isoformat()}


def test_loans_per_venue_county_and_month_and_active_readers(world, network):
    stats = world.system.client().get("/api/v1/library/statistics", **period())
    assert stats.status_code == 200, stats.text
    stats = stats.json()
    assert stats["loans"] == 3 and stats["active_readers"] == 2
    assert stats["by_venue"] == [{"venue_id": network["lending"]["id"],
                                  "name": network["lending"]["name"], "county": "甘州区",
                                  "loans": 3, "active_readers": 2}]
    assert stats["by_county"] == [{"county": "甘州区", "loans": 3, "active_readers": 2}]
    assert stats["by_month"] == [{"month": local_today().strftime("%Y-%m"), "loans": 3,
                                  "active_readers": 2}]
    # scoped: another county sees none of it, and may not ask for it
    other = world.as_user("rev_linze").get("/api/v1/library/statistics", **period()).json()
    assert other["loans"] == 0 and other["by_county"] == []
    error_of(world.as_user("rev_linze").get("/api/v1/library/statistics", county="甘州区",
                                            **period()), 403, "FORBIDDEN")
    own = world.as_user("ua_power").get("/api/v1/library/statistics", **period()).json()
    assert own["loans"] == 3
    error_of(world.as_user("stat_a").get("/api/v1/library/statistics", **period()), 403,
             "FORBIDDEN")
    last_year = {"date_from": (local_today() - timedelta(days=800)).isoformat(),
                 "date_to": (local_today() - timedelta(days=400)).isoformat()}
    assert world.system.client().get("/api/v1/library/statistics",
                                     **last_year).json()["loans"] == 0


def test_venues_without_a_loan_or_an_activity(world, network):
    admin = world.system.client()
    idle = admin.get("/api/v1/library/idle-venues", limit=500, **period(10)).json()
    ids = {v["id"] for v in idle["items"]}
    assert network["idle"]["id"] in ids
    assert network["lending"]["id"] not in ids and network["active"]["id"] not in ids
    assert idle["total"] == len(idle["items"])
    # closed venues are not idle, they are closed
    assert admin.post("/api/v1/venues/%d/close" % network["idle"]["id"],
                      {"reason": "驿站撤并"}).status_code == 200
    idle = admin.get("/api/v1/library/idle-venues", limit=500, **period(10)).json()
    assert network["idle"]["id"] not in {v["id"] for v in idle["items"]}
    assert admin.post("/api/v1/venues/%d/reopen" % network["idle"]["id"]).status_code == 200
    county = world.as_user("rev_linze").get("/api/v1/library/idle-venues", **period(10)).json()
    assert {v["county"] for v in county["items"]} == {"临泽县"}


def test_the_autumn_reading_season(world, network):
    year = local_today().year
    season = world.system.client().get("/api/v1/library/reading-season", year=year)
    assert season.status_code == 200, season.text
    season = season.json()
    assert season["theme"] == "职工读书季"
    assert (season["date_from"], season["date_to"]) == ("%d-09-01" % year, "%d-11-30" % year)
    in_season = 9 <= local_today().month <= 11
    assert season["loans"] == (3 if in_season else 0)
    assert season["active_readers"] == (2 if in_season else 0)
    held_in_season = 9 <= network["held_on"].month <= 11 and network["held_on"].year == year
    assert season["reading_activities"] == (1 if held_in_season else 0)
    assert season["reading_participants"] == (40 if held_in_season else 0)
    past = world.system.client().get("/api/v1/library/reading-season", year=year - 3).json()
    assert past["loans"] == 0 and past["activities_at_venues"] == 0


def test_bad_statistics_queries(world, network):
    admin = world.system.client()
    error_of(admin.get("/api/v1/library/statistics"), 422)
    error_of(admin.get("/api/v1/library/statistics", date_from="2026-13-01",
                       date_to="2026-12-01"), 422)
    details = error_of(admin.get("/api/v1/library/statistics", date_from="2026-12-01",
                                 date_to="2026-01-01"), 422)["details"]
    assert "date_to" in details
    error_of(admin.get("/api/v1/library/statistics", nonsense=1, **period()), 422)
    error_of(admin.get("/api/v1/library/reading-season", year=1900), 422)
