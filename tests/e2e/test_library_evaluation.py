"""Four-goods (四好) evaluations through the gateway: scores, counted activities, bands,
scoping, bad input, and the venue_evaluated event they publish."""
import uuid
from datetime import date

from services.common.clock import local_today
from tests.support.events import count_rows, outbox_envelopes
from tests.support.waiting import wait_for
from tests.support.world import activity_body

SCORES = {"site": 18, "management": 17, "activities": 6, "service": 18, "e_reading": 8,
          "reading_activities": 9}


def error_of(answer, status, code="VALIDATION_FAILED"):
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code, error
    return error


def new_venue(admin, county="甘州区", host_union_id=None, **extra):
    body = {"name": "%s职工之家-%s" % (county, uuid.uuid4().hex[:6]), "kind": "worker_home",
            "county": county, "host_union_id": host_union_id, "floor_area_m2": 300,
            "seats": 60, "e_reading_devices": 5}
    body.update(extra)
    answer = admin.post("/api/v1/venues", body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def approved_activity_at(world, venue_id, category="reading"):
    body = activity_body(world.unions["power"]["id"], venue_id=venue_id, category=category,
                         title="职工读书分享会@%d" % venue_id)
    activity = world.as_user("ua_power").post("/api/v1/activities", body)
    assert activity.status_code == 201, activity.text
    approved = world.as_user("rev_ganzhou").post(
        "/api/v1/activities/%d/approve" % activity.json()["id"])
    assert approved.status_code == 200, approved.text
    return approved.json()


def test_approved_activities_at_the_venue_count_toward_its_activities_score(world):
    admin = world.system.client()
    venue = new_venue(admin, host_union_id=world.unions["power"]["id"])
    reading = approved_activity_at(world, venue["id"], "reading")
    approved_activity_at(world, venue["id"], "sports")
    wait_for(lambda: admin.get("/api/v1/venues/%d" % venue["id"]).json()["activities_held"] == 2,
             20, "both approved activities counted at the venue")
    period = str(date.fromisoformat(reading["held_on"]).year)

    answer = world.as_user("rev_ganzhou").post(
        "/api/v1/venues/%d/evaluations" % venue["id"],
        {"period": period, "scores": SCORES, "comment": "书屋管理规范"})
    assert answer.status_code == 201, answer.text
    evaluation = answer.json()
    assert evaluation["activities_counted"] == 2
    assert evaluation["activity_credit"] == 3 + 2   # a reading activity 3, another 2
    activities = next(c for c in evaluation["criteria"] if c["key"] == "activities")
    assert activities == {"key": "activities", "name": "活动好", "score": 11, "max": 20}
    assert evaluation["total"] == 18 + 17 + 11 + 18 + 8 + 9 == 81
    assert evaluation["rating"] == "good" and evaluation["rating_name"] == "良好"
    assert evaluation["max_total"] == 100 and evaluation["scheme_version"] == 1
    assert evaluation["evaluator"] == "rev_ganzhou" and evaluation["period_start"] == period + "-01-01"
    assert any("其中读书活动 1 场" in line for line in evaluation["explanation"])
    assert evaluation["explanation"][-1].endswith("评定为「良好」")

    # published once, with what the subsidy and notify services need
    events = [e for e in outbox_envelopes(world.system, "library", "venue_evaluated")
              if e["data"]["evaluation_id"] == evaluation["id"]]
    assert len(events) == 1
    data = events[0]["data"]
    assert {k: data[k] for k in ("venue_id", "name", "kind", "county", "host_union_id", "period",
                                 "total", "rating")} == {
        "venue_id": venue["id"], "name": venue["name"], "kind": "worker_home", "county": "甘州区",
        "host_union_id": world.unions["power"]["id"], "period": period, "total": 81,
        "rating": "good"}
    assert data["year"] == int(period) and data["scores"]["activities"] == 11
    assert data["floor_area_m2"] == 300 and data["kind_name"] == "职工之家"
    assert events[0]["correlation_id"] == answer.headers["X-Request-ID"]

    # every evaluation is kept; one per venue and period
    error_of(admin.post("/api/v1/venues/%d/evaluations" % venue["id"],
                        {"period": period, "scores": SCORES}), 409, "CONFLICT")
    again = admin.post("/api/v1/venues/%d/evaluations" % venue["id"],
                       {"period": "%s-Q1" % period, "scores": SCORES})
    assert again.status_code == 201, again.text
    listed = admin.get("/api/v1/evaluations", venue_id=venue["id"]).json()
    assert listed["total"] == 2
    assert admin.get("/api/v1/evaluations/%d" % evaluation["id"]).json() == evaluation


def test_who_may_evaluate_and_read_evaluations(world):
    admin = world.system.client()
    ganzhou = new_venue(admin, host_union_id=world.unions["power"]["id"])
    linze = new_venue(admin, county="临泽县", host_union_id=world.unions["school"]["id"])
    year = str(local_today().year)
    body = {"period": year, "scores": SCORES}
    for username in ("rev_linze", "ua_power", "worker", "finance"):
        error_of(world.as_user(username).post("/api/v1/venues/%d/evaluations" % ganzhou["id"],
                                              body), 403, "FORBIDDEN")
    assert count_rows(world.system, "library", "evaluations",
                      "venue_id = :v", {"v": ganzhou["id"]}) == 0
    mine = world.as_user("rev_linze").post("/api/v1/venues/%d/evaluations" % linze["id"], body)
    assert mine.status_code == 201, mine.text
    theirs = admin.post("/api/v1/venues/%d/evaluations" % ganzhou["id"], body).json()

    by_reviewer = world.as_user("rev_linze").get("/api/v1/evaluations").json()["items"]
    assert {e["county"] for e in by_reviewer} == {"临泽县"}
    by_union = world.as_user("ua_power").get("/api/v1/evaluations").json()["items"]
    assert theirs["id"] in [e["id"] for e in by_union]
    assert {e["host_union_id"] for e in by_union} == {world.unions["power"]["id"]}
    error_of(world.as_user("ua_school").get("/api/v1/evaluations/%d" % theirs["id"]), 403,
             "FORBIDDEN")
    error_of(world.as_user("rev_linze").get("/api/v1/evaluations",
                                            county="甘州区"), 403, "FORBIDDEN")
    assert world.as_user("finance").get("/api/v1/evaluations/%d" % theirs["id"]).status_code == 200
    error_of(world.as_user("worker").get("/api/v1/evaluations"), 403, "FORBIDDEN")


def test_bad_evaluations_are_refused_and_store_nothing(world):
    admin = world.system.client()
    venue = new_venue(admin)
    path = "/api/v1/venues/%d/evaluations" % venue["id"]
    year = local_today().year
    before = count_rows(world.system, "library", "evaluations")
    cases = [
        ({"period": "2026-Q5", "scores": SCORES}, "period"),
        ({"period": str(year + 1), "scores": SCORES}, "period"),
        ({"scores": SCORES}, "period"),
        ({"period": str(year), "scores": dict(SCORES, site=21)}, "scores"),
        ({"period": str(year), "scores": dict(SCORES, activities=11)}, "scores"),
        ({"period": str(year), "scores": dict(SCORES, site=-1)}, "scores"),
        ({"period": str(year), "scores": dict(SCORES, site="18")}, "scores"),
        ({"period": str(year), "scores": dict(SCORES, beauty=5)}, "scores"),
        ({"period": str(year), "scores": {"site": 10}}, "scores"),
        ({"period": str(year), "scores": SCORES, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        details = error_of(admin.post(path, body), 422)["details"]
        assert field in details, (body, details)
    missing = error_of(admin.post(path, {"period": str(year), "scores": {"site": 10}}), 422)
    assert {"management", "e_reading"} <= set(missing["details"]["scores"])
    error_of(admin.post("/api/v1/venues/999999/evaluations",
                        {"period": str(year), "scores": SCORES}), 404, "NOT_FOUND")
    assert admin.post("/api/v1/venues/%d/close" % venue["id"], {"reason": "停用"}).status_code == 200
    error_of(admin.post(path, {"period": str(year), "scores": SCORES}), 409, "CONFLICT")
    assert count_rows(world.system, "library", "evaluations") == before


def test_the_rating_bands_are_configurable(world):
    admin = world.system.client()
    scheme = admin.get("/api/v1/evaluation-scheme").json()
    assert scheme["version"] >= 1 and scheme["max_total"] == 100
    assert [b["rating"] for b in scheme["bands"]] == ["excellent", "good", "pass", "fail"]
    assert scheme["evaluator_maxima"]["activities"] == 10

    stricter = {"criteria": scheme["criteria"], "activity_credit": scheme["activity_credit"],
                "bands": [{"rating": "excellent", "min": 95}, {"rating": "good", "min": 85},
                          {"rating": "pass", "min": 80}, {"rating": "fail", "min": 0}]}
    error_of(world.as_user("rev_ganzhou").put("/api/v1/evaluation-scheme", stricter), 403,
             "FORBIDDEN")
    bad = dict(stricter, bands=list(reversed(stricter["bands"])))
    assert "bands" in error_of(admin.put("/api/v1/evaluation-scheme", bad), 422)["details"]
    bad = dict(stricter, criteria=dict(scheme["criteria"], site=0))
    assert "criteria" in error_of(admin.put("/api/v1/evaluation-scheme", bad), 422)["details"]
    assert admin.get("/api/v1/evaluation-scheme").json()["version"] == scheme["version"]

    changed = admin.put("/api/v1/evaluation-scheme", stricter)
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == scheme["version"] + 1
    assert changed.json()["created_by"] == "admin"

    venue = new_venue(admin)
    evaluation = admin.post("/api/v1/venues/%d/evaluations" % venue["id"],
                            {"period": str(local_today().year), "scores": SCORES}).json()
    assert evaluation["total"] == 76   # "good" by the default bands, "fail" by these
    assert evaluation["rating"] == "fail" and evaluation["scheme_version"] == scheme["version"] + 1
    # earlier evaluations keep the rating of the scheme they were made under
    earlier = admin.get("/api/v1/evaluations", rating="good").json()["items"]
    assert all(e["scheme_version"] < changed.json()["version"] for e in earlier)
    assert world.system.metric("library", "cm_venue_evaluations_total", {"rating": "fail"}) >= 1
