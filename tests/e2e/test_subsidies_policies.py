"""Versioned policies over real processes: upload and validation, drafts and publishing,
dry runs, the differentiated extras, union caps, and venue subsidies.

The tests of this module run in order: publishing version 2 changes what later
approvals get.
"""
import copy
import itertools
import threading
from datetime import timedelta

from sqlalchemy import create_engine, text

from services.common.clock import local_today
from services.common.events import make_envelope
from services.subsidies.domain import DIFFERENTIATED_ACTIVITY_POLICY
from tests.support.events import publish
from tests.support.waiting import wait_for
from tests.support.world import activity_body

IDS = itertools.count(8_000_001)
VENUE_IDS = itertools.count(90_001)
SUNAN = "肃南裕固族自治县"


def approval(union, year, county=None, **facts):
    data = {"activity_id": next(IDS), "title": "测试活动", "union_id": union["id"],
            "union_name": union["name"], "county": county or union["county"],
            "tier": "grassroots", "category": "reading", "season": "autumn",
            "held_on": "%d-10-15" % year, "participants": 40, "expenses": "1500.00",
            "actor": "rev_ganzhou"}
    data.update(facts)
    return make_envelope("activity_approved", data, "activities", "test-subsidy-policies")


def evaluation(venue_id, period, rating="good", total=88, county="甘州区", kind="book_house",
               host_union_id=None):
    return make_envelope("venue_evaluated", {
        "venue_id": venue_id, "name": "职工书屋 %d" % venue_id, "kind": kind, "county": county,
        "host_union_id": host_union_id, "evaluation_id": next(IDS), "period": period,
        "total": total, "rating": rating}, "library", "test-subsidy-policies")


def subsidy_rows(world, where, params):
    engine = create_engine(world.system.database_url("subsidies"))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT id FROM subsidies WHERE %s ORDER BY id" % where),
                                params).scalars().all()
    finally:
        engine.dispose()


def settle(world, envelopes):
    for envelope in envelopes:
        publish(world.system, envelope)
    ids = [e["data"]["activity_id"] for e in envelopes]
    admin = world.system.client()

    def decided():
        rows = [subsidy_rows(world, "activity_id = :a", {"a": i}) for i in ids]
        if not all(rows):
            return None
        return [admin.get("/api/v1/subsidies/%d" % r[0]).json() for r in rows]
    return wait_for(decided, 30, "decisions for %d approvals" % len(ids))


def open_fund(admin, year, budget, policy="activity"):
    answer = admin.post("/api/v1/funds", {"name": "%d年度%s补助资金" % (year, policy),
                                          "year": year, "policy": policy, "budget": budget})
    assert answer.status_code == 201, answer.text
    return answer.json()


def versions(client, kind):
    answer = client.get("/api/v1/policies", kind=kind)
    assert answer.status_code == 200, answer.text
    return {p["version"]: p for p in answer.json()["items"]}


def test_the_shipped_policies(world):
    finance = world.as_user("finance")
    activity = versions(finance, "activity")
    assert activity[1]["status"] == "published" and activity[1]["in_force"]
    assert activity[1]["name"] == "职工文体活动补助办法"
    assert activity[2]["status"] == "draft" and not activity[2]["in_force"]
    assert activity[2]["effective_from"] is None
    rule_types = [r["type"] for r in activity[2]["document"]["rules"]]
    assert {"multiplier", "cap_per_union_year"} <= set(rule_types)
    venue = versions(finance, "venue")
    assert venue[1]["in_force"] and venue[1]["document"]["rules"][0]["type"] == "venue_threshold"
    assert finance.get("/api/v1/policies/activity/9").status_code == 404


