"""Disbursement in process (entrypoints/disbursement.py, entrypoints/payees.py): payees,
a batch of granted decisions in a scope (one line per payee, the others held out), paid
once by a second person through the money aggregate (ledger, fund, allocations, events),
cancelled, a returned line, a reversed subsidy, and the bank file."""
import base64
import csv
import io
import openpyxl
import pytest
from sqlalchemy import text

from services.activities import events as activity_events
from services.common.clock import local_today
from services.common.errors import Conflict, Forbidden, Invalid, NotFound
from services.library import events as library_events
from services.subsidies.service import Service
from tests.service.test_subsidies_decisions import approved, evaluated
from tests.support.service_tier import ServiceDatabase

BANK = {"account_name": "甘州区某工会委员会", "bank": "中国工商银行张掖甘州支行",
        "account_number": "0271 0012 3456 7890"}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


def set_payee(service, kind="union", payee_id=3, name="甘州区某工会", **bank):
    return service.put_payee(kind, payee_id, dict(BANK, **bank), name, "finance1")


def approve(tier, activity_id, union_id=3, county="甘州区", **facts):
    tier.deliver(Service, "on_activity_approved", tier.event(
        activity_events.APPROVED, approved(activity_id=activity_id, union_id=union_id,
                                           county=county, **facts)))


@pytest.fixture
def granted(tier):
    """A fund with two granted activities of union 3 (350.00 each, one in an allocation),
    union 3's bank details set."""
    service = tier.worker(Service)
    fund = service.create_fund({"name": "fund", "year": 2026, "policy": "activity",
                                "budget": "1000.00",
                                "allocations": [{"county": "临泽县", "budget": "400.00"}]})
    for activity_id, county in ((1, "甘州区"), (2, "临泽县")):
        approve(tier, activity_id, county=county)
    set_payee(service)
    return fund


def ledger(tier, where="1=1", **params):
    with tier.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT kind, amount_fen, subsidy_id, actor, note FROM ledger WHERE %s ORDER BY id"
            % where), params)]


def test_a_payee_is_validated_cleaned_and_replaced(tier):
    service = tier.worker(Service)
    with pytest.raises(Invalid) as bad:
        service.put_payee("union", 3, {"account_name": " ", "bank": "行",
                                       "account_number": "12ab"}, "某工会", "finance1")
    assert set(bad.value.details) == {"account_name", "account_number"}
    with pytest.raises(NotFound):
        service.put_payee("bank", 3, BANK, "某工会", "finance1")
    with pytest.raises(NotFound):
        service.get_payee("union", 3)
    first = set_payee(service)
    assert first["account_number"] == "0271001234567890" and first["kind"] == "union"
    assert (first["id"], first["name"], first["updated_by"]) == (3, "甘州区某工会", "finance1")
    again = service.put_payee("union", 3, dict(BANK, bank="农行张掖分行"), "甘州区某工会(新)",
                              "finance2")
    assert (again["bank"], again["updated_by"], again["name"]) == ("农行张掖分行", "finance2",
                                                                   "甘州区某工会(新)")
    set_payee(service, "venue", 7, "甘州区职工书屋")
    assert tier.count("payees") == 2
    assert service.list_payees({"kind": "venue"})["total"] == 1
    assert [p["kind"] for p in service.list_payees({})["items"]] == ["union", "venue"]


