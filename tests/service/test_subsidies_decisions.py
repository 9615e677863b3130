"""Decisions in process (entrypoints/decisions.py): an approval or an evaluation in, the
decision, the fund's money, the ledger and the outbox out; a duplicate delivery changes
nothing; cancelling releases the money."""
import pytest

from services.activities import events as activity_events
from services.common.errors import Conflict, Invalid, NotFound
from services.common.unit_of_work import AlreadyProcessed
from services.library import events as library_events
from services.subsidies.service import Service
from tests.support.service_tier import ServiceDatabase

YEAR = 2026


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


def approved(activity_id=1, union_id=3, county="甘州区", participants=40, expenses="1500.00",
             held_on="%d-04-23" % YEAR):
    return {"activity_id": activity_id, "title": "读书分享会 %d" % activity_id,
            "union_id": union_id, "union_name": "甘州区某工会", "county": county,
            "tier": "grassroots", "category": "reading", "season": "spring",
            "held_on": held_on, "participants": participants, "expenses": expenses,
            "venue_id": None, "lecturer_id": None, "actor": "reviewer", "status": "approved"}


def evaluated(venue_id=7, period="%d-H1" % YEAR, rating="excellent", total=92,
              evaluation_id=11):
    return {"venue_id": venue_id, "name": "甘州区职工书屋", "kind": "book_house",
            "county": "甘州区", "host_union_id": 3, "evaluation_id": evaluation_id,
            "period": period,
            "total": total, "rating": rating}


def open_fund(tier, budget="1000.00", policy="activity", **extra):
    return tier.worker(Service).create_fund(dict(
        {"name": "%d 年补助资金" % YEAR, "year": YEAR, "policy": policy, "budget": budget},
        **extra))


def approve(tier, **facts):
    envelope = tier.event(activity_events.APPROVED, approved(**facts))
    tier.deliver(Service, "on_activity_approved", envelope)
    return envelope


def test_an_approval_is_granted_reserved_and_announced(tier):
    fund = open_fund(tier)
    envelope = approve(tier)
    (subsidy,) = tier.worker(Service).list_subsidies({"activity_id": 1})["items"]
    assert (subsidy["status"], subsidy["amount"], subsidy["fund_id"]) == ("granted", "350.00",
                                                                          fund["id"])
    assert subsidy["policy_version"] == 1 and subsidy["explanation"][-1].endswith("350.00 元")
    assert tier.worker(Service).get_fund(fund["id"])["granted"] == "350.00"
    assert tier.count("ledger", "kind = 'reserve' AND amount_fen = 35000") == 1
    assert tier.count("union_years", "union_id = 3 AND granted_fen = 35000") == 1
    (granted,) = tier.outbox("subsidy_granted")
    assert granted["data"]["amount"] == "350.00" and granted["data"]["subsidy_id"] == subsidy["id"]
    assert granted["causation_id"] == envelope["event_id"]
    assert tier.count("inbox", "consumer = 'subsidies.activity_approved'") == 1


def test_a_duplicate_delivery_raises_already_processed_and_changes_nothing(tier):
    open_fund(tier)
    envelope = approve(tier)
    with pytest.raises(AlreadyProcessed):
        tier.deliver(Service, "on_activity_approved", envelope)
    assert tier.count("subsidies") == 1 and tier.count("ledger") == 1
    assert len(tier.outbox("subsidy_granted")) == 1


def test_the_same_activity_under_another_event_keeps_its_first_decision(tier):
    open_fund(tier)
    approve(tier)
    approve(tier)  # a new event id, the same activity
    assert tier.count("subsidies") == 1 and len(tier.outbox()) == 1
    assert tier.count("inbox", "consumer = 'subsidies.activity_approved'") == 2


