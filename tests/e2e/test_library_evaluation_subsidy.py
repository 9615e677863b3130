"""Evaluation -> venue subsidy over real events: a venue rated on the four goods gets a
venue subsidy decision from the subsidies service without any further call."""
import uuid

from services.common.clock import local_today
from tests.support.waiting import wait_for

GOOD = {"site": 20, "management": 19, "activities": 10, "service": 19, "e_reading": 10,
        "reading_activities": 10}       # 88, no activity credit: "good"
FAILING = {"site": 8, "management": 8, "activities": 3, "service": 8, "e_reading": 2,
           "reading_activities": 2}


def decisions_for(client, venue_id):
    answer = client.get("/api/v1/subsidies", venue_id=venue_id)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body["items"] if isinstance(body, dict) else body


def new_venue(admin, world, kind="book_house"):
    answer = admin.post("/api/v1/venues", {
        "name": "甘州区职工书屋-%s" % uuid.uuid4().hex[:6], "kind": kind, "county": "甘州区",
        "host_union_id": world.unions["power"]["id"], "floor_area_m2": 150, "seats": 40,
        "e_reading_devices": 4})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_an_evaluated_venue_gets_a_venue_subsidy_decision(world):
    admin = world.system.client()
    year = local_today().year
    fund = admin.post("/api/v1/funds", {"name": "%d年度宣教阵地建设补助资金" % year, "year": year,
                                        "policy": "venue", "budget": "300000.00"})
    assert fund.status_code == 201, fund.text

    good = new_venue(admin, world)
    evaluation = world.as_user("rev_ganzhou").post(
        "/api/v1/venues/%d/evaluations" % good["id"], {"period": str(year), "scores": GOOD})
    assert evaluation.status_code == 201, evaluation.text
    assert evaluation.json()["rating"] == "good"

    decisions = wait_for(lambda: decisions_for(admin, good["id"]), 20, "the venue decision")
    assert len(decisions) == 1
    decision = decisions[0]
    assert decision["status"] == "granted" and decision["fund_id"] == fund.json()["id"]
    assert decision["venue_id"] == good["id"] and decision["period"] == str(year)
    assert decision["amount"] != "0.00" and decision["explanation"]
    granted = admin.get("/api/v1/funds/%d" % fund.json()["id"]).json()["granted"]
    assert granted == decision["amount"]

    poor = new_venue(admin, world, kind="worker_home")
    failing = admin.post("/api/v1/venues/%d/evaluations" % poor["id"],
                         {"period": str(year), "scores": FAILING})
    assert failing.status_code == 201 and failing.json()["rating"] == "fail"
    declined = wait_for(lambda: decisions_for(admin, poor["id"]), 20, "the declined decision")
    assert declined[0]["status"] == "declined" and declined[0]["amount"] == "0.00"
    assert admin.get("/api/v1/funds/%d" % fund.json()["id"]).json()["granted"] == granted

    # the host union's admins hear of both evaluations, without any further call
    union_admin = world.as_user("ua_power")

    def notices():
        items = union_admin.get("/api/v1/notifications", limit=100).json()["items"]
        return [n for n in items if n["event_type"] == "venue_evaluated"
                and (good["name"] in n["body"] or poor["name"] in n["body"])]
    found = wait_for(lambda: len(notices()) == 2 and notices(), 20, "the evaluation notices")
    assert any("良好" in n["body"] and "88" in n["body"] for n in found)

    def subsidy_notices():
        items = union_admin.get("/api/v1/notifications", limit=100).json()["items"]
        return [n for n in items if n["event_type"] == "venue_subsidy_decided"
                and good["name"] in n["body"]]
    granted_notice = wait_for(subsidy_notices, 20, "the venue subsidy notice")
    assert granted_notice[0]["title"] == "阵地补助结果"
    assert decision["amount"] in granted_notice[0]["body"]


EXCELLENT = {"site": 20, "management": 20, "activities": 10, "service": 20, "e_reading": 10,
             "reading_activities": 10}  # 90, no activity credit: "excellent"


