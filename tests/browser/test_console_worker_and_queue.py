"""The console for a worker (a lecture's survey), the reviewers' queue by date, and a
report made with the keyboard alone: each end to end in Debian's Chromium."""
from datetime import timedelta

import pytest

from services.common.clock import local_today
from tests.support import files
from tests.support.browser import axe_violations, browser, new_page  # noqa: F401
from tests.support.world import PASSWORD, activity_body
from tests.browser.test_console_journeys import PHONE, open_as  # noqa: F401


def _approved(world, title, days_ago=3, category="lecture"):
    chair = world.as_user("ua_power")
    held_on = (local_today() - timedelta(days=days_ago)).isoformat()
    answer = chair.post("/api/v1/activities", activity_body(
        world.unions["power"]["id"], title=title, category=category, held_on=held_on))
    assert answer.status_code == 201, answer.text
    activity_id = answer.json()["id"]
    approved = world.as_user("rev_ganzhou").post("/api/v1/activities/%d/approve" % activity_id,
                                                 {})
    assert approved.status_code == 200, approved.text
    return activity_id


def _submitted(world, title, days_ago):
    held_on = (local_today() - timedelta(days=days_ago)).isoformat()
    answer = world.as_user("ua_power").post("/api/v1/activities", activity_body(
        world.unions["power"]["id"], title=title, held_on=held_on))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], held_on


@pytest.fixture
def power_worker(system, world):
    answer = system.client().post("/api/v1/users", {
        "username": "worker_power", "password": PASSWORD, "role": "worker",
        "union_id": world.unions["power"]["id"]})
    assert answer.status_code in (201, 409), answer.text
    return "worker_power"


def test_a_worker_scores_a_lecture_its_union_held_and_the_union_sees_it(
        open_as, world, power_worker):
    activity_id = _approved(world, "劳模工匠宣讲（问卷）")
    chair = open_as("ua_power", width=PHONE)
    chair.goto("/activities/%d" % activity_id)
    chair.get_by_text("还没有职工评价。").wait_for()
    assert "/survey/%d" % activity_id in chair.locator("code").inner_text()

    worker = open_as(power_worker, width=PHONE)
    worker.goto("/survey/%d" % activity_id)
    worker.get_by_role("heading", name="劳模工匠宣讲（问卷）").wait_for()
    assert not axe_violations(worker)
    worker.screenshot(path="docs/console/survey-375.png", full_page=True)
    worker.get_by_label("意见和建议").fill("讲得生动")
    worker.get_by_role("button", name="提交评价").click()
    assert worker.get_by_role("alert").inner_text() == "请选择满意程度（1 至 5 分）"
    assert worker.get_by_label("意见和建议").input_value() == "讲得生动"  # kept
    worker.get_by_label("5 分 · 非常满意").check()
    worker.get_by_role("button", name="提交评价").click()
    assert worker.get_by_role("status").inner_text() == "感谢您的评价"
    worker.get_by_label("4 分 · 满意").check()
    worker.get_by_role("button", name="提交评价").click()
    assert worker.get_by_role("status").inner_text() == "已更新您的评分"

    chair.reload()
    chair.get_by_text("1 人评价，满意率 100.0%（目标 95.0%）").wait_for()


def test_a_worker_of_another_union_cannot_score_it(open_as, system, world):
    activity_id = _approved(world, "书香职工宣讲（他人）")
    answer = system.client().post("/api/v1/users", {
        "username": "worker_school", "password": PASSWORD, "role": "worker",
        "union_id": world.unions["school"]["id"]})
    assert answer.status_code in (201, 409), answer.text
    worker = open_as("worker_school", width=PHONE)
    response = worker.goto("/survey/%d" % activity_id)
    assert response.status == 403
    assert worker.get_by_role("alert").inner_text() == "只有举办该活动的工会的职工可以评分"
    summary = world.as_user("ua_power").get("/api/v1/activities/%d/feedback" % activity_id)
    assert summary.json()["responses"] == 0


def test_the_queue_filters_by_the_day_an_activity_was_held(open_as, world):
    older, older_day = _submitted(world, "队列日期筛选（较早）", days_ago=20)
    newer, newer_day = _submitted(world, "队列日期筛选（较近）", days_ago=4)
    reviewer = open_as("rev_ganzhou")
    reviewer.goto("/review")
    rows = reviewer.locator("table.list tbody tr")
    rows.filter(has_text="队列日期筛选（较近）").wait_for()  # unfiltered: both are queued
    reviewer.get_by_label("举办日期从").fill(older_day)
    reviewer.get_by_label("至").fill(older_day)
    reviewer.get_by_role("button", name="筛选").click()
    rows.filter(has_text="队列日期筛选（较近）").wait_for(state="detached")
    assert rows.filter(has_text="队列日期筛选（较早）").count() == 1
    assert rows.filter(has_text="队列日期筛选（较近）").count() == 0
    assert reviewer.get_by_label("举办日期从").input_value() == older_day  # kept
    reviewer.goto("/review?held_from=%s&held_to=%s" % (newer_day, older_day))
    assert reviewer.get_by_role("alert").count() == 1  # from after to: said, not a 500


def test_keyboard_only_report(browser, system, world, tmp_path):  # noqa: F811
    photo = tmp_path / "keyboard.jpg"
    held_on = local_today() - timedelta(days=2)
    photo.write_bytes(files.photo(seed=4242, taken=held_on.isoformat().replace("-", ":")
                                  + " 09:00:00"))
    page = new_page(browser, width=PHONE, base_url=system.gateway)
    try:
        page.goto("/login")
        _tab_to(page, "username")
        page.keyboard.type("ua_power")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.get_by_role("button", name="退出").wait_for()
        page.goto("/activities/new")
        _tab_to(page, "title")
        page.keyboard.type("键盘上报的读书会")
        page.keyboard.press("Tab")  # 活动类别: a select moves with the arrow keys
        page.keyboard.press("ArrowDown")
        # 举办日期: headless Chromium lays a date field out month/day/year whatever the
        # page's language (seen here: typing year first gave 1130-02-02)
        page.keyboard.press("Tab")
        page.keyboard.type("%02d%02d%04d" % (held_on.month, held_on.day, held_on.year))
        assert page.get_by_label("举办日期").input_value() == held_on.isoformat()
        _tab_to(page, "participants")
        page.keyboard.type("25")
        page.keyboard.press("Tab")
        page.keyboard.type("800")
        _tab_to(page, "files-photo")  # reached by Tab; Space opens the system's file
        # dialog, which is outside the page: the test hands the file to the focused field
        page.locator("#files-photo:focus").set_input_files(str(photo))
        page.locator("#uploads-photo li.done").first.wait_for()
        _tab_to(page, "submit-report")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="键盘上报的读书会", level=1).wait_for()
    finally:
        page.context.close()


def _tab_to(page, element_id, limit=60):
    """Press Tab until the element with this id has the focus (a keyboard user's way)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached #%s" % element_id)