def test_a_bad_document_is_a_422_naming_the_rule_and_stores_nothing(world):
    finance = world.as_user("finance")
    before = len(versions(finance, "activity"))
    document = copy.deepcopy(DIFFERENTIATED_ACTIVITY_POLICY)
    document["rules"][3]["factor"] = "-1"                  # the season multiplier
    document["rules"][2] = {"type": "per_participant"}      # amount missing
    document["rules"].append({"type": "venue_amount", "construction": {}, "upkeep": {}})
    answer = finance.post("/api/v1/policies", {"kind": "activity", "document": document})
    assert answer.status_code == 422, answer.text
    details = answer.json()["error"]["details"]
    assert "document.rules.3.factor" in details
    assert "document.rules.2.amount" in details
    assert "document.rules.%d.type" % (len(document["rules"]) - 1) in details
    past = finance.post("/api/v1/policies", {
        "kind": "activity", "effective_from": (local_today() - timedelta(days=1)).isoformat(),
        "document": DIFFERENTIATED_ACTIVITY_POLICY})
    assert past.status_code == 422 and "effective_from" in past.json()["error"]["details"]
    not_a_list = finance.post("/api/v1/policies", {"kind": "venue",
                                                   "document": {"name": "x", "rules": {}}})
    assert not_a_list.status_code == 422
    assert "document.rules" in not_a_list.json()["error"]["details"]
    assert len(versions(finance, "activity")) == before
    assert world.as_user("ua_power").post("/api/v1/policies", {
        "kind": "activity", "document": DIFFERENTIATED_ACTIVITY_POLICY}).status_code == 403


def test_a_dry_run_explains_without_granting(world):
    finance = world.as_user("finance")
    facts = {"tier": "grassroots", "category": "lecture", "county": SUNAN, "participants": 40,
             "expenses": "1500.00", "season_theme_match": True, "lecturer_satisfaction": "0.96"}
    draft = finance.post("/api/v1/policies/activity/dry-run", {"version": 2, "activity": facts})
    assert draft.status_code == 200, draft.text
    body = draft.json()
    # (200 + 40 x 5) x 1.2 x 1.3 x 1.1 = 686.40, under 750 (half the expenses) and 800
    assert (body["policy_version"], body["amount"], body["reason"]) == (2, "686.40", None)
    assert any("偏远县区加成" in line and "× 1.30" in line for line in body["explanation"])
    assert any("宣讲满意度加成" in line and "96%" in line for line in body["explanation"])
    assert len(body["explanation"]) == len(DIFFERENTIATED_ACTIVITY_POLICY["rules"])

    in_force = finance.post("/api/v1/policies/activity/dry-run", {"activity": facts})
    assert in_force.json()["policy_version"] == 1 and in_force.json()["amount"] == "350.00"

    reported = world.as_user("ua_power").post(
        "/api/v1/activities", activity_body(world.unions["power"]["id"], participants=40,
                                            expenses="1500.00"))
    assert reported.status_code == 201
    by_id = finance.post("/api/v1/policies/activity/dry-run",
                         {"activity_id": reported.json()["id"]})
    assert by_id.status_code == 200, by_id.text
    assert by_id.json()["amount"] == "350.00"
    assert world.as_user("ua_power").get(
        "/api/v1/subsidies", activity_id=reported.json()["id"]).json() == []  # nothing granted

    both = finance.post("/api/v1/policies/activity/dry-run",
                        {"activity_id": reported.json()["id"], "activity": facts})
    assert both.status_code == 422
    venue_on_activity = finance.post("/api/v1/policies/activity/dry-run", {"venue": {
        "kind": "book_house", "county": "甘州区", "rating": "good", "total": 80}})
    assert venue_on_activity.status_code == 422
    few = finance.post("/api/v1/policies/activity/dry-run",
                       {"version": 2, "activity": dict(facts, participants=3)})
    assert few.json()["reason"] == "not_eligible" and few.json()["amount"] == "0.00"


