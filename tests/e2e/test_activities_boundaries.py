"""Issue 16, the activities part, through the gateway of a running system: API.md's report
body for a lecture (no lecturer_id) is accepted; an Idempotency-Key belongs to its caller;
feedback is for approved activities from workers of the union that held them."""
import uuid

import pytest

from tests.support.world import PASSWORD, activity_body


@pytest.fixture(scope="module")
def workers(world):
    """A worker of the power union, one of the school union, one of no union."""
    admin = world.system.client()
    for username, union in (("w_power", "power"), ("w_school", "school"), ("w_nowhere", None)):
        body = {"username": username, "password": PASSWORD, "role": "worker"}
        if union:
            body["union_id"] = world.unions[union]["id"]
        answer = admin.post("/api/v1/users", body)
        assert answer.status_code == 201, answer.text
    return {name: world.as_user(name) for name in ("w_power", "w_school", "w_nowhere")}


def report(world, username="ua_power", **overrides):
    answer = world.as_user(username).post(
        "/api/v1/activities", activity_body(world.unions["power"]["id"], **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_lecture_as_api_md_writes_it_is_accepted_and_documented(world):
    body = activity_body(world.unions["power"]["id"], title="大思政课：劳模精神进企业",
                         category="lecture")
    assert "lecturer_id" not in body  # exactly API.md's fields
    answer = world.as_user("ua_power").post("/api/v1/activities", body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["category"] == "lecture" and answer.json()["lecturer_id"] is None
    # the other lecture rules hold: an unknown lecturer, a lecturer on another category
    for overrides in ({"category": "lecture", "lecturer_id": 999999}, {"lecturer_id": 999999}):
        refused = world.as_user("ua_power").post("/api/v1/activities", activity_body(
            world.unions["power"]["id"], **overrides))
        assert refused.status_code == 422 and "lecturer_id" in refused.json()["error"]["details"]

    document = world.system.client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/activities"]["post"]
    assert "lecturer" in operation["summary"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "lecturer_id" not in schema.get("required", [])
    assert "a lecture without a lecturer is a lecture" in \
        schema["properties"]["lecturer_id"]["description"]


def test_an_idempotency_key_is_the_callers_own(world):
    key = "report-%s" % uuid.uuid4()
    union = world.unions["power"]["id"]
    first = world.as_user("ua_power").post(
        "/api/v1/activities", activity_body(union, title="职工篮球赛", category="sports"),
        headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    # the city admin's request with the same key and another body is a report of its own
    second = world.system.client().post(
        "/api/v1/activities", activity_body(union, title="职工书画展", category="exhibition"),
        headers={"Idempotency-Key": key})
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["title"] == "职工书画展"
    stored = world.system.client().get("/api/v1/activities/%d" % second.json()["id"]).json()
    assert stored["title"] == "职工书画展" and stored["category"] == "exhibition"
    # each caller's retry finds its own report
    again = world.as_user("ua_power").post(
        "/api/v1/activities", activity_body(union, title="职工篮球赛", category="sports"),
        headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    # the same caller's key with another body is refused
    reused = world.as_user("ua_power").post(
        "/api/v1/activities", activity_body(union, title="职工乒乓球赛", category="sports"),
        headers={"Idempotency-Key": key})
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "VALIDATION_FAILED"
    assert "Idempotency-Key" in reused.json()["error"]["details"]
    titles = [item["title"] for item in world.system.client().get(
        "/api/v1/activities", union_id=union, limit=500).json()["items"]]
    assert titles.count("职工篮球赛") == 1 and titles.count("职工书画展") == 1
    assert "职工乒乓球赛" not in titles


def test_feedback_is_for_approved_activities_from_workers_of_their_union(world, workers):
    activity = report(world, title="职工合唱比赛", category="culture")
    path = "/api/v1/activities/%d/feedback" % activity["id"]
    early = workers["w_power"].post(path, {"score": 5})  # not yet reviewed
    assert early.status_code == 409, early.text
    assert early.json()["error"]["code"] == "CONFLICT"
    approved = world.as_user("rev_ganzhou").post("/api/v1/activities/%d/approve"
                                                 % activity["id"])
    assert approved.status_code == 200, approved.text

    for name in ("w_school", "w_nowhere"):  # another union's worker, a worker of none
        refused = workers[name].post(path, {"score": 1})
        assert refused.status_code == 403, (name, refused.text)
        assert refused.json()["error"]["code"] == "FORBIDDEN"
    first = workers["w_power"].post(path, {"score": 3})
    assert first.status_code == 201 and first.json()["replaced"] is False
    second = workers["w_power"].post(path, {"score": 5})  # once each: a new score replaces
    assert second.status_code == 200 and second.json()["replaced"] is True
    summary = world.as_user("ua_power").get(path).json()
    assert summary["responses"] == 1 and summary["distribution"]["5"] == 1


def _reservation(world, key, age_seconds):
    """Make the stored answer of `key` an unfinished reservation `age_seconds` old, as a
    request leaves it when the gateway's database went away before the answer was kept."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import create_engine, text
    engine = create_engine(world.system.database_url("gateway"))
    with engine.begin() as conn:
        changed = conn.execute(text(
            "UPDATE idempotency_keys SET status = NULL, response = NULL, created_at = :at "
            "WHERE key = :key"), {"key": key, "at": datetime.now(timezone.utc)
                                  - timedelta(seconds=age_seconds)}).rowcount
    engine.dispose()
    assert changed == 1


def test_a_key_left_unfinished_is_taken_over_once_its_lease_is_over(world):
    key = "unfinished-%s" % uuid.uuid4().hex
    union = world.unions["power"]["id"]
    body = activity_body(union, title="职工拔河赛-%s" % key[-6:], category="sports")
    reporter = world.as_user("ua_power")
    first = reporter.post("/api/v1/activities", body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    _reservation(world, key, age_seconds=5)  # another request may still be finishing
    busy = reporter.post("/api/v1/activities", body, headers={"Idempotency-Key": key})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "CONFLICT", busy.text
    _reservation(world, key, age_seconds=3600)  # nobody is: the retry goes on
    retried = reporter.post("/api/v1/activities", body, headers={"Idempotency-Key": key})
    assert retried.status_code == 201, retried.text
    assert retried.json()["id"] == first.json()["id"]  # the service knew the key: no twin
    replay = reporter.post("/api/v1/activities", body, headers={"Idempotency-Key": key})
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    titles = [item["title"] for item in world.system.client().get(
        "/api/v1/activities", union_id=union, limit=500).json()["items"]]
    assert titles.count(body["title"]) == 1
