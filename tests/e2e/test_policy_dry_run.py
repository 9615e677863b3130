"""The dry run is the decision (issue 19): a season of varied activities is reported,
approved and decided by the real pipeline under version 2 (autumn reading matching the
season's theme, lectures with their satisfaction, a remote county, a county-level
activity, a union reaching its yearly cap, the fund running short), and then every
approved activity is dry-run by its id and compared with its stored decision, to the fen.

The autumn-reading case of the issue: its union had 4,121.00 before it and it was
decided at 450.00 (375.00 × 1.20); the old dry run counted its own grant in the union's
year and answered 429.00, without the season multiplier.

A system of its own: the reporting window reaches back to the last autumn whatever the
date the suite runs on. The day is read when it is used, not when the module is
collected: a run that crosses midnight (Beijing time) publishes for the day it is then.
"""
from datetime import date

import pytest

from services.common.clock import local_today
from tests.support.system import System
from tests.support.waiting import wait_for
from tests.support.world import PASSWORD, activity_body, build_world

TODAY = local_today()
AUTUMN = TODAY.year if TODAY >= date(TODAY.year, 10, 1) else TODAY.year - 1
SEPTEMBER = [date(AUTUMN, 9, day) for day in range(1, 31)]
SUNAN = "肃南裕固族自治县"
# what the decisions below add up to before the last one (7,241.00): the last one, a
# county activity of 1,500.00, finds the fund short
BUDGET = "8000.00"