def test_without_a_fund_or_money_the_approval_is_declined(tier):
    approve(tier, activity_id=1)
    assert tier.outbox("subsidy_declined")[0]["data"]["reason"] == "no_fund"
    open_fund(tier, budget="500.00")
    approve(tier, activity_id=2)
    approve(tier, activity_id=3)  # 150.00 left, 350.00 asked
    declined = tier.outbox("subsidy_declined")[-1]["data"]
    assert (declined["activity_id"], declined["reason"], declined["amount"]) == (
        3, "budget_exhausted", "0.00")
    assert tier.count("ledger") == 1


def test_thresholds_go_out_once_each(tier):
    fund = open_fund(tier, budget="400.00")
    approve(tier, activity_id=1)  # 350 of 400: past 80%
    (threshold,) = tier.outbox("fund_threshold_reached")
    assert (threshold["data"]["threshold_percent"], threshold["data"]["remaining"]) == (
        80, "50.00")
    approve(tier, activity_id=2, participants=0, expenses="100.00")  # 50.00: exactly 100%
    assert [e["data"]["threshold_percent"] for e in tier.outbox("fund_threshold_reached")] == [
        80, 100]
    assert tier.worker(Service).get_fund(fund["id"])["used_percent"] == 100


def test_a_county_allocation_must_also_have_the_money(tier):
    open_fund(tier, budget="1000.00", allocations=[{"county": "临泽县", "budget": "300.00"}])
    approve(tier, activity_id=1, county="临泽县")
    assert tier.outbox("subsidy_declined")[0]["data"]["reason"] == "budget_exhausted"
    approve(tier, activity_id=2, county="甘州区")  # the pool: 700.00
    assert tier.outbox("subsidy_granted")[0]["data"]["activity_id"] == 2


def test_a_venue_evaluation_is_decided_once_per_period(tier):
    open_fund(tier, budget="50000.00", policy="venue")
    envelope = tier.event(library_events.VENUE_EVALUATED, evaluated())
    tier.deliver(Service, "on_venue_evaluated", envelope)
    (decided,) = tier.outbox("venue_subsidy_decided")
    # a book house's construction 20000.00, excellent x 1.20
    assert (decided["data"]["status"], decided["data"]["amount"]) == ("granted", "24000.00")
    assert decided["data"]["purpose"] == "construction" and decided["data"]["batch_id"] is None
    with pytest.raises(AlreadyProcessed):
        tier.deliver(Service, "on_venue_evaluated", envelope)
    tier.deliver(Service, "on_venue_evaluated", tier.event(library_events.VENUE_EVALUATED,
                                                           evaluated()))
    assert tier.count("subsidies") == 1 and len(tier.outbox("venue_subsidy_decided")) == 1
    assert tier.count("union_years") == 0  # a venue's money is not a union's year


def test_a_poor_venue_is_declined(tier):
    open_fund(tier, budget="50000.00", policy="venue")
    tier.deliver(Service, "on_venue_evaluated", tier.event(
        library_events.VENUE_EVALUATED, evaluated(rating="pass", total=65)))
    (decided,) = tier.outbox("venue_subsidy_decided")
    assert (decided["data"]["status"], decided["data"]["reason"]) == ("declined", "not_eligible")


def test_cancelling_releases_the_money(tier):
    fund = open_fund(tier)
    approve(tier)
    service = tier.worker(Service)
    subsidy_id = service.list_subsidies({"activity_id": 1})["items"][0]["id"]
    answer = service.cancel_subsidy(subsidy_id, {"reason": "活动未按计划举办"}, "finance1")
    assert (answer["status"], answer["reason"], answer["amount"]) == ("declined", "cancelled",
                                                                      "0.00")
    assert "已撤销原核定补助 350.00 元" in answer["explanation"][-1]
    assert service.get_fund(fund["id"])["granted"] == "0.00"
    assert tier.count("ledger", "kind = 'release' AND amount_fen = 35000") == 1
    assert tier.count("union_years", "granted_fen = 0") == 1
    assert tier.outbox("subsidy_declined")[0]["data"]["reason"] == "cancelled"
    assert service.reconcile_fund(fund["id"])["consistent"]
    with pytest.raises(Conflict):
        service.cancel_subsidy(subsidy_id, {"reason": "again"}, "finance1")