def venue_fund(admin, year):
    answer = admin.post("/api/v1/funds", {"name": "%d年度宣教阵地建设补助资金" % year,
                                          "year": year, "policy": "venue",
                                          "budget": "100000.00"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def evaluate(client, venue, period, scores):
    answer = client.post("/api/v1/venues/%d/evaluations" % venue["id"],
                         {"period": period, "scores": scores})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_venue_gets_one_subsidy_a_year_that_later_evaluations_revise(world):
    """API.md: at most one venue subsidy per venue and year. A rest-station reading corner
    evaluated for H2, Q4 and November of one year got 3000 + 1000 + 1000 before."""
    admin = world.system.client()
    year = local_today().year - 1  # every period of last year has begun
    fund = venue_fund(admin, year)
    corner = new_venue(admin, world, kind="rest_station_corner")
    reviewer = world.as_user("rev_ganzhou")

    def decision_for(period):
        found = decisions_for(admin, corner["id"])
        return found if found and found[0]["period"] == period else None
    steps = [("%d-H2" % year, GOOD, "3000.00"), ("%d-Q4" % year, EXCELLENT, "3600.00"),
             ("%d-11" % year, GOOD, "3000.00")]
    for period, scores, amount in steps:
        evaluate(reviewer, corner, period, scores)
        decided = wait_for(lambda: decision_for(period), 20, "the decision after %s" % period)
        assert len(decided) == 1, decided  # revised, never added
        assert (decided[0]["status"], decided[0]["amount"], decided[0]["purpose"]) == (
            "granted", amount, "construction")
    assert decided[0]["explanation"][0] == "本年度阵地补助按 %d-11 评估修订（原按 %d-Q4 评估" \
        "核定 3600.00 元）" % (year, year)
    assert decided[0]["explanation"][-1] == "修订后核定补助 3000.00 元（原核定 3600.00 元，" \
        "核减 600.00 元）"
    assert admin.get("/api/v1/funds/%d" % fund["id"]).json()["granted"] == "3000.00"
    ledger = admin.get("/api/v1/funds/%d/ledger" % fund["id"]).json()["items"]
    assert [(e["kind"], e["amount"]) for e in ledger] == [
        ("reserve", "3000.00"), ("reserve", "600.00"), ("release", "600.00")]
    report = admin.get("/api/v1/funds/%d/reconciliation" % fund["id"]).json()
    assert report["consistent"], report["problems"]

    union_admin = world.as_user("ua_power")

    def notices():
        items = union_admin.get("/api/v1/notifications", limit=200).json()["items"]
        found = [n for n in items if n["event_type"] == "venue_subsidy_decided"
                 and corner["name"] in n["body"]]
        return found if len(found) == 3 else None
    told = wait_for(notices, 20, "a notice for each revision")
    assert "3600.00" in told[1]["body"] and "3000.00" in told[0]["body"]  # newest first


def test_a_venue_evaluated_while_no_venue_fund_is_open_is_decided_when_one_opens(world):
    admin = world.system.client()
    year = local_today().year - 2
    venue = new_venue(admin, world)
    evaluate(admin, venue, "%d-Q3" % year, GOOD)
    declined = wait_for(lambda: decisions_for(admin, venue["id"]), 20, "the decision")
    assert (declined[0]["status"], declined[0]["reason"]) == ("declined", "no_fund")
    again = admin.post("/api/v1/venues/%d/evaluations" % venue["id"],
                       {"period": "%d-Q3" % year, "scores": GOOD})
    assert again.status_code == 409  # the library keeps one evaluation per period

    fund = venue_fund(admin, year)
    answer = world.as_user("finance").post("/api/v1/funds/%d/redecisions" % fund["id"], {})
    assert answer.status_code == 200, answer.text
    assert [(i["venue_id"], i["status"], i["amount"]) for i in answer.json()["items"]] == [
        (venue["id"], "granted", "20000.00")]
    decided = decisions_for(admin, venue["id"])
    assert len(decided) == 1 and decided[0]["fund_id"] == fund["id"]
    assert decided[0]["explanation"][-1] == "重新核定：资金剩余 100000.00 元，核定补助 20000.00 元"
    assert admin.get("/api/v1/funds/%d" % fund["id"]).json()["granted"] == "20000.00"
