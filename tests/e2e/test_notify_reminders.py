"""Coverage reminders over HTTP on real processes: the city reminds a county's grassroots
unions, each union's admins find the notice in their inbox (and no one else does); a
reviewer of another county is refused; unknown unions are named; a repeat with the same
Idempotency-Key sends once."""
import uuid

import pytest

from tests.support.world import PASSWORD

REMINDERS = "/api/v1/reminders"
TITLE = "请及时上报活动"


@pytest.fixture(scope="module")
def coal(world):
    """A second grassroots union of 甘州区 with its admin, who reads English."""
    admin = world.system.client()
    union = admin.post("/api/v1/unions", {
        "name": "甘州区煤矿工会", "level": "grassroots", "county": "甘州区", "members": 60,
        "parent_id": world.unions["ganzhou"]["id"]})
    assert union.status_code == 201, union.text
    user = admin.post("/api/v1/users", {"username": "ua_coal", "password": PASSWORD,
                                        "role": "union_admin", "union_id": union.json()["id"]})
    assert user.status_code == 201, user.text
    chosen = world.as_user("ua_coal").put("/api/v1/notifications/preferences",
                                          {"language": "en"})
    assert chosen.status_code == 200, chosen.text
    return union.json()


def body(union_ids, month=1, county="甘州区", year=2026):
    return {"union_ids": union_ids, "year": year, "month": month, "county": county}


def reminders(client, month=None):
    answer = client.get("/api/v1/notifications", event_type="coverage_reminder", limit=500)
    assert answer.status_code == 200, answer.text
    return [n for n in answer.json()["items"]
            if month is None or "%d 月" % month in n["body"] or _en_month(month) in n["body"]]


def _en_month(month):
    return ("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December")[month - 1] + " 2026"


def test_the_city_reminds_two_unions_and_only_their_admins_hear_of_it(world, coal):
    power = world.unions["power"]["id"]
    sent = world.system.client().post(REMINDERS, body([power, coal["id"]], month=2))
    assert sent.status_code == 201, sent.text
    answer = sent.json()
    assert answer["sent"] == 2 and answer["union_ids"] == [power, coal["id"]]
    assert (answer["year"], answer["month"], answer["county"]) == (2026, 2, "甘州区")
    assert answer["sent_by"] == "admin" and answer["sent_at"].endswith("Z")

    inbox = world.as_user("ua_power").get("/api/v1/notifications", unread="true").json()
    newest = inbox["items"][0]  # written before the 201: newest first, unread
    assert newest["event_type"] == "coverage_reminder" and newest["read"] is False
    assert newest["title"] == TITLE
    assert newest["body"].startswith("2026 年 2 月甘州区暂无贵单位上报的活动")
    (english,) = reminders(world.as_user("ua_coal"), 2)
    assert english["title"] == "Please report your activities"
    assert "甘州区 has no activity reported by your union for February 2026" in english["body"]
    for username in ("ua_school", "rev_ganzhou", "finance", "worker"):
        assert reminders(world.as_user(username)) == [], username


def test_a_reviewer_reminds_only_its_own_countys_unions(world, coal):
    power = world.unions["power"]["id"]
    other = world.as_user("rev_linze")
    for refused in (other.post(REMINDERS, body([power], month=3)),  # another county
                    other.post(REMINDERS, body([power], month=3, county="临泽县"))):
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "FORBIDDEN"
        assert refused.json()["error"]["message"] == "县区审核员只能提醒本县区的工会"
    assert reminders(world.as_user("ua_power"), 3) == []
    own = world.as_user("rev_ganzhou").post(REMINDERS, body([power], month=3))
    assert own.status_code == 201, own.text
    assert own.json()["sent_by"] == "rev_ganzhou"
    assert len(reminders(world.as_user("ua_power"), 3)) == 1
    assert reminders(world.as_user("ua_coal"), 3) == []
    for username in ("ua_power", "finance", "worker", "ops"):
        assert world.as_user(username).post(REMINDERS, body([power])).status_code == 403


def test_unknown_unions_and_others_are_named_and_nothing_is_sent(world, coal):
    city = world.system.client()
    power = world.unions["power"]["id"]
    unknown = city.post(REMINDERS, body([power, 999_999, 999_998], month=4))
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["error"]["details"]["union_ids"] == [
        "甘州区没有编号为以下的基层工会：999998, 999999"]
    # the county federation is not a grassroots union; 临泽's school is not 甘州区's
    for union in ("ganzhou", "school"):
        wrong = city.post(REMINDERS, body([power, world.unions[union]["id"]], month=4))
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["error"]["details"]["union_ids"] == [
            "甘州区没有编号为以下的基层工会：%d" % world.unions[union]["id"]]
    # a reviewer's unknown union is a 422 too (only another county's is a 403)
    mine = world.as_user("rev_ganzhou").post(REMINDERS, body([power, 999_999], month=4))
    assert mine.status_code == 422, mine.text
    english = city.session.post(world.system.gateway + REMINDERS, timeout=15,
                                json=body([999_999], month=4),
                                headers={"Accept-Language": "en"})
    assert english.json()["error"]["details"]["union_ids"] == [
        "no grassroots union of 甘州区 has these ids: 999999"]
    for bad, fields in [
            ({"union_ids": [power, power], "year": 2026, "month": 13, "county": "甘州区"},
             {"month"}),  # (the ids' rule runs once every field is well formed)
            (body([power, power]), {"union_ids"}),
            (body([]), {"union_ids"}),
            (body(list(range(1, 202))), {"union_ids"}),
            (body([power], county="北京市"), {"county"}),
            ({"union_ids": [power]}, {"year", "month", "county"})]:
        refused = city.post(REMINDERS, bad)
        assert refused.status_code == 422, refused.text
        assert set(refused.json()["error"]["details"]) == fields, refused.text
    assert city.post(REMINDERS, body([power, power])).json()["error"]["details"] == {
        "union_ids": ["每个编号只能出现一次"]}
    assert reminders(world.as_user("ua_power"), 4) == []


def test_a_repeat_with_the_same_idempotency_key_sends_once(world, coal):
    city = world.system.client()
    key = {"Idempotency-Key": "remind-%s" % uuid.uuid4()}
    first = city.post(REMINDERS, body([coal["id"]], month=5), headers=key)
    again = city.post(REMINDERS, body([coal["id"]], month=5), headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert len(reminders(world.as_user("ua_coal"), 5)) == 1
    reused = city.post(REMINDERS, body([coal["id"]], month=6), headers=key)
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["error"]["details"]
    assert reminders(world.as_user("ua_coal"), 6) == []
    # without a key a second press is a second reminder
    assert city.post(REMINDERS, body([coal["id"]], month=5)).status_code == 201
    assert len(reminders(world.as_user("ua_coal"), 5)) == 2