def test_reading_and_bad_input(tier):
    service = tier.worker(Service)
    with pytest.raises(NotFound):
        service.get_subsidy(99)
    with pytest.raises(NotFound):
        service.list_subsidies({"fund_id": 99}, fund_must_exist=True)
    assert service.list_subsidies({"fund_id": 99}) == {"items": [], "total": 0}
    with pytest.raises(Invalid) as bad:
        service.list_subsidies({"reason": "weather"})
    assert "reason" in bad.value.details
    with pytest.raises(Invalid):
        service.cancel_subsidy(1, {"reason": "   "}, "finance1")


# the last yuan, one venue subsidy a year, re-deciding declines (issues 18 and 19) ----------
def publish_policy(tier, kind="activity", **document_fields):
    """A new version of the shipped document, in force from today."""
    from services.common.clock import local_today
    from services.subsidies import domain
    document = dict(domain.SHIPPED_POLICIES[kind], **document_fields)
    return tier.worker(Service).upload_policy({
        "kind": kind, "effective_from": local_today().isoformat(), "document": document},
        "policy-owner")


def test_the_last_activity_that_does_not_fit_gets_what_is_left_when_the_policy_says_so(tier):
    fund = open_fund(tier, budget="500.00")
    publish_policy(tier, when_budget_short="partial")
    approve(tier, activity_id=1)  # 350.00
    approve(tier, activity_id=2)  # 350.00 asked, 150.00 left
    approve(tier, activity_id=3)  # nothing left
    service = tier.worker(Service)
    second, third = (service.list_subsidies({"activity_id": i})["items"][0] for i in (2, 3))
    assert (second["status"], second["amount"], second["policy_version"]) == (
        "granted", "150.00", 3)
    assert second["explanation"][-1] == "资金剩余 150.00 元，不足 350.00 元：按剩余金额核定补助 150.00 元"
    assert (third["status"], third["reason"]) == ("declined", "budget_exhausted")
    assert service.get_fund(fund["id"])["remaining"] == "0.00"
    assert service.reconcile_fund(fund["id"])["consistent"]


def test_a_partial_grant_fits_the_county_allocation_too(tier):
    open_fund(tier, budget="1000.00", allocations=[{"county": "临泽县", "budget": "200.00"}])
    publish_policy(tier, when_budget_short="partial")
    approve(tier, activity_id=1, county="临泽县")
    (granted,) = tier.outbox("subsidy_granted")
    assert granted["data"]["amount"] == "200.00"
    assert granted["data"]["explanation"][-1] == (
        "临泽县分配额度剩余 200.00 元，不足 350.00 元：按剩余金额核定补助 200.00 元")


def with_bank_details(service, kind, payee_id):
    """A payee with bank details, which a batch needs once issue 18's payees (another branch)
    are merged; where they are not there yet, batches need none."""
    if hasattr(service, "put_payee"):
        service.put_payee(kind, payee_id, {
            "account_name": "收款单位 %d" % payee_id, "bank": "中国工商银行张掖分行",
            "account_number": "62220000%08d" % payee_id}, "收款单位 %d" % payee_id, "finance1")


def evaluate(tier, **facts):
    envelope = tier.event(library_events.VENUE_EVALUATED, evaluated(**facts))
    tier.deliver(Service, "on_venue_evaluated", envelope)
    return envelope


