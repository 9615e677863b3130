"""Bad input on each endpoint gets the API's error code and body, and stores nothing."""
import json

import pytest
import requests

from tests.support.world import activity_body


def error_of(answer, status, code):
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and isinstance(body["error"]["details"], dict)
    return body["error"]


def counts(world):
    admin = world.system.client()
    return {
        "unions": admin.get("/api/v1/unions").json()["total"],
        "funds": admin.get("/api/v1/funds").json()["total"],
        "activities": admin.get("/api/v1/activities").json()["total"],
    }


@pytest.fixture
def unchanged(world):
    """Asserts after the test that nothing was stored."""
    before = counts(world)
    yield
    assert counts(world) == before


def test_token_errors(world, unchanged):
    url = world.system.gateway + "/api/v1/auth/token"
    error_of(requests.post(url, data="{not json", timeout=5), 400, "MALFORMED_JSON")
    error_of(requests.post(url, json={"username": "admin"}, timeout=5), 422, "VALIDATION_FAILED")
    details = error_of(requests.post(url, json={"username": "a", "password": "b", "x": 1},
                                     timeout=5), 422, "VALIDATION_FAILED")["details"]
    assert "x" in details
    error_of(requests.post(url, json={"username": "admin", "password": "wrong"}, timeout=5),
             401, "UNAUTHENTICATED")


def test_missing_or_bad_tokens_are_401(world, unchanged):
    base = world.system.gateway
    error_of(requests.get(base + "/api/v1/unions/1", timeout=5), 401, "UNAUTHENTICATED")
    for header in ("Bearer nonsense", "Basic abc", "Bearer ",
                   "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."):  # alg none
        error_of(requests.get(base + "/api/v1/unions/1", headers={"Authorization": header},
                              timeout=5), 401, "UNAUTHENTICATED")


def test_user_creation_errors(world):
    admin = world.system.client()
    union_admin = world.as_user("ua_power")
    good = {"username": "newuser", "password": "long-enough-1", "role": "finance"}
    error_of(union_admin.post("/api/v1/users", good), 403, "FORBIDDEN")
    error_of(admin.post("/api/v1/users", dict(good, role="king")), 422, "VALIDATION_FAILED")
    error_of(admin.post("/api/v1/users", dict(good, extra=True)), 422, "VALIDATION_FAILED")
    error_of(admin.post("/api/v1/users", dict(good, role="union_admin")), 422, "VALIDATION_FAILED")
    error_of(admin.post("/api/v1/users", dict(good, role="union_admin", union_id=99999)),
             422, "VALIDATION_FAILED")
    error_of(admin.post("/api/v1/users", dict(good, role="county_reviewer", county="火星")),
             422, "VALIDATION_FAILED")
    error_of(admin.post("/api/v1/users", dict(good, username="rev_ganzhou")), 409, "CONFLICT")
    login = requests.post(world.system.gateway + "/api/v1/auth/token",
                          json={"username": "newuser", "password": "long-enough-1"}, timeout=5)
    assert login.status_code == 401  # none of the refused requests created it


def test_union_errors(world, unchanged):
    admin = world.system.client()
    good = {"name": "新工会", "level": "grassroots", "county": "甘州区", "members": 10,
            "parent_id": world.unions["ganzhou"]["id"]}
    error_of(world.as_user("finance").post("/api/v1/unions", good), 403, "FORBIDDEN")
    for bad, field in [(dict(good, level="village"), "level"), (dict(good, members=-1), "members"),
                       (dict(good, members="10"), "members"), (dict(good, parent_id=99999), "parent_id"),
                       (dict(good, parent_id=world.unions["city"]["id"]), "parent_id")]:
        details = error_of(admin.post("/api/v1/unions", bad), 422, "VALIDATION_FAILED")["details"]
        assert field in details, details
    error_of(admin.post("/api/v1/unions", dict(good, name="张掖市总工会")), 409, "CONFLICT")
    error_of(admin.get("/api/v1/unions/99999"), 404, "NOT_FOUND")
    huge = json.dumps(dict(good, name="x" * (1024 * 1024 + 10)))
    error_of(admin.post("/api/v1/unions", data=huge,
                        headers={"Content-Type": "application/json"}), 413, "PAYLOAD_TOO_LARGE")
    error_of(admin.post("/api/v1/unions", data="[1, 2",
                        headers={"Content-Type": "application/json"}), 400, "MALFORMED_JSON")
    error_of(admin.post("/api/v1/unions", data="[1, 2]",
                        headers={"Content-Type": "application/json"}), 422, "VALIDATION_FAILED")