def test_a_version_applies_to_approvals_from_its_effective_date_on(world):
    admin = world.system.client()
    finance = world.as_user("finance")
    open_fund(admin, 2041, "100000.00")
    power = world.unions["power"]
    sunan_union = {"id": power["id"] + 1000, "name": "肃南县牧业合作社工会", "county": SUNAN}
    before = settle(world, [approval(sunan_union, 2041)])[0]
    assert before["policy_version"] == 1 and before["amount"] == "350.00"

    published = finance.post("/api/v1/policies/activity/2/publish",
                             {"effective_from": local_today().isoformat()})
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.json()["in_force"]
    again = finance.post("/api/v1/policies/activity/2/publish",
                         {"effective_from": local_today().isoformat()})
    assert again.status_code == 409

    after = settle(world, [approval(sunan_union, 2041, season_theme_match=True)])[0]
    # (150 + 200) x 1.2 x 1.3 = 546.00
    assert after["policy_version"] == 2 and after["amount"] == "546.00"
    assert before["amount"] == "350.00"  # decided approvals keep their version
    assert admin.get("/api/v1/subsidies/%d" % before["id"]).json()["policy_version"] == 1

    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    document = copy.deepcopy(DIFFERENTIATED_ACTIVITY_POLICY)
    document["name"] = "职工文体活动补助办法（2027 修订）"
    document["rules"][2]["amount"] = "10.00"
    v3 = finance.post("/api/v1/policies", {"kind": "activity", "effective_from": tomorrow,
                                           "document": document})
    assert v3.status_code == 201, v3.text
    assert v3.json()["version"] == 3 and not v3.json()["in_force"]
    today = settle(world, [approval(sunan_union, 2041)])[0]
    assert today["policy_version"] == 2
    preview = finance.post("/api/v1/policies/activity/dry-run", {
        "approved_on": tomorrow, "activity": {"tier": "grassroots", "category": "reading",
                                              "county": "甘州区", "participants": 40,
                                              "expenses": "1500.00"}})
    assert preview.json()["policy_version"] == 3 and preview.json()["amount"] == "550.00"
    earlier = finance.post("/api/v1/policies", {"kind": "activity",
                                                "effective_from": local_today().isoformat(),
                                                "document": document})
    assert earlier.status_code == 422  # would take effect before version 3


def test_a_union_never_gets_more_than_its_yearly_cap(world):
    """Version 2 (in force since the test above) caps a grassroots union at 5,000 a year."""
    admin = world.system.client()
    open_fund(admin, 2042, "100000.00")
    school = world.unions["school"]
    decided = settle(world, [approval(school, 2042, participants=200, expenses="9000.00")
                             for _ in range(8)])
    granted = [d for d in decided if d["status"] == "granted"]
    assert sum(int(d["amount"].replace(".", "")) for d in granted) == 500000
    assert all(d["amount"] in ("800.00", "200.00") for d in granted)
    capped = [d for d in decided if d["status"] == "declined"]
    assert capped and all(d["reason"] == "union_cap_reached" for d in capped)
    assert "已达上限" in capped[0]["explanation"][-1]
    other_year = settle(world, [approval(school, 2043, participants=200, expenses="9000.00")])
    assert other_year[0]["reason"] == "no_fund"  # a new year, but no fund for 2043


def registered_venue(admin, name, county, kind):
    answer = admin.post("/api/v1/venues", {"name": name, "kind": kind, "county": county})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_a_rated_venue_gets_one_decision_per_year(world):
    admin = world.system.client()
    year = 2044
    fund = open_fund(admin, year, "200000.00", policy="venue")
    # the two that are paid are registered (a payee is set on a venue the library knows)
    good = registered_venue(admin, "甘州区职工书屋 %d" % year, "甘州区", "book_house")
    poor = next(VENUE_IDS)
    remote = registered_venue(admin, "肃南驿站书角 %d" % year, SUNAN, "rest_station_corner")
    first = evaluation(good, str(year), host_union_id=world.unions["power"]["id"])
    publish(world.system, first, times=2)
    publish(world.system, evaluation(good, str(year)))               # same period again
    publish(world.system, evaluation(poor, str(year), rating="pass", total=65,
                                     kind="worker_home"))
    publish(world.system, evaluation(remote, "%d-H1" % year, rating="excellent", total=95,
                                     county=SUNAN, kind="rest_station_corner"))

    def decisions(venue_id):
        answer = admin.get("/api/v1/subsidies", venue_id=venue_id)
        assert answer.status_code == 200, answer.text
        return answer.json()
    built = wait_for(lambda: decisions(good), 20, "the venue decision")
    declined = wait_for(lambda: decisions(poor), 20, "the declined venue decision")
    sunan = wait_for(lambda: decisions(remote), 20, "the remote venue decision")
    # a later period of the same year revises that year's decision, never adds one
    publish(world.system, evaluation(good, "%d-Q4" % year, rating="excellent", total=95))
    revised = wait_for(lambda: [d for d in decisions(good) if d["period"] == "%d-Q4" % year],
                       20, "the revised decision")

    assert len(built) == 1
    assert (built[0]["status"], built[0]["purpose"], built[0]["amount"]) == (
        "granted", "construction", "20000.00")
    assert built[0]["subject"] == "venue" and built[0]["fund_id"] == fund["id"]
    assert built[0]["activity_id"] is None and built[0]["period"] == str(year)
    assert (declined[0]["status"], declined[0]["reason"], declined[0]["amount"]) == (
        "declined", "not_eligible", "0.00")
    # 3,000 x 1.2 (excellent) x 1.3 (remote) = 4,680.00
    assert sunan[0]["amount"] == "4680.00"
    assert len(decisions(good)) == 1 and revised[0]["id"] == built[0]["id"]
    assert (revised[0]["purpose"], revised[0]["amount"]) == ("construction", "24000.00")
    fund = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    assert fund["granted"] == "28680.00"
    assert admin.get("/api/v1/funds/%d/reconciliation" % fund["id"]).json()["consistent"]

    for venue in (good, remote):  # a venue is paid itself, on its own account
        payee = world.as_user("finance").put("/api/v1/payees/venue/%d" % venue, {
            "account_name": "阵地 %d" % venue, "bank": "中国农业银行张掖分行",
            "account_number": "6228 4800 %08d" % venue})
        assert payee.status_code == 200, payee.text
    batch = world.as_user("finance").post("/api/v1/disbursements", {"fund_id": fund["id"]})
    assert batch.status_code == 201 and batch.json()["count"] == 2
    assert [line["count"] for line in batch.json()["lines"]] == [1, 1]
    paid = world.as_user("finance2").post("/api/v1/disbursements/%d/pay" % batch.json()["id"],
                                          {})
    assert paid.status_code == 200
    stats = admin.get("/api/v1/subsidies/stats", year=year).json()
    assert stats["venues"]["granted"] == "28680.00" and stats["venues"]["paid"] == "28680.00"
    assert stats["activities_subsidised"] == 0


