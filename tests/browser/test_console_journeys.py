"""The console in a real browser (Debian's Chromium, headless, driven by Playwright)
against the real system: each journey end to end, by the accessible names API.md gives
the console's controls, as the people who use it would go through it."""
import re

import pytest

from services.common.clock import local_today
from tests.support import files
from tests.support.browser import axe_violations, browser, describe, new_page  # noqa: F401
from tests.support.system import ADMIN
from tests.support.world import PASSWORD

PHONE, DESK = 375, 1280
DECISION = re.compile(r"^核定补助 \d+\.\d\d 元$")  # API.md: the amount as its reviewer reads it
SCREENSHOTS = "docs/console"


@pytest.fixture
def open_as(browser, system, world):
    pages = []

    def sign_in(username, width=DESK):
        page = new_page(browser, width=width, base_url=system.gateway)
        page.goto("/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(ADMIN[1] if username == ADMIN[0] else PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="退出").wait_for()
        pages.append(page)
        return page
    yield sign_in
    for page in pages:
        page.context.close()


def fill_report(page, title, participants="30", expenses="1500"):
    page.get_by_label("活动名称").fill(title)
    page.get_by_label("活动类别").select_option("reading")
    page.get_by_label("举办日期").fill(_days_ago(2))
    page.get_by_label("参与人数").fill(participants)
    page.get_by_label("实际支出").fill(expenses)


def attach_photos(page, tmp_path, count=2, seed=0):
    paths = []
    for index in range(count):
        path = tmp_path / ("photo-%d-%d.jpg" % (seed, index))
        taken = _days_ago(2).replace("-", ":") + " 10:00:00"  # taken on the day it was held
        path.write_bytes(files.photo(seed=seed * 10 + index + 900, taken=taken))
        paths.append(str(path))
    page.get_by_label("活动照片").set_input_files(paths)
    page.locator("#uploads-photo li.done").nth(count - 1).wait_for()


def _days_ago(days):
    from datetime import timedelta

    from services.common.clock import local_today
    return (local_today() - timedelta(days=days)).isoformat()


def report(page, tmp_path, title, seed=0):
    page.get_by_role("link", name="上报活动").click()
    fill_report(page, title)
    attach_photos(page, tmp_path, seed=seed)
    page.get_by_role("button", name="提交上报").click()
    page.get_by_role("heading", name=title, level=1).wait_for()
    return int(page.url.rstrip("/").rsplit("/", 1)[1].split("?")[0])


def test_a_chair_reports_with_two_photos_and_the_reviewer_approves(open_as, tmp_path, world):
    chair = open_as("ua_power", width=PHONE)
    activity_id = report(chair, tmp_path, "职工读书分享会（浏览器）", seed=1)
    assert chair.locator(".evidence img").count() == 2  # the thumbnails of both photos
    chair.screenshot(path="%s/activity-375.png" % SCREENSHOTS, full_page=True)

    reviewer = open_as("rev_ganzhou")
    reviewer.get_by_role("link", name="待审核").click()
    reviewer.get_by_role("link", name="职工读书分享会（浏览器）").click()
    reviewer.screenshot(path="%s/review-1280.png" % SCREENSHOTS, full_page=True)
    reviewer.get_by_role("button", name="通过").click()
    # the decision appears without a reload, once the subsidies service has stored it
    reviewer.locator("p.amount").filter(has_text=DECISION).wait_for(timeout=30_000)
    assert reviewer.get_by_text("已通过").first.is_visible()

    chair.get_by_role("link", name="通知").click()
    chair.get_by_role("heading", name="活动补助已核定").first.wait_for()
    chair.goto("/activities/%d" % activity_id)
    chair.locator("p.amount").filter(has_text=DECISION).wait_for()


def test_a_return_an_edit_and_a_resubmission(open_as, tmp_path):
    chair = open_as("ua_power", width=PHONE)
    activity_id = report(chair, tmp_path, "职工书法展（退回）", seed=2)
    reviewer = open_as("rev_ganzhou")
    reviewer.goto("/activities/%d" % activity_id)
    reviewer.get_by_role("button", name="退回").click()
    reviewer.get_by_label("理由").fill("请补充签到表")
    reviewer.get_by_role("button", name="确认").click()
    reviewer.get_by_text("已退回").first.wait_for()

    chair.get_by_role("link", name="我的活动").click()
    chair.get_by_text("退回理由：请补充签到表").wait_for()
    chair.get_by_role("link", name="修改后重新提交").first.click()
    chair.get_by_label("参与人数").fill("35")
    chair.get_by_role("button", name="保存修改").click()
    chair.get_by_role("heading", name="职工书法展（退回）").wait_for()
    chair.get_by_role("button", name="重新提交").click()
    chair.get_by_text("待审核").first.wait_for()
    assert "35" in chair.locator(".facts").inner_text()


def test_a_reviewer_of_another_county_cannot_see_it(open_as, tmp_path):
    chair = open_as("ua_power", width=PHONE)
    activity_id = report(chair, tmp_path, "职工篮球赛（他县）", seed=3)
    other = open_as("rev_linze")
    other.goto("/activities/%d" % activity_id)
    assert other.get_by_role("heading", name="出错了").is_visible()
    assert other.get_by_text("职工篮球赛（他县）").count() == 0
    other.get_by_role("link", name="待审核").click()
    assert other.get_by_text("职工篮球赛（他县）").count() == 0


def test_a_refused_field_shows_its_chinese_message_and_keeps_what_was_typed(open_as, tmp_path):
    chair = open_as("ua_power", width=PHONE)
    chair.get_by_role("link", name="上报活动").click()
    fill_report(chair, "超员的活动", participants="999")  # the union has 120 members
    attach_photos(chair, tmp_path, count=1, seed=4)
    chair.get_by_role("button", name="提交上报").click()
    error = chair.locator("#participants-error")
    error.wait_for()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text()), error.inner_text()
    assert chair.get_by_label("活动名称").input_value() == "超员的活动"
    assert chair.get_by_label("参与人数").input_value() == "999"
    kept = chair.locator("#uploads-photo li.done")  # the upload is kept too, by its name
    assert kept.count() == 1 and kept.first.inner_text().startswith("photo-4-0.jpg")
    assert chair.get_by_label("参与人数").get_attribute("aria-invalid") == "true"


