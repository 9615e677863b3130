"""The inbox and preferences through the gateway, on real processes: who hears what,
in which language, read marks, opt-outs, and nothing twice."""
from services.common.events import make_envelope
from tests.support.events import count_rows, publish
from tests.support.waiting import wait_for
from tests.support.world import activity_body


def report(world, username="ua_power", union="power", **overrides):
    answer = world.as_user(username).post(
        "/api/v1/activities", activity_body(world.unions[union]["id"], **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def inbox(client, **params):
    answer = client.get("/api/v1/notifications", **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def notices(client, predicate, what, **params):
    return wait_for(lambda: [n for n in inbox(client, limit=500, **params)["items"]
                             if predicate(n)], 20, what)


def test_each_event_reaches_its_audiences_and_no_one_else(world):
    activity = report(world, title="甘州读书月分享会")
    reviewer, other_reviewer = world.as_user("rev_ganzhou"), world.as_user("rev_linze")
    mine = notices(reviewer, lambda n: "甘州读书月分享会" in n["body"]
                   and n["event_type"] == "activity_reported", "the reviewer's notice")
    assert mine[0]["title"] == "新的活动待审核" and mine[0]["read"] is False
    assert mine[0]["created_at"].endswith("Z")

    assert world.as_user("rev_ganzhou").post(
        "/api/v1/activities/%d/return" % activity["id"], {"reason": "请补充签到表"}).status_code == 200
    union_admin = world.as_user("ua_power")
    returned = notices(union_admin, lambda n: n["event_type"] == "activity_returned"
                       and "请补充签到表" in n["body"], "the return notice with its reason")
    assert returned[0]["title"] == "活动被退回修改"

    approved = report(world, title="健步走活动")
    assert reviewer.post("/api/v1/activities/%d/approve" % approved["id"]).status_code == 200
    notices(union_admin, lambda n: n["event_type"] == "subsidy_granted"
            and "健步走活动" in n["body"], "the union admins hear of the grant")

    # the barrier above passed: nothing of it reached the other county or union, and
    # finance hears of grants in its daily digest, not one by one
    for username in ("rev_linze", "ua_school", "worker", "finance"):
        bodies = [n["body"] for n in inbox(world.as_user(username), limit=500)["items"]]
        assert not any("甘州读书月分享会" in b or "健步走活动" in b for b in bodies), username
    assert inbox(other_reviewer)["total"] == len(inbox(other_reviewer, limit=500)["items"])


def test_unread_count_and_marking_read(world):
    union_admin = world.as_user("ua_school")
    activity = report(world, "ua_school", "school", title="临泽合唱比赛")
    reviewer = world.as_user("rev_linze")
    assert reviewer.post("/api/v1/activities/%d/reject" % activity["id"],
                         {"reason": "照片不清晰"}).status_code == 200
    notice = notices(union_admin, lambda n: "临泽合唱比赛" in n["body"], "the rejection")[0]
    unread = union_admin.get("/api/v1/notifications/unread-count")
    assert unread.status_code == 200 and unread.json()["unread"] >= 1
    before = unread.json()["unread"]
    assert inbox(union_admin)["unread"] == before

    # someone else's notification is not found, and marks nothing
    other = world.as_user("ua_power").post("/api/v1/notifications/%d/read" % notice["id"])
    assert other.status_code == 404 and other.json()["error"]["code"] == "NOT_FOUND"
    assert union_admin.get("/api/v1/notifications/unread-count").json()["unread"] == before

    one = union_admin.post("/api/v1/notifications/%d/read" % notice["id"])
    assert one.status_code == 200 and one.json() == {"marked": 1}
    again = union_admin.post("/api/v1/notifications/%d/read" % notice["id"])
    assert again.json() == {"marked": 0}
    assert union_admin.get("/api/v1/notifications/unread-count").json()["unread"] == before - 1
    unread_items = inbox(union_admin, unread="true", limit=500)["items"]
    assert notice["id"] not in [n["id"] for n in unread_items]
    assert all(n["read"] is False for n in unread_items)

    everything = union_admin.post("/api/v1/notifications/read-all")
    assert everything.status_code == 200 and everything.json()["marked"] == before - 1
    assert union_admin.get("/api/v1/notifications/unread-count").json()["unread"] == 0
    assert all(n["read"] for n in inbox(union_admin, limit=500)["items"])


def test_the_inbox_keeps_the_api_shape_and_rejects_bad_queries(world):
    body = inbox(world.as_user("rev_ganzhou"), limit=1)
    assert set(body) >= {"items", "total"} and len(body["items"]) <= 1
    if body["items"]:
        assert set(body["items"][0]) == {"id", "event_type", "title", "body", "created_at", "read"}
    bad = world.as_user("rev_ganzhou").get("/api/v1/notifications", limit=0, event_type="nope")
    assert bad.status_code == 422 and set(bad.json()["error"]["details"]) == {"limit", "event_type"}
    filtered = inbox(world.as_user("rev_ganzhou"), event_type="activity_reported", limit=500)
    assert {n["event_type"] for n in filtered["items"]} <= {"activity_reported"}
    assert world.as_user("ua_power").post("/api/v1/notifications/read",
                                          {"ids": ["x"]}).status_code == 422


def test_preferences_are_validated_and_kept(world):
    worker = world.as_user("worker")
    defaults = worker.get("/api/v1/notifications/preferences")
    assert defaults.status_code == 200, defaults.text
    assert defaults.json()["language"] == "zh-CN" and defaults.json()["email"] is None
    assert defaults.json()["channels"]["subsidy_granted"] == {
        "in_app": True, "email": True, "critical": True}

    bad = worker.put("/api/v1/notifications/preferences", {
        "email": "not-an-address", "language": "fr",
        "channels": {"no_such_event": {"email": False}, "subsidy_paid": {"sms": True}},
        "colour": "red"})
    assert bad.status_code == 422
    assert set(bad.json()["error"]["details"]) == {"email", "language", "channels", "colour"}
    assert worker.get("/api/v1/notifications/preferences").json() == defaults.json()

    saved = worker.put("/api/v1/notifications/preferences", {
        "email": "worker@example.org", "language": "en",
        "channels": {"subsidy_paid": {"email": False}, "subsidy_granted": {"in_app": False}}})
    assert saved.status_code == 200, saved.text
    assert saved.json()["email"] == "worker@example.org" and saved.json()["language"] == "en"
    assert saved.json()["channels"]["subsidy_paid"] == {"in_app": True, "email": False,
                                                        "critical": False}
    # a subsidy decision always reaches the inbox, whatever the user asked
    assert saved.json()["channels"]["subsidy_granted"]["in_app"] is True
    assert worker.get("/api/v1/notifications/preferences").json() == saved.json()
    cleared = worker.put("/api/v1/notifications/preferences", {"email": None})
    assert cleared.json()["email"] is None and cleared.json()["language"] == "en"


def test_english_readers_and_in_app_opt_outs(world):
    union_admin = world.as_user("ua_power")
    assert union_admin.put("/api/v1/notifications/preferences", {
        "language": "en", "channels": {"activity_approved": {"in_app": False},
                                       "subsidy_granted": {"in_app": False}}}).status_code == 200
    try:
        activity = report(world, title="English Reading Club")
        assert world.as_user("rev_ganzhou").post(
            "/api/v1/activities/%d/approve" % activity["id"],
            {"comment": "well documented"}).status_code == 200
        granted = notices(union_admin, lambda n: n["event_type"] == "subsidy_granted"
                          and "English Reading Club" in n["body"], "the grant, in English")
        assert granted[0]["title"] == "Subsidy granted"
        assert "yuan" in granted[0]["body"]
        # the approval itself was muted in-app; the grant (critical) was not
        assert not [n for n in inbox(union_admin, limit=500)["items"]
                    if n["event_type"] == "activity_approved"]
        # finance reads the day's digest, with the grant in its figures, in Chinese
        with world.system.rpc(actor="ops") as cluster:
            sent = cluster.notify.send_finance_digest({}, "ops")
        assert sent["sent"] and sent["granted_count"] >= 1
        notices(world.as_user("finance"), lambda n: n["title"] == "今日补助核定汇总（%s）"
                % sent["day"] and "核定补助 %d 项" % sent["granted_count"] in n["body"],
                "finance's Chinese digest")
    finally:
        union_admin.put("/api/v1/notifications/preferences", {
            "language": "zh-CN", "channels": {"activity_approved": {"in_app": True}}})
    back = notices(union_admin, lambda n: n["event_type"] == "activity_approved"
                   and "English Reading Club" in n["body"], "the approval, unmuted")
    assert back[0]["title"] == "活动已通过审核" and "well documented" in back[0]["body"]


def test_city_admins_and_finance_hear_of_fund_thresholds_and_hosts_of_evaluations(world):
    system = world.system
    threshold = make_envelope("fund_threshold_reached", {
        "fund_id": world.fund["id"], "name": "测试资金阈值", "year": 2026, "threshold_percent": 80,
        "budget": "1000.00", "granted": "800.00", "remaining": "200.00"}, "subsidies", "t-1")
    evaluated = make_envelope("venue_evaluated", {
        "venue_id": 99, "name": "供电职工书屋", "kind": "book_house", "county": "甘州区",
        "host_union_id": world.unions["power"]["id"], "evaluation_id": 5, "period": "2026",
        "total": 88, "rating": "good"}, "library", "t-2")
    publish(system, threshold, times=2)  # the second copy is a duplicate
    publish(system, evaluated)
    for username in ("admin", "finance"):
        client = system.client() if username == "admin" else world.as_user(username)
        found = notices(client, lambda n: "测试资金阈值" in n["body"], "%s's alert" % username)
        assert len(found) == 1 and found[0]["title"] == "资金使用提醒"
        assert "剩余 200.00 元" in found[0]["body"]
    assert not [n for n in inbox(world.as_user("ops"), limit=500)["items"]
                if "测试资金阈值" in n["body"]]
    venue = notices(world.as_user("ua_power"), lambda n: n["event_type"] == "venue_evaluated",
                    "the host union's evaluation notice")
    assert "供电职工书屋" in venue[0]["body"] and "88" in venue[0]["body"]
    assert count_rows(system, "notify", "notifications", "event_id = :e",
                      {"e": threshold["event_id"]}) == 2  # finance + city admins, once each


def test_only_signed_in_users_have_an_inbox(world):
    import requests
    answer = requests.get(world.system.gateway + "/api/v1/notifications", timeout=10)
    assert answer.status_code == 401
    assert world.as_user("worker").get("/api/v1/notifications/templates").status_code == 403
    templates = world.as_user("ops").get("/api/v1/notifications/templates")
    assert templates.status_code == 200
    languages = {(t["event_type"], t["language"]) for t in templates.json()["items"]}
    assert ("venue_evaluated", "en") in languages and ("subsidy_granted", "zh-CN") in languages
