"""The rules a policy document can now say (issue 19): multipliers by category and by
tier, the first-time bonus, the yearly cap per union as the federation needs it, and the
order of versions (every published version can apply; a date has one version)."""
import copy
from datetime import date

import pytest

from services.subsidies import domain
from services.subsidies.domain.policies import publication_problems

V1 = domain.DEFAULT_ACTIVITY_POLICY


def facts(**overrides):
    base = {"tier": "grassroots", "category": "reading", "county": "甘州区", "participants": 40,
            "expenses": "1500.00", "season_theme_match": None, "lecturer_satisfaction": None,
            "union_granted_fen": 0, "union_decisions_before": 3}
    base.update(overrides)
    return base


def with_rules(*rules, base=None):
    """Version 1 with `rules` after per_participant (before the caps)."""
    document = copy.deepcopy(V1)
    document["rules"][2:2] = [copy.deepcopy(r) for r in rules]
    if base is not None:
        document["rules"][0] = base
    assert domain.validate_policy("activity", document) == {}
    return document


CATEGORY = {"type": "multiplier", "when": "category", "categories": ["lecture", "women"],
            "factor": "1.10"}
TIER = {"type": "multiplier", "when": "tier", "tiers": ["grassroots"], "factor": "1.50"}
BONUS = {"type": "first_time_bonus", "amount": "100.00"}


@pytest.mark.parametrize("overrides, amount, line", [
    ({"category": "lecture"}, 38500, "活动类别加成（宣讲类活动属于加成范围）× 1.10：350.00 元 → 385.00 元"),
    ({"category": "women"}, 38500, "女职工类活动属于加成范围"),
    ({"category": "reading"}, 35000, "活动类别加成（读书类活动不属于加成范围）：不适用，仍为 350.00 元"),
])
def test_a_multiplier_by_category(overrides, amount, line):
    calc = domain.calculate(with_rules(CATEGORY), facts(**overrides))
    assert calc.amount == amount and calc.reason is None
    assert any(line in text for text in calc.explanation), calc.explanation


def test_a_multiplier_by_tier_multiplies_only_its_tiers():
    document = with_rules(TIER)
    grassroots = domain.calculate(document, facts())
    assert grassroots.amount == 52500  # 350 x 1.5
    assert "活动层级加成（基层活动属于加成范围）× 1.50：350.00 元 → 525.00 元" in \
        grassroots.explanation
    county = domain.calculate(document, facts(tier="county", expenses="9000.00"))
    assert county.amount == 120000  # 1000 + 200, not multiplied
    assert "活动层级加成（县级活动不属于加成范围）：不适用，仍为 1200.00 元" in county.explanation


def test_category_and_tier_multipliers_apply_one_after_the_other_before_the_caps():
    calc = domain.calculate(with_rules(CATEGORY, TIER), facts(category="lecture"))
    # 350 x 1.10 = 385.00, x 1.50 = 577.50; under 750 (half the spend) and 800
    assert calc.amount == 57750
    capped = domain.calculate(with_rules(CATEGORY, TIER),
                              facts(category="lecture", expenses="1000.00"))
    assert capped.amount == 50000 and "核减为 500.00 元" in capped.explanation[-2]


def test_the_first_time_bonus_goes_to_a_union_that_never_reported():
    document = with_rules(BONUS)
    first = domain.calculate(document, facts(union_decisions_before=0))
    assert first.amount == 45000
    assert "首次申报奖励（该工会首次申报）：加 100.00 元，小计 450.00 元" in first.explanation
    again = domain.calculate(document, facts(union_decisions_before=1))
    assert again.amount == 35000
    assert "首次申报奖励（该工会此前已有 1 次补助决定）：不适用，仍为 350.00 元" in again.explanation
    unknown = domain.calculate(document, facts(union_decisions_before=None))
    assert unknown.amount == 35000 and "无该工会以往申报记录信息" in unknown.explanation[2]
    # a bonus is part of the amount, so the caps still hold it
    capped = domain.calculate(document, facts(union_decisions_before=0, expenses="800.00"))
    assert capped.amount == 40000


def test_each_new_rule_adds_one_line():
    document = with_rules(CATEGORY, TIER, BONUS)
    calc = domain.calculate(document, facts(union_decisions_before=0))
    assert len(calc.explanation) == len(document["rules"])