def test_a_venue_gets_one_subsidy_a_year_which_later_evaluations_revise(tier):
    fund = open_fund(tier, budget="50000.00", policy="venue")
    corner = {"venue_id": 8}
    evaluate(tier, period="2026-H2", rating="good", evaluation_id=21, **corner)  # 20000.00
    evaluate(tier, period="2026-Q4", rating="excellent", evaluation_id=22, **corner)  # x 1.2
    evaluate(tier, period="2026-11", rating="good", evaluation_id=23, **corner)  # back down
    service = tier.worker(Service)
    (subsidy,) = service.list_subsidies({"venue_id": 8})["items"]
    assert (subsidy["status"], subsidy["amount"], subsidy["period"]) == (
        "granted", "20000.00", "2026-11")
    assert subsidy["purpose"] == "construction"
    assert subsidy["explanation"][0] == "本年度阵地补助按 2026-11 评估修订（原按 2026-Q4 评估核定 24000.00 元）"
    assert subsidy["explanation"][-1] == "修订后核定补助 20000.00 元（原核定 24000.00 元，核减 4000.00 元）"
    assert [r["period"] for r in subsidy["inputs"]["revisions"]] == ["2026-H2", "2026-Q4"]
    kinds = [(e["kind"], e["amount"]) for e in service.fund_ledger(fund["id"])["items"]]
    assert kinds == [("reserve", "20000.00"), ("reserve", "4000.00"), ("release", "4000.00")]
    assert service.get_fund(fund["id"])["granted"] == "20000.00"
    assert service.reconcile_fund(fund["id"])["consistent"]
    decided = [e["data"] for e in tier.outbox("venue_subsidy_decided")]
    assert [(d["amount"], d["period"]) for d in decided] == [
        ("20000.00", "2026-H2"), ("24000.00", "2026-Q4"), ("20000.00", "2026-11")]
    # the same evaluation again (another event id) changes nothing; another year adds one
    evaluate(tier, period="2026-Q4", rating="excellent", evaluation_id=22, **corner)
    evaluate(tier, period="2027-H1", rating="good", evaluation_id=24, **corner)
    assert len(tier.outbox("venue_subsidy_decided")) == 4
    years = service.list_subsidies({"venue_id": 8})["items"]
    assert [(s["year"], s["purpose"], s["status"]) for s in years] == [
        (2026, "construction", "granted"), (2027, "upkeep", "declined")]  # no 2027 fund


def test_a_paid_venue_year_is_not_revised_and_a_poor_one_revised_down_is_declined(tier):
    fund = open_fund(tier, budget="50000.00", policy="venue")
    evaluate(tier, venue_id=8, period="2026-H2", rating="good", evaluation_id=31)
    evaluate(tier, venue_id=9, period="2026-H2", rating="good", evaluation_id=32)
    service = tier.worker(Service)
    for venue_id in (8, 9):
        with_bank_details(service, "venue", venue_id)
    batch = service.create_batch({"fund_id": fund["id"]}, "finance1")
    service.cancel_batch(batch["id"], "finance1")
    eight = service.list_subsidies({"venue_id": 8})["items"][0]
    service.cancel_subsidy(service.list_subsidies({"venue_id": 9})["items"][0]["id"],
                           {"reason": "测试"}, "finance1")
    batch = service.create_batch({"fund_id": fund["id"]}, "finance1")
    service.pay_batch(batch["id"], {}, "finance2")
    evaluate(tier, venue_id=8, period="2026-Q4", rating="excellent", evaluation_id=33)
    evaluate(tier, venue_id=9, period="2026-Q4", rating="excellent", evaluation_id=34)
    paid = service.get_subsidy(eight["id"])
    assert (paid["status"], paid["amount"], paid["period"]) == ("paid", "20000.00", "2026-H2")
    assert paid["explanation"][-1] == "2026-Q4 评估（92 分）未修订本年度补助：补助已拨付，不再修订"
    nine = service.list_subsidies({"venue_id": 9})["items"][0]
    assert (nine["reason"], nine["explanation"][-1][-10:]) == ("cancelled", "补助已撤销，不再修订")
    # an unpaid grant revised below the threshold is declined and its money released
    evaluate(tier, venue_id=10, period="2026-H2", rating="good", evaluation_id=35)
    evaluate(tier, venue_id=10, period="2026-Q4", rating="pass", total=65, evaluation_id=36)
    ten = service.list_subsidies({"venue_id": 10})["items"][0]
    assert (ten["status"], ten["reason"], ten["amount"]) == ("declined", "not_eligible", "0.00")
    assert service.get_fund(fund["id"])["granted"] == "20000.00"
    assert service.reconcile_fund(fund["id"])["consistent"]


