"""Hold first, subsidise after, through the gateway: the reporting rules, who reviews
what, checked transitions and their history, racing reviewers and bulk review."""
import threading
from datetime import timedelta

from services.common.clock import local_today
from tests.support.events import count_rows, outbox_envelopes
from tests.support.world import activity_body

RACE_ROUNDS = 12


def report(world, username="ua_power", union="power", **overrides):
    answer = world.as_user(username).post(
        "/api/v1/activities", activity_body(world.unions[union]["id"], **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def total_activities(world):
    return world.system.client().get("/api/v1/activities").json()["total"]


def test_a_report_breaking_the_rules_names_each_field_and_stores_nothing(world):
    union_admin = world.as_user("ua_power")
    before = total_activities(world)
    today = local_today()
    cases = [
        ({"held_on": (today + timedelta(days=1)).isoformat()}, "held_on"),
        ({"held_on": (today - timedelta(days=91)).isoformat()}, "held_on"),
        ({"participants": 121}, "participants"),   # the union has 120 members
        ({"participants": 0}, "participants"),
        ({"expenses": "-5.00"}, "expenses"),
        ({"expenses": "12.345"}, "expenses"),
        ({"evidence": []}, "evidence"),
        ({"category": "party"}, "category"),
        ({"category": "lecture", "lecturer_id": 999999}, "lecturer_id"),  # of the pool
        ({"lecturer_id": 999999}, "lecturer_id"),  # only a lecture names a lecturer
    ]
    for overrides, field in cases:
        answer = union_admin.post("/api/v1/activities",
                                  activity_body(world.unions["power"]["id"], **overrides))
        assert answer.status_code == 422, (overrides, answer.text)
        body = answer.json()["error"]
        assert body["code"] == "VALIDATION_FAILED" and field in body["details"], (overrides, body)
    several = union_admin.post("/api/v1/activities", activity_body(
        world.unions["power"]["id"], participants=500,
        held_on=(today + timedelta(days=3)).isoformat()))
    assert several.status_code == 422
    assert {"participants", "held_on"} <= set(several.json()["error"]["details"])
    assert total_activities(world) == before
    # the edges of the rules are allowed: 90 days back, all members, nothing spent
    edge = report(world, held_on=(today - timedelta(days=90)).isoformat(), participants=120,
                  expenses="0.00")
    assert edge["status"] == "submitted" and edge["expenses"] == "0.00"


def test_the_tier_follows_the_union_and_county_activities_are_reviewed_by_the_city(world):
    admin = world.system.client()
    county_activity = admin.post("/api/v1/activities", activity_body(
        world.unions["ganzhou"]["id"], title="甘州区职工书法展", category="exhibition"))
    assert county_activity.status_code == 201, county_activity.text
    activity = county_activity.json()
    assert activity["tier"] == "county" and activity["county"] == "甘州区"
    path = "/api/v1/activities/%d" % activity["id"]
    assert world.as_user("rev_ganzhou").post(path + "/approve").status_code == 403
    assert world.as_user("ua_power").post(path + "/approve").status_code == 403
    assert admin.post(path + "/approve", {"comment": "市总审核通过"}).status_code == 200

    city = admin.post("/api/v1/activities", activity_body(
        world.unions["city"]["id"], title="全市职工运动会", category="sports", participants=900))
    assert city.status_code == 201 and city.json()["tier"] == "city"


def test_every_transition_is_checked_and_recorded(world):
    union_admin = world.as_user("ua_power")
    reviewer = world.as_user("rev_ganzhou")
    activity = report(world, title="职工合唱比赛", category="culture")
    path = "/api/v1/activities/%d" % activity["id"]
    body = activity_body(world.unions["power"]["id"], title="职工合唱比赛（修订）")
    del body["union_id"]

    assert union_admin.put(path, body).status_code == 409          # submitted: not editable
    assert union_admin.post(path + "/submit").status_code == 409   # not returned
    returned = reviewer.post(path + "/return", {"reason": "请补充签到表"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert reviewer.post(path + "/approve").status_code == 409     # returned: not reviewable
    assert reviewer.post(path + "/return", {"reason": "再次退回"}).status_code == 409
    assert world.as_user("ua_school").put(path, body).status_code == 403  # not its union
    changed = union_admin.put(path, body)
    assert changed.status_code == 200 and changed.json()["title"] == "职工合唱比赛（修订）"
    assert union_admin.post(path + "/submit", {"comment": "已补充"}).status_code == 200
    assert reviewer.post(path + "/reject", {"reason": "经费超标"}).status_code == 200
    for action in ("approve", "submit"):
        again = (reviewer if action == "approve" else union_admin).post(path + "/" + action)
        assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"
    assert reviewer.post(path + "/return", {"reason": "x"}).status_code == 409
    assert union_admin.put(path, body).status_code == 409          # rejected: final

    history = union_admin.get(path + "/history").json()
    steps = [(h["action"], h["from_status"], h["to_status"], h["actor"], h["comment"])
             for h in history]
    assert steps == [
        ("report", None, "submitted", "ua_power", None),
        ("return", "submitted", "returned", "rev_ganzhou", "请补充签到表"),
        ("edit", "returned", "returned", "ua_power", None),
        ("resubmit", "returned", "submitted", "ua_power", "已补充"),
        ("reject", "submitted", "rejected", "rev_ganzhou", "经费超标"),
    ]
    assert all(h["at"].endswith("Z") for h in history)
    assert world.as_user("rev_linze").get(path + "/history").status_code == 403
    # The events carry what consumers need, the reason included.
    rejected = [e for e in outbox_envelopes(world.system, "activities", "activity_rejected")
                if e["data"]["activity_id"] == activity["id"]]
    assert len(rejected) == 1
    facts = rejected[0]["data"]
    assert facts["comment"] == "经费超标" and facts["county"] == "甘州区"
    assert facts["union_name"] == "国网甘州供电工会" and facts["tier"] == "grassroots"
    assert facts["season"] == activity["season"] and facts["status"] == "rejected"
    assert facts["season_theme"] and facts["season_theme_match"] in (True, False)


def _race(clients, path):
    barrier = threading.Barrier(len(clients))
    codes = []

    def approve(client):
        barrier.wait()
        codes.append(client.post(path).status_code)
    threads = [threading.Thread(target=approve, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


def test_racing_approvals_produce_one_approval_and_one_conflict(world):
    reviewers = [world.as_user("rev_ganzhou"), world.system.client()]
    ids = []
    for round_ in range(RACE_ROUNDS):
        activity = report(world, title="并发审核活动 %d" % round_)
        ids.append(activity["id"])
        assert _race(reviewers, "/api/v1/activities/%d/approve" % activity["id"]) == [200, 409]
    for activity_id in ids:
        approvals = count_rows(world.system, "activities", "activity_history",
                               "activity_id = :a AND action = 'approve'", {"a": activity_id})
        assert approvals == 1
    approved_events = [e for e in outbox_envelopes(world.system, "activities", "activity_approved")
                       if e["data"]["activity_id"] in ids]
    assert len(approved_events) == RACE_ROUNDS


def test_bulk_approval_checks_each_item_on_its_own(world):
    mine = [report(world, title="批量审核 %d" % i)["id"] for i in range(3)]
    other_county = report(world, username="ua_school", union="school")["id"]
    already = report(world, title="已审核")["id"]
    reviewer = world.as_user("rev_ganzhou")
    assert reviewer.post("/api/v1/activities/%d/approve" % already).status_code == 200
    returned = report(world, title="已退回")["id"]
    assert reviewer.post("/api/v1/activities/%d/return" % returned,
                         {"reason": "补材料"}).status_code == 200

    ids = [mine[0], other_county, mine[1], 999999, already, returned, mine[2]]
    answer = reviewer.post("/api/v1/activities/bulk-approve", {"ids": ids, "comment": "批量通过"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    results = body["results"]
    assert [r["id"] for r in results] == ids
    outcome = {r["id"]: (r["status"], r["error"] and r["error"]["code"]) for r in results}
    assert outcome == {
        mine[0]: ("approved", None), mine[1]: ("approved", None), mine[2]: ("approved", None),
        other_county: ("submitted", "FORBIDDEN"), 999999: (None, "NOT_FOUND"),
        already: ("approved", "CONFLICT"), returned: ("returned", "CONFLICT"),
    }
    assert body["approved"] == 3 and body["failed"] == 4
    history = reviewer.get("/api/v1/activities/%d/history" % mine[1]).json()
    assert history[-1]["action"] == "approve" and history[-1]["comment"] == "批量通过"
    # the other county's activity is untouched; the city may approve it in bulk
    admin = world.system.client()
    assert admin.get("/api/v1/activities/%d" % other_county).json()["status"] == "submitted"
    by_city = admin.post("/api/v1/activities/bulk-approve", {"ids": [other_county]}).json()
    assert by_city["results"] == [{"id": other_county, "status": "approved", "error": None}]


def test_bulk_approval_input_and_roles(world):
    reviewer = world.as_user("rev_ganzhou")
    for body, field in [({"ids": []}, "ids"), ({"ids": [1, 1]}, "ids"), ({}, "ids"),
                        ({"ids": ["x"]}, "ids"), ({"ids": [1], "extra": 1}, "extra"),
                        ({"ids": list(range(1, 202))}, "ids"), ({"ids": [2**31]}, "ids")]:
        answer = reviewer.post("/api/v1/activities/bulk-approve", body)
        assert answer.status_code == 422 and field in answer.json()["error"]["details"], body
    assert world.as_user("ua_power").post("/api/v1/activities/bulk-approve",
                                          {"ids": [1]}).status_code == 403
    assert world.as_user("worker").post("/api/v1/activities/bulk-approve",
                                        {"ids": [1]}).status_code == 403


def test_lists_filter_and_stay_in_scope(world):
    reviewer = world.as_user("rev_linze")
    listed = reviewer.get("/api/v1/activities", status="submitted", category="reading").json()
    assert all(a["county"] == "临泽县" and a["status"] == "submitted"
               and a["category"] == "reading" for a in listed["items"])
    assert reviewer.get("/api/v1/activities", county="甘州区").status_code == 403
    power = world.as_user("ua_power").get("/api/v1/activities", tier="grassroots",
                                          year=local_today().year).json()
    assert power["total"] >= 1
    assert {a["union_id"] for a in power["items"]} == {world.unions["power"]["id"]}
    assert world.as_user("ua_power").get("/api/v1/activities",
                                         status="bogus").status_code == 422
    admin = world.system.client()
    assert admin.get("/api/v1/activities/%d" % 2**40).status_code == 404
    assert admin.get("/api/v1/activities", union_id=2**40).status_code == 422