def test_a_batch_is_paid_once_by_a_second_person(tier, granted):
    service = tier.worker(Service)
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert (batch["status"], batch["count"], batch["total"]) == ("open", 2, "700.00")
    (line,) = batch["lines"]
    assert (line["number"], line["payee_kind"], line["payee_id"], line["count"],
            line["total"], line["status"]) == (1, "union", 3, 2, "700.00", "pending")
    assert line["account_number"] == "0271001234567890" and line["subsidy_ids"] == [1, 2]
    assert batch["held_out"] == []
    with pytest.raises(Conflict):
        service.create_batch({"fund_id": granted["id"]}, "finance1")  # nothing left outside
    with pytest.raises(Forbidden):
        service.pay_batch(batch["id"], {"reference": "BANK-1"}, "finance1")  # its creator
    assert tier.count("ledger", "kind = 'pay'") == 0 and tier.outbox("subsidy_paid") == []
    paid = service.pay_batch(batch["id"], {"reference": "BANK-1"}, "finance2")
    assert (paid["status"], paid["paid_by"], paid["created_by"], paid["reference"]) == (
        "paid", "finance2", "finance1", "BANK-1")
    assert paid["lines"][0]["status"] == "paid"
    fund = service.get_fund(granted["id"])
    assert (fund["granted"], fund["paid"]) == ("700.00", "700.00")
    assert fund["allocations"][0]["paid"] == "350.00"
    pays = ledger(tier, "kind = 'pay' AND batch_id = :b", b=batch["id"])
    assert len(pays) == 2 and {p[3] for p in pays} == {"finance2"}
    assert all("制单：finance1" in p[4] and "BANK-1" in p[4] for p in pays)
    events = tier.outbox("subsidy_paid")
    assert [e["data"]["activity_id"] for e in events] == [1, 2]
    assert events[0]["data"]["batch_id"] == batch["id"] and events[0]["data"]["amount"] == "350.00"
    assert tier.count("subsidies", "status = 'paid'") == 2
    with pytest.raises(Conflict):
        service.pay_batch(batch["id"], {}, "finance2")
    assert len(tier.outbox("subsidy_paid")) == 2
    assert service.reconcile_fund(granted["id"])["consistent"]
    listed = service.list_batches({"fund_id": granted["id"], "status": "paid"})
    assert listed["total"] == 1 and listed["items"][0]["id"] == batch["id"]
    assert "lines" not in listed["items"][0]
    assert service.list_subsidies({"batch_id": batch["id"]})["total"] == 2


def test_payees_without_bank_details_are_held_out_and_never_batched(tier, granted):
    service = tier.worker(Service)
    approve(tier, 3, union_id=8, participants=10, expenses="200.00")  # union 8: no payee
    preview = service.preview_batch({"fund_id": granted["id"]})
    assert (preview["count"], preview["total"]) == (2, "700.00")
    (held,) = preview["held_out"]
    assert (held["payee_kind"], held["payee_id"], held["count"]) == ("union", 8, 1)
    assert held["subsidy_ids"] == [3] and "account_number" not in held
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert batch["held_out"] == preview["held_out"] and batch["count"] == 2
    assert tier.count("subsidies", "id = 3 AND batch_id IS NULL") == 1
    export = service.export_batch(batch["id"])
    rows = list(csv.reader(io.StringIO(export["csv"][1:])))
    detail = rows[rows.index(["明细"]) + 2:]
    assert export["lines"] == 1 and [r[2] for r in detail] == ["1", "2"]  # never 3
    with pytest.raises(Conflict) as nothing:
        service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert nothing.value.details == {"held_out": [{"payee_kind": "union", "payee_id": 8,
                                                   "count": 1}]}
    assert service.get_batch(batch["id"])["held_out"][0]["payee_id"] == 8
    set_payee(service, payee_id=8, name="临泽县某工会")
    assert service.get_batch(batch["id"])["held_out"] == []
    later = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert [line["payee_id"] for line in later["lines"]] == [8]


def test_a_scope_by_county_and_dates_previews_what_it_creates(tier, granted):
    service = tier.worker(Service)
    with pytest.raises(Invalid) as unknown:
        service.preview_batch({"fund_id": granted["id"], "county": "火星县"})
    assert "county" in unknown.value.details
    with pytest.raises(Invalid) as backwards:
        service.preview_batch({"fund_id": granted["id"], "approved_from": "2026-05-02",
                               "approved_to": "2026-05-01"})
    assert "approved_to" in backwards.value.details
    with pytest.raises(Invalid):
        service.preview_batch({"fund_id": 99})
    scope = {"fund_id": granted["id"], "county": "临泽县"}
    preview = service.preview_batch(scope)
    assert (preview["count"], preview["total"], preview["county"]) == (1, "350.00", "临泽县")
    assert tier.count("batches") == 0  # a preview changes nothing
    batch = service.create_batch(scope, "finance1")
    for key in ("count", "total", "county", "approved_from", "approved_to", "held_out"):
        assert batch[key] == preview[key], key
    assert [{k: v for k, v in line.items() if k in preview["lines"][0]}
            for line in batch["lines"]] == preview["lines"]
    assert batch["lines"][0]["subsidy_ids"] == [2]
    today = local_today().isoformat()  # the decisions' approval day
    future = service.preview_batch({"fund_id": granted["id"], "approved_from": "2099-01-01"})
    past = service.preview_batch({"fund_id": granted["id"], "approved_to": "2000-01-01"})
    assert (future["count"], future["lines"], past["count"]) == (0, [], 0)
    dated = service.preview_batch({"fund_id": granted["id"], "approved_from": today,
                                   "approved_to": today})  # both ends inclusive
    assert dated["lines"][0]["subsidy_ids"] == [1]  # 甘州区's, still outside a batch