def test_files_too_large_or_of_another_type_are_refused_before_and_after_upload(
        open_as, tmp_path):
    chair = open_as("ua_power", width=PHONE)
    chair.get_by_role("link", name="上报活动").click()
    big = tmp_path / "big.jpg"
    big.write_bytes(files.photo(seed=5) + b"\0" * (10 * 1024 * 1024))
    chair.get_by_label("活动照片").set_input_files(str(big))
    chair.get_by_text(re.compile("big.jpg：文件为 .*单个文件最大")).wait_for()
    # named .jpg, a GIF inside: the browser lets it go, the server refuses it by its bytes
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(files.gif())
    chair.get_by_label("活动照片").set_input_files(str(fake))
    chair.get_by_text(re.compile("fake.jpg：只接受 JPEG")).wait_for()
    assert chair.locator("#uploads-photo input[type=hidden]").count() == 0


def test_keyboard_only_sign_in(browser, system, world):
    page = new_page(browser, width=PHONE, base_url=system.gateway)
    try:
        page.goto("/login")
        page.keyboard.press("Tab")  # the brand link
        focused = page.evaluate("document.activeElement.id")
        while focused != "username":
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.id")
        page.keyboard.type("ua_power")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.get_by_role("button", name="退出").wait_for()
    finally:
        page.context.close()


PAGES = {
    ADMIN[0]: ["/review", "/coverage", "/lectures", "/network", "/users", "/funds"],
    "ua_power": ["/activities/mine", "/activities/new", "/notifications"],
    "rev_ganzhou": ["/review", "/coverage"],
    "finance": ["/funds", "/funds/1", "/payees"],
    "worker": ["/loans", "/notifications"],
}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_every_page_has_no_serious_accessibility_violations(open_as, browser, system,
                                                              username):
    for width in (PHONE, DESK):
        page = open_as(username, width=width)
        for path in PAGES[username]:
            page.goto(path)
            violations = axe_violations(page)
            assert not violations, (username, width, path, [
                (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                for v in violations])
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path="%s/%s-%d.png" % (SCREENSHOTS, name, width), full_page=True)
    login = new_page(browser, width=PHONE, base_url=system.gateway)
    try:
        login.goto("/login")
        assert not axe_violations(login)
    finally:
        login.context.close()


