"""Calculation: facts in, amount and explanation out; then the decision against what the
fund (and its county allocation) has, and which version of a policy applies.

Amounts are integer fen throughout; every rule adds one line of explanation, in
Chinese first because union staff read it. No nameko, no SQLAlchemy here.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from services.common.money import to_fen, to_yuan
from services.subsidies.contract import (CATEGORY_NAMES, PURPOSE_NAMES, RATING_NAMES, RATINGS,
                                         TIER_NAMES)


@dataclass
class Calculation:
    amount: int = 0
    explanation: list = field(default_factory=list)
    reason: str | None = None          # not_eligible | union_cap_reached: no grant whatever
    purpose: str | None = None         # venue subsidies: construction | upkeep


def calculate(policy, facts):
    """What the policy grants, before the fund is consulted.

    facts: the activity's (tier, category, county, participants, expenses as yuan,
    season_theme_match, lecturer_satisfaction) plus union_granted_fen, the union's
    subsidies of the year so far; or a venue's (kind, county, rating, total, purpose).
    """
    calc = Calculation(purpose=facts.get("purpose"))
    for rule in policy["rules"]:
        if calc.reason is not None:
            break
        APPLY[rule["type"]](rule, facts, calc)
    return calc


def _eligibility(rule, facts, calc):
    problems = []
    if "min_participants" in rule and facts["participants"] < rule["min_participants"]:
        problems.append("参与人数 %d 人，少于 %d 人" % (facts["participants"],
                                                rule["min_participants"]))
    if "categories" in rule and facts["category"] not in rule["categories"]:
        problems.append("活动类别“%s”不在补助范围内" % CATEGORY_NAMES.get(facts["category"],
                                                           facts["category"]))
    if problems:
        calc.amount, calc.reason = 0, "not_eligible"
        calc.explanation.append("补助条件：%s，不予补助" % "；".join(problems))
    else:
        calc.explanation.append("补助条件：符合")


def _base(rule, facts, calc):
    tier, category = facts["tier"], facts.get("category")
    by_category = rule.get("by_category", {}).get(category, {})
    if tier in by_category:
        calc.amount = to_fen(by_category[tier])
        calc.explanation.append("基础补助（%s%s活动）：%s 元" % (
            TIER_NAMES[tier], CATEGORY_NAMES.get(category, category), to_yuan(calc.amount)))
    else:
        calc.amount = to_fen(rule["by_tier"][tier])
        calc.explanation.append("基础补助（%s活动）：%s 元" % (TIER_NAMES[tier],
                                                      to_yuan(calc.amount)))


def _per_participant(rule, facts, calc):
    each = to_fen(rule["amount"])
    counted = facts["participants"]
    note = ""
    if "max_participants" in rule and counted > rule["max_participants"]:
        counted = rule["max_participants"]
        note = "（按上限 %d 人计）" % counted
    extra = each * counted
    calc.amount += extra
    calc.explanation.append("参与人数 %d 人%s × %s 元 = %s 元，小计 %s 元" % (
        facts["participants"], note, to_yuan(each), to_yuan(extra), to_yuan(calc.amount)))


def _multiplier(rule, facts, calc):
    label, applies, why = WHEN[rule["when"]](rule, facts)
    factor = rule["factor"]
    if applies:
        before = calc.amount
        calc.amount = _scale(before, factor)
        calc.explanation.append("%s（%s）× %s：%s 元 → %s 元" % (
            label, why, factor, to_yuan(before), to_yuan(calc.amount)))
    else:
        calc.explanation.append("%s（%s）：不适用，仍为 %s 元" % (label, why, to_yuan(calc.amount)))


# when a multiplier applies: when -> (rule, facts) -> (label, applies, why)
def _when_season_theme(rule, facts):
    applies = facts.get("season_theme_match") is True
    return "季节主题加成", applies, ("活动契合本季主题" if applies
                                 else "活动未契合本季主题或无主题信息")


def _when_remote_county(rule, facts):
    applies = facts.get("county") in rule["counties"]
    return "偏远县区加成", applies, "%s%s偏远县区" % (facts.get("county"),
                                                "属于" if applies else "不属于")


def _when_lecture_satisfaction(rule, facts):
    satisfaction = _ratio(facts.get("lecturer_satisfaction"))
    threshold = Decimal(rule["at_least"])
    applies = satisfaction is not None and satisfaction >= threshold
    if satisfaction is None:
        return "宣讲满意度加成", False, "无宣讲满意度数据"
    return "宣讲满意度加成", applies, "满意度 %s%%，%s %s%%" % (
        _percent(satisfaction), "达到" if applies else "低于", _percent(threshold))


def _when_rating(rule, facts):
    return "评定等级加成", facts.get("rating") in rule["ratings"], "评定等级为%s" % (
        RATING_NAMES.get(facts.get("rating"), facts.get("rating")))


def _when_category(rule, facts):
    category = facts.get("category")
    applies = category in rule["categories"]
    return "活动类别加成", applies, "%s类活动%s加成范围" % (
        CATEGORY_NAMES.get(category, category), "属于" if applies else "不属于")


def _when_tier(rule, facts):
    tier = facts.get("tier")
    applies = tier in rule["tiers"]
    return "活动层级加成", applies, "%s活动%s加成范围" % (
        TIER_NAMES.get(tier, tier), "属于" if applies else "不属于")


WHEN = {
    "season_theme": _when_season_theme,
    "remote_county": _when_remote_county,
    "lecture_satisfaction": _when_lecture_satisfaction,
    "rating": _when_rating,
    "category": _when_category,
    "tier": _when_tier,
}


def _first_time_bonus(rule, facts, calc):
    """A union's first report: union_decisions_before is the count of the union's earlier
    activity decisions (any status, any year), looked up where the decision is made; a
    decision that does not know it gets no bonus (it cannot tell a first report)."""
    bonus = to_fen(rule["amount"])
    before = facts.get("union_decisions_before")
    if isinstance(before, bool) or not isinstance(before, int):
        calc.explanation.append("首次申报奖励（无该工会以往申报记录信息）：不适用，仍为 %s 元"
                                % to_yuan(calc.amount))
    elif before > 0:
        calc.explanation.append("首次申报奖励（该工会此前已有 %d 次补助决定）：不适用，仍为 %s 元"
                                % (before, to_yuan(calc.amount)))
    else:
        calc.amount += bonus
        calc.explanation.append("首次申报奖励（该工会首次申报）：加 %s 元，小计 %s 元" % (
            to_yuan(bonus), to_yuan(calc.amount)))


def _cap_share_of_expenses(rule, facts, calc):
    expenses = to_fen(facts["expenses"])
    cap = expenses * rule["percent"] // 100
    _cap(calc, cap, "不超过实际支出 %s 元的 %d%%（%s 元）" % (
        to_yuan(expenses), rule["percent"], to_yuan(cap)))


def _cap_per_activity(rule, facts, calc):
    if "by_purpose" in rule:
        cap = to_fen(rule["by_purpose"][calc.purpose])
        _cap(calc, cap, "%s单项上限 %s 元" % (PURPOSE_NAMES[calc.purpose], to_yuan(cap)))
        return
    cap = to_fen(rule["by_tier"][facts["tier"]])
    _cap(calc, cap, "%s活动单项上限 %s 元" % (TIER_NAMES[facts["tier"]], to_yuan(cap)))


def _cap_per_union_year(rule, facts, calc):
    cap = to_fen(rule["amount"]) if "amount" in rule else to_fen(rule["by_tier"][facts["tier"]])
    used = int(facts.get("union_granted_fen") or 0)
    left = max(cap - used, 0)
    label = "本工会年度补助上限 %s 元，已获补助 %s 元，尚余 %s 元" % (
        to_yuan(cap), to_yuan(used), to_yuan(left))
    if left <= 0 < calc.amount:
        calc.amount, calc.reason = 0, "union_cap_reached"
        calc.explanation.append("%s：已达上限，不予补助" % label)
    else:
        _cap(calc, left, label)


def _venue_threshold(rule, facts, calc):
    problems = []
    if "min_rating" in rule and RATINGS.index(facts["rating"]) > RATINGS.index(rule["min_rating"]):
        problems.append("评定等级%s，低于%s" % (RATING_NAMES[facts["rating"]],
                                          RATING_NAMES[rule["min_rating"]]))
    if "min_total" in rule and facts["total"] < rule["min_total"]:
        problems.append("四好评分 %d 分，低于 %d 分" % (facts["total"], rule["min_total"]))
    if problems:
        calc.amount, calc.reason = 0, "not_eligible"
        calc.explanation.append("补助门槛：%s，不予补助" % "；".join(problems))
    else:
        calc.explanation.append("补助门槛：四好评分 %d 分，评定等级%s，符合" % (
            facts["total"], RATING_NAMES.get(facts["rating"], facts["rating"])))


def _venue_amount(rule, facts, calc):
    amounts = rule[calc.purpose]
    calc.amount = to_fen(amounts.get(facts["kind"], amounts["default"]))
    calc.explanation.append("%s（%s）：%s 元" % (PURPOSE_NAMES[calc.purpose],
                                             facts.get("kind_name") or facts["kind"],
                                             to_yuan(calc.amount)))


def _cap(calc, cap, label):
    if calc.amount > cap:
        calc.amount = cap
        calc.explanation.append("%s：核减为 %s 元" % (label, to_yuan(cap)))
    else:
        calc.explanation.append("%s：未超出，仍为 %s 元" % (label, to_yuan(calc.amount)))


def _scale(amount, factor):
    """amount x factor in fen, rounded half up to the fen."""
    hundredths = int(Decimal(factor) * 100)
    return (amount * hundredths + 50) // 100


def _ratio(text):
    if text is None:
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _percent(ratio):
    return format((ratio * 100).normalize(), "f")


APPLY = {
    "eligibility": _eligibility,
    "base": _base,
    "per_participant": _per_participant,
    "multiplier": _multiplier,
    "cap_share_of_expenses": _cap_share_of_expenses,
    "cap_per_activity": _cap_per_activity,
    "cap_per_union_year": _cap_per_union_year,
    "first_time_bonus": _first_time_bonus,
    "venue_threshold": _venue_threshold,
    "venue_amount": _venue_amount,
}


# --------------------------------------------------------------------------------------
# the decision: the calculation against what the fund (and its county allocation) has

@dataclass
class Decision:
    status: str
    amount: int
    reason: str | None
    explanation: list


def decide(calc, fund_remaining, allocation=None, when_budget_short="none"):
    """Grant what the policy says if the fund still has it; otherwise decline, with a reason.

    allocation: None, or (label, remaining fen) of the part of the fund this grant must
    also fit in (a county's allocation, or the unallocated pool). when_budget_short: the
    policy document's word for the last activity that does not fit: "none" declines it,
    "partial" grants it what is left (of the fund, or of the allocation when that is less).
    """
    lines = list(calc.explanation)
    if calc.reason is not None:
        return Decision("declined", 0, calc.reason, lines)
    if fund_remaining is None:
        lines.append("本年度无可用的补助资金：不予补助")
        return Decision("declined", 0, "no_fund", lines)
    if calc.amount <= 0:
        lines.append("核定金额为 0：不予补助")
        return Decision("declined", 0, "not_eligible", lines)
    short = shortfall(calc.amount, fund_remaining, allocation)
    if short is None:
        lines.append("资金剩余 %s 元，核定补助 %s 元" % (to_yuan(fund_remaining),
                                                 to_yuan(calc.amount)))
        return Decision("granted", calc.amount, None, lines)
    label, left = short
    if when_budget_short == "partial" and left > 0:
        lines.append("%s剩余 %s 元，不足 %s 元：按剩余金额核定补助 %s 元" % (
            label, to_yuan(left), to_yuan(calc.amount), to_yuan(left)))
        return Decision("granted", left, None, lines)
    lines.append("%s剩余 %s 元，不足 %s 元：预算已用尽，不予补助" % (
        label, to_yuan(max(left, 0)), to_yuan(calc.amount)))
    return Decision("declined", 0, "budget_exhausted", lines)


def shortfall(amount, fund_remaining, allocation):
    """(label, fen left) of the tightest part that cannot take amount, or None when it fits.

    The fund's remaining ("资金") or the allocation's; the fund is named when both are as
    short."""
    parts = [("资金", fund_remaining)]
    if allocation is not None:
        parts.append(allocation)
    label, left = min(parts, key=lambda part: part[1])
    return None if amount <= left else (label, left)


# --------------------------------------------------------------------------------------
# versions and periods

def policy_in_force(versions, on_date):
    """The version that applies to an approval on on_date.

    versions: (version, effective_from or None for a draft). The highest published
    version whose effective date is on or before the date; an approval older than every
    version takes the first published one. Publications keep dates strictly increasing
    with versions (domain.policies.publication_problems), so that this is also the
    version with the latest such date: one version a date, every version applies.
    """
    published = sorted((v, d) for v, d in versions if d is not None)
    if not published:
        return None
    in_force = [v for v, d in published if d <= on_date]
    return in_force[-1] if in_force else published[0][0]


_PERIOD = re.compile(r"^(\d{4})(-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")


def year_of_period(period):
    match = _PERIOD.match(period or "")
    return int(match.group(1)) if match else None