def test_a_cancelled_batch_frees_its_decisions(tier, granted):
    service = tier.worker(Service)
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert service.cancel_batch(batch["id"], "finance1")["status"] == "cancelled"
    assert tier.count("subsidies", "batch_id IS NULL AND line_id IS NULL") == 2
    with pytest.raises(Conflict):
        service.pay_batch(batch["id"], {}, "finance2")
    with pytest.raises(Conflict):
        service.export_batch(batch["id"])
    again = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert again["count"] == 2 and again["id"] != batch["id"]
    assert tier.count("ledger", "kind = 'pay'") == 0 and tier.outbox("subsidy_paid") == []


def test_a_venue_subsidy_is_paid_to_the_venue_with_its_venue_event(tier):
    service = tier.worker(Service)
    fund = service.create_fund({"name": "venues", "year": 2026, "policy": "venue",
                                "budget": "50000.00"})
    tier.deliver(Service, "on_venue_evaluated",
                 tier.event(library_events.VENUE_EVALUATED, evaluated()))
    set_payee(service, "union", 3)  # the host union's account does not pay the venue
    with pytest.raises(Conflict):
        service.create_batch({"fund_id": fund["id"]}, "finance1")
    set_payee(service, "venue", 7, "甘州区职工书屋")
    batch = service.create_batch({"fund_id": fund["id"]}, "finance1")
    assert [(l["payee_kind"], l["payee_id"]) for l in batch["lines"]] == [("venue", 7)]
    service.pay_batch(batch["id"], {}, "finance2")
    (paid,) = tier.outbox("venue_subsidy_paid")
    assert (paid["data"]["status"], paid["data"]["batch_id"]) == ("paid", batch["id"])


def test_a_returned_line_is_granted_again_and_batched_again(tier, granted):
    service = tier.worker(Service)
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    line_id = batch["lines"][0]["id"]
    with pytest.raises(Conflict):  # not paid yet
        service.return_line(batch["id"], line_id, {"reason": "账号不存在"}, "finance2")
    service.pay_batch(batch["id"], {"reference": "BANK-1"}, "finance2")
    with pytest.raises(Invalid):
        service.return_line(batch["id"], line_id, {"reason": "  "}, "finance2")
    with pytest.raises(NotFound):
        service.return_line(batch["id"], line_id + 99, {"reason": "账号不存在"}, "finance2")
    line = service.return_line(batch["id"], line_id, {"reason": " 户名与账号不符 "}, "finance2")
    assert (line["status"], line["return_reason"], line["returned_by"]) == (
        "returned", "户名与账号不符", "finance2")
    assert line["returned_at"] and line["subsidy_ids"] == [1, 2]
    with pytest.raises(Conflict):
        service.return_line(batch["id"], line_id, {"reason": "再次"}, "finance2")
    assert tier.count("subsidies", "status = 'granted' AND batch_id IS NULL "
                                   "AND line_id IS NULL AND paid_at IS NULL") == 2
    returns = ledger(tier, "kind = 'return'")
    assert [(r[1], r[2], r[3]) for r in returns] == [(35000, 1, "finance2"),
                                                     (35000, 2, "finance2")]
    assert "户名与账号不符" in returns[0][4]
    fund = service.get_fund(granted["id"])
    assert (fund["granted"], fund["paid"]) == ("700.00", "0.00")
    assert fund["allocations"][0]["paid"] == "0.00"
    assert service.reconcile_fund(granted["id"])["consistent"]
    (event,) = tier.outbox("payment_returned")
    assert event["data"]["union_id"] == 3 and event["data"]["subsidy_ids"] == [1, 2]
    assert (event["data"]["amount"], event["data"]["reason"]) == ("700.00", "户名与账号不符")
    shown = service.get_batch(batch["id"])
    assert shown["status"] == "paid" and shown["lines"][0]["subsidy_ids"] == [1, 2]
    set_payee(service, account_number="6222 0000 1111 2222")
    again = service.create_batch({"fund_id": granted["id"]}, "finance1")
    assert again["lines"][0]["account_number"] == "6222000011112222"
    assert service.get_batch(batch["id"])["lines"][0]["account_number"] == "0271001234567890"
    service.pay_batch(again["id"], {}, "finance2")
    assert service.reconcile_fund(granted["id"])["consistent"]
    assert service.get_fund(granted["id"])["paid"] == "700.00"


