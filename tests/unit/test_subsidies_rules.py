"""The pure rules of subsidies: money in fen, the default policy, documents, multipliers,
caps, decisions, thresholds, versions, allocations and the ledger."""
import copy
from datetime import date

import pytest

from services.common.money import BadAmount, to_fen, to_yuan
from services.subsidies import domain

V2 = domain.DIFFERENTIATED_ACTIVITY_POLICY


def facts(**overrides):
    base = {"tier": "grassroots", "category": "reading", "county": "甘州区", "participants": 40,
            "expenses": "1500.00", "season_theme_match": None, "lecturer_satisfaction": None,
            "union_granted_fen": 0}
    base.update(overrides)
    return base


def test_the_shipped_documents_are_valid():
    assert domain.validate_policy("activity", domain.DEFAULT_ACTIVITY_POLICY) == {}
    assert domain.validate_policy("activity", V2) == {}
    assert domain.validate_policy("venue", domain.DEFAULT_VENUE_POLICY) == {}


@pytest.mark.parametrize("change, key", [
    (lambda d: d["rules"][1]["by_tier"].pop("city"), "document.rules.1.by_tier"),
    (lambda d: d["rules"][3].update(factor="1.234"), "document.rules.3.factor"),
    (lambda d: d["rules"][3].update(when="weather"), "document.rules.3.when"),
    (lambda d: d["rules"][4].pop("counties"), "document.rules.4.counties"),
    (lambda d: d["rules"][5].update(at_least="95%"), "document.rules.5.at_least"),
    (lambda d: d["rules"][6].update(percent=0), "document.rules.6.percent"),
    (lambda d: d["rules"][7].update(extra=1), "document.rules.7.extra"),
    (lambda d: d["rules"][8].update(amount="100.00"), "document.rules.8"),
    (lambda d: d["rules"].insert(0, {"type": "per_participant", "amount": "5.00"}),
     "document.rules.0.type"),
    (lambda d: d["rules"].append({"type": "base", "by_tier": d["rules"][1]["by_tier"]}),
     "document.rules.9.type"),
    (lambda d: d["rules"].append({"type": "venue_threshold", "min_total": 80}),
     "document.rules.9.type"),
    (lambda d: d.update(rules=[]), "document.rules"),
    (lambda d: d.update(name=""), "document.name"),
    (lambda d: d.update(author="x"), "document"),
])
def test_a_bad_rule_is_named(change, key):
    document = copy.deepcopy(V2)
    change(document)
    errors = domain.validate_policy("activity", document)
    assert key in errors, errors


def test_a_venue_policy_refuses_activity_rules():
    document = copy.deepcopy(domain.DEFAULT_VENUE_POLICY)
    document["rules"].append({"type": "per_participant", "amount": "1.00"})
    document["rules"][4] = {"type": "cap_per_activity", "by_tier": V2["rules"][7]["by_tier"]}
    errors = domain.validate_policy("venue", document)
    assert "document.rules.5.type" in errors and "document.rules.4.by_purpose" in errors


@pytest.mark.parametrize("overrides, amount", [
    ({}, 35000),                                              # 150 + 200
    ({"season_theme_match": True}, 42000),                    # x 1.2
    ({"county": "肃南裕固族自治县"}, 45500),                     # x 1.3
    ({"category": "lecture"}, 40000),                         # lecture base 200 + 200
    ({"category": "lecture", "lecturer_satisfaction": "0.95"}, 44000),  # at 95%: x 1.1
    ({"category": "lecture", "lecturer_satisfaction": "0.9499"}, 40000),
    ({"season_theme_match": True, "county": "肃南裕固族自治县"}, 54600),
    ({"participants": 200, "expenses": "9000.00", "season_theme_match": True}, 80000),  # cap
    ({"expenses": "600.00", "season_theme_match": True}, 30000),  # half the expenses
    ({"union_granted_fen": 480000}, 20000),                   # 200 left under the 5,000 cap
])
def test_the_differentiated_policy(overrides, amount):
    calc = domain.calculate(V2, facts(**overrides))
    assert (calc.amount, calc.reason) == (amount, None)
    assert len(calc.explanation) == len(V2["rules"])


