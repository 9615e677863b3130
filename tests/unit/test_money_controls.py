"""The fund aggregate's money controls (issue 18): adjusting the budget, a payment the bank
returned, a paid grant refunded; each leaves the figures the fold of the ledger."""
import pytest

from services.subsidies.domain import Account, FundMoney, MoneyError, reconcile


def _entries(money):
    return [(e.kind, e.amount, e.county) for e in money.entries]


def _granted_and_paid(money, county="甘州区"):
    return {county: (money.fund.granted, money.fund.paid)}


def test_a_budget_is_raised_and_lowered_and_the_ledger_gives_it_back():
    money = FundMoney(100_000)
    money.reserve(1, "甘州区", 60_000)
    money.adjust(50_000, "追加预算", actor="finance")
    money.adjust(-80_000, "调减预算", actor="finance")
    assert money.fund.budget == 70_000 and money.remaining == 10_000
    assert [e.kind for e in money.entries] == ["reserve", "adjust", "adjust"]
    assert money.entries[-1].amount == -80_000 and money.entries[-1].actor == "finance"
    report = reconcile(money, _entries(money), _granted_and_paid(money), opening_budget=100_000)
    assert report["consistent"], report["problems"]
    assert report["ledger"]["budget"] == 70_000


def test_a_budget_never_falls_below_what_is_granted_nor_below_the_allocations():
    money = FundMoney(100_000)
    money.reserve(1, "甘州区", 60_000)
    with pytest.raises(MoneyError, match="below what is granted"):
        money.adjust(-40_001, "调减")
    money.adjust(-40_000, "调减到已核定")
    assert money.remaining == 0
    split = FundMoney(100_000, allocations={"甘州区": Account(70_000)})
    with pytest.raises(MoneyError, match="allocations"):
        split.adjust(-30_001, "调减")
    with pytest.raises(MoneyError, match="non-zero"):
        money.adjust(0, "无变化")
    assert [e.kind for e in money.entries].count("adjust") == 1


def test_an_unrecorded_adjustment_is_a_reconciliation_problem():
    money = FundMoney(100_000)
    money.adjust(10_000, "追加")
    report = reconcile(money, [], {}, opening_budget=100_000)
    assert not report["consistent"]
    assert any(p.startswith("budget (ledger)") for p in report["problems"])


def test_a_returned_payment_is_granted_again_and_a_refund_undoes_payment_and_grant():
    union_year = Account(None, 0)
    money = FundMoney(100_000)
    money.reserve(1, "甘州区", 30_000, union_year)
    money.reserve(2, "甘州区", 20_000, union_year)
    money.pay(1, "甘州区", 30_000, batch_id=7)
    money.pay(2, "甘州区", 20_000, batch_id=7)
    money.return_payment(1, "甘州区", 30_000, batch_id=7, note="账号有误")
    assert (money.fund.granted, money.fund.paid) == (50_000, 20_000)
    money.refund(2, "甘州区", 20_000, union_year, batch_id=7, note="活动不实，已退款")
    assert (money.fund.granted, money.fund.paid) == (30_000, 0)
    assert union_year.granted == 30_000 and money.remaining == 70_000
    assert [e.kind for e in money.entries][-3:] == ["return", "refund", "release"]
    report = reconcile(money, _entries(money), {"甘州区": (30_000, 0)}, opening_budget=100_000)
    assert report["consistent"], report["problems"]


def test_nothing_unpaid_is_returned_or_refunded():
    money = FundMoney(100_000)
    money.reserve(1, "甘州区", 30_000)
    for move in (lambda: money.return_payment(1, "甘州区", 30_000, batch_id=1),
                 lambda: money.refund(1, "甘州区", 30_000)):
        with pytest.raises(MoneyError, match="exceeds what is paid"):
            move()
    assert (money.fund.granted, money.fund.paid) == (30_000, 0)
    assert [e.kind for e in money.entries] == ["reserve"]
