"""Funds, decisions, the ledger and disbursement over real processes, through the gateway.

Approvals are published as activity_approved envelopes (as the activities service
would), each for its own year's fund so that tests do not share a budget.
"""
import csv
import io
import itertools

import requests
from sqlalchemy import create_engine, text

from services.common.events import make_envelope
from tests.support.events import outbox_envelopes, publish
from tests.support.system import parse_metric
from tests.support.waiting import wait_for
from tests.support.world import activity_body

IDS = itertools.count(7_000_001)


def approval(union, year, county=None, tier="grassroots", participants=40, expenses="1500.00",
             category="reading", **extra):
    data = {"activity_id": next(IDS), "title": "测试活动", "union_id": union["id"],
            "union_name": union["name"], "county": county or union["county"], "tier": tier,
            "category": category, "season": "autumn", "held_on": "%d-10-15" % year,
            "participants": participants, "expenses": expenses, "actor": "rev_ganzhou"}
    data.update(extra)
    return make_envelope("activity_approved", data, "activities", "test-subsidies-money")


def decision_of(admin, activity_id):
    answer = admin.get("/api/v1/subsidies", activity_id=activity_id)
    assert answer.status_code in (200, 404), answer.text
    return answer.json()[0] if answer.status_code == 200 and answer.json() else None


def decisions_of_fund(admin, fund_id, **filters):
    answer = admin.get("/api/v1/funds/%d/subsidies" % fund_id, limit=500, **filters)
    assert answer.status_code == 200, answer.text
    return answer.json()


def open_fund(admin, year, budget, **extra):
    body = {"name": "%d年度职工文体活动补助资金" % year, "year": year, "policy": "activity",
            "budget": budget}
    body.update(extra)
    answer = admin.post("/api/v1/funds", body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def settle(world, envelopes):
    """Publish approvals (unknown to the activities service: the subsidies service decides
    on the event's facts alone) and wait until each has its decision."""
    for envelope in envelopes:
        publish(world.system, envelope)
    ids = [e["data"]["activity_id"] for e in envelopes]

    def decided():
        found = [decision_by_activity(world, i) for i in ids]
        return found if all(found) else None
    return wait_for(decided, 30, "decisions for %d approvals" % len(ids))


def decision_by_activity(world, activity_id):
    """The decision, read through the gateway (its id looked up in the service's table)."""
    engine = create_engine(world.system.database_url("subsidies"))
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT id FROM subsidies WHERE activity_id = :a"),
                               {"a": activity_id}).first()
    finally:
        engine.dispose()
    if row is None:
        return None
    answer = world.system.client().get("/api/v1/subsidies/%d" % row.id)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_fund_keeps_budget_equal_to_granted_plus_remaining_and_declines_when_short(world):
    admin = world.system.client()
    fund = open_fund(admin, 2031, "700.00")
    assert (fund["budget"], fund["granted"], fund["paid"], fund["remaining"]) == (
        "700.00", "0.00", "0.00", "700.00")
    power = world.unions["power"]
    first, second, third = settle(world, [approval(power, 2031), approval(power, 2031),
                                          approval(power, 2031)])
    amounts = sorted([first["status"], second["status"], third["status"]])
    assert amounts == ["declined", "granted", "granted"]
    declined = next(d for d in (first, second, third) if d["status"] == "declined")
    assert declined["reason"] == "budget_exhausted" and declined["amount"] == "0.00"
    assert "预算已用尽" in declined["explanation"][-1]
    fund = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    assert (fund["granted"], fund["remaining"], fund["used_percent"]) == ("700.00", "0.00", 100)

    thresholds = wait_for(lambda: [e["data"]["threshold_percent"] for e in outbox_envelopes(
        world.system, "subsidies", "fund_threshold_reached") if e["data"]["fund_id"] == fund["id"]],
        10, "threshold events")
    assert thresholds == [80, 100]


def test_a_decision_stores_its_policy_version_inputs_and_explanation(world):
    admin = world.system.client()
    open_fund(admin, 2032, "10000.00")
    [decision] = settle(world, [approval(world.unions["power"], 2032, participants=30,
                                         expenses="1000.00")])
    assert decision["status"] == "granted" and decision["amount"] == "300.00"
    assert decision["policy_version"] == 1 and decision["approved_on"]
    assert decision["inputs"]["participants"] == 30 and decision["inputs"]["expenses"] == "1000.00"
    assert decision["explanation"][0] == "基础补助（基层活动）：150.00 元"
    assert decision["explanation"][-1].endswith("核定补助 300.00 元")
    assert decision["union_name"] == world.unions["power"]["name"]


