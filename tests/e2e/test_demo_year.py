"""The demo year through the system (scripts/demo_year.py), scaled down: January (before
the reporting window: entered late by the city, 补录) and this month. Its structure is
asserted, not its randomness: every service tells the same story, the grants stay within
the budget, every county has activities in every month run, every lecture of the run has
its survey, a second person paid each batch, and a second run creates nothing twice.
Then the late-entry rules themselves."""
from datetime import date, timedelta

import pytest

from scripts import demo_year
from services.common.clock import local_today
from services.common.money import to_fen
from tests.support.system import ADMIN

TODAY = local_today()
YEAR = TODAY.year
MONTHS = sorted({1, TODAY.month})


@pytest.fixture(scope="module")
def year(system):
    gateway = demo_year.Gateway(system.gateway, *ADMIN)
    lines = []
    options = demo_year.Options(YEAR, MONTHS, scale=0.05, clients=6)
    report = demo_year.run(gateway, options, out=lines.append)
    return {"gateway": gateway, "options": options, "report": report, "lines": lines}


def test_every_service_tells_the_same_story(year):
    report = year["report"]
    assert report["consistent"] is True, report["findings"]
    agreement = {a["check"]: a["figures"] for a in report["agreement"]}
    approved = report["activities"]["published"]["activities_approved"]
    assert agreement["approved_decided"] == {"activities": approved, "subsidies": approved}
    assert agreement["held_at_venues"]["activities"] == agreement["held_at_venues"]["library"]
    assert approved >= 6 * len(MONTHS)  # at least one in every county every month run
    money = report["subsidies"]
    fund = next(f for f in money["funds"] if f["policy"] == "activity")
    assert fund["budget"] == "232500.00" and to_fen(fund["granted"]) <= to_fen(fund["budget"])
    assert money["activities"]["granted"] == money["activities"]["paid"]  # all paid
    assert all(check["agrees"] for check in money["reconciliation"]["checks"])
    assert "核对：各服务口径一致，金额与流水全部核平" in year["lines"][-1]


def test_every_county_has_activities_in_every_month_run(year):
    report = year["report"]
    assert [g for g in report["coverage"]["gaps"] if g["month"] in MONTHS] == []
    rows = {row["county"]: row for row in report["coverage"]["counties"]}
    for county in ("甘州区", "临泽县", "高台县", "山丹县", "民乐县", "肃南裕固族自治县"):
        assert all(rows[county]["months"][str(m)] >= 1 for m in MONTHS), county


def test_the_lectures_of_the_run_have_their_surveys(year):
    lectures = year["report"]["lectures"]
    assert lectures["programme"]["sessions_approved"] == year["report"]["activities"][
        "published"]["lecture_sessions"]
    ran = [row for row in lectures["lecturers"] if row["responses"]]
    assert ran and lectures["programme"]["responses"] >= 1
    missing = [item["title"] for item in lectures["without_feedback"]
               if item["title"].startswith(demo_year.TITLES["lecture"])]
    assert missing == []  # the demo data set's own lectures have no survey; the run's do
    network = year["report"]["reading_network"]
    assert (network["culture_palaces"], network["worker_clubs"]) == (5, 1)
    assert network["palace_and_club_area_m2"] == 12000 and network["rest_station_corners"] == 88
    assert network["evaluations"]["evaluations"] >= 6


def test_a_second_finance_user_paid_every_batch(year):
    gateway = year["gateway"]
    batches = gateway.pages(gateway.admin, "/api/v1/disbursements", status="paid")
    assert len(batches) >= 2  # the activity fund's and the venue fund's
    for batch in batches:
        assert (batch["created_by"], batch["paid_by"]) == ("year_finance", "year_finance2")