def test_fund_errors(world, unchanged):
    finance = world.as_user("finance")
    good = {"name": "另一个基金", "year": world.fund["year"], "policy": "activity",
            "budget": "1000.00"}
    for budget in ("abc", "-1.00", "1.234", "1e5", 100):
        details = error_of(finance.post("/api/v1/funds", dict(good, budget=budget)), 422,
                           "VALIDATION_FAILED")["details"]
        assert "budget" in details
    error_of(finance.post("/api/v1/funds", dict(good, county="火星")), 422, "VALIDATION_FAILED")
    error_of(finance.post("/api/v1/funds", good), 409, "CONFLICT")  # the city fund is open
    error_of(world.as_user("ua_power").post("/api/v1/funds", good), 403, "FORBIDDEN")
    error_of(world.as_user("ua_power").get("/api/v1/funds/%d" % world.fund["id"]), 403,
             "FORBIDDEN")
    error_of(finance.get("/api/v1/funds/99999"), 404, "NOT_FOUND")
    error_of(finance.get("/api/v1/funds/99999/subsidies"), 404, "NOT_FOUND")


def test_activity_report_errors(world, unchanged):
    union_admin = world.as_user("ua_power")
    union_id = world.unions["power"]["id"]
    cases = [
        (activity_body(union_id, category="party"), "category"),
        (activity_body(union_id, held_on="2999-01-01"), "held_on"),
        (activity_body(union_id, held_on="2020-01-01"), "held_on"),
        (activity_body(union_id, held_on="yesterday"), "held_on"),
        (activity_body(union_id, participants=0), "participants"),
        (activity_body(union_id, participants=100000), "participants"),
        (activity_body(union_id, expenses="-5.00"), "expenses"),
        (activity_body(union_id, evidence=[]), "evidence"),
        (activity_body(union_id, evidence=[{"kind": "photo", "url": "not a url"}]), "evidence"),
        (activity_body(union_id, colour="red"), "colour"),
    ]
    for body, field in cases:
        details = error_of(union_admin.post("/api/v1/activities", body), 422,
                           "VALIDATION_FAILED")["details"]
        assert field in details, (field, details)
    error_of(world.system.client().post("/api/v1/activities", activity_body(99999)), 422,
             "VALIDATION_FAILED")
    error_of(union_admin.post("/api/v1/activities", activity_body(world.unions["school"]["id"])),
             403, "FORBIDDEN")
    error_of(world.as_user("finance").post("/api/v1/activities", activity_body(union_id)),
             403, "FORBIDDEN")


def test_review_and_read_errors(world, unchanged):
    reviewer = world.as_user("rev_ganzhou")
    error_of(reviewer.get("/api/v1/activities/99999"), 404, "NOT_FOUND")
    error_of(reviewer.post("/api/v1/activities/99999/approve"), 404, "NOT_FOUND")
    error_of(reviewer.post("/api/v1/activities/99999/reject", {"reason": "x"}), 404, "NOT_FOUND")
    error_of(reviewer.post("/api/v1/activities/1/approve", {"comment": 5}), 422,
             "VALIDATION_FAILED")
    error_of(world.as_user("ua_power").post("/api/v1/activities/1/approve"), 403, "FORBIDDEN")
    error_of(reviewer.get("/api/v1/subsidies"), 422, "VALIDATION_FAILED")
    error_of(reviewer.get("/api/v1/subsidies", activity_id=99999), 404, "NOT_FOUND")
    error_of(reviewer.get("/api/v1/activities", status="lost"), 422, "VALIDATION_FAILED")
    error_of(reviewer.get("/api/v1/activities", limit=501), 422, "VALIDATION_FAILED")
    error_of(reviewer.get("/api/v1/notifications", colour="red"), 422, "VALIDATION_FAILED")
    error_of(reviewer.get("/api/v1/no/such/route"), 404, "NOT_FOUND")