def test_versions_apply_in_order_and_a_future_one_can_be_withdrawn(world):
    """Since the tests above: version 2 in force from today, version 3 from tomorrow."""
    finance = world.as_user("finance")
    today = local_today().isoformat()
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    later = (local_today() + timedelta(days=2)).isoformat()
    v4 = finance.post("/api/v1/policies", {"kind": "activity",
                                           "document": DIFFERENTIATED_ACTIVITY_POLICY})
    assert v4.status_code == 201 and v4.json()["version"] == 4
    same_day = finance.post("/api/v1/policies/activity/4/publish", {"effective_from": tomorrow})
    assert same_day.status_code == 422, same_day.text  # one date, two versions
    assert same_day.json()["error"]["details"]["effective_from"] == [
        "须晚于 %s（第 3 版的生效日期）" % tomorrow]
    in_english = finance.session.post(
        finance.base + "/api/v1/policies/activity/4/publish", json={"effective_from": tomorrow},
        headers={"Accept-Language": "en"}, timeout=15)
    assert in_english.json()["error"]["details"]["effective_from"] == [
        "after %s, the effective date of version 3" % tomorrow]

    assert world.as_user("ua_power").post("/api/v1/policies/activity/3/withdraw").status_code \
        == 403
    withdrawn = finance.post("/api/v1/policies/activity/3/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["effective_from"]) == ("draft", None)
    facts = {"tier": "grassroots", "category": "reading", "county": "甘州区",
             "participants": 40, "expenses": "1500.00"}
    preview = finance.post("/api/v1/policies/activity/dry-run",
                           {"approved_on": tomorrow, "activity": facts})
    assert preview.json()["policy_version"] == 2  # approvals never see a withdrawn version
    in_force = finance.post("/api/v1/policies/activity/2/withdraw")
    assert in_force.status_code == 409
    assert finance.post("/api/v1/policies/activity/3/withdraw").status_code == 409  # a draft

    assert finance.post("/api/v1/policies/activity/4/publish",
                        {"effective_from": tomorrow}).status_code == 200
    behind = finance.post("/api/v1/policies/activity/3/publish", {"effective_from": later})
    assert behind.status_code == 422  # version 4 takes effect before: 3 could never apply
    assert "第 4 版" in behind.json()["error"]["details"]["effective_from"][0]
    assert finance.post("/api/v1/policies/activity/3/publish",
                        {"effective_from": today}).status_code == 422  # today is version 2's
    assert {v: p["status"] for v, p in versions(finance, "activity").items()} == {
        1: "published", 2: "published", 3: "draft", 4: "published"}


def test_a_year_under_another_version_touches_nothing(world):
    """2042's decisions (the union cap test above) under version 1, which has no cap."""
    finance = world.as_user("finance")
    admin = world.system.client()
    funds = admin.get("/api/v1/funds", year=2042).json()["items"]
    before = admin.get("/api/v1/funds/%d" % funds[0]["id"]).json()
    answer = finance.post("/api/v1/policies/activity/1/simulate", {"year": 2042})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["decisions"], body["actual"], body["policy"], body["allowed"]) == (
        8, "5000.00", "6400.00", "6400.00")
    assert body["changes"] == {"count": 2, "increased": 2, "increase": "1400.00",
                               "decreased": 0, "decrease": "0.00"}
    assert [c["change"] for c in body["largest_changes"]] == ["800.00", "600.00"]
    assert body["largest_changes"][0]["reason"] is None
    assert [row["key"] for row in body["by_county"]] == ["临泽县"]
    assert body["by_tier"][0]["name"] == "基层" and body["status"] == "published"
    assert admin.get("/api/v1/funds/%d" % funds[0]["id"]).json() == before

    draft = finance.post("/api/v1/policies/activity/3/simulate",
                         {"from": "2000-01-01", "to": local_today().isoformat()})
    assert draft.status_code == 200 and draft.json()["status"] == "draft"
    assert draft.json()["decisions"] >= 8
    bad = finance.post("/api/v1/policies/activity/3/simulate", {"year": 2042, "to": "2042-12-31"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["year"] == ["请给出年度，或起止日期，不能同时给出"]
    assert finance.post("/api/v1/policies/venue/1/simulate", {"year": 2044}).status_code == 422
    assert finance.post("/api/v1/policies/activity/99/simulate",
                        {"year": 2042}).status_code == 404
    assert world.as_user("rev_ganzhou").post("/api/v1/policies/activity/1/simulate",
                                             {"year": 2042}).status_code == 403


def test_a_version_reads_as_the_federation_publishes_it(world):
    finance = world.as_user("finance")
    text = finance.get("/api/v1/policies/activity/2/text")
    assert text.status_code == 200, text.text
    body = text.json()
    assert body["title"] == DIFFERENTIATED_ACTIVITY_POLICY["name"]
    assert body["articles"][0].startswith("第一条 ") and body["status"] == "published"
    assert body["table"]["columns"] == ["项目", "市级活动", "县级活动", "基层活动"]
    assert "自%d年%d月%d日起施行" % (local_today().year, local_today().month,
                                 local_today().day) in body["text"]
    union_admin = world.as_user("ua_power")
    assert union_admin.get("/api/v1/policies/activity/2/text").json() == body
    assert union_admin.get("/api/v1/policies/activity/3/text").status_code == 404  # a draft
    draft = finance.get("/api/v1/policies/activity/3/text").json()
    assert draft["status"] == "draft" and "草案" in draft["articles"][-1]
    assert finance.get("/api/v1/policies/venue/1/text").json()["table"]["columns"][0] == "阵地类型"
    assert finance.get("/api/v1/policies/activity/99/text").status_code == 404


def test_publications_at_the_same_moment_keep_the_order(world):
    """Two finance users publish two drafts at once with dates that only one order allows:
    exactly one is accepted, whichever comes first, every time."""
    clients = [world.as_user("finance"), world.as_user("finance2")]
    for round_ in range(4):
        low, high = [clients[0].post("/api/v1/policies", {
            "kind": "activity", "document": DIFFERENTIATED_ACTIVITY_POLICY}).json()["version"]
            for _ in range(2)]
        base = local_today() + timedelta(days=100 + 100 * round_)
        # the lower version on the later date, the higher one on the earlier date
        bodies = [(low, base + timedelta(days=20)), (high, base + timedelta(days=10))]
        barrier = threading.Barrier(2)
        answers = [None, None]

        def publish_one(index):
            version, day = bodies[index]
            barrier.wait()
            answers[index] = clients[index].post(
                "/api/v1/policies/activity/%d/publish" % version,
                {"effective_from": day.isoformat()}).status_code
        threads = [threading.Thread(target=publish_one, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [200, 422], answers
        published = {v: p for v, p in versions(clients[0], "activity").items()
                     if p["status"] == "published"}
        dates = [published[v]["effective_from"] for v in sorted(published)]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
