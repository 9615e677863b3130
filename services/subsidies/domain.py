"""Differentiated subsidies (差异化奖补): a policy is data, applied rule by rule.

Amounts are integer fen throughout; every rule adds one line of explanation, in
Chinese first because union staff read it.
"""
from dataclasses import dataclass, field

from services.common.money import to_fen, to_yuan

TIER_NAMES = {"city": "市级", "county": "县级", "grassroots": "基层"}

# 职工文体活动补助办法, version 1: the default policy.
DEFAULT_ACTIVITY_POLICY = {
    "name": "职工文体活动补助办法",
    "rules": [
        {"type": "base", "by_tier": {"grassroots": "150.00", "county": "1000.00",
                                     "city": "3000.00"}},
        {"type": "per_participant", "amount": "5.00"},
        {"type": "cap_share_of_expenses", "percent": 50},
        {"type": "cap_per_activity", "by_tier": {"grassroots": "800.00", "county": "5000.00",
                                                 "city": "10000.00"}},
    ],
}

DECLINE_REASONS = ("budget_exhausted", "union_cap_reached", "not_eligible", "no_fund")


@dataclass
class Calculation:
    amount: int = 0
    explanation: list = field(default_factory=list)


def calculate(policy, activity):
    """What the policy grants for an activity, before the fund is consulted."""
    calc = Calculation()
    for rule in policy["rules"]:
        APPLY[rule["type"]](rule, activity, calc)
    return calc


def _base(rule, activity, calc):
    calc.amount = to_fen(rule["by_tier"][activity["tier"]])
    calc.explanation.append("基础补助（%s活动）：%s 元" % (TIER_NAMES[activity["tier"]],
                                                  to_yuan(calc.amount)))


def _per_participant(rule, activity, calc):
    each = to_fen(rule["amount"])
    extra = each * activity["participants"]
    calc.amount += extra
    calc.explanation.append("参与人数 %d 人 × %s 元 = %s 元，小计 %s 元" % (
        activity["participants"], to_yuan(each), to_yuan(extra), to_yuan(calc.amount)))


def _cap_share_of_expenses(rule, activity, calc):
    expenses = to_fen(activity["expenses"])
    cap = expenses * rule["percent"] // 100
    _cap(calc, cap, "不超过实际支出 %s 元的 %d%%（%s 元）" % (
        to_yuan(expenses), rule["percent"], to_yuan(cap)))


def _cap_per_activity(rule, activity, calc):
    cap = to_fen(rule["by_tier"][activity["tier"]])
    _cap(calc, cap, "%s活动单项上限 %s 元" % (TIER_NAMES[activity["tier"]], to_yuan(cap)))


def _cap(calc, cap, label):
    if calc.amount > cap:
        calc.amount = cap
        calc.explanation.append("%s：核减为 %s 元" % (label, to_yuan(cap)))
    else:
        calc.explanation.append("%s：未超出，仍为 %s 元" % (label, to_yuan(calc.amount)))


APPLY = {
    "base": _base,
    "per_participant": _per_participant,
    "cap_share_of_expenses": _cap_share_of_expenses,
    "cap_per_activity": _cap_per_activity,
}


@dataclass
class Decision:
    status: str
    amount: int
    reason: str | None
    explanation: list


def decide(calc, fund_remaining):
    """Grant what the policy says if the fund still has it; otherwise decline, with a reason."""
    lines = list(calc.explanation)
    if fund_remaining is None:
        lines.append("本年度无可用的活动补助资金：不予补助")
        return Decision("declined", 0, "no_fund", lines)
    if calc.amount <= 0:
        lines.append("核定金额为 0：不予补助")
        return Decision("declined", 0, "not_eligible", lines)
    if calc.amount > fund_remaining:
        lines.append("资金剩余 %s 元，不足 %s 元：预算已用尽，不予补助" % (
            to_yuan(fund_remaining), to_yuan(calc.amount)))
        return Decision("declined", 0, "budget_exhausted", lines)
    lines.append("资金剩余 %s 元，核定补助 %s 元" % (to_yuan(fund_remaining), to_yuan(calc.amount)))
    return Decision("granted", calc.amount, None, lines)


THRESHOLDS = (80, 100)


def thresholds_crossed(budget, granted_before, granted_after, announced):
    """Usage thresholds (percent) that this grant crossed and nobody announced yet."""
    if budget <= 0:
        return []
    return [t for t in THRESHOLDS
            if t > announced and granted_before * 100 < t * budget <= granted_after * 100]