def test_an_evaluation_older_than_the_decision_does_not_undo_it(tier):
    open_fund(tier, budget="50000.00", policy="venue")
    newer = tier.event(library_events.VENUE_EVALUATED, evaluated(
        venue_id=8, period="2026-Q4", rating="excellent", evaluation_id=42))
    older = tier.event(library_events.VENUE_EVALUATED, evaluated(
        venue_id=8, period="2026-H2", rating="good", evaluation_id=41))
    older["occurred_at"] = "2026-07-01T02:00:00Z"
    tier.deliver(Service, "on_venue_evaluated", newer)
    tier.deliver(Service, "on_venue_evaluated", older)  # late delivery of an older one
    (subsidy,) = tier.worker(Service).list_subsidies({"venue_id": 8})["items"]
    assert (subsidy["period"], subsidy["amount"]) == ("2026-Q4", "24000.00")


def test_declines_for_want_of_money_are_re_decided_once_in_approval_order(tier):
    approve(tier, activity_id=1)                      # no fund: no_fund
    fund = open_fund(tier, budget="400.00")
    for activity_id in (2, 3, 4):
        approve(tier, activity_id=activity_id)        # 350 granted, then budget_exhausted
    approve(tier, activity_id=5, participants=2)      # 160.00 asked; 50 left: exhausted too
    service = tier.worker(Service)
    pending = service.pending_redecisions(fund["id"])
    assert [s["activity_id"] for s in pending["items"]] == [1, 3, 4, 5]
    service.adjust_fund(fund["id"], {"amount": "700.00", "reason": "追加"}, "finance1")
    answer = service.redecide(fund["id"], {"limit": 2}, "finance1")
    assert [(i["activity_id"], i["status"], i["amount"]) for i in answer["items"]] == [
        (1, "granted", "350.00"), (3, "granted", "350.00")]
    assert (answer["redecided"], answer["granted"], answer["declined"], answer["remaining"],
            answer["stopped"], answer["granted_amount"]) == (2, 2, 0, 2, "limit", "700.00")
    assert answer["fund"]["remaining"] == "50.00"
    answer = service.redecide(fund["id"], {}, "finance1")
    assert [(i["activity_id"], i["status"], i["reason"]) for i in answer["items"]] == [
        (4, "declined", "budget_exhausted"), (5, "declined", "budget_exhausted")]
    assert (answer["remaining"], answer["stopped"]) == (0, None)
    assert service.redecide(fund["id"], {}, "finance1")["redecided"] == 0  # once each
    one = service.list_subsidies({"activity_id": 1})["items"][0]
    assert (one["redecided_by"], one["redecided_at"][-1]) == ("finance1", "Z")
    assert one["explanation"][-1] == "重新核定：资金剩余 750.00 元，核定补助 350.00 元"
    assert any(line.startswith("重新核定：") and "第 1 版政策" in line
               for line in one["explanation"])
    assert tier.count("subsidies", "redecided_by = 'finance1'") == 4
    granted = [e["data"]["activity_id"] for e in tier.outbox("subsidy_granted")]
    assert granted == [2, 1, 3]
    declined = [e["data"]["activity_id"] for e in tier.outbox("subsidy_declined")]
    assert declined == [1, 3, 4, 5, 4, 5]
    report = service.reconcile_fund(fund["id"])
    assert report["consistent"] and report["granted"] == "1050.00"
    assert tier.count("union_years", "granted_fen = 105000") == 1