def test_reports_past_the_window_were_entered_late_by_the_city_with_a_photo(year):
    gateway = year["gateway"]
    january = gateway.pages(gateway.admin, "/api/v1/activities", year=YEAR, county="甘州区")
    january = [a for a in january if a["held_on"].startswith("%d-01" % YEAR)
               and a["title"].startswith(tuple(demo_year.TITLES.values()))]
    assert january
    window = timedelta(days=year["options"].window_days - 2)  # the plan's margin
    for activity in january[:3]:
        [photo] = [e for e in activity["evidence"] if e.get("evidence_id")]
        assert photo["kind"] == "photo" and len(photo["sha256"]) == 64
        trail = gateway.json(gateway.admin, "GET", "/api/v1/activities/%d/history"
                             % activity["id"])
        reported = trail[0]
        assert reported["action"] == "report"
        if date.fromisoformat(activity["held_on"]) < TODAY - window:
            assert reported["actor"] == ADMIN[0] and reported["comment"].startswith("补录：")
        else:
            assert reported["actor"].startswith("year_u") and reported["comment"] is None


def test_a_second_run_of_the_same_plan_creates_nothing_twice(year):
    again = demo_year.run(year["gateway"], year["options"], out=lambda line: None)
    first = year["report"]
    assert again["activities"]["reported"] == first["activities"]["reported"]
    assert again["subsidies"]["activities"] == first["subsidies"]["activities"]
    assert again["reading_network"]["evaluations"] == first["reading_network"]["evaluations"]
    assert again["consistent"] is True


# the late entry (补录) rules --------------------------------------------------------------
def report_body(union, held_on, **extra):
    body = {"union_id": union["id"], "title": "补录测试", "category": "culture",
            "held_on": held_on.isoformat(), "participants": 10, "expenses": "800.00",
            "evidence": [{"kind": "photo", "url": "https://example.org/p.jpg"}]}
    body.update(extra)
    return body


def test_only_the_city_enters_a_report_late_and_only_of_this_year_or_the_last(year):
    gateway = year["gateway"]
    union = gateway.pages(gateway.admin, "/api/v1/unions", level="grassroots")[0]
    reporter, reviewer = demo_year.people(union, gateway)
    old = TODAY - timedelta(days=200)
    refused = gateway.call(reporter, "POST", "/api/v1/activities", ok=(403,),
                           json=report_body(union, TODAY, late_entry_reason="纸质材料"))
    assert refused.json()["error"]["code"] == "FORBIDDEN"
    window = gateway.call(gateway.admin, "POST", "/api/v1/activities", ok=(422,),
                          json=report_body(union, old))
    assert "held_on" in window.json()["error"]["details"]
    too_old = gateway.call(gateway.admin, "POST", "/api/v1/activities", ok=(422,),
                           json=report_body(union, date(YEAR - 2, 6, 1), late_entry_reason="x"))
    assert too_old.json()["error"]["details"]["held_on"] == ["补录仅限本年度或上一年度举办的活动"]
    entered = gateway.json(gateway.admin, "POST", "/api/v1/activities", ok=(201,),
                           json=report_body(union, old, late_entry_reason="年底报送的纸质材料"))
    assert entered["status"] == "submitted"
    path = "/api/v1/activities/%d" % entered["id"]
    trail = gateway.json(gateway.admin, "GET", path + "/history")
    assert trail[0]["comment"] == "补录：年底报送的纸质材料" and trail[0]["actor"] == ADMIN[0]

    # returned for rework, its owner keeps the date it was accepted with; another old one
    # is past the window (a rework is no late entry)
    gateway.call(reviewer, "POST", path + "/return", json={"reason": "请补充照片"})
    rework = {k: v for k, v in report_body(union, old).items() if k != "union_id"}
    moved = gateway.call(reporter, "PUT", path, ok=(422,),
                         json=dict(rework, held_on=(old - timedelta(days=1)).isoformat()))
    assert "held_on" in moved.json()["error"]["details"]
    late_again = gateway.call(reporter, "PUT", path, ok=(422,),
                              json=dict(rework, late_entry_reason="再次补录"))
    assert "late_entry_reason" in late_again.json()["error"]["details"]
    kept = gateway.json(reporter, "PUT", path, json=dict(rework, participants=12))
    assert kept["held_on"] == old.isoformat() and kept["participants"] == 12
