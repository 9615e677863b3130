"""Payments the way a finance office runs them (issue 18), over HTTP on real processes: the
second person, payees and the lines held out for want of bank details, scoped batches and
their preview, the bank file as CSV and XLSX with formula cells neutralised, a returned
line and a reversal (ledger and reconciliation consistent to the fen), and batches
created at the same moment that never share a decision.

Approvals are published as activity_approved envelopes (as the activities service would),
each test on its own year's fund; their approval day is the envelope's occurred_at.
"""
import csv
import io
import threading

import openpyxl
import pytest

from tests.e2e.test_subsidies_money import approval, open_fund, settle
from tests.support.events import outbox_envelopes
from tests.support.system import ADMIN
from tests.support.waiting import wait_for

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://x","y")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def unions(world):
    """The world's unions and some of our own: names a spreadsheet would run, and one
    that never gets bank details."""
    admin = world.system.client()
    made = dict(world.unions)
    for key, name in (("formula", HYPERLINK), ("tabbed", "\t甘州区职工之家工会"),
                      ("plus", "+甘州区商贸工会"), ("nopayee", "临泽县无账户工会")):
        county = "临泽县" if key == "nopayee" else "甘州区"
        parent = made["linze" if key == "nopayee" else "ganzhou"]["id"]
        answer = admin.post("/api/v1/unions", {"name": name, "level": "grassroots",
                                               "county": county, "parent_id": parent,
                                               "members": 30})
        assert answer.status_code == 201, answer.text
        made[key] = answer.json()
    return made


def bank(account_name, number, bank_name="中国工商银行张掖甘州支行"):
    return {"account_name": account_name, "bank": bank_name, "account_number": number}


def set_payee(client, union, details):
    answer = client.put("/api/v1/payees/union/%d" % union["id"], details)
    assert answer.status_code == 200, answer.text
    return answer.json()


def dated(envelope, day):
    """An approval approved on day (YYYY-MM-DD, Asia/Shanghai: noon there)."""
    envelope["occurred_at"] = "%sT04:00:00Z" % day
    return envelope


def fen(yuan):
    whole, _, cents = yuan.partition(".")
    return int(whole) * 100 + int(cents)


def reconciled(admin, fund_id):
    report = admin.get("/api/v1/funds/%d/reconciliation" % fund_id).json()
    assert report["consistent"], report["problems"]
    assert (report["ledger"]["granted"], report["ledger"]["paid"]) == (
        report["decisions"]["granted"], report["decisions"]["paid"]) == (
        report["granted"], report["paid"])
    return report


def test_a_second_person_confirms_every_payment(world, unions):
    admin, finance, second = (world.system.client(), world.as_user("finance"),
                              world.as_user("finance2"))
    fund = open_fund(admin, 2061, "5000.00")
    settle(world, [approval(unions["power"], 2061), approval(unions["power"], 2061)])
    set_payee(finance, unions["power"], bank("国网甘州供电公司工会委员会", "0271 0012 3456 7890"))
    batch = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]})
    assert batch.status_code == 201, batch.text
    batch = batch.json()

    own = finance.post("/api/v1/disbursements/%d/pay" % batch["id"], {"reference": "BANK-61"})
    assert own.status_code == 403 and own.json()["error"]["code"] == "FORBIDDEN"
    assert "第二人" in own.json()["error"]["message"]
    english = finance.session.post(world.system.gateway + "/api/v1/disbursements/%d/pay"
                                   % batch["id"], json={}, headers={"Accept-Language": "en"})
    assert "second person" in english.json()["error"]["message"]
    assert admin.get("/api/v1/disbursements/%d" % batch["id"]).json()["status"] == "open"

    paid = second.post("/api/v1/disbursements/%d/pay" % batch["id"], {"reference": "BANK-61"})
    assert paid.status_code == 200, paid.text
    assert (paid.json()["created_by"], paid.json()["paid_by"]) == ("finance", "finance2")
    shown = admin.get("/api/v1/disbursements/%d" % batch["id"]).json()
    assert (shown["status"], shown["created_by"], shown["paid_by"]) == (
        "paid", "finance", "finance2")
    assert [line["status"] for line in shown["lines"]] == ["paid"]
    pays = [e for e in admin.get("/api/v1/funds/%d/ledger" % fund["id"]).json()["items"]
            if e["kind"] == "pay"]
    assert len(pays) == 2 and {e["actor"] for e in pays} == {"finance2"}
    assert all("制单：finance；" in e["note"] and "BANK-61" in e["note"] for e in pays)
    audit = admin.get("/api/v1/audit", path="/api/v1/disbursements", limit=500).json()["items"]
    ours = {(a["username"], a["route"]) for a in audit if a["object_id"] == str(batch["id"])}
    assert ours == {("finance", "/api/v1/disbursements"),
                    ("finance2", "/api/v1/disbursements/<int:batch_id>/pay")}
    reconciled(admin, fund["id"])