def test_re_deciding_stops_when_the_fund_is_used_up_and_keeps_the_rest_waiting(tier):
    fund = open_fund(tier, budget="350.00")
    for activity_id in (1, 2, 3):
        approve(tier, activity_id=activity_id)
    service = tier.worker(Service)
    answer = service.redecide(fund["id"], {}, "finance1")
    assert (answer["redecided"], answer["remaining"], answer["stopped"]) == (
        0, 2, "fund_used_up")
    service.adjust_fund(fund["id"], {"amount": "350.00", "reason": "追加"}, "finance1")
    answer = service.redecide(fund["id"], {}, "finance1")
    assert [(i["activity_id"], i["status"]) for i in answer["items"]] == [(2, "granted")]
    assert (answer["remaining"], answer["stopped"]) == (1, "fund_used_up")


def test_a_city_fund_leaves_a_county_with_its_own_fund_to_it_and_venues_are_re_decided(tier):
    approve(tier, activity_id=1, county="临泽县")
    approve(tier, activity_id=2, county="甘州区")
    tier.deliver(Service, "on_venue_evaluated", tier.event(library_events.VENUE_EVALUATED,
                                                           evaluated()))
    city = open_fund(tier, budget="1000.00")
    county = open_fund(tier, budget="1000.00", county="临泽县")
    service = tier.worker(Service)
    assert [s["activity_id"] for s in service.pending_redecisions(city["id"])["items"]] == [2]
    assert [s["activity_id"] for s in service.pending_redecisions(county["id"])["items"]] == [1]
    venue_fund = open_fund(tier, budget="50000.00", policy="venue")
    answer = service.redecide(venue_fund["id"], {}, "finance1")
    assert [(i["subject"], i["venue_id"], i["status"], i["amount"]) for i in answer["items"]] == [
        ("venue", 7, "granted", "24000.00")]
    assert tier.outbox("venue_subsidy_decided")[-1]["data"]["status"] == "granted"
    with pytest.raises(NotFound):
        service.redecide(99, {}, "finance1")
    with pytest.raises(Invalid):
        service.redecide(city["id"], {"limit": 201}, "finance1")


def test_a_declined_venue_year_is_decided_afresh_and_a_rise_needs_the_money(tier):
    fund = open_fund(tier, budget="22000.00", policy="venue")
    evaluate(tier, venue_id=8, period="2026-H2", rating="pass", total=65, evaluation_id=51)
    evaluate(tier, venue_id=8, period="2026-Q4", rating="good", total=88, evaluation_id=52)
    service = tier.worker(Service)
    (fresh,) = service.list_subsidies({"venue_id": 8})["items"]
    assert (fresh["status"], fresh["amount"], fresh["fund_id"]) == ("granted", "20000.00",
                                                                    fund["id"])
    assert fresh["explanation"][0] == "本年度阵地补助按 2026-Q4 评估修订（原按 2026-H2 评估不予补助）"
    evaluate(tier, venue_id=8, period="2026-11", rating="excellent", evaluation_id=53)
    kept = service.get_subsidy(fresh["id"])
    assert kept["amount"] == "20000.00" and kept["period"] == "2026-11"
    assert kept["explanation"][-2:] == [
        "资金剩余 2000.00 元，不足追加的 4000.00 元：维持原核定 20000.00 元",
        "修订后核定补助 20000.00 元（原核定 20000.00 元，不变）"]
    publish_policy(tier, kind="venue", when_budget_short="partial")
    evaluate(tier, venue_id=8, period="2026-12", rating="excellent", evaluation_id=54)
    topped = service.get_subsidy(fresh["id"])
    assert (topped["amount"], topped["policy_version"]) == ("22000.00", 2)
    assert "按剩余金额追加 2000.00 元" in topped["explanation"][-2]
    assert service.get_fund(fund["id"])["remaining"] == "0.00"
    assert service.reconcile_fund(fund["id"])["consistent"]
    assert tier.count("subsidies") == 1