def test_the_same_activity_approved_twice_gets_one_decision(world):
    admin = world.system.client()
    fund = open_fund(admin, 2033, "10000.00")
    envelope = approval(world.unions["power"], 2033)
    publish(world.system, envelope, times=3)
    again = make_envelope("activity_approved", envelope["data"], "activities", "again")
    publish(world.system, again)
    settle(world, [approval(world.unions["power"], 2033)])  # a later one as the barrier
    listed = decisions_of_fund(admin, fund["id"])
    assert [d["activity_id"] for d in listed["items"]].count(envelope["data"]["activity_id"]) == 1
    assert admin.get("/api/v1/funds/%d" % fund["id"]).json()["granted"] == "700.00"


def test_county_allocations_bound_their_counties(world):
    admin = world.system.client()
    bad = admin.post("/api/v1/funds", {"name": "分配超出", "year": 2034, "policy": "activity",
                                       "budget": "1000.00", "allocations": [
                                           {"county": "甘州区", "budget": "800.00"},
                                           {"county": "临泽县", "budget": "300.00"}]})
    assert bad.status_code == 422 and "allocations" in bad.json()["error"]["details"]
    unknown = admin.post("/api/v1/funds", {"name": "未知县", "year": 2034, "policy": "activity",
                                           "budget": "1000.00", "allocations": [
                                               {"county": "火星县", "budget": "100.00"}]})
    assert unknown.status_code == 422
    assert "allocations.0.county" in unknown.json()["error"]["details"]
    fund = open_fund(admin, 2034, "1000.00",
                     allocations=[{"county": "甘州区", "budget": "400.00"}])
    assert fund["allocations"] == [{"county": "甘州区", "budget": "400.00", "granted": "0.00",
                                    "paid": "0.00", "remaining": "400.00"}]
    power, school = world.unions["power"], world.unions["school"]
    gz = settle(world, [approval(power, 2034), approval(power, 2034)])  # 350 each, 400 there
    assert sorted(d["status"] for d in gz) == ["declined", "granted"]
    declined = next(d for d in gz if d["status"] == "declined")
    assert declined["reason"] == "budget_exhausted" and "甘州区分配额度" in declined["explanation"][-1]
    lz = settle(world, [approval(school, 2034)])  # from the unallocated 600
    assert lz[0]["status"] == "granted"
    fund = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    assert fund["granted"] == "700.00" and fund["allocations"][0]["granted"] == "350.00"
    lowered = admin.put("/api/v1/funds/%d/allocations" % fund["id"],
                        {"allocations": [{"county": "甘州区", "budget": "300.00"}]})
    assert lowered.status_code == 422  # below what 甘州区 was granted
    raised = admin.put("/api/v1/funds/%d/allocations" % fund["id"],
                       {"allocations": [{"county": "甘州区", "budget": "400.00"},
                                        {"county": "临泽县", "budget": "600.00"}]})
    assert raised.status_code == 200, raised.text
    assert [a["granted"] for a in raised.json()["allocations"]] == ["350.00", "350.00"]
    assert admin.get("/api/v1/funds/%d/reconciliation" % fund["id"]).json()["consistent"]


