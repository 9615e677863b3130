"""Finance's fund controls in the console, end to end in Debian's Chromium: the budget
raised and lowered with its reason (never below what is granted), the declines for want
of money decided once more after a top-up (the union told), a fund closed."""
import re
from decimal import Decimal

from tests.browser.test_console_journeys import DESK, SCREENSHOTS, open_as  # noqa: F401
from tests.support.browser import axe_violations, browser  # noqa: F401
from tests.support.waiting import wait_for
from tests.support.world import activity_body


def _approved(world, title):
    chair = world.as_user("ua_power")
    answer = chair.post("/api/v1/activities", activity_body(world.unions["power"]["id"],
                                                            title=title))
    assert answer.status_code == 201, answer.text
    activity_id = answer.json()["id"]
    approved = world.as_user("rev_ganzhou").post("/api/v1/activities/%d/approve" % activity_id,
                                                 {})
    assert approved.status_code == 200, approved.text
    return activity_id


def _decision(world, activity_id):
    found = []

    def decided():
        answer = world.as_user("finance").get("/api/v1/subsidies", activity_id=activity_id)
        found[:] = answer.json() if answer.status_code == 200 else []
        return bool(found)
    wait_for(decided, what="the decision of activity %d" % activity_id)
    return found[0]


def test_finance_adjusts_redecides_after_a_top_up_and_closes(open_as, world):
    fund_id = world.fund["id"]
    finance = open_as("finance")
    finance.goto("/funds/%d" % fund_id)
    budget = Decimal(finance.locator("dt:text-is('预算') + dd").inner_text().split(" ")[0])
    finance.get_by_label("调整金额（元，调减填负数）").fill("-%s" % (budget + 1))  # below 0
    finance.get_by_label("调整原因").fill("预算压减")
    finance.get_by_role("button", name="登记预算调整").click()
    finance.get_by_role("alert").wait_for()  # refused: never below what is granted
    assert finance.get_by_label("调整原因").input_value() == "预算压减"  # kept
    # down to what is granted: the next approval finds no money and is declined
    finance.goto("/funds/%d" % fund_id)
    remaining = finance.locator("dt:text-is('剩余') + dd").inner_text().split(" ")[0]
    assert Decimal(remaining) > 0
    finance.get_by_label("调整金额（元，调减填负数）").fill("-" + remaining)
    finance.get_by_label("调整原因").fill("年中预算压减")
    finance.get_by_role("button", name="登记预算调整").click()
    finance.get_by_text(re.compile("^预算已调整 -%s 元" % re.escape(remaining))).wait_for()
    activity_id = _approved(world, "资金不足时通过的活动")
    assert _decision(world, activity_id)["reason"] == "budget_exhausted"

    finance.goto("/funds/%d" % fund_id)
    finance.get_by_label("调整金额（元，调减填负数）").fill("5000.00")
    finance.get_by_label("调整原因").fill("追加下半年预算")
    finance.get_by_role("button", name="登记预算调整").click()
    finance.get_by_role("cell", name="追加下半年预算").wait_for()
    assert not axe_violations(finance)
    finance.screenshot(path="%s/fund-%d.png" % (SCREENSHOTS, DESK), full_page=True)  # README
    finance.get_by_role("button", name=re.compile(r"^重新核定 \d+ 项$")).click()
    finance.get_by_text(re.compile(r"^已重新核定 \d+ 项：\d+ 项获补助")).wait_for()
    decision = _decision(world, activity_id)
    assert decision["status"] == "granted", decision
    assert any(line.startswith("重新核定") for line in decision["explanation"])

    finance.get_by_label("关闭原因（选填）").fill("年度结束")
    finance.get_by_role("button", name="关闭资金").click()
    finance.get_by_text(re.compile("^资金已关闭")).wait_for()
    assert finance.get_by_role("button", name="登记预算调整").count() == 0
    report = world.system.client().get("/api/v1/funds/%d/reconciliation" % fund_id).json()
    assert report["consistent"], report["problems"]
