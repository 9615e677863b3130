"""Finance in the console, end to end in Debian's Chromium: a batch's scope and preview,
a payee's bank details filled in from the preview that held it out, the bank file as CSV
and as Excel, the second person who pays, a line the bank returned, a paid subsidy
reversed."""
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from tests.browser.test_console_journeys import (DECISION, DESK, SCREENSHOTS,  # noqa: F401
                                                 open_as, report)
from tests.support.browser import axe_violations, browser  # noqa: F401
from tests.support.waiting import wait_for
from tests.support.world import PASSWORD

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def approved_activity(open_as, tmp_path, world):
    chair = open_as("ua_power")
    activity_id = report(chair, tmp_path, "=HYPERLINK(\"http://x\",\"职工合唱比赛\")", seed=6)
    reviewer = open_as("rev_ganzhou")
    reviewer.goto("/activities/%d" % activity_id)
    reviewer.get_by_role("button", name="通过").click()
    reviewer.locator("p.amount").filter(has_text=DECISION).wait_for(timeout=30_000)
    return activity_id


def test_finance_previews_fills_a_payee_and_a_second_person_pays(
        open_as, world, approved_activity):
    power = world.unions["power"]
    finance = open_as("finance")
    finance.goto("/funds/%d" % world.fund["id"])
    finance.get_by_label("县区").select_option("甘州区")
    finance.get_by_role("button", name="预览拨付批次").click()
    finance.get_by_role("heading", name="拨付批次预览").wait_for()
    assert "缺少银行账户" in finance.get_by_role("status").inner_text()
    assert finance.get_by_role("button", name="新建拨付批次").count() == 0  # nothing payable
    assert not axe_violations(finance)

    finance.get_by_role("link", name="填写 %s 的收款账户" % power["name"]).click()
    finance.get_by_label("户名").fill("国网甘州供电公司工会委员会")
    finance.get_by_label("开户行").fill("中国工商银行张掖甘州支行")
    finance.get_by_label("账号").fill("12AB")
    finance.get_by_role("button", name="保存收款账户").click()
    assert finance.get_by_label("户名").input_value() == "国网甘州供电公司工会委员会"  # kept
    assert finance.locator("#account_number-error").inner_text()  # said in Chinese
    assert re.search(r"[\u4e00-\u9fff]", finance.locator("#account_number-error").inner_text())
    finance.get_by_label("账号").fill("0271 0012 3456 7890")
    finance.get_by_role("button", name="保存收款账户").click()

    finance.get_by_role("heading", name="拨付批次预览").wait_for()  # back to the preview
    status = finance.get_by_role("status").inner_text()
    assert re.match(r"将拨付 1 个收款单位、1 笔补助，合计 \d+\.\d\d 元。", status), status
    assert finance.get_by_role("cell", name="0271001234567890").count() == 1
    finance.get_by_role("button", name="新建拨付批次").click()
    notice = finance.get_by_role("status")
    batch_id = int(re.search(r"拨付批次 (\d+)", notice.inner_text()).group(1))
    assert finance.get_by_role("button", name="确认拨付批次 %d" % batch_id).count() == 0
    finance.get_by_text("须由另一位财务人员").wait_for()  # the creator cannot pay it
    finance.screenshot(path="%s/batch-%d.png" % (SCREENSHOTS, DESK), full_page=True)

    with finance.expect_download() as download:
        finance.get_by_role("link", name="导出银行文件（CSV）").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert "国网甘州供电公司工会委员会" in text and "合计" in text
    with finance.expect_download() as download:
        finance.get_by_role("link", name="导出银行文件（Excel）").click()
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "0271001234567890" in cells  # the account number as text, leading zero kept
    assert not [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_STARTS)]

    answer = world.system.client().post("/api/v1/users", {
        "username": "finance_b", "password": PASSWORD, "role": "finance"})
    assert answer.status_code in (201, 409), answer.text
    second = open_as("finance_b")
    second.goto("/batches/%d" % batch_id)
    second.get_by_label("银行回单号（选填）").fill("ICBC-20261202-001")
    second.get_by_role("button", name="确认拨付批次 %d" % batch_id).click()
    second.get_by_text("批次 %d 已标记为已拨付" % batch_id).wait_for()
    assert second.get_by_text("finance_b（").count() == 1  # 复核拨付人

    second.get_by_label("退回原因").fill("户名与账号不符")
    second.get_by_role("button", name="登记第 1 行被银行退回").click()
    second.get_by_text("已登记为银行退回").wait_for()
    assert second.get_by_role("cell", name=re.compile("已退回：户名与账号不符")).count() == 1
    chair = open_as("ua_power")

    def told():
        chair.goto("/notifications")
        return chair.get_by_text("拨付款被银行退回").count() > 0
    wait_for(told, what="the union's notice of the returned payment")


def test_finance_reverses_a_paid_subsidy_on_its_activity_page(
        open_as, world, approved_activity):
    admin = world.system.client()
    put = admin.put("/api/v1/payees/union/%d" % world.unions["power"]["id"], {
        "account_name": "国网甘州供电公司工会委员会", "bank": "中国工商银行张掖甘州支行",
        "account_number": "0271001234567890"})
    assert put.status_code == 200, put.text
    batch = world.as_user("finance").post("/api/v1/disbursements",
                                          {"fund_id": world.fund["id"]})
    assert batch.status_code == 201, batch.text
    paid = admin.post("/api/v1/disbursements/%d/pay" % batch.json()["id"], {})
    assert paid.status_code == 200, paid.text

    chair = open_as("ua_power")
    chair.goto("/activities/mine")
    year = chair.get_by_role("region", name=re.compile(r"^\d{4} 年补助$"))
    before = _granted(year.inner_text())
    assert before[0] >= Decimal(paid_amount(admin, approved_activity))

    finance = open_as("finance")
    finance.goto("/activities/%d" % approved_activity)
    finance.get_by_label("撤回原因（款项已退回）").fill("活动材料不实，工会已退款")
    finance.get_by_role("button", name="撤回补助（退款）").click()
    finance.get_by_text("补助已撤回（退款），资金已退回").wait_for()
    finance.get_by_text(re.compile("^补助已撤回（退款）：原核定")).wait_for()
    reversed_amount = Decimal(paid_amount(admin, approved_activity))

    def room_back():  # the union's year, read again, without the reversed subsidy
        chair.goto("/activities/mine")
        return _granted(year.inner_text()) == (before[0] - reversed_amount, before[1] - 1)
    wait_for(room_back, what="the union's year without the reversed subsidy")
    report_ = admin.get("/api/v1/funds/%d/reconciliation" % world.fund["id"]).json()
    assert report_["consistent"], report_["problems"]


def paid_amount(admin, activity_id):
    return admin.get("/api/v1/subsidies", activity_id=activity_id).json()[0]["amount"]


def _granted(text):
    """(yuan granted, decisions subsidised) as the union's year card says them."""
    match = re.search(r"已核定\s*(\d+\.\d\d) 元（(\d+) 项）", text)
    return Decimal(match.group(1)), int(match.group(2))
