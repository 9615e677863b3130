"""The whole path over real processes: report -> approve -> subsidy and notification."""
from tests.support.waiting import wait_for
from tests.support.world import activity_body


def report(world, username="ua_power", union="power", **overrides):
    answer = world.as_user(username).post(
        "/api/v1/activities", activity_body(world.unions[union]["id"], **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def subsidies_of(client, activity_id):
    answer = client.get("/api/v1/subsidies", activity_id=activity_id)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_approval_grants_a_subsidy_and_notifies_the_union_admins(world):
    union_admin = world.as_user("ua_power")
    activity = report(world, participants=40, expenses="1500.00")
    assert activity["status"] == "submitted"
    assert activity["tier"] == "grassroots" and activity["season"] in (
        "spring", "summer", "autumn", "winter")

    approved = world.as_user("rev_ganzhou").post(
        "/api/v1/activities/%d/approve" % activity["id"], {"comment": "材料齐全"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"

    decisions = wait_for(lambda: subsidies_of(union_admin, activity["id"]), 20,
                         "the subsidy decision")
    assert len(decisions) == 1
    decision = decisions[0]
    # 150 base + 40 x 5 = 350, under 50% of 1500 and the 800 cap
    assert decision["status"] == "granted" and decision["amount"] == "350.00"
    assert decision["policy_version"] == 1 and decision["fund_id"] == world.fund["id"]
    assert len(decision["explanation"]) == 5

    def subsidy_notice():
        items = union_admin.get("/api/v1/notifications").json()["items"]
        return [n for n in items if n["event_type"] == "subsidy_granted"
                and "350.00" in n["body"]]
    notices = wait_for(subsidy_notice, 20, "the subsidy notification")
    assert notices[0]["title"] == "活动补助已核定" and notices[0]["read"] is False

    fund = world.system.client().get("/api/v1/funds/%d" % world.fund["id"]).json()
    assert fund["granted"] == "350.00"
    assert fund["remaining"] == "232150.00"


def test_the_history_records_each_transition(world):
    activity = report(world)
    reviewer = world.as_user("rev_ganzhou")
    assert reviewer.post("/api/v1/activities/%d/approve" % activity["id"]).status_code == 200
    history = world.as_user("ua_power").get("/api/v1/activities/%d/history" % activity["id"])
    assert history.status_code == 200
    steps = [(h["action"], h["from_status"], h["to_status"], h["actor"]) for h in history.json()]
    assert steps == [("report", None, "submitted", "ua_power"),
                     ("approve", "submitted", "approved", "rev_ganzhou")]
    assert all(h["at"].endswith("Z") for h in history.json())


def test_approving_twice_is_a_conflict(world):
    activity = report(world)
    reviewer = world.as_user("rev_ganzhou")
    assert reviewer.post("/api/v1/activities/%d/approve" % activity["id"]).status_code == 200
    again = reviewer.post("/api/v1/activities/%d/approve" % activity["id"])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "CONFLICT"


def test_rejection_needs_a_reason_and_produces_no_subsidy(world):
    union_admin = world.as_user("ua_power")
    reviewer = world.as_user("rev_ganzhou")
    rejected = report(world, title="未通过的活动")
    no_reason = reviewer.post("/api/v1/activities/%d/reject" % rejected["id"], {})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["error"]["details"]
    blank = reviewer.post("/api/v1/activities/%d/reject" % rejected["id"], {"reason": "  "})
    assert blank.status_code == 422
    answer = reviewer.post("/api/v1/activities/%d/reject" % rejected["id"],
                           {"reason": "签到表缺失"})
    assert answer.status_code == 200 and answer.json()["status"] == "rejected"

    # A later approval's decision and notices are the barrier: everything before is handled.
    later = report(world, title="之后批准的活动")
    assert reviewer.post("/api/v1/activities/%d/approve" % later["id"]).status_code == 200
    wait_for(lambda: subsidies_of(union_admin, later["id"]), 20, "the later decision")
    wait_for(lambda: any("签到表缺失" in n["body"] for n in
                         union_admin.get("/api/v1/notifications").json()["items"]),
             20, "the rejection notice with its reason")
    assert subsidies_of(union_admin, rejected["id"]) == []


def test_a_returned_activity_is_reworked_and_submitted_again(world):
    union_admin = world.as_user("ua_power")
    reviewer = world.as_user("rev_ganzhou")
    activity = report(world, participants=10)
    path = "/api/v1/activities/%d" % activity["id"]
    assert union_admin.put(path, activity_body(world.unions["power"]["id"])).status_code in (409, 422)
    returned = reviewer.post(path + "/return", {"reason": "请补充发票"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    body = activity_body(world.unions["power"]["id"], participants=25)
    del body["union_id"]
    changed = union_admin.put(path, body)
    assert changed.status_code == 200, changed.text
    assert changed.json()["participants"] == 25
    resubmitted = union_admin.post(path + "/submit")
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "submitted"
    assert reviewer.post(path + "/approve").status_code == 200


def test_union_admins_and_reviewers_see_only_their_own(world):
    mine = report(world)
    theirs = report(world, username="ua_school", union="school")
    power_admin = world.as_user("ua_power")
    assert power_admin.get("/api/v1/activities/%d" % theirs["id"]).status_code == 403
    assert power_admin.get("/api/v1/activities/%d" % mine["id"]).status_code == 200
    listed = power_admin.get("/api/v1/activities").json()
    assert listed["total"] >= 1
    assert {a["union_id"] for a in listed["items"]} == {world.unions["power"]["id"]}
    other_union = power_admin.post("/api/v1/activities",
                                   activity_body(world.unions["school"]["id"]))
    assert other_union.status_code == 403
    wrong_county = world.as_user("rev_linze").post("/api/v1/activities/%d/approve" % mine["id"])
    assert wrong_county.status_code == 403
    by_county = world.as_user("rev_linze").get("/api/v1/activities").json()
    assert {a["county"] for a in by_county["items"]} == {"临泽县"}
    assert world.as_user("worker").get("/api/v1/activities").status_code == 403