def test_request_ids_are_echoed_or_made(world):
    admin = world.system.client()
    echoed = admin.session.get(world.system.gateway + "/api/v1/unions",
                               headers={"X-Request-ID": "trace-123"}, timeout=5)
    assert echoed.headers["X-Request-ID"] == "trace-123"
    assert len(admin.get("/api/v1/unions").headers["X-Request-ID"]) >= 16
    failed = requests.get(world.system.gateway + "/api/v1/unions", timeout=5)
    assert failed.headers["X-Request-ID"]


def test_idempotency_key_replays_the_first_answer(world):
    admin = world.system.client()
    body = {"name": "幂等测试工会", "level": "grassroots", "county": "甘州区", "members": 9,
            "parent_id": world.unions["ganzhou"]["id"]}
    first = admin.post("/api/v1/unions", body, headers={"Idempotency-Key": "k-1"})
    again = admin.post("/api/v1/unions", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert admin.get("/api/v1/unions", name="幂等测试工会").json()["total"] == 1
    other = admin.post("/api/v1/unions", dict(body, members=10), headers={"Idempotency-Key": "k-1"})
    error_of(other, 422, "VALIDATION_FAILED")


def test_what_no_database_can_store_is_a_422(world, unchanged):
    admin = world.system.client()
    nul = admin.post("/api/v1/unions", {"name": "空\x00字符", "level": "grassroots",
                                        "county": "甘州区", "members": 1,
                                        "parent_id": world.unions["ganzhou"]["id"]})
    assert error_of(nul, 422, "VALIDATION_FAILED")["details"] == {
        "name": ["不得包含 NUL 字符"]}  # Chinese by default (Accept-Language)
    huge = admin.get("/api/v1/activities/%d" % (2 ** 70))
    error_of(huge, 404, "NOT_FOUND")
    error_of(admin.get("/api/v1/activities", union_id=2 ** 64), 422, "VALIDATION_FAILED")


def test_large_amounts_are_stored_exactly(world):
    finance = world.as_user("finance")
    big = finance.post("/api/v1/funds", {"name": "大额基金", "year": 2099, "policy": "venue",
                                         "budget": "999999999999.99"})
    assert big.status_code == 201, big.text
    fund = finance.get("/api/v1/funds/%d" % big.json()["id"]).json()
    assert fund["budget"] == fund["remaining"] == "999999999999.99"


def test_a_report_retried_after_an_unclear_failure_is_stored_once(world):
    """The gateway forgets a key whose request failed (it cannot know whether the service
    committed); the service remembers it with the report, so the retry finds the first."""
    import eventlet  # noqa: F401  (the suite runs monkey-patched)
    body = activity_body(world.unions["power"]["id"], title="超时重试的活动")
    with world.system.rpc(actor="ua_power", role="union_admin") as cluster:
        first = cluster.activities.report_activity(body, "ua_power", "retry-key-1")
    union_admin = world.as_user("ua_power")
    again = union_admin.post("/api/v1/activities", body, headers={"Idempotency-Key": "retry-key-1"})
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    listed = union_admin.get("/api/v1/activities", limit=500).json()["items"]
    assert [a["id"] for a in listed if a["title"] == "超时重试的活动"] == [first["id"]]