def test_the_city_admin_is_a_second_person_too(world, unions):
    admin, finance = world.system.client(), world.as_user("finance")
    fund = open_fund(admin, 2062, "5000.00")
    settle(world, [approval(unions["power"], 2062)])
    set_payee(finance, unions["power"], bank("国网甘州供电公司工会委员会", "0271 0012 3456 7890"))
    batch = admin.post("/api/v1/disbursements", {"fund_id": fund["id"]}).json()
    assert admin.post("/api/v1/disbursements/%d/pay" % batch["id"], {}).status_code == 403
    paid = finance.post("/api/v1/disbursements/%d/pay" % batch["id"], {})
    assert paid.status_code == 200 and paid.json()["paid_by"] == "finance"


def test_payees_are_validated_in_chinese_and_audited(world, unions):
    finance, admin = world.as_user("finance"), world.system.client()
    path = "/api/v1/payees/union/%d" % unions["school"]["id"]
    bad = finance.put(path, {"account_name": "   ", "bank": "x" * 101,
                             "account_number": "6222 ABCD"})
    assert bad.status_code == 422
    details = bad.json()["error"]["details"]
    assert details == {"account_name": ["不能为空白"], "bank": ["最多 100 个字符"],
                       "account_number": ["只能填写数字（可含空格，空格会被去掉）"]}
    assert bad.json()["error"]["message"] == "收款账户信息有误"
    short = finance.put(path, bank("临泽县第一中学工会委员会", "1234 567"))
    assert short.json()["error"]["details"] == {"account_number": ["须为 8 到 30 位数字"]}
    missing = finance.put(path, {"account_name": "某"})
    assert missing.status_code == 422 and set(missing.json()["error"]["details"]) == {
        "bank", "account_number"}
    assert finance.put("/api/v1/payees/union/999999", bank("某", "12345678")).status_code == 404
    assert finance.put("/api/v1/payees/venue/999999", bank("某", "12345678")).status_code == 404
    assert finance.put("/api/v1/payees/bank/1", bank("某", "12345678")).status_code == 404
    assert finance.get("/api/v1/payees/union/%d" % unions["nopayee"]["id"]).status_code == 404
    for username in ("ua_school", "rev_linze", "worker", "ops"):
        assert world.as_user(username).put(path, bank("某", "12345678")).status_code == 403
        assert world.as_user(username).get("/api/v1/payees").status_code == 403

    good = finance.put(path, bank(" 临泽县第一中学工会委员会 ", "0009 8765 4321", "农行临泽支行"))
    assert good.status_code == 200, good.text
    payee = good.json()
    assert (payee["kind"], payee["id"], payee["name"]) == (
        "union", unions["school"]["id"], unions["school"]["name"])
    assert (payee["account_name"], payee["account_number"], payee["updated_by"]) == (
        "临泽县第一中学工会委员会", "000987654321", "finance")
    assert finance.get(path).json() == payee
    listed = finance.get("/api/v1/payees", kind="union", limit=500).json()
    assert any(p["id"] == unions["school"]["id"] for p in listed["items"])
    assert finance.get("/api/v1/payees", kind="bank").status_code == 422
    changed = admin.put(path, bank("临泽县第一中学工会委员会", "0009 8765 4321", "农行临泽城关支行"))
    assert changed.status_code == 200 and changed.json()["updated_by"] == ADMIN[0]
    audit = admin.get("/api/v1/audit", path=path).json()["items"]
    assert [(a["method"], a["status"]) for a in audit][:2] == [("PUT", 200), ("PUT", 200)]
    assert audit[1]["username"] == "finance" and audit[0]["role"] == "city_admin"