def test_the_pages_forbid_inline_script_and_keep_the_token_out_of_reach(open_as):
    page = open_as("ua_power")
    headers = page.request.get(page.url).headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    cookie = next(c for c in page.context.cookies() if c["name"] == "cm_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""  # the session is not readable by script
    stored = page.evaluate("""() => [localStorage, sessionStorage].flatMap(
        store => Object.keys(store).map(key => [key, store.getItem(key)]))""")
    # htmx keeps the current path in sessionStorage; nothing holds the session's token
    assert all(cookie["value"] not in value and "eyJ" not in value for _, value in stored), \
        stored
    assert {key for key, _ in stored} <= {"htmx-current-path-for-history"}, stored


def test_a_session_ends_when_its_user_is_disabled(open_as, world):
    admin = world.system.client()
    created = admin.post("/api/v1/users", {"username": "ua_leaving", "password": PASSWORD,
                                           "role": "union_admin",
                                           "union_id": world.unions["power"]["id"]})
    assert created.status_code == 201, created.text
    page = open_as("ua_leaving", width=PHONE)
    page.get_by_role("link", name="我的活动").click()
    assert admin.session.patch(admin.base + "/api/v1/users/%d" % created.json()["id"],
                               json={"disabled": True}, timeout=10).status_code == 200
    page.reload()
    page.get_by_role("button", name="登录").wait_for()  # back at the sign-in form
    assert page.get_by_role("button", name="退出").count() == 0


def test_bulk_approval_says_n_of_m_and_gives_each_result(open_as, tmp_path):
    chair = open_as("ua_power")
    ids = [report(chair, tmp_path, "批量审核活动 %d" % n, seed=20 + n) for n in range(2)]
    reviewer = open_as("rev_ganzhou")
    reviewer.get_by_role("link", name="待审核").click()
    for n in range(2):
        reviewer.get_by_label("选择 批量审核活动 %d" % n).check()
    reviewer.get_by_role("button", name="批量通过所选").click()
    reviewer.get_by_text(re.compile(r"所选 2 项中将通过 2 项")).wait_for()
    reviewer.get_by_role("button", name="确认通过 2 项").click()
    reviewer.get_by_role("heading", name=re.compile("批量通过结果：2 项通过，0 项未通过")).wait_for()
    for activity_id in ids:
        reviewer.goto("/activities/%d" % activity_id)
        assert reviewer.locator(".status").first.inner_text() == "已通过"


def test_a_reminder_from_an_empty_heatmap_cell_reaches_the_union(open_as):
    city = open_as(ADMIN[0])
    city.get_by_role("link", name="覆盖情况").click()
    # last year, when the test unions held nothing: every month of 甘州区 is a gap
    city.get_by_label("年份", exact=True).fill(str(local_today().year - 1))
    city.get_by_role("button", name="查看").click()
    city.get_by_role("link", name=re.compile("甘州区 3 月没有活动")).click()
    city.get_by_role("heading", name=re.compile("未上报活动的基层工会")).wait_for()
    assert city.get_by_text("国网甘州供电工会").is_visible()
    city.get_by_role("button", name=re.compile("发送提醒")).click()
    city.get_by_role("status").filter(has_text=re.compile("已向 \\d+ 个基层工会发送提醒")).wait_for()

    chair = open_as("ua_power", width=PHONE)  # a union admin of that county
    chair.get_by_role("link", name="通知").click()
    chair.get_by_role("heading", name="请及时上报活动").first.wait_for()
    other = open_as("ua_school", width=PHONE)  # another county's: nothing
    other.get_by_role("link", name="通知").click()
    assert other.get_by_role("heading", name="请及时上报活动").count() == 0

