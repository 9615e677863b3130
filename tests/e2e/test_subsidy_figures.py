"""Figures for the right people, over HTTP on real processes (issue 18): a county reviewer
reads its own county's statistics (another county's is a 403); a union admin lists its
own union's decisions of a year and reads its year against the yearly cap; a reviewer
reads its county's unions; finance and the city read everything; everyone else, 403.

Approvals are published as activity_approved envelopes (as the activities service would)
for years of their own, so that the figures are this module's alone.
"""
import itertools

import pytest

from services.common.clock import local_today
from services.common.events import make_envelope
from services.subsidies.domain import DEFAULT_ACTIVITY_POLICY
from tests.support.events import publish
from tests.support.waiting import wait_for
from tests.support.world import activity_body

IDS = itertools.count(8_100_001)
YEAR, SHORT_YEAR = 2041, 2042
CAP = {"grassroots": "1000.00", "county": "30000.00", "city": "100000.00"}


def approval(union, year, participants=40):
    return make_envelope("activity_approved", {
        "activity_id": next(IDS), "title": "统计测试活动", "union_id": union["id"],
        "union_name": union["name"], "county": union["county"], "tier": union["level"],
        "category": "reading", "season": "autumn", "held_on": "%d-10-15" % year,
        "participants": participants, "expenses": "1500.00", "actor": "rev_ganzhou"},
        "activities", "test-subsidy-figures")


def decided(world, union, year, count):
    """Wait until the union has `count` decisions of the year (read as finance)."""
    finance = world.as_user("finance")

    def found():
        answer = finance.get("/api/v1/subsidies", year=year, union_id=union["id"], limit=500)
        assert answer.status_code == 200, answer.text
        return answer.json() if answer.json()["total"] >= count else None
    return wait_for(found, 30, "%d decisions of %s" % (count, union["name"]))


@pytest.fixture(scope="module")
def figures(world):
    """A policy with a yearly cap per union in force from today; a fund for YEAR (the
    power union twice, the school once) and a small one for SHORT_YEAR (one declined)."""
    admin = world.system.client()
    document = dict(DEFAULT_ACTIVITY_POLICY, rules=DEFAULT_ACTIVITY_POLICY["rules"] + [
        {"type": "cap_per_union_year", "by_tier": CAP}])
    uploaded = admin.post("/api/v1/policies", {"kind": "activity", "document": document,
                                               "effective_from": local_today().isoformat()})
    assert uploaded.status_code == 201, uploaded.text
    for year, budget in ((YEAR, "100000.00"), (SHORT_YEAR, "400.00")):
        fund = admin.post("/api/v1/funds", {"name": "%d年度补助资金" % year, "year": year,
                                            "policy": "activity", "budget": budget})
        assert fund.status_code == 201, fund.text
    power, school = world.unions["power"], world.unions["school"]
    for envelope in (approval(power, YEAR), approval(power, YEAR), approval(school, YEAR),
                     approval(power, SHORT_YEAR), approval(power, SHORT_YEAR)):
        publish(world.system, envelope)
    decided(world, power, YEAR, 2)
    decided(world, school, YEAR, 1)
    decided(world, power, SHORT_YEAR, 2)
    return uploaded.json()


def test_a_county_reviewer_reads_its_own_countys_statistics(world, figures):
    ganzhou = world.as_user("rev_ganzhou")
    own = ganzhou.get("/api/v1/subsidies/stats", year=YEAR)
    assert own.status_code == 200, own.text
    own = own.json()
    assert own["county"] == "甘州区"
    assert (own["granted"], own["activities_subsidised"]) == ("700.00", 2)
    assert [c["county"] for c in own["by_county"]] == ["甘州区"]
    assert own["funds"] == []  # the city-wide fund is the city's, not the county's
    asked = ganzhou.get("/api/v1/subsidies/stats", year=YEAR, county="甘州区")
    assert asked.status_code == 200 and asked.json() == own
    other = ganzhou.get("/api/v1/subsidies/stats", year=YEAR, county="临泽县")
    assert other.status_code == 403 and other.json()["error"]["code"] == "FORBIDDEN"
    linze = world.as_user("rev_linze").get("/api/v1/subsidies/stats", year=YEAR).json()
    assert (linze["county"], linze["granted"], linze["activities_subsidised"]) == (
        "临泽县", "350.00", 1)
    city = world.as_user("finance").get("/api/v1/subsidies/stats", year=YEAR).json()
    assert city["county"] is None and city["activities_subsidised"] == 3
    assert city["funds"] and city["funds"][0]["budget"] == "100000.00"
    for username in ("ua_power", "worker", "ops"):
        refused = world.as_user(username).get("/api/v1/subsidies/stats", year=YEAR)
        assert refused.status_code == 403, username