def test_payees_without_bank_details_are_held_out(world, unions):
    admin, finance = world.system.client(), world.as_user("finance")
    fund = open_fund(admin, 2063, "5000.00")
    set_payee(finance, unions["power"], bank("国网甘州供电公司工会委员会", "0271 0012 3456 7890"))
    decided = settle(world, [approval(unions["power"], 2063),
                             approval(unions["nopayee"], 2063, participants=20)])
    held_id = decided[1]["id"]
    preview = finance.post("/api/v1/disbursements/preview", {"fund_id": fund["id"]})
    assert preview.status_code == 200, preview.text
    (held,) = preview.json()["held_out"]
    assert (held["payee_kind"], held["payee_id"], held["subsidy_ids"]) == (
        "union", unions["nopayee"]["id"], [held_id])
    assert (held["payee_name"], held["total"]) == (unions["nopayee"]["name"],
                                                   decided[1]["amount"])
    batch = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]}).json()
    assert [line["payee_id"] for line in batch["lines"]] == [unions["power"]["id"]]
    assert batch["held_out"] == preview.json()["held_out"]
    assert batch["total"] == decided[0]["amount"]
    document = finance.get("/api/v1/disbursements/%d/export" % batch["id"]).content.decode()
    assert unions["nopayee"]["name"] not in document
    again = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]})
    assert again.status_code == 409
    assert again.json()["error"]["message"].startswith("范围内没有已登记收款账户的补助")
    assert again.json()["error"]["details"]["held_out"] == [  # (an RPC error's values: text)
        {"payee_kind": "union", "payee_id": str(unions["nopayee"]["id"]), "count": "1"}]
    assert admin.get("/api/v1/subsidies/%d" % held_id).json()["batch_id"] is None


def test_a_scoped_batch_is_what_its_preview_showed(world, unions):
    admin, finance = world.system.client(), world.as_user("finance")
    fund = open_fund(admin, 2064, "10000.00")
    set_payee(finance, unions["power"], bank("国网甘州供电公司工会委员会", "0271 0012 3456 7890"))
    set_payee(finance, unions["school"], bank("临泽县第一中学工会委员会", "0009 8765 4321"))
    power, school = unions["power"], unions["school"]
    early, mid, late, other = settle(world, [
        dated(approval(power, 2064, held_on="2064-02-20"), "2064-03-01"),
        dated(approval(power, 2064, held_on="2064-02-20", participants=20), "2064-03-15"),
        dated(approval(power, 2064, held_on="2064-02-20"), "2064-04-01"),
        dated(approval(school, 2064, held_on="2064-02-20"), "2064-03-15")])
    assert [d["approved_on"] for d in (early, mid, late, other)] == [
        "2064-03-01", "2064-03-15", "2064-04-01", "2064-03-15"]
    scope = {"fund_id": fund["id"], "county": "甘州区", "approved_from": "2064-03-01",
             "approved_to": "2064-03-15"}
    preview = finance.post("/api/v1/disbursements/preview", scope)
    assert preview.status_code == 200, preview.text
    preview = preview.json()
    # both ends in; a line lists its decisions by id, and the decisions of approvals
    # settled together are made in the order their events arrive, not the approvals' order
    assert preview["lines"][0]["subsidy_ids"] == sorted([early["id"], mid["id"]])
    assert fen(preview["total"]) == fen(early["amount"]) + fen(mid["amount"])
    batch = finance.post("/api/v1/disbursements", scope)
    assert batch.status_code == 201, batch.text
    batch = batch.json()
    assert {k: batch[k] for k in preview} == dict(preview, lines=batch["lines"])
    assert [{k: v for k, v in line.items() if k in preview["lines"][0]}
            for line in batch["lines"]] == preview["lines"]
    shown = finance.get("/api/v1/disbursements/%d" % batch["id"]).json()
    assert (shown["county"], shown["approved_from"], shown["approved_to"]) == (
        "甘州区", "2064-03-01", "2064-03-15")
    linze = finance.post("/api/v1/disbursements/preview", {"fund_id": fund["id"],
                                                          "county": "临泽县"}).json()
    assert linze["lines"][0]["subsidy_ids"] == [other["id"]] and linze["count"] == 1
    rest = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]}).json()
    assert sorted(i for line in rest["lines"] for i in line["subsidy_ids"]) == sorted(
        [late["id"], other["id"]])
    unknown = finance.post("/api/v1/disbursements/preview", {"fund_id": fund["id"],
                                                            "county": "火星县"})
    assert unknown.status_code == 422 and "county" in unknown.json()["error"]["details"]
    backwards = finance.post("/api/v1/disbursements", {
        "fund_id": fund["id"], "approved_from": "2064-03-15", "approved_to": "2064-03-01"})
    assert backwards.status_code == 422
    assert backwards.json()["error"]["details"] == {
        "approved_to": ["须不早于 approved_from（核定起始日）"]}
    assert finance.post("/api/v1/disbursements/preview",
                        {"fund_id": fund["id"], "approved_from": "3月1日"}).status_code == 422