@pytest.fixture(scope="module")
def system(tmp_path_factory, backend):
    running = System(tmp_path_factory.mktemp("system"), backend, {
        "CM_REPORTING_WINDOW_DAYS": str((TODAY - date(AUTUMN, 9, 1)).days + 5),
        "CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def world(system):
    return build_world(system, budget=BUDGET, year=AUTUMN)


@pytest.fixture(scope="module")
def season(world):
    """The season's activities reported, approved and decided, in a known order."""
    admin = world.system.client()
    published = world.as_user("finance").post("/api/v1/policies/activity/2/publish",
                                              {"effective_from": local_today().isoformat()})
    assert published.status_code == 200, published.text
    big = union(admin, "甘州区钢铁集团工会", "甘州区", world.unions["ganzhou"]["id"], 500)
    sunan = union(admin, "肃南裕固族自治县总工会", SUNAN, world.unions["city"]["id"], 200,
                  level="county")
    remote = union(admin, "肃南县牧业合作社工会", SUNAN, sunan["id"], 300)
    school = world.unions["school"]
    days = iter(SEPTEMBER)
    run = Season(world, admin, days)

    # a union toward its 5,000.00 cap: 5 x 800.00, then 121.00 (half of 242.00 spent)
    for _ in range(5):
        run.decided(big, category="sports", participants=150, expenses="9000.00")
    run.decided(big, category="culture", participants=40, expenses="242.00")
    run.autumn_reading = run.report(big, title="金秋读书分享会", category="reading",
                                    participants=45, expenses="1500.00")
    run.preview_of_reading = run.dry_run(run.autumn_reading["id"])
    run.approve(run.autumn_reading)
    run.decided(big, category="sports", participants=150, expenses="9000.00")  # 429.00
    run.decided(big, category="sports", participants=150, expenses="9000.00")  # capped

    # the remote county: x 1.30, with the season's theme x 1.20 too; too few participants
    run.decided(remote, category="reading", participants=40, expenses="1500.00")
    run.decided(remote, category="exhibition", participants=40, expenses="1500.00")
    run.decided(remote, category="women", participants=3, expenses="300.00")

    # lectures: satisfaction travels with each approval, as the lecturer's figure then
    lecturer = admin.post("/api/v1/lecturers", {
        "name": "王建国", "title": "党校教授", "organization": "中共张掖市委党校",
        "topics": ["新时代劳模精神"], "county": "临泽县", "phone": "0936-8210000"})
    assert lecturer.status_code == 201, lecturer.text
    lecture = dict(category="lecture", participants=40, expenses="1500.00",
                   lecturer_id=lecturer.json()["id"])
    first = run.decided(school, **lecture)                        # no scores yet: 400.00
    workers = [worker(world, school, n) for n in range(1, 4)]
    for client, score in zip(workers, (5, 5, 4)):
        assert client.post("/api/v1/activities/%d/feedback" % first["id"],
                           {"score": score}).status_code == 201
    run.lecture = run.report(school, **lecture)
    run.preview_of_lecture = run.dry_run(run.lecture["id"])
    run.approve(run.lecture)                                      # 100 %: x 1.10
    assert workers[0].post("/api/v1/activities/%d/feedback" % run.lecture["id"],
                           {"score": 2}).status_code == 201       # 3 of 4 now
    run.decided(school, **lecture)                                # 75 %: 400.00

    # a county-level activity, last: the fund has 759.00 left for its 1,500.00
    run.decided(world.unions["linze"], category="sports", participants=100,
                expenses="5000.00")
    return run


class Season:
    def __init__(self, world, admin, days):
        self.world, self.admin, self.days = world, admin, days
        self.activities = []
        self.approved_on = {}  # the days an approval may carry: before and after it

    def report(self, union, title="职工活动", **body):
        answer = self.admin.post("/api/v1/activities", activity_body(
            union["id"], title=title, held_on=next(self.days).isoformat(), **body))
        assert answer.status_code == 201, answer.text
        self.activities.append(answer.json())
        return answer.json()

    def approve(self, activity):
        before = local_today().isoformat()
        answer = self.admin.post("/api/v1/activities/%d/approve" % activity["id"])
        assert answer.status_code == 200, answer.text
        self.approved_on[activity["id"]] = {before, local_today().isoformat()}
        return self.decision(activity["id"])

    def decided(self, union, **body):
        """Reported, approved and decided before the next one (the order is the test's)."""
        activity = self.report(union, **body)
        self.approve(activity)
        return activity

    def decision(self, activity_id):
        def found():
            answer = self.admin.get("/api/v1/subsidies", activity_id=activity_id)
            assert answer.status_code == 200, answer.text
            return answer.json()
        return wait_for(found, 30, "the decision of activity %d" % activity_id)[0]

    def dry_run(self, activity_id, **body):
        answer = self.world.as_user("finance").post("/api/v1/policies/activity/dry-run",
                                                    dict(body, activity_id=activity_id))
        assert answer.status_code == 200, answer.text
        return answer.json()


def union(admin, name, county, parent_id, members, level="grassroots"):
    answer = admin.post("/api/v1/unions", {"name": name, "level": level,
                                           "county": county, "parent_id": parent_id,
                                           "members": members})
    assert answer.status_code == 201, answer.text
    return answer.json()


def worker(world, school, number):
    username = "teacher%d" % number
    answer = world.system.client().post("/api/v1/users", {
        "username": username, "password": PASSWORD, "role": "worker",
        "union_id": school["id"]})
    assert answer.status_code == 201, answer.text
    return world.as_user(username)


def test_every_approved_activity_dry_runs_to_its_decision(world, season):
    admin = world.system.client()
    approved = admin.get("/api/v1/activities", status="approved", limit=500).json()["items"]
    assert len(approved) == len(season.activities) == 16
    reasons = []
    for activity in approved:
        decision = season.decision(activity["id"])
        dry = season.dry_run(activity["id"])
        assert dry["basis"] == "decision" and dry["activity_id"] == activity["id"]
        assert dry["policy_version"] == decision["policy_version"] == 2
        assert dry["decision"]["subsidy_id"] == decision["id"]
        assert dry["decision"]["amount"] == decision["amount"]
        # the same rules on the same facts: every line the policy wrote, then the fund's
        assert dry["explanation"] == decision["explanation"][:len(dry["explanation"])]
        if decision["status"] == "granted":
            assert dry["amount"] == decision["amount"] and dry["reason"] is None
        elif decision["reason"] == "budget_exhausted":
            assert dry["amount"] != "0.00" and dry["reason"] is None
        else:
            assert (dry["amount"], dry["reason"]) == ("0.00", decision["reason"])
        reasons.append(decision["reason"])
    assert sorted(r or "" for r in set(reasons)) == [
        "", "budget_exhausted", "not_eligible", "union_cap_reached"]


def test_the_autumn_reading_case_of_the_issue(world, season):
    decision = season.decision(season.autumn_reading["id"])
    assert decision["amount"] == "450.00"
    line = "季节主题加成（活动契合本季主题）× 1.20：375.00 元 → 450.00 元"
    assert line in decision["explanation"]
    dry = season.dry_run(season.autumn_reading["id"])
    assert dry["amount"] == "450.00" and line in dry["explanation"]  # not 429.00
    assert dry["inputs"]["union_granted_before"] == "4121.00"        # not its own grant
    assert dry["inputs"]["season_theme_match"] is True
    # before its approval, the dry run already said what the decision then gave
    preview = season.preview_of_reading
    assert preview["basis"] == "activity" and preview["decision"] is None
    assert (preview["amount"], preview["explanation"]) == ("450.00", dry["explanation"])


def test_a_lecture_keeps_the_satisfaction_it_was_decided_on(world, season):
    decision = season.decision(season.lecture["id"])
    assert decision["amount"] == "440.00"  # (200 + 40 x 5) x 1.10 at 100 %
    assert any("宣讲满意度加成（满意度 100%" in line for line in decision["explanation"])
    dry = season.dry_run(season.lecture["id"])  # satisfaction is 75 % now; not then
    assert dry["amount"] == "440.00" and dry["inputs"]["lecturer_satisfaction"] == "1.0000"
    assert season.preview_of_lecture["amount"] == "440.00"
    assert season.preview_of_lecture["basis"] == "activity"


def test_what_the_fund_decided_beside_what_the_policy_says(world, season):
    last = season.activities[-1]
    decision = season.decision(last["id"])
    assert (decision["status"], decision["reason"]) == ("declined", "budget_exhausted")
    dry = season.dry_run(last["id"])
    assert dry["amount"] == "1500.00"
    assert dry["decision"].pop("approved_on") in season.approved_on[last["id"]]
    assert dry["decision"] == {"subsidy_id": decision["id"], "status": "declined",
                               "amount": "0.00", "reason": "budget_exhausted",
                               "policy_version": 2, "fund_id": world.fund["id"]}
    under_v1 = season.dry_run(last["id"], version=1)
    assert (under_v1["policy_version"], under_v1["amount"]) == (1, "1500.00")
    assert world.system.client().get("/api/v1/funds/%d" % world.fund["id"]).json()[
        "granted"] == "7241.00"  # dry runs granted nothing


def test_a_dry_run_of_an_unknown_or_undecided_activity(world, season):
    finance = world.as_user("finance")
    unknown = finance.post("/api/v1/policies/activity/dry-run", {"activity_id": 99999})
    assert unknown.status_code == 422 and "activity_id" in unknown.json()["error"]["details"]
    submitted = world.system.client().post("/api/v1/activities", activity_body(
        world.unions["power"]["id"], held_on=SEPTEMBER[-1].isoformat()))
    assert submitted.status_code == 201
    dry = season.dry_run(submitted.json()["id"])
    # reading in September: (150 + 40 x 5) x 1.20 = 420.00; the union had nothing before
    assert (dry["basis"], dry["amount"], dry["inputs"]["union_granted_before"]) == (
        "activity", "420.00", "0.00")
    venue = finance.post("/api/v1/policies/venue/dry-run",
                         {"activity_id": submitted.json()["id"]})
    assert venue.status_code == 422