def test_a_paid_subsidy_is_reversed_with_refund_and_release(tier, granted):
    service = tier.worker(Service)
    with pytest.raises(Conflict):  # granted, not paid
        service.reverse_subsidy(1, {"reason": "重复申报"}, "finance2")
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    service.pay_batch(batch["id"], {}, "finance2")
    reversed_ = service.reverse_subsidy(1, {"reason": "重复申报，已追回"}, "finance2")
    assert (reversed_["status"], reversed_["amount"]) == ("reversed", "350.00")
    assert "重复申报，已追回" in reversed_["explanation"][-1]
    assert reversed_["explanation"][-1].startswith("已冲销已拨付补助 350.00 元")
    with pytest.raises(Conflict):
        service.reverse_subsidy(1, {"reason": "再次"}, "finance2")
    assert [(r[0], r[1], r[3]) for r in ledger(tier, "subsidy_id = 1")][-2:] == [
        ("refund", 35000, "finance2"), ("release", 35000, "finance2")]
    fund = service.get_fund(granted["id"])
    assert (fund["granted"], fund["paid"], fund["remaining"]) == ("350.00", "350.00", "650.00")
    report = service.reconcile_fund(granted["id"])
    assert report["consistent"], report["problems"]
    assert tier.count("union_years", "union_id = 3 AND granted_fen = 35000") == 1
    (event,) = tier.outbox("subsidy_reversed")
    assert (event["data"]["subsidy_id"], event["data"]["amount"]) == (1, "350.00")
    # the other decision of the line, still paid, and the line cannot be returned whole now
    with pytest.raises(Conflict):
        service.return_line(batch["id"], batch["lines"][0]["id"], {"reason": "退回"}, "finance2")


def test_the_bank_file_as_csv_and_xlsx(tier, granted):
    service = tier.worker(Service)
    batch = service.create_batch({"fund_id": granted["id"]}, "finance1")
    export = service.export_batch(batch["id"])
    assert (export["count"], export["lines"], export["total"]) == (2, 1, "700.00")
    assert export["filename"] == "disbursement-%d-700.00.csv" % batch["id"]
    assert export["csv"].startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(export["csv"][1:])))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    assert rows[header][:5] == ["序号", "户名", "开户行", "账号", "金额（元）"]
    assert rows[header + 1][:6] == ["1", "甘州区某工会委员会", "中国工商银行张掖甘州支行",
                                    "0271001234567890", "700.00", "2"]
    assert rows[header + 2][0] == "合计" and rows[header + 2][4] == "700.00"
    assert rows[header + 4] == ["明细"]
    assert [r[2] for r in rows[header + 6:]] == ["1", "2"]
    workbook = service.export_batch(batch["id"], "xlsx")
    assert workbook["filename"].endswith(".xlsx") and "csv" not in workbook
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(workbook["xlsx"])))
    assert book.sheetnames == ["拨付清单", "明细"]
    with pytest.raises(Invalid):
        service.export_batch(batch["id"], "pdf")


def test_unknown_or_bad(tier):
    service = tier.worker(Service)
    with pytest.raises(Invalid):
        service.create_batch({"fund_id": 99}, "finance1")
    with pytest.raises(Invalid):
        service.create_batch({"fund_id": "1"}, "finance1")
    with pytest.raises(NotFound):
        service.get_batch(99)
    with pytest.raises(NotFound):
        service.pay_batch(99, {}, "finance1")
    with pytest.raises(NotFound):
        service.return_line(99, 1, {"reason": "x"}, "finance1")
    with pytest.raises(NotFound):
        service.reverse_subsidy(99, {"reason": "x"}, "finance1")