def _csv_cells(response):
    assert response.content.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    return rows, [cell for row in rows for cell in row]


def test_the_bank_file_has_no_formula_cells(world, unions):
    admin, finance = world.system.client(), world.as_user("finance")
    fund = open_fund(admin, 2065, "20000.00")
    payees = {"formula": bank("@国网甘州供电公司工会委员会", "0271 0012 3456 7890"),
              "tabbed": bank("+甘州区职工之家工会委员会", "0012 3456 78", "-中国银行张掖分行"),
              "plus": bank("-甘州区商贸工会委员会", "6222 0000 1111 2222", "=中国建设银行")}
    for key, details in payees.items():
        set_payee(finance, unions[key], details)
    settle(world, [approval(unions["formula"], 2065, title="=cmd|' /C calc'!A0"),
                   approval(unions["formula"], 2065, title="\t读书会"),
                   approval(unions["tabbed"], 2065, title="\r+1"),
                   approval(unions["plus"], 2065, title="@SUM(1+1)*cmd")])
    batch = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]}).json()
    assert len(batch["lines"]) == 3 and batch["count"] == 4
    path = "/api/v1/disbursements/%d/export" % batch["id"]

    download = finance.get(path)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="disbursement-%d-%s.csv"' % (batch["id"], batch["total"]))
    assert (download.headers["X-Batch-Count"], download.headers["X-Control-Total"],
            download.headers["X-Line-Count"]) == ("4", batch["total"], "3")
    rows, cells = _csv_cells(download)
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert "'" + HYPERLINK in cells and "'@国网甘州供电公司工会委员会" in cells
    assert "'\t甘州区职工之家工会" in cells and "'\r+1" in cells and "'=cmd|' /C calc'!A0" in cells
    block = {row[0]: row[1] for row in rows if len(row) == 2}
    assert (block["补助笔数"], block["付款笔数（收款单位）"], block["控制总额（元）"]) == (
        "4", "3", batch["total"])
    header = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    lines = rows[header + 1:header + 4]
    assert [r[3] for r in lines] == ["0271001234567890", "0012345678", "6222000011112222"]
    total = rows[header + 4]
    assert total[0] == "合计" and total[4] == batch["total"] and total[5] == "4"
    assert sum(fen(r[4]) for r in lines) == fen(batch["total"])
    assert rows[header + 5] == [] and rows[header + 6] == ["明细"]
    assert len(rows[header + 8:]) == 4

    workbook = finance.get(path, format="xlsx")
    assert workbook.status_code == 200 and workbook.headers["Content-Type"] == XLSX
    assert workbook.headers["Content-Disposition"].endswith('.xlsx"')
    assert workbook.headers["X-Control-Total"] == batch["total"]
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["拨付清单", "明细"]
    every = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    texts = [c.value for c in every if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert not [c for c in every if c.data_type == "f"]
    assert "'" + HYPERLINK in texts and "'=中国建设银行" in texts
    sheet = [list(row) for row in book["拨付清单"].iter_rows()]
    first = next(i for i, row in enumerate(sheet) if row[0].value == "序号") + 1
    accounts = [row[3] for row in sheet[first:first + 3]]
    assert [c.value for c in accounts] == ["0271001234567890", "0012345678",
                                           "6222000011112222"]
    assert all(c.data_type == "s" for c in accounts)
    amounts = [row[4] for row in sheet[first:first + 4]]  # the lines and 合计
    assert all(isinstance(c.value, (int, float)) and c.number_format == "0.00" for c in amounts)
    assert round(amounts[-1].value * 100) == fen(batch["total"])
    assert len(list(book["明细"].iter_rows())) == 5

    wrapped = finance.get(path, format="json")
    assert wrapped.status_code == 200 and wrapped.json()["csv"] == download.content.decode()
    assert (wrapped.json()["count"], wrapped.json()["lines"]) == (4, 3)
    assert finance.get(path, format="pdf").status_code == 422


def test_a_returned_line_and_a_reversal_keep_the_ledger_to_the_fen(world, unions):
    admin, finance, second = (world.system.client(), world.as_user("finance"),
                              world.as_user("finance2"))
    fund = open_fund(admin, 2066, "10000.00")
    power, school = unions["power"], unions["school"]
    set_payee(finance, power, bank("国网甘州供电公司工会委员会", "0271 0012 3456 7890"))
    set_payee(finance, school, bank("临泽县第一中学工会委员会", "0009 8765 4321"))
    first, other, theirs = settle(world, [approval(power, 2066),
                                          approval(power, 2066, participants=20),
                                          approval(school, 2066)])
    batch = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]}).json()
    line = next(l for l in batch["lines"] if l["payee_id"] == school["id"])
    path = "/api/v1/disbursements/%d/lines/%d/return" % (batch["id"], line["id"])
    early = finance.post(path, {"reason": "户名与账号不符"})
    assert early.status_code == 409  # the batch is not paid yet
    assert second.post("/api/v1/disbursements/%d/pay" % batch["id"], {}).status_code == 200
    assert finance.post(path, {"reason": "  "}).status_code == 422
    assert finance.post(path, {}).status_code == 422
    returned = finance.post(path, {"reason": "户名与账号不符"})
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert (body["status"], body["return_reason"], body["returned_by"]) == (
        "returned", "户名与账号不符", "finance")
    assert body["subsidy_ids"] == [theirs["id"]] and body["returned_at"]
    assert finance.post(path, {"reason": "再次"}).status_code == 409
    again = admin.get("/api/v1/subsidies/%d" % theirs["id"]).json()
    assert (again["status"], again["batch_id"], again["paid_at"]) == ("granted", None, None)
    event = wait_for(lambda: [e for e in outbox_envelopes(world.system, "subsidies",
                                                          "payment_returned")
                              if e["data"]["batch_id"] == batch["id"]], 10, "payment_returned")
    assert (event[0]["data"]["union_id"], event[0]["data"]["subsidy_ids"]) == (
        school["id"], [theirs["id"]])
    ledger = admin.get("/api/v1/funds/%d/ledger" % fund["id"], limit=500).json()["items"]
    back = [e for e in ledger if e["kind"] == "return"]
    assert [(e["subsidy_id"], e["amount"], e["actor"]) for e in back] == [
        (theirs["id"], theirs["amount"], "finance")]
    total = sum(fen(d["amount"]) for d in (first, other, theirs))
    report = reconciled(admin, fund["id"])
    assert (fen(report["granted"]), fen(report["paid"])) == (total, total - fen(theirs["amount"]))

    assert admin.post("/api/v1/subsidies/%d/reverse" % theirs["id"],
                      {"reason": "未拨付"}).status_code == 409  # granted again, not paid
    reverse = "/api/v1/subsidies/%d/reverse" % first["id"]
    assert world.as_user("ua_power").post(reverse, {"reason": "x"}).status_code == 403
    assert finance.post(reverse, {"reason": ""}).status_code == 422
    reversed_ = finance.post(reverse, {"reason": "活动材料造假，款项已追回"})
    assert reversed_.status_code == 200, reversed_.text
    assert (reversed_.json()["status"], reversed_.json()["amount"]) == (
        "reversed", first["amount"])  # the amount is kept for the record
    assert "活动材料造假，款项已追回" in reversed_.json()["explanation"][-1]
    assert finance.post(reverse, {"reason": "再次"}).status_code == 409
    kinds = [(e["kind"], e["actor"]) for e in admin.get(
        "/api/v1/funds/%d/ledger" % fund["id"], limit=500).json()["items"]
        if e["subsidy_id"] == first["id"]]
    assert kinds[-2:] == [("refund", "finance"), ("release", "finance")]
    wait_for(lambda: [e for e in outbox_envelopes(world.system, "subsidies", "subsidy_reversed")
                      if e["data"]["subsidy_id"] == first["id"]], 10, "subsidy_reversed")
    report = reconciled(admin, fund["id"])
    expected_granted = total - fen(first["amount"])
    assert (fen(report["granted"]), fen(report["paid"])) == (
        expected_granted, fen(other["amount"]))
    fund_now = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    assert fen(fund_now["remaining"]) == 1_000_000 - expected_granted

    rebatched = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]}).json()
    assert [l["subsidy_ids"] for l in rebatched["lines"]] == [[theirs["id"]]]
    assert admin.post("/api/v1/disbursements/%d/pay" % rebatched["id"], {}).status_code == 200
    report = reconciled(admin, fund["id"])
    assert (fen(report["granted"]), fen(report["paid"])) == (expected_granted, expected_granted)
    shown = admin.get("/api/v1/disbursements/%d" % batch["id"]).json()
    assert {l["payee_id"]: l["status"] for l in shown["lines"]} == {power["id"]: "paid",
                                                                   school["id"]: "returned"}
    assert next(l for l in shown["lines"] if l["payee_id"] == school["id"])["subsidy_ids"] == [
        theirs["id"]]


