"""Money in one place (services.subsidies.domain.money), on its own: every movement keeps
the invariant and writes its ledger entry; the figures are the fold of the ledger."""
import pytest

from services.subsidies.domain import Account, Entry, FundMoney, MoneyError, reconcile, replay

COUNTIES = ["甘州区", "临泽县", "高台县"]


def fund(budget=100000, split=()):
    money = FundMoney(budget)
    assert money.reallocate([{"county": c, "budget": b} for c, b in split], {}, COUNTIES) == {}
    return money


def ledger(money):
    return [(e.kind, e.amount, e.county) for e in money.entries]


def test_reserve_counts_in_the_fund_the_allocation_and_the_unions_year():
    money = fund(split=[("临泽县", 30000)])
    union = Account(None, 5000)
    assert money.reserve(1, "临泽县", 20000, union) == []
    assert (money.fund.granted, money.remaining) == (20000, 80000)
    assert money.allocations["临泽县"].granted == 20000 and union.granted == 25000
    assert money.entries == [Entry("reserve", 20000, 1, "临泽县")]
    assert money.room("临泽县") == ("临泽县分配额度", 10000)
    assert money.room("甘州区") == ("未分配额度", 70000)
    assert money.problems() == []


def test_reserve_never_overspends_the_fund_nor_an_allocation_nor_the_pool():
    money = fund(budget=50000, split=[("临泽县", 20000)])
    for county, amount in (("临泽县", 20001), ("甘州区", 30001), ("甘州区", 50001)):
        with pytest.raises(MoneyError):
            money.reserve(1, county, amount)
    assert (money.fund.granted, money.entries) == (0, [])
    money.reserve(1, "甘州区", 30000)
    money.reserve(2, "临泽县", 20000)
    assert money.remaining == 0
    with pytest.raises(MoneyError):
        money.reserve(3, "高台县", 1)


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, "1"])
def test_an_amount_is_positive_fen(amount):
    with pytest.raises(MoneyError):
        fund().reserve(1, "甘州区", amount)


def test_thresholds_are_announced_once_by_the_reserve_that_crosses_them():
    money = fund(budget=1000)
    assert money.reserve(1, "甘州区", 700) == []
    assert money.reserve(2, "甘州区", 100) == [80]
    assert money.reserve(3, "甘州区", 100) == []
    assert money.reserve(4, "甘州区", 100) == [100] and money.announced_percent == 100
    assert FundMoney(1000).reserve(1, "甘州区", 1000) == [80, 100]


def test_release_gives_back_only_what_is_granted_and_unpaid():
    money = fund(split=[("临泽县", 30000)])
    union = Account(None)
    money.reserve(1, "临泽县", 20000, union)
    money.pay(1, "临泽县", 20000, batch_id=9)
    with pytest.raises(MoneyError):
        money.release(1, "临泽县", 20000, union)  # paid: nothing to release
    money.reserve(2, "临泽县", 5000, union)
    money.release(2, "临泽县", 5000, union, note="finance 撤销：重复申报")
    assert (money.fund.granted, money.fund.paid, union.granted) == (20000, 20000, 20000)
    assert money.allocations["临泽县"].granted == 20000
    assert money.entries[-1] == Entry("release", 5000, 2, "临泽县", note="finance 撤销：重复申报")


def test_pay_is_within_what_is_granted():
    money = fund()
    money.reserve(1, "甘州区", 300)
    with pytest.raises(MoneyError):
        money.pay(1, "甘州区", 301, batch_id=1)
    money.pay(1, "甘州区", 300, batch_id=1, note="BANK-1")
    assert (money.fund.granted, money.fund.paid) == (300, 300)
    assert money.entries[-1] == Entry("pay", 300, 1, "甘州区", 1, "BANK-1")
    with pytest.raises(MoneyError):
        money.pay(1, "甘州区", 1, batch_id=2)


def test_reallocate_keeps_what_counties_were_granted():
    money = fund(budget=100000)
    decided = {"临泽县": (20000, 5000), "甘州区": (10000, 0)}
    errors = money.reallocate([{"county": "临泽县", "budget": 10000}], decided, COUNTIES)
    assert "allocations.0.budget" in errors and money.allocations == {}
    errors = money.reallocate([{"county": "临泽县", "budget": 95000}], decided, COUNTIES)
    assert "allocations" in errors  # the pool left is below 甘州区's grants
    assert money.reallocate([{"county": "临泽县", "budget": 50000}], decided, COUNTIES) == {}
    assert money.allocations == {"临泽县": Account(50000, 20000, 5000)}


def test_the_figures_are_the_fold_of_the_ledger():
    money = fund(split=[("临泽县", 30000)])
    money.reserve(1, "临泽县", 20000)
    money.reserve(2, "甘州区", 7000)
    money.release(2, "甘州区", 7000)
    money.pay(1, "临泽县", 20000, batch_id=1)
    replayed = replay(100000, {"临泽县": 30000}, ledger(money))
    assert (replayed.fund.granted, replayed.fund.paid) == (money.fund.granted, money.fund.paid)
    assert replayed.allocations == money.allocations
    report = reconcile(money, ledger(money), {"临泽县": (20000, 20000)})
    assert report["consistent"] and report["problems"] == []
    assert report["ledger"] == {"budget": 100000, "granted": 20000, "paid": 20000, "entries": 4}
    assert report["allocations"] == [{"county": "临泽县", "budget": 30000, "granted": 20000,
                                      "paid": 20000, "ledger_granted": 20000,
                                      "ledger_paid": 20000}]


def test_reconciliation_names_drift_and_broken_invariants_without_repairing():
    money = fund(budget=1000, split=[("临泽县", 500)])
    money.reserve(1, "临泽县", 400)
    entries = ledger(money)
    money.fund.granted = 1200                       # drift: stored, not in the ledger
    money.allocations["临泽县"].paid = 450          # paid more than granted
    report = reconcile(money, entries, {"临泽县": (400, 0)})
    assert not report["consistent"]
    assert report["problems"] == [
        "granted (ledger): stored 12.00, recomputed 4.00",
        "granted (decisions): stored 12.00, recomputed 4.00",
        "granted exceeds the budget",
        "临泽县 paid: stored 4.50, recomputed 0.00",
        "临泽县: paid exceeds granted"]
    assert money.fund.granted == 1200 and report["remaining"] == -200