def test_a_union_admin_lists_its_own_unions_decisions_of_a_year(world, figures):
    power, school = world.unions["power"], world.unions["school"]
    mine = world.as_user("ua_power").get("/api/v1/subsidies", year=YEAR)
    assert mine.status_code == 200, mine.text
    page = mine.json()
    assert set(page) == {"items", "total"} and page["total"] == 2
    assert {item["union_id"] for item in page["items"]} == {power["id"]}
    assert all(item["year"] == YEAR and item["status"] == "granted" for item in page["items"])
    one = world.as_user("ua_power").get("/api/v1/subsidies", year=YEAR, limit=1, offset=1)
    assert one.json()["total"] == 2 and len(one.json()["items"]) == 1
    declined = world.as_user("ua_power").get("/api/v1/subsidies", year=SHORT_YEAR,
                                             status="declined").json()
    assert declined["total"] == 1 and declined["items"][0]["reason"] == "budget_exhausted"
    theirs = world.as_user("ua_power").get("/api/v1/subsidies", year=YEAR,
                                           union_id=school["id"])
    assert theirs.status_code == 403
    # a decision asked by its activity: the bare list it always was
    reported = world.as_user("ua_power").post("/api/v1/activities",
                                              activity_body(power["id"], title="年度清单活动"))
    assert reported.status_code == 201, reported.text
    activity_id = reported.json()["id"]
    assert world.as_user("rev_ganzhou").post(
        "/api/v1/activities/%d/approve" % activity_id).status_code == 200
    listed = wait_for(lambda: world.as_user("ua_power").get(
        "/api/v1/subsidies", activity_id=activity_id).json(), 30, "the activity's decision")
    assert isinstance(listed, list) and listed[0]["activity_id"] == activity_id
    mixed = world.as_user("ua_power").get("/api/v1/subsidies", activity_id=activity_id,
                                          year=YEAR)
    assert mixed.status_code == 422 and "year" in mixed.json()["error"]["details"]
    neither = world.as_user("ua_power").get("/api/v1/subsidies", status="granted")
    assert neither.status_code == 422 and "year" in neither.json()["error"]["details"]


def test_a_reviewer_lists_its_countys_unions_and_finance_any(world, figures):
    power, school = world.unions["power"], world.unions["school"]
    county = world.as_user("rev_ganzhou").get("/api/v1/subsidies", year=YEAR).json()
    assert county["total"] == 2 and {i["county"] for i in county["items"]} == {"甘州区"}
    union = world.as_user("rev_ganzhou").get("/api/v1/subsidies", year=YEAR,
                                             union_id=power["id"])
    assert union.status_code == 200 and union.json()["total"] == 2
    other = world.as_user("rev_ganzhou").get("/api/v1/subsidies", year=YEAR,
                                             union_id=school["id"])
    assert other.status_code == 403
    everything = world.as_user("finance").get("/api/v1/subsidies", year=YEAR).json()
    assert everything["total"] == 3
    theirs = world.system.client().get("/api/v1/subsidies", year=YEAR, union_id=school["id"])
    assert theirs.status_code == 200 and theirs.json()["total"] == 1
    unknown = world.as_user("rev_ganzhou").get("/api/v1/subsidies", year=YEAR,
                                               union_id=99_999_999)
    assert unknown.status_code == 404


def year_of(client, union, year=YEAR):
    return client.get("/api/v1/unions/%d/subsidy-year" % union["id"], year=year)


def test_a_unions_year_against_its_yearly_cap(world, figures):
    power = world.unions["power"]
    answer = year_of(world.as_user("ua_power"), power)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "union_id": power["id"], "year": YEAR, "tier": "grassroots", "granted": "700.00",
        "paid": "0.00", "pending": "700.00", "decisions": 2, "subsidised": 2, "declined": 0,
        "cap": "1000.00", "room": "300.00", "policy_version": figures["version"]}
    short = year_of(world.as_user("ua_power"), power, SHORT_YEAR).json()
    assert (short["granted"], short["declined"], short["decisions"], short["room"]) == (
        "350.00", 1, 2, "650.00")
    # the next grant is cut to the room left, and then there is none
    publish(world.system, approval(power, YEAR))
    wait_for(lambda: year_of(world.as_user("ua_power"), power).json()["decisions"] == 3, 30,
             "the third decision")
    full = year_of(world.as_user("ua_power"), power).json()
    assert (full["granted"], full["room"], full["subsidised"]) == ("1000.00", "0.00", 3)
    county_union = year_of(world.as_user("finance"), world.unions["ganzhou"]).json()
    assert (county_union["tier"], county_union["cap"], county_union["decisions"]) == (
        "county", "30000.00", 0)


def test_a_unions_year_is_for_its_admins_its_reviewer_finance_and_the_city(world, figures):
    power = world.unions["power"]
    for username in ("ua_power", "rev_ganzhou", "finance"):
        assert year_of(world.as_user(username), power).status_code == 200, username
    assert year_of(world.system.client(), power).status_code == 200
    for username in ("ua_school", "rev_linze", "worker", "ops"):
        refused = year_of(world.as_user(username), power)
        assert refused.status_code == 403, username
        assert refused.json()["error"]["code"] == "FORBIDDEN"
    missing = world.as_user("finance").get("/api/v1/unions/99999999/subsidy-year", year=YEAR)
    assert missing.status_code == 404
    no_year = world.as_user("ua_power").get("/api/v1/unions/%d/subsidy-year" % power["id"])
    assert no_year.status_code == 422 and "year" in no_year.json()["error"]["details"]