def test_disbursement_pays_each_decision_once_and_exports_csv(world):
    admin = world.system.client()
    finance = world.as_user("finance")
    fund = open_fund(admin, 2035, "5000.00")
    decided = settle(world, [approval(world.unions["power"], 2035, participants=p)
                             for p in (10, 20, 30)])
    assert all(d["status"] == "granted" for d in decided)
    total = sum(int(d["amount"].replace(".", "")) for d in decided)

    power = world.unions["power"]
    payee = finance.put("/api/v1/payees/union/%d" % power["id"], {
        "account_name": "国网甘州供电公司工会委员会", "bank": "中国工商银行张掖甘州支行",
        "account_number": "0271 0012 3456 7890"})
    assert payee.status_code == 200, payee.text
    batch = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]},
                         headers={"Idempotency-Key": "batch-2035"})
    assert batch.status_code == 201, batch.text
    batch = batch.json()
    assert batch["status"] == "open" and batch["count"] == 3
    assert batch["total"] == "%d.%02d" % divmod(total, 100)
    replay = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]},
                          headers={"Idempotency-Key": "batch-2035"})
    assert replay.status_code == 201 and replay.json()["id"] == batch["id"]
    nothing_left = finance.post("/api/v1/disbursements", {"fund_id": fund["id"]})
    assert nothing_left.status_code == 409

    exported = finance.get("/api/v1/disbursements/%d/export" % batch["id"], format="json")
    assert exported.status_code == 200, exported.text
    document = exported.json()["csv"]
    download = finance.get("/api/v1/disbursements/%d/export" % batch["id"])
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.content.decode("utf-8") == document
    assert download.headers["X-Batch-Count"] == str(exported.json()["count"])
    assert document.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(document[1:])))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    assert rows[header][:6] == ["序号", "户名", "开户行", "账号", "金额（元）", "笔数"]
    (line,) = rows[header + 1:rows.index(["明细"]) - 2]  # one payee: one line, then 合计
    assert line[3:7] == ["0271001234567890", batch["total"], "3", power["name"]]
    assert rows[header + 2][0] == "合计" and rows[header + 2][4] == batch["total"]
    detail = rows[rows.index(["明细"]) + 1:]
    amount_column = detail[0].index("补助金额（元）")
    assert sorted(r[amount_column] for r in detail[1:]) == sorted(d["amount"] for d in decided)
    assert all(r[detail[0].index("收款单位")] == power["name"] for r in detail[1:])

    # a grant in a batch cannot be cancelled; the batch is paid once
    in_batch = admin.post("/api/v1/subsidies/%d/cancel" % decided[0]["id"], {"reason": "测试"})
    assert in_batch.status_code == 409
    own = finance.post("/api/v1/disbursements/%d/pay" % batch["id"], {"reference": "BANK-001"})
    assert own.status_code == 403  # its creator: a second person confirms every payment
    second = world.as_user("finance2")
    paid = second.post("/api/v1/disbursements/%d/pay" % batch["id"], {"reference": "BANK-001"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["paid_by"] == "finance2"
    twice = second.post("/api/v1/disbursements/%d/pay" % batch["id"], {"reference": "BANK-002"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "CONFLICT"

    for decision in decided:
        now = admin.get("/api/v1/subsidies/%d" % decision["id"]).json()
        assert now["status"] == "paid" and now["batch_id"] == batch["id"] and now["paid_at"]
    fund_now = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    assert fund_now["paid"] == batch["total"] and fund_now["granted"] == batch["total"]
    paid_events = wait_for(lambda: [e for e in outbox_envelopes(world.system, "subsidies",
                                                                "subsidy_paid")
                                    if e["data"]["batch_id"] == batch["id"]], 10,
                           "subsidy_paid events")
    assert sorted(e["data"]["subsidy_id"] for e in paid_events) == sorted(
        d["id"] for d in decided)
    ledger = admin.get("/api/v1/funds/%d/ledger" % fund["id"]).json()
    assert [e["kind"] for e in ledger["items"]] == ["reserve"] * 3 + ["pay"] * 3
    report = admin.get("/api/v1/funds/%d/reconciliation" % fund["id"]).json()
    assert report["consistent"], report["problems"]
    assert report["ledger"] == {"budget": "5000.00", "granted": batch["total"],
                                "paid": batch["total"], "entries": 6}


def test_a_cancelled_grant_releases_its_money_and_is_declined(world):
    admin = world.system.client()
    fund = open_fund(admin, 2036, "1000.00")
    [decision] = settle(world, [approval(world.unions["power"], 2036)])
    blank = admin.post("/api/v1/subsidies/%d/cancel" % decision["id"], {"reason": " "})
    assert blank.status_code == 422
    cancelled = admin.post("/api/v1/subsidies/%d/cancel" % decision["id"],
                           {"reason": "活动材料存疑"})
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["reason"], body["amount"]) == ("declined", "cancelled", "0.00")
    assert "活动材料存疑" in body["explanation"][-1]
    again = admin.post("/api/v1/subsidies/%d/cancel" % decision["id"], {"reason": "再次"})
    assert again.status_code == 409
    fund = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    assert (fund["granted"], fund["remaining"]) == ("0.00", "1000.00")
    kinds = [e["kind"] for e in admin.get("/api/v1/funds/%d/ledger" % fund["id"]).json()["items"]]
    assert kinds == ["reserve", "release"]
    assert admin.get("/api/v1/funds/%d/reconciliation" % fund["id"]).json()["consistent"]
    declined = wait_for(lambda: [e for e in outbox_envelopes(world.system, "subsidies",
                                                             "subsidy_declined")
                                 if e["data"]["subsidy_id"] == decision["id"]], 10,
                        "the subsidy_declined event")
    assert declined[0]["data"]["reason"] == "cancelled"


def test_statistics_of_a_year_by_county_and_tier(world):
    admin = world.system.client()
    open_fund(admin, 2037, "100000.00")
    power, school = world.unions["power"], world.unions["school"]
    settle(world, [approval(power, 2037, participants=28), approval(power, 2037, participants=28),
                   approval(school, 2037, participants=40),
                   approval(world.unions["ganzhou"], 2037, tier="county", participants=100,
                            expenses="20000.00")])
    stats = world.as_user("finance").get("/api/v1/subsidies/stats", year=2037)
    assert stats.status_code == 200, stats.text
    stats = stats.json()
    # 290 + 290 + 350 + 1500
    assert (stats["granted"], stats["paid"], stats["activities_subsidised"]) == (
        "2430.00", "0.00", 4)
    assert stats["average_per_activity"] == "607.50"
    by_county = {c["county"]: c for c in stats["by_county"]}
    assert by_county["甘州区"]["granted"] == "2080.00" and by_county["临泽县"]["granted"] == "350.00"
    by_tier = {t["tier"]: t for t in stats["by_tier"]}
    assert by_tier["grassroots"]["activities_subsidised"] == 3
    assert by_tier["county"]["tier_name"] == "县级"
    assert stats["funds"][0]["budget"] == "100000.00"
    assert admin.get("/api/v1/subsidies/stats").status_code == 422


def test_money_routes_are_for_finance_and_the_city(world):
    fund_id = world.fund["id"]
    for username in ("ua_power", "rev_ganzhou", "worker", "ops"):
        client = world.as_user(username)
        assert client.get("/api/v1/funds/%d" % fund_id).status_code == 403
        if username != "rev_ganzhou":  # a reviewer reads its own county's figures
            assert client.get("/api/v1/subsidies/stats", year=2037).status_code == 403
        assert client.post("/api/v1/disbursements", {"fund_id": fund_id}).status_code == 403
        assert client.get("/api/v1/funds/%d/ledger" % fund_id).status_code == 403
        assert client.get("/api/v1/policies").status_code == 403
    finance = world.as_user("finance")
    assert finance.get("/api/v1/funds/%d/ledger" % fund_id).status_code == 200
    assert finance.get("/api/v1/funds/999999").status_code == 404
    assert finance.post("/api/v1/disbursements/999999/pay", {}).status_code == 404
    unknown_field = finance.post("/api/v1/disbursements", {"fund_id": fund_id, "x": 1})
    assert unknown_field.status_code == 422 and "x" in unknown_field.json()["error"]["details"]
    neither = finance.get("/api/v1/subsidies")
    assert neither.status_code == 422


def test_a_union_admin_reads_only_its_own_decisions(world):
    reviewer = world.as_user("rev_ganzhou")
    mine = world.as_user("ua_power").post("/api/v1/activities",
                                          activity_body(world.unions["power"]["id"]))
    assert mine.status_code == 201
    assert reviewer.post("/api/v1/activities/%d/approve" % mine.json()["id"]).status_code == 200
    decision = wait_for(lambda: decision_of(world.as_user("ua_power"), mine.json()["id"]), 20,
                        "the decision")
    assert world.as_user("ua_power").get("/api/v1/subsidies/%d" % decision["id"]).status_code == 200
    assert world.as_user("ua_school").get("/api/v1/subsidies/%d" % decision["id"]).status_code == 403
    assert world.as_user("ua_school").get(
        "/api/v1/subsidies", activity_id=mine.json()["id"]).status_code == 403


def test_business_metrics_are_exported(world):
    admin = world.system.client()
    fund = open_fund(admin, 2038, "2000.00")
    settle(world, [approval(world.unions["power"], 2038)])
    scraped = requests.get(world.system.url_of("subsidies") + "/metrics", timeout=5).text
    labels = {"fund_id": str(fund["id"]), "year": "2038", "policy": "activity",
              "county": "city"}
    assert parse_metric(scraped, "cm_fund_remaining_ratio", labels) == 0.825  # 1650 of 2000
    assert parse_metric(scraped, "cm_funds_open", {}) >= 1
    assert parse_metric(scraped, "cm_subsidy_decisions_total",
                        {"outcome": "granted", "county": "甘州区"}) >= 1
    assert "yuan" not in scraped  # amounts only on the API (deploy/README.md)