@pytest.mark.parametrize("rule, key", [
    ({"type": "multiplier", "when": "category", "factor": "1.10"}, "categories"),
    ({"type": "multiplier", "when": "category", "categories": [], "factor": "1.10"},
     "categories"),
    ({"type": "multiplier", "when": "category", "categories": ["chess"], "factor": "1.10"},
     "categories"),
    ({"type": "multiplier", "when": "tier", "factor": "1.10"}, "tiers"),
    ({"type": "multiplier", "when": "tier", "tiers": ["township"], "factor": "1.10"}, "tiers"),
    ({"type": "multiplier", "when": "tier", "tiers": ["city"], "categories": ["lecture"],
      "factor": "1.10"}, "categories"),
    ({"type": "multiplier", "when": "season_theme", "tiers": ["city"], "factor": "1.10"},
     "tiers"),
    ({"type": "first_time_bonus"}, "amount"),
    ({"type": "first_time_bonus", "amount": "1.234"}, "amount"),
    ({"type": "first_time_bonus", "amount": "100.00", "tiers": ["city"]}, "tiers"),
])
def test_a_bad_new_rule_is_named(rule, key):
    document = copy.deepcopy(V1)
    document["rules"].insert(2, rule)
    errors = domain.validate_policy("activity", document)
    assert "document.rules.2.%s" % key in errors, errors


def test_new_rules_need_the_base_first_and_are_for_activities():
    document = copy.deepcopy(V1)
    document["rules"].insert(0, dict(BONUS))
    assert "document.rules.0.type" in domain.validate_policy("activity", document)
    venue = copy.deepcopy(domain.DEFAULT_VENUE_POLICY)
    venue["rules"].append(dict(BONUS))
    venue["rules"].append(dict(CATEGORY))
    errors = domain.validate_policy("venue", venue)
    assert "document.rules.5.type" in errors and "document.rules.6.when" in errors


def test_the_union_cap_counts_the_year_so_far_cuts_the_last_grant_and_then_declines():
    cap = {"type": "cap_per_union_year", "amount": "1000.00"}
    document = copy.deepcopy(V1)
    document["rules"].append(cap)
    used, amounts = 0, []
    for _ in range(4):  # 350 a time against 1,000 a year
        calc = domain.calculate(document, facts(union_granted_fen=used))
        amounts.append((calc.amount, calc.reason))
        used += calc.amount
    assert amounts == [(35000, None), (35000, None), (30000, None), (0, "union_cap_reached")]
    by_tier = copy.deepcopy(domain.DIFFERENTIATED_ACTIVITY_POLICY)
    county = domain.calculate(by_tier, facts(tier="county", union_granted_fen=2999900,
                                             expenses="9000.00"))
    assert county.amount == 100 and "尚余 1.00 元" in county.explanation[-1]


# versions ---------------------------------------------------------------------------------
D = date


@pytest.mark.parametrize("published, version, day, problems", [
    ([(1, D(2000, 1, 1))], 2, D(2027, 1, 1), 0),
    ([(1, D(2000, 1, 1)), (3, D(2027, 1, 1))], 2, D(2027, 2, 1), 1),   # the case
    ([(1, D(2000, 1, 1)), (3, D(2027, 1, 1))], 2, D(2027, 1, 1), 1),   # one date, two versions
    ([(1, D(2000, 1, 1)), (3, D(2027, 1, 1))], 2, D(2026, 12, 1), 0),  # between 1 and 3
    ([(1, D(2000, 1, 1)), (2, D(2027, 1, 1))], 3, D(2027, 1, 1), 1),   # same day as v2
    ([(1, D(2000, 1, 1)), (2, D(2027, 1, 1))], 3, D(2026, 6, 1), 1),   # before v2
    ([(1, D(2027, 3, 1)), (3, D(2027, 1, 1))], 2, D(2027, 2, 1), 2),   # both bounds broken
])
def test_a_publication_must_be_able_to_apply(published, version, day, problems):
    assert len(publication_problems(published, version, day)) == problems


def test_the_problem_names_the_version_in_the_way():
    (problem,) = publication_problems([(1, D(2000, 1, 1)), (3, D(2027, 1, 1))], 2,
                                      D(2027, 2, 1))
    assert problem == "before 2027-01-01, the effective date of the later version 3"


def test_with_ordered_dates_the_version_in_force_is_the_latest_date_on_or_before():
    versions = [(1, D(2000, 1, 1)), (2, D(2026, 12, 1)), (3, D(2027, 1, 1)), (4, None)]
    for version, day in [(v, d) for v, d in versions if d is not None]:
        others = [(v, d) for v, d in versions if d is not None and v != version]
        assert publication_problems(others, version, day) == []
    assert domain.policy_in_force(versions, D(2026, 11, 30)) == 1
    assert domain.policy_in_force(versions, D(2026, 12, 1)) == 2
    assert domain.policy_in_force(versions, D(2026, 12, 31)) == 2
    assert domain.policy_in_force(versions, D(2027, 6, 1)) == 3
