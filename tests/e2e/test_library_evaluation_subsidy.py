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
    assert granted_notice[0]["title"] == "阵地补助结果" and decision["amount"] in granted_notice[0]["body"]