def test_reasons_that_decline_whatever_the_fund():
    few = domain.calculate(V2, facts(participants=4))
    assert (few.amount, few.reason, len(few.explanation)) == (0, "not_eligible", 1)
    assert domain.decide(few, 10 ** 9).reason == "not_eligible"
    capped = domain.calculate(V2, facts(union_granted_fen=500000))
    assert (capped.amount, capped.reason) == (0, "union_cap_reached")
    assert "已达上限" in capped.explanation[-1]
    assert domain.decide(capped, 10 ** 9).status == "declined"


def test_rounding_is_half_up_to_the_fen():
    document = {"name": "x", "rules": [
        {"type": "base", "by_tier": {"grassroots": "0.05", "county": "0", "city": "0"}},
        {"type": "multiplier", "when": "season_theme", "factor": "1.1"}]}
    assert domain.validate_policy("activity", document) == {}
    assert domain.calculate(document, facts(season_theme_match=True)).amount == 6  # 5.5 -> 6


def test_a_county_allocation_or_the_pool_must_also_have_the_money():
    calc = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY, facts())        # 350.00
    allocations = {"甘州区": (40000, 10000)}
    room = domain.allocation_room(100000, 10000, allocations, "甘州区")
    assert room == ("甘州区分配额度", 30000)
    short = domain.decide(calc, 90000, room)
    assert (short.status, short.reason) == ("declined", "budget_exhausted")
    pool = domain.allocation_room(100000, 10000, allocations, "临泽县")
    assert pool == ("未分配额度", 60000)
    assert domain.decide(calc, 90000, pool).status == "granted"
    assert domain.allocation_room(100000, 0, {}, "临泽县") is None


def test_allocations_are_checked_against_budget_and_grants():
    counties = ["甘州区", "临泽县"]
    ok = [{"county": "甘州区", "budget": 500}, {"county": "临泽县", "budget": 500}]
    assert domain.validate_allocations(1000, ok, {}, counties) == {}
    assert "allocations" in domain.validate_allocations(999, ok, {}, counties)
    twice = [{"county": "甘州区", "budget": 1}, {"county": "甘州区", "budget": 1}]
    assert "allocations.1.county" in domain.validate_allocations(1000, twice, {}, counties)
    assert "allocations.0.budget" in domain.validate_allocations(1000, ok, {"甘州区": 600},
                                                                 counties)
    # 临泽县 keeps no allocation but was granted 300 from the pool: 100 would be too little
    one = [{"county": "甘州区", "budget": 900}]
    assert "allocations" in domain.validate_allocations(1000, one, {"临泽县": 300}, counties)


def test_the_version_in_force_follows_the_approval_date():
    versions = [(1, date(2000, 1, 1)), (2, date(2027, 1, 1)), (3, None)]
    assert domain.policy_in_force(versions, date(2026, 12, 31)) == 1
    assert domain.policy_in_force(versions, date(2027, 1, 1)) == 2
    assert domain.policy_in_force([(3, None)], date(2027, 1, 1)) is None  # drafts never apply
    assert domain.policy_in_force([(2, date(2027, 1, 1))], date(2026, 1, 1)) == 2


def test_the_ledger_recomputes_the_figures():
    entries = [("reserve", 35000), ("reserve", 20000), ("release", 20000), ("pay", 35000)]
    assert domain.ledger_figures(entries) == (35000, 35000)


def test_venue_rules():
    venue = {"kind": "book_house", "county": "甘州区", "rating": "good", "total": 88,
             "purpose": "construction"}
    policy = domain.DEFAULT_VENUE_POLICY
    assert domain.calculate(policy, venue).amount == 2000000
    assert domain.calculate(policy, dict(venue, purpose="upkeep")).amount == 500000
    assert domain.calculate(policy, dict(venue, kind="shared_book_house")).amount == 1000000
    excellent_remote = dict(venue, rating="excellent", county="肃南裕固族自治县",
                            kind="culture_palace")
    assert domain.calculate(policy, excellent_remote).amount == 6000000  # 78,000 capped
    below = domain.calculate(policy, dict(venue, rating="pass"))
    assert (below.amount, below.reason) == (0, "not_eligible")
    assert domain.year_of_period("2026-Q3") == 2026 and domain.year_of_period("x") is None