def test_batches_created_at_once_never_share_a_decision(world, unions, backend):
    """Several finance users create batches of one fund at the same moment (some of one
    county, some of the whole fund): each decision lands in one batch, never two."""
    if backend == "postgres":
        world.system.start_replica("subsidies")  # two processes on one database
    admin = world.system.client()
    fund = open_fund(admin, 2067, "100000.00")
    finance, second = world.as_user("finance"), world.as_user("finance2")
    set_payee(finance, unions["power"], bank("国网甘州供电公司工会委员会", "0271 0012 3456 7890"))
    set_payee(finance, unions["school"], bank("临泽县第一中学工会委员会", "0009 8765 4321"))
    decided = settle(world, [approval(unions[key], 2067, participants=10 + n)
                             for n in range(12) for key in ("power", "school")])
    assert all(d["status"] == "granted" for d in decided)
    scopes = [{"fund_id": fund["id"]}, {"fund_id": fund["id"], "county": "甘州区"},
              {"fund_id": fund["id"], "county": "临泽县"}] * 3
    answers = all_at_once([(lambda client=client, scope=scope:
                            client.post("/api/v1/disbursements", scope))
                           for client, scope in zip([finance, second] * 5, scopes)])
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    made = [a.json() for a in answers if a.status_code == 201]
    assert made
    batched = [i for batch in made for line in batch["lines"] for i in line["subsidy_ids"]]
    assert len(batched) == len(set(batched)) == len(decided)  # each once, all of them
    assert sum(fen(b["total"]) for b in made) == sum(fen(d["amount"]) for d in decided)
    for batch in made:
        listed = admin.get("/api/v1/disbursements/%d/subsidies" % batch["id"], limit=500).json()
        assert sorted(s["id"] for s in listed["items"]) == sorted(
            i for line in batch["lines"] for i in line["subsidy_ids"])
        assert listed["total"] == batch["count"]
    payers = all_at_once([(lambda batch=batch, client=client:
                           client.post("/api/v1/disbursements/%d/pay" % batch["id"], {}))
                          for batch in made for client in (admin, finance, second)])
    assert sorted(a.status_code for a in payers) == sorted([200, 403, 409] * len(made))
    reconciled(admin, fund["id"])


def all_at_once(calls):
    """Run the calls in threads released together; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        answers[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
