from services.common.money import BadAmount, to_fen, to_yuan
from services.subsidies import domain

import pytest


def facts(tier="grassroots", participants=40, expenses="1500.00"):
    return {"tier": tier, "participants": participants, "expenses": expenses}


def test_money_round_trips_exactly():
    assert to_fen("290.00") == 29000 and to_fen("0.5") == 50 and to_fen("7") == 700
    assert to_yuan(29000) == "290.00" and to_yuan(5) == "0.05"
    for bad in ("-1.00", "1.234", "1e3", "", "abc", None, "01.00"):
        with pytest.raises(BadAmount):
            to_fen(bad)


@pytest.mark.parametrize("tier, participants, expenses, amount", [
    ("grassroots", 40, "1500.00", 35000),    # 150 + 200, under every cap
    ("grassroots", 40, "500.00", 25000),     # capped at half the expenses
    ("grassroots", 200, "9000.00", 80000),   # capped at 800 per grassroots activity
    ("county", 100, "20000.00", 150000),     # 1000 + 500
    ("county", 1000, "50000.00", 500000),    # capped at 5000
    ("city", 2000, "100000.00", 1000000),    # capped at 10000
    ("grassroots", 10, "0.00", 0),           # nothing spent, nothing granted
])
def test_the_default_policy(tier, participants, expenses, amount):
    calc = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY, facts(tier, participants, expenses))
    assert calc.amount == amount
    assert len(calc.explanation) == 4


def test_a_decision_never_takes_more_than_the_fund_has():
    calc = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY, facts())
    assert domain.decide(calc, 35000).status == "granted"
    short = domain.decide(calc, 34999)
    assert (short.status, short.amount, short.reason) == ("declined", 0, "budget_exhausted")
    assert domain.decide(calc, None).reason == "no_fund"
    nothing = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY, facts(expenses="0.00"))
    assert domain.decide(nothing, 10 ** 9).reason == "not_eligible"
    assert domain.decide(calc, 35000).explanation[-1].endswith("核定补助 350.00 元")


def test_thresholds_are_announced_once_each():
    assert domain.thresholds_crossed(1000, 700, 800, 0) == [80]
    assert domain.thresholds_crossed(1000, 800, 900, 80) == []
    assert domain.thresholds_crossed(1000, 700, 1000, 0) == [80, 100]
    assert domain.thresholds_crossed(1000, 900, 1000, 80) == [100]