# the default policy (version 1), decisions and thresholds ----------------------------
def default_facts(tier="grassroots", participants=40, expenses="1500.00"):
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
    calc = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY,
                            default_facts(tier, participants, expenses))
    assert calc.amount == amount
    assert len(calc.explanation) == 4


def test_a_decision_never_takes_more_than_the_fund_has():
    calc = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY, default_facts())
    assert domain.decide(calc, 35000).status == "granted"
    short = domain.decide(calc, 34999)
    assert (short.status, short.amount, short.reason) == ("declined", 0, "budget_exhausted")
    assert domain.decide(calc, None).reason == "no_fund"
    nothing = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY, default_facts(expenses="0.00"))
    assert domain.decide(nothing, 10 ** 9).reason == "not_eligible"
    assert domain.decide(calc, 35000).explanation[-1].endswith("核定补助 350.00 元")


def test_thresholds_are_announced_once_each():
    assert domain.thresholds_crossed(1000, 700, 800, 0) == [80]
    assert domain.thresholds_crossed(1000, 800, 900, 80) == []
    assert domain.thresholds_crossed(1000, 700, 1000, 0) == [80, 100]
    assert domain.thresholds_crossed(1000, 900, 1000, 80) == [100]


# the last one that does not fit (when_budget_short) -----------------------------------
def test_the_last_one_short_is_declined_unless_the_policy_grants_what_is_left():
    calc = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY, default_facts())   # 350.00
    none = domain.decide(calc, 15000)
    assert (none.status, none.amount, none.reason) == ("declined", 0, "budget_exhausted")
    assert none.explanation[-1] == "资金剩余 150.00 元，不足 350.00 元：预算已用尽，不予补助"
    assert domain.decide(calc, 15000, when_budget_short="none").status == "declined"
    partial = domain.decide(calc, 15000, when_budget_short="partial")
    assert (partial.status, partial.amount, partial.reason) == ("granted", 15000, None)
    assert partial.explanation[-1] == "资金剩余 150.00 元，不足 350.00 元：按剩余金额核定补助 150.00 元"
    assert partial.explanation[:-1] == calc.explanation
    fits = domain.decide(calc, 35000, when_budget_short="partial")
    assert (fits.amount, fits.explanation[-1]) == (35000, "资金剩余 350.00 元，核定补助 350.00 元")
    empty = domain.decide(calc, 0, when_budget_short="partial")
    assert (empty.status, empty.reason) == ("declined", "budget_exhausted")


def test_a_partial_grant_is_what_the_tighter_of_fund_and_allocation_has_left():
    calc = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY, default_facts())   # 350.00
    by_allocation = domain.decide(calc, 90000, ("临泽县分配额度", 12000), "partial")
    assert by_allocation.amount == 12000
    assert by_allocation.explanation[-1] == (
        "临泽县分配额度剩余 120.00 元，不足 350.00 元：按剩余金额核定补助 120.00 元")
    by_fund = domain.decide(calc, 10000, ("未分配额度", 30000), "partial")
    assert by_fund.amount == 10000 and by_fund.explanation[-1].startswith("资金剩余 100.00 元")
    used_up = domain.decide(calc, 90000, ("临泽县分配额度", 0), "partial")
    assert (used_up.status, used_up.reason) == ("declined", "budget_exhausted")
    assert used_up.explanation[-1].startswith("临泽县分配额度剩余 0.00 元")


def test_the_reasons_that_come_before_the_money_are_not_turned_into_a_partial_grant():
    few = domain.calculate(V2, facts(participants=4))
    assert domain.decide(few, 100, when_budget_short="partial").reason == "not_eligible"
    capped = domain.calculate(V2, facts(union_granted_fen=500000))
    assert domain.decide(capped, 100, when_budget_short="partial").reason == "union_cap_reached"
    assert domain.decide(domain.calculate(V2, facts()), None, None,
                         "partial").reason == "no_fund"
    document = dict(V2, when_budget_short="partial")
    assert domain.validate_policy("activity", document) == {}
