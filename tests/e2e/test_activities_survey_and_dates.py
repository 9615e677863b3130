"""The activity list by the days held, and what a worker sees of an activity it scores."""
from datetime import timedelta

from services.common.clock import local_today
from tests.support.world import PASSWORD, activity_body


def _report(world, days_ago, title):
    held_on = (local_today() - timedelta(days=days_ago)).isoformat()
    answer = world.as_user("ua_power").post("/api/v1/activities", activity_body(
        world.unions["power"]["id"], title=title, held_on=held_on))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], held_on


def test_the_list_takes_a_range_of_days_held(world):
    early, early_day = _report(world, 30, "日期范围（早）")
    late, late_day = _report(world, 3, "日期范围（晚）")
    reviewer = world.as_user("rev_ganzhou")
    found = reviewer.get("/api/v1/activities", held_from=early_day, held_to=early_day)
    assert found.status_code == 200, found.text
    assert [a["id"] for a in found.json()["items"]] == [early]
    found = reviewer.get("/api/v1/activities", held_from=late_day).json()
    assert [a["id"] for a in found["items"]] == [late]
    wrong = reviewer.get("/api/v1/activities", held_from=late_day, held_to=early_day)
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"] == {"held_to": ["不能早于开始日期"]}
    bad = reviewer.get("/api/v1/activities", held_from="2026-13-01")
    assert bad.status_code == 422 and "held_from" in bad.json()["error"]["details"]


def test_a_worker_sees_what_it_scores_and_only_of_its_own_union(system, world):
    activity_id, held_on = _report(world, 2, "职工问卷的活动")
    admin = system.client()
    for username, union in (("survey_power", "power"), ("survey_school", "school")):
        answer = admin.post("/api/v1/users", {"username": username, "password": PASSWORD,
                                              "role": "worker",
                                              "union_id": world.unions[union]["id"]})
        assert answer.status_code == 201, answer.text
    own, other = world.as_user("survey_power"), world.as_user("survey_school")
    path = "/api/v1/activities/%d/survey" % activity_id
    assert own.get(path).status_code == 409  # submitted, not approved yet
    approved = world.as_user("rev_ganzhou").post(
        "/api/v1/activities/%d/approve" % activity_id, {})
    assert approved.status_code == 200, approved.text
    seen = own.get(path)
    assert seen.status_code == 200, seen.text
    assert seen.json() == {"id": activity_id, "title": "职工问卷的活动", "category": "reading",
                           "held_on": held_on, "union_id": world.unions["power"]["id"],
                           "union_name": world.unions["power"]["name"],
                           "lecturer_name": None}
    refused = other.get(path)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有举办该活动的工会的职工可以评分"
    assert world.as_user("ua_power").get(path).status_code == 403  # workers' page only
    assert own.get("/api/v1/activities/999999/survey").status_code == 404
