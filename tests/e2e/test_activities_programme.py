"""The unions directory, the four-seasons calendar and its coverage check, the lecture
programme with its feedback, and the year's statistics, through the gateway."""
import pytest

from services.common.clock import local_today
from tests.support.events import outbox_envelopes
from tests.support.waiting import wait_for
from tests.support.world import PASSWORD, activity_body

SEASON_OF_MONTH = {3: "spring", 4: "spring", 5: "spring", 6: "summer", 7: "summer", 8: "summer",
                   9: "autumn", 10: "autumn", 11: "autumn", 12: "winter", 1: "winter", 2: "winter"}
YEAR = local_today().year
THIS_SEASON = SEASON_OF_MONTH[local_today().month]


@pytest.fixture(scope="module")
def workers(world):
    admin = world.system.client()
    for index in range(1, 4):  # workers of the union that holds the lectures below
        answer = admin.post("/api/v1/users", {"username": "worker%d" % index,
                                              "password": PASSWORD, "role": "worker",
                                              "union_id": world.unions["power"]["id"]})
        assert answer.status_code == 201, answer.text
    return [world.as_user("worker%d" % index) for index in range(1, 4)]


@pytest.fixture(scope="module")
def lecturer(world):
    answer = world.system.client().post("/api/v1/lecturers", {
        "name": "王建国", "title": "党校教授", "organization": "中共张掖市委党校",
        "topics": ["新时代劳模精神", "职工思想政治教育"], "county": "甘州区",
        "phone": "0936-8210000"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def report(world, username="ua_power", union="power", **overrides):
    overrides.setdefault("held_on", local_today().isoformat())  # this month, this season
    answer = world.as_user(username).post(
        "/api/v1/activities", activity_body(world.unions[union]["id"], **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def approve(world, activity, reviewer="rev_ganzhou"):
    answer = world.as_user(reviewer).post("/api/v1/activities/%d/approve" % activity["id"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def facts(world, event_type, activity_id):
    found = [e["data"] for e in outbox_envelopes(world.system, "activities", event_type)
             if e["data"]["activity_id"] == activity_id]
    assert len(found) == 1
    return found[0]


# the coverage check comes first: nothing is approved in this module yet -------------------
def test_coverage_lists_the_gaps_and_the_theme_shares(world):
    admin = world.system.client()
    empty = admin.get("/api/v1/activities/coverage", year=YEAR).json()
    due = list(range(1, local_today().month + 1))
    assert empty["months_due"] == due
    counties = [row["county"] for row in empty["counties"]]
    assert counties[:6] == ["甘州区", "临泽县", "高台县", "山丹县", "民乐县", "肃南裕固族自治县"]
    assert len(empty["gaps"]) == 6 * len(due) and empty["complete"] is False

    theme = admin.put("/api/v1/seasons/%d/%s" % (YEAR, THIS_SEASON),
                      {"theme": "测试主题季", "categories": ["reading"]})
    assert theme.status_code == 200, theme.text
    reading = approve(world, report(world, title="读书分享会", category="reading"))
    sports = approve(world, report(world, title="职工篮球赛", category="sports"))
    approve(world, report(world, "ua_school", "school", title="教师读书会", category="reading"),
            "rev_linze")
    report(world, "ua_school", "school", title="还未审核", category="culture")  # not counted

    answer = world.as_user("finance").get("/api/v1/activities/coverage", year=YEAR).json()
    month = str(local_today().month)
    rows = {row["county"]: row for row in answer["counties"]}
    assert rows["甘州区"]["months"][month] == 2 and rows["临泽县"]["months"][month] == 1
    gaps = {(g["county"], g["month"]) for g in answer["gaps"]}
    assert ("甘州区", local_today().month) not in gaps
    assert ("临泽县", local_today().month) not in gaps
    assert ("高台县", local_today().month) in gaps
    assert len(gaps) == 6 * len(due) - 2
    share = {s["season"]: s for s in answer["seasons"]}[THIS_SEASON]
    assert (share["theme"], share["activities"], share["matching"], share["share"]) == (
        "测试主题季", 3, 2, "0.6667")
    # the events carry the calendar facts, as of the year's configured theme
    assert facts(world, "activity_approved", reading["id"])["season_theme_match"] is True
    sports_facts = facts(world, "activity_approved", sports["id"])
    assert sports_facts["season_theme_match"] is False
    assert sports_facts["season_theme"] == "测试主题季" and sports_facts["year"] == YEAR

    # a county reviewer sees its own county's row; other roles none at all
    own = world.as_user("rev_linze").get("/api/v1/activities/coverage").json()
    assert [row["county"] for row in own["counties"]] == ["临泽县"] and own["year"] == YEAR
    assert own["counties"][0]["months"][month] == 1
    assert world.as_user("rev_linze").get("/api/v1/activities/coverage",
                                          county="甘州区").status_code == 403
    for username in ("ua_power", "worker"):
        assert world.as_user(username).get("/api/v1/activities/coverage").status_code == 403
    assert admin.get("/api/v1/activities/coverage", year=1999).status_code == 422
    past = admin.get("/api/v1/activities/coverage", year=YEAR - 1).json()
    assert past["months_due"] == list(range(1, 13)) and len(past["gaps"]) == 72


def test_season_themes_are_configured_per_year_by_the_city(world):
    admin = world.system.client()
    next_year = admin.get("/api/v1/seasons/%d" % (YEAR + 1)).json()
    seasons = {s["season"]: s for s in next_year["seasons"]}
    assert seasons["spring"]["theme"] == "女职工风采展示" and seasons["spring"]["months"] == [3, 4, 5]
    assert seasons["summer"]["launch_month"] == 5 and seasons["summer"]["configured"] is False
    assert seasons["autumn"]["categories"] == ["reading"]
    this_year = {s["season"]: s for s in
                 world.as_user("worker").get("/api/v1/seasons/%d" % YEAR).json()["seasons"]}
    assert this_year[THIS_SEASON]["configured"] is True
    assert this_year[THIS_SEASON]["updated_by"] == "admin"
    path = "/api/v1/seasons/%d/autumn" % (YEAR + 1)
    assert world.as_user("rev_ganzhou").put(path, {"theme": "x", "categories": ["reading"]}
                                            ).status_code == 403
    for body, field in [({"theme": "", "categories": ["reading"]}, "theme"),
                        ({"theme": "读书季", "categories": []}, "categories"),
                        ({"theme": "读书季", "categories": ["party"]}, "categories")]:
        answer = admin.put(path, body)
        assert answer.status_code == 422 and field in answer.json()["error"]["details"]
    assert admin.put("/api/v1/seasons/%d/monsoon" % YEAR,
                     {"theme": "x", "categories": ["reading"]}).status_code == 404
    changed = admin.put(path, {"theme": "金秋书香", "categories": ["reading", "lecture"]}).json()
    autumn = {s["season"]: s for s in changed["seasons"]}["autumn"]
    assert autumn["theme"] == "金秋书香" and autumn["categories"] == ["lecture", "reading"]


# the lecture programme ------------------------------------------------------------------
def test_the_lecturer_pool(world, lecturer):
    admin = world.system.client()
    assert lecturer["active"] is True and lecturer["topics"][0] == "新时代劳模精神"
    again = admin.post("/api/v1/lecturers", {"name": "王建国", "topics": ["劳模精神"],
                                             "county": "甘州区"})
    assert again.status_code == 409
    other = admin.post("/api/v1/lecturers", {"name": "李秀兰", "topics": ["女职工权益保护"],
                                             "county": "临泽县"})
    assert other.status_code == 201
    assert admin.post("/api/v1/lecturers", {"name": "", "topics": [],
                                            "county": "甘州区"}).status_code == 422
    assert world.as_user("rev_ganzhou").post("/api/v1/lecturers", {
        "name": "赵六", "topics": ["x"], "county": "甘州区"}).status_code == 403
    found = world.as_user("ua_power").get("/api/v1/lecturers", topic="劳模").json()
    assert [item["name"] for item in found["items"]] == ["王建国"] and found["total"] == 1
    assert world.as_user("ua_power").get("/api/v1/lecturers", county="临泽县").json()["total"] == 1
    assert world.as_user("worker").get("/api/v1/lecturers").status_code == 403
    gone = admin.session.patch(admin.base + "/api/v1/lecturers/%d" % other.json()["id"],
                               json={"active": False}, timeout=15)
    assert gone.status_code == 200 and gone.json()["active"] is False
    lecture = world.as_user("ua_school").post("/api/v1/activities", activity_body(
        world.unions["school"]["id"], category="lecture", lecturer_id=other.json()["id"]))
    assert lecture.status_code == 422 and "lecturer_id" in lecture.json()["error"]["details"]


def test_feedback_satisfaction_and_lectures_without_feedback(world, workers, lecturer):
    first = report(world, title="大思政课：劳模精神进企业", category="lecture",
                   lecturer_id=lecturer["id"])
    second = report(world, title="大思政课：工匠精神", category="lecture",
                    lecturer_id=lecturer["id"])
    approved = approve(world, first)
    assert approved["lecturer_id"] == lecturer["id"]
    before = facts(world, "activity_approved", first["id"])
    assert before["lecturer_name"] == "王建国" and before["lecturer_satisfaction"] is None

    path = "/api/v1/activities/%d/feedback" % first["id"]
    for client, score in zip(workers, (5, 4, 2)):
        answer = client.post(path, {"score": score})
        assert answer.status_code == 201, answer.text
        assert answer.json()["replaced"] is False
    replaced = workers[2].post(path, {"score": 5, "comment": "讲得很生动"})
    assert replaced.status_code == 200 and replaced.json()["replaced"] is True
    assert replaced.json()["score"] == 5
    for body in ({"score": 0}, {"score": 6}, {"score": "5"}, {}):
        assert workers[0].post(path, body).status_code == 422
    assert world.as_user("ua_power").post(path, {"score": 5}).status_code == 403
    assert workers[0].post("/api/v1/activities/999999/feedback", {"score": 5}).status_code == 404

    summary = world.as_user("ua_power").get(path).json()
    assert (summary["responses"], summary["satisfied"], summary["satisfaction"]) == (3, 3, "1.0000")
    assert summary["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2}
    assert world.as_user("ua_school").get(path).status_code == 403

    approve(world, second)  # its lecturer's figure of the year travels with the event
    assert facts(world, "activity_approved", second["id"])["lecturer_satisfaction"] == "1.0000"

    report_ = world.as_user("rev_ganzhou").get("/api/v1/stats/lectures", year=YEAR).json()
    mine = [row for row in report_["lecturers"] if row["lecturer_id"] == lecturer["id"]][0]
    assert (mine["sessions"], mine["sessions_with_feedback"], mine["responses"]) == (2, 1, 3)
    assert mine["satisfaction"] == "1.0000" and mine["meets_target"] is True
    assert report_["programme"]["target"] == "0.95"
    missing = [item["activity_id"] for item in report_["without_feedback"]]
    assert second["id"] in missing and first["id"] not in missing
    # a 2 brings the lecturer under the 95% target
    workers[1].post(path, {"score": 2})
    report_ = world.system.client().get("/api/v1/stats/lectures", year=YEAR,
                                        lecturer_id=lecturer["id"]).json()
    assert report_["programme"]["satisfaction"] == "0.6667"
    assert report_["programme"]["meets_target"] is False
    assert world.as_user("rev_linze").get("/api/v1/stats/lectures", year=YEAR).json()[
        "programme"]["sessions"] == 0  # scoped to its county
    assert world.as_user("ua_power").get("/api/v1/stats/lectures").status_code == 403

    rejected = report(world, title="被驳回的讲座", category="lecture", lecturer_id=lecturer["id"])
    assert world.as_user("rev_ganzhou").post("/api/v1/activities/%d/reject" % rejected["id"],
                                             {"reason": "无签到表"}).status_code == 200
    assert workers[0].post("/api/v1/activities/%d/feedback" % rejected["id"],
                           {"score": 5}).status_code == 409


def test_the_years_statistics_in_scope(world):
    admin = world.system.client()
    stats = admin.get("/api/v1/stats/activities", year=YEAR).json()
    assert stats["year"] == YEAR and stats["reported"] >= 7
    assert sum(stats["by_status"].values()) == stats["reported"]
    assert stats["by_county"]["甘州区"]["approved"] >= 4
    assert stats["by_category"]["lecture"]["approved"] == 2
    assert stats["by_tier"]["grassroots"]["total"] == stats["reported"]
    assert stats["by_season"][THIS_SEASON]["total"] >= 1
    published = stats["published"]
    assert published["lecture_sessions"] == 2
    assert published["activities_approved"] == stats["by_status"]["approved"]
    assert published["activities_held"] == stats["reported"] - stats["by_status"]["rejected"]
    assert published["lecture_satisfaction"] == "0.6667" and published["meets_target"] is False
    assert stats["participants_total"] == 40 * published["activities_approved"]

    county = world.as_user("rev_linze").get("/api/v1/stats/activities").json()
    assert set(county["by_county"]) == {"临泽县"} and county["scope"]["county"] == "临泽县"
    union = world.as_user("ua_school").get("/api/v1/stats/activities", year=YEAR).json()
    assert union["scope"]["union_id"] == world.unions["school"]["id"] and union["reported"] == 2
    assert world.as_user("ua_school").get("/api/v1/stats/activities",
                                          union_id=world.unions["power"]["id"]).status_code == 403
    assert world.as_user("worker").get("/api/v1/stats/activities").status_code == 403


def test_business_gauges_for_ops(world):
    def approved_now():
        return world.system.metric("activities", "cm_activities",
                                   {"status": "approved", "season": THIS_SEASON})
    stats = world.system.client().get("/api/v1/stats/activities", year=YEAR).json()
    expected = stats["by_season"][THIS_SEASON]["approved"]
    assert wait_for(lambda: approved_now() == expected, 10, "the gauge")
    assert world.system.metric("activities", "cm_lecture_satisfaction_ratio") == pytest.approx(
        0.6667)


# the unions directory -------------------------------------------------------------------
def test_renaming_and_moving_a_union_keeps_its_history(world):
    admin = world.system.client()
    created = admin.post("/api/v1/unions", {
        "name": "甘州区物流园工会", "level": "grassroots", "county": "甘州区", "members": 60,
        "parent_id": world.unions["ganzhou"]["id"],
        "contacts": [{"name": "张敏", "phone": "13800000000", "role": "工会主席"}]})
    assert created.status_code == 201, created.text
    union = created.json()
    before = admin.post("/api/v1/activities", activity_body(union["id"], title="搬迁前的活动"))
    assert before.status_code == 201

    path = "/api/v1/unions/%d" % union["id"]
    moved = admin.session.patch(admin.base + path, timeout=15, json={
        "name": "临泽县物流园工会", "parent_id": world.unions["linze"]["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["county"] == "临泽县" and moved.json()["name"] == "临泽县物流园工会"
    history = admin.get(path + "/history").json()
    assert len(history) == 1 and history[0]["actor"] == "admin"
    assert history[0]["changes"] == {
        "name": ["甘州区物流园工会", "临泽县物流园工会"], "county": ["甘州区", "临泽县"],
        "parent_id": [world.unions["ganzhou"]["id"], world.unions["linze"]["id"]]}
    kept = admin.get("/api/v1/activities/%d" % before.json()["id"]).json()
    assert kept["county"] == "甘州区" and kept["union_id"] == union["id"]
    after = admin.post("/api/v1/activities", activity_body(union["id"], title="搬迁后的活动"))
    assert after.json()["county"] == "临泽县"

    def patch(body, user=admin):
        return user.session.patch(user.base + path, json=body, timeout=15)
    assert patch({"name": "国网甘州供电工会"}).status_code == 409       # taken
    assert patch({"parent_id": world.unions["city"]["id"]}).status_code == 422  # tiers
    assert patch({"county": "甘州区"}).status_code == 422  # not its parent's county
    assert patch({"level": "county"}).status_code == 422  # the level stays
    assert patch({}).status_code == 422
    assert patch({"members": 70}, world.as_user("rev_linze")).status_code == 403
    assert patch({"members": 70}).json()["members"] == 70
    assert len(admin.get(path + "/history").json()) == 2
    assert admin.session.patch(admin.base + "/api/v1/unions/999999", json={"members": 1},
                               timeout=15).status_code == 404


def test_the_directory_lists_and_filters(world):
    client = world.as_user("worker")
    grassroots = client.get("/api/v1/unions", level="grassroots").json()
    assert grassroots["total"] >= 3 and {u["level"] for u in grassroots["items"]} == {"grassroots"}
    linze = client.get("/api/v1/unions", county="临泽县", level="grassroots").json()
    assert {u["name"] for u in linze["items"]} == {"临泽县第一中学工会", "临泽县物流园工会"}
    under = client.get("/api/v1/unions", parent_id=world.unions["city"]["id"]).json()
    assert {u["level"] for u in under["items"]} == {"county"}
    part = client.get("/api/v1/unions", q="供电").json()
    assert [u["name"] for u in part["items"]] == ["国网甘州供电工会"]
    assert client.get("/api/v1/unions", level="village").status_code == 422


def test_the_openapi_document_describes_the_routes(world):
    document = world.system.client().get("/api/v1/openapi.json").json()
    for path, method in [("/api/v1/activities/bulk-approve", "post"),
                         ("/api/v1/activities/coverage", "get"),
                         ("/api/v1/activities/{activity_id}/feedback", "post"),
                         ("/api/v1/lecturers", "post"), ("/api/v1/seasons/{year}/{season}", "put"),
                         ("/api/v1/stats/activities", "get"), ("/api/v1/stats/lectures", "get"),
                         ("/api/v1/unions/{union_id}", "patch"),
                         ("/api/v1/unions/{union_id}/history", "get")]:
        operation = document["paths"][path][method]
        assert operation["summary"], path
        success = [code for code in operation["responses"] if code.startswith("2")]
        schema = operation["responses"][success[0]]["content"]["application/json"]["schema"]
        assert schema != {"type": "object"}, path
