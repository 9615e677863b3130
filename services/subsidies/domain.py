"""Differentiated subsidies (差异化奖补): a policy is data, applied rule by rule.

Amounts are integer fen throughout; every rule adds one line of explanation, in
Chinese first because union staff read it. No nameko, no SQLAlchemy here.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from services.common.money import BadAmount, to_fen, to_yuan

TIERS = ("city", "county", "grassroots")
TIER_NAMES = {"city": "市级", "county": "县级", "grassroots": "基层"}
CATEGORIES = ("culture", "sports", "reading", "lecture", "exhibition", "women")
CATEGORY_NAMES = {"culture": "文化", "sports": "体育", "reading": "读书", "lecture": "宣讲",
                  "exhibition": "展览", "women": "女职工"}
VENUE_KINDS = ("culture_palace", "worker_club", "book_house", "model_worker_bookshelf",
               "craftsman_study", "rest_station_corner", "shared_book_house", "worker_home")
RATINGS = ("excellent", "good", "pass", "fail")           # best first
RATING_NAMES = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
PURPOSE_NAMES = {"construction": "建设补助", "upkeep": "运行维护补助"}
REMOTE_COUNTIES = ("肃南裕固族自治县",)
POLICY_KINDS = ("activity", "venue")

# 职工文体活动补助办法, version 1: the default policy (shipped by migration 0002; frozen).
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

# Version 2, shipped as a draft (migration 0003): the default plus the differentiated
# extras. It applies once finance or the city publishes it with an effective date.
DIFFERENTIATED_ACTIVITY_POLICY = {
    "name": "职工文体活动补助办法（差异化奖补）",
    "rules": [
        {"type": "eligibility", "min_participants": 5},
        {"type": "base", "by_tier": {"grassroots": "150.00", "county": "1000.00",
                                     "city": "3000.00"},
         "by_category": {"lecture": {"grassroots": "200.00"}}},
        {"type": "per_participant", "amount": "5.00"},
        {"type": "multiplier", "when": "season_theme", "factor": "1.20"},
        {"type": "multiplier", "when": "remote_county", "counties": list(REMOTE_COUNTIES),
         "factor": "1.30"},
        {"type": "multiplier", "when": "lecture_satisfaction", "at_least": "0.95",
         "factor": "1.10"},
        {"type": "cap_share_of_expenses", "percent": 50},
        {"type": "cap_per_activity", "by_tier": {"grassroots": "800.00", "county": "5000.00",
                                                 "city": "10000.00"}},
        {"type": "cap_per_union_year", "by_tier": {"grassroots": "5000.00",
                                                   "county": "30000.00",
                                                   "city": "100000.00"}},
    ],
}

# 宣教阵地建设补助办法 with the book-house (职工书屋) and worker-home (职工之家) rules,
# version 1 of the venue policy (migration 0003).
DEFAULT_VENUE_POLICY = {
    "name": "宣教阵地建设补助办法（含职工书屋、职工之家建设管理办法）",
    "rules": [
        {"type": "venue_threshold", "min_rating": "good"},
        {"type": "venue_amount",
         "construction": {"default": "10000.00", "culture_palace": "50000.00",
                          "worker_club": "30000.00", "book_house": "20000.00",
                          "worker_home": "20000.00", "model_worker_bookshelf": "5000.00",
                          "craftsman_study": "8000.00", "rest_station_corner": "3000.00"},
         "upkeep": {"default": "3000.00", "culture_palace": "10000.00",
                    "worker_club": "8000.00", "book_house": "5000.00",
                    "worker_home": "5000.00", "model_worker_bookshelf": "1000.00",
                    "rest_station_corner": "1000.00"}},
        {"type": "multiplier", "when": "rating", "ratings": ["excellent"], "factor": "1.20"},
        {"type": "multiplier", "when": "remote_county", "counties": list(REMOTE_COUNTIES),
         "factor": "1.30"},
        {"type": "cap_per_activity", "by_purpose": {"construction": "60000.00",
                                                    "upkeep": "12000.00"}},
    ],
}

SHIPPED_POLICIES = {"activity": DEFAULT_ACTIVITY_POLICY, "venue": DEFAULT_VENUE_POLICY}
DECLINE_REASONS = ("budget_exhausted", "union_cap_reached", "not_eligible", "no_fund",
                   "cancelled")


# --------------------------------------------------------------------------------------
# validation of uploaded documents: each error names the rule (document.rules.<i>.<field>)

_FACTOR = re.compile(r"^\d{1,2}(\.\d{1,2})?$")
_RATIO = re.compile(r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$")
MULTIPLIER_WHEN = {"activity": ("season_theme", "remote_county", "lecture_satisfaction"),
                   "venue": ("rating", "remote_county")}


def _yuan(value):
    try:
        to_fen(value)
        return None
    except BadAmount:
        return 'not a yuan amount such as "290.00"'


def _amount_map(value, keys, require_all, what):
    if not isinstance(value, dict) or not value:
        return ["an object of %s -> yuan amount" % what]
    errors = []
    unknown = sorted(set(value) - set(keys))
    if unknown:
        errors.append("unknown %s: %s" % (what, ", ".join(map(str, unknown))))
    if require_all:
        missing = [key for key in keys if key not in value]
        if missing:
            errors.append("missing %s: %s" % (what, ", ".join(missing)))
    for key, amount in value.items():
        problem = _yuan(amount)
        if problem:
            errors.append("%s: %s" % (key, problem))
    return errors


def _check_tiers(value):
    return _amount_map(value, TIERS, True, "tiers")


def _check_int(low, high):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return ["an integer from %d to %d" % (low, high)]
        return []
    return check


def _check_factor(value):
    if not isinstance(value, str) or not _FACTOR.match(value) or Decimal(value) <= 0:
        return ['a positive factor with at most two decimals, such as "1.20"']
    return []


def _check_ratio(value):
    if not isinstance(value, str) or not _RATIO.match(value):
        return ['a ratio from "0" to "1", such as "0.95"']
    return []


def _check_yuan(value):
    problem = _yuan(value)
    return [problem] if problem else []


def _check_counties(value):
    if (not isinstance(value, list) or not value
            or not all(isinstance(c, str) and c.strip() for c in value)):
        return ["a non-empty list of county names"]
    return []


def _check_ratings(value):
    if not isinstance(value, list) or not value or not set(value) <= set(RATINGS):
        return ["a non-empty list of ratings from: %s" % ", ".join(RATINGS)]
    return []


def _check_by_category(value):
    if not isinstance(value, dict) or not value:
        return ["an object of category -> {tier: yuan}"]
    errors = []
    for category, tiers in value.items():
        if category not in CATEGORIES:
            errors.append("unknown category %s (one of %s)" % (category, ", ".join(CATEGORIES)))
            continue
        errors += ["%s: %s" % (category, e) for e in _amount_map(tiers, TIERS, False, "tiers")]
    return errors


def _check_kind_amounts(value):
    if not isinstance(value, dict) or "default" not in value:
        return ['an object of venue kind -> yuan amount, with a "default"']
    return _amount_map(value, VENUE_KINDS + ("default",), False, "venue kinds")


def _check_purposes(value):
    return _amount_map(value, tuple(PURPOSE_NAMES), True, "purposes")


def _check_rating(value):
    return [] if value in RATINGS else ["one of %s" % ", ".join(RATINGS)]


# type -> (kinds it serves, required fields, optional fields); fields name their checks
RULE_FIELDS = {
    "eligibility": (("activity",), {}, {"min_participants": _check_int(0, 100000),
                                         "categories": lambda v: [] if isinstance(v, list) and v
                                         and set(v) <= set(CATEGORIES) else
                                         ["a non-empty list of categories from: %s"
                                          % ", ".join(CATEGORIES)]}),
    "base": (("activity",), {"by_tier": _check_tiers}, {"by_category": _check_by_category}),
    "per_participant": (("activity",), {"amount": _check_yuan},
                        {"max_participants": _check_int(1, 1000000)}),
    "multiplier": (("activity", "venue"), {"when": None, "factor": _check_factor},
                   {"counties": _check_counties, "at_least": _check_ratio,
                    "ratings": _check_ratings}),
    "cap_share_of_expenses": (("activity",), {"percent": _check_int(1, 100)}, {}),
    "cap_per_activity": (("activity", "venue"), {}, {"by_tier": _check_tiers,
                                                     "by_purpose": _check_purposes}),
    "cap_per_union_year": (("activity",), {}, {"by_tier": _check_tiers, "amount": _check_yuan}),
    "venue_threshold": (("venue",), {}, {"min_rating": _check_rating,
                                         "min_total": _check_int(0, 1000)}),
    "venue_amount": (("venue",), {"construction": _check_kind_amounts,
                                  "upkeep": _check_kind_amounts}, {}),
}
FIRST_AMOUNT_RULE = {"activity": "base", "venue": "venue_amount"}


def validate_policy(kind, document):
    """{field path: [messages]} for a policy document; empty when it is valid."""
    errors = {}
    if not isinstance(document, dict):
        return {"document": ["an object with name and rules"]}
    unknown = sorted(set(document) - {"name", "rules", "description"})
    if unknown:
        errors["document"] = ["unknown field(s): %s" % ", ".join(unknown)]
    name = document.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors["document.name"] = ["a name of 1 to 200 characters"]
    if "description" in document and not isinstance(document["description"], str):
        errors["document.description"] = ["a text"]
    rules = document.get("rules")
    if not isinstance(rules, list) or not rules or len(rules) > 50:
        errors["document.rules"] = ["a list of 1 to 50 rules"]
        return errors
    amount_rules = 0
    for index, rule in enumerate(rules):
        where = "document.rules.%d" % index
        if not isinstance(rule, dict):
            errors[where] = ["a rule object with a type"]
            continue
        spec = RULE_FIELDS.get(rule.get("type"))
        if spec is None or kind not in spec[0]:
            allowed = [t for t, s in RULE_FIELDS.items() if kind in s[0]]
            errors[where + ".type"] = ["one of %s for a %s policy" % (", ".join(allowed), kind)]
            continue
        kinds, required, optional = spec
        for key in rule:
            if key != "type" and key not in required and key not in optional:
                errors.setdefault(where + "." + key, []).append(
                    "unknown field of a %s rule" % rule["type"])
        for key, check in required.items():
            if key not in rule:
                errors.setdefault(where + "." + key, []).append(
                    "required by a %s rule" % rule["type"])
            elif check is not None:
                _put(errors, where + "." + key, check(rule[key]))
        for key, check in optional.items():
            if key in rule:
                _put(errors, where + "." + key, check(rule[key]))
        _check_rule_semantics(kind, rule, where, errors)
        if rule["type"] == FIRST_AMOUNT_RULE[kind]:
            amount_rules += 1
            if amount_rules > 1:
                errors.setdefault(where + ".type", []).append(
                    "only one %s rule per policy" % rule["type"])
        elif rule["type"] in ("per_participant", "multiplier") or rule["type"].startswith("cap"):
            if amount_rules == 0:
                errors.setdefault(where + ".type", []).append(
                    "must come after the %s rule" % FIRST_AMOUNT_RULE[kind])
    if amount_rules == 0 and not any(k.startswith("document.rules.") for k in errors):
        errors["document.rules"] = ["a %s policy needs a %s rule" % (kind, FIRST_AMOUNT_RULE[kind])]
    return errors


def _check_rule_semantics(kind, rule, where, errors):
    kind_of_rule = rule["type"]
    if kind_of_rule == "multiplier":
        when = rule.get("when")
        if when not in MULTIPLIER_WHEN[kind]:
            errors.setdefault(where + ".when", []).append(
                "one of %s" % ", ".join(MULTIPLIER_WHEN[kind]))
            return
        needs = {"remote_county": "counties", "lecture_satisfaction": "at_least",
                 "rating": "ratings"}.get(when)
        if needs and needs not in rule:
            errors.setdefault(where + "." + needs, []).append("required when %s" % when)
        for other in ("counties", "at_least", "ratings"):
            if other in rule and other != needs:
                errors.setdefault(where + "." + other, []).append("not used when %s" % when)
    elif kind_of_rule == "cap_per_activity":
        wanted = "by_tier" if kind == "activity" else "by_purpose"
        if wanted not in rule:
            errors.setdefault(where + "." + wanted, []).append("required for a %s policy" % kind)
        for key in ("by_tier", "by_purpose"):
            if key in rule and key != wanted:
                errors.setdefault(where + "." + key, []).append("not used by a %s policy" % kind)
    elif kind_of_rule == "cap_per_union_year":
        if ("by_tier" in rule) == ("amount" in rule):
            errors.setdefault(where, []).append("give either by_tier or amount")
    elif kind_of_rule == "venue_threshold":
        if "min_rating" not in rule and "min_total" not in rule:
            errors.setdefault(where, []).append("give min_rating, min_total or both")


def _put(errors, key, messages):
    if messages:
        errors.setdefault(key, []).extend(messages)


# --------------------------------------------------------------------------------------
# calculation: facts in, amount and explanation out

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
    factor = rule["factor"]
    when = rule["when"]
    if when == "season_theme":
        label = "季节主题加成"
        applies = facts.get("season_theme_match") is True
        why = "活动契合本季主题" if applies else "活动未契合本季主题或无主题信息"
    elif when == "remote_county":
        label = "偏远县区加成"
        applies = facts.get("county") in rule["counties"]
        why = "%s%s偏远县区" % (facts.get("county"), "属于" if applies else "不属于")
    elif when == "lecture_satisfaction":
        label = "宣讲满意度加成"
        satisfaction = _ratio(facts.get("lecturer_satisfaction"))
        threshold = Decimal(rule["at_least"])
        applies = satisfaction is not None and satisfaction >= threshold
        if satisfaction is None:
            why = "无宣讲满意度数据"
        else:
            why = "满意度 %s%%，%s %s%%" % (_percent(satisfaction), "达到" if applies else "低于",
                                       _percent(threshold))
    else:  # rating
        label = "评定等级加成"
        applies = facts.get("rating") in rule["ratings"]
        why = "评定等级为%s" % RATING_NAMES.get(facts.get("rating"), facts.get("rating"))
    if applies:
        before = calc.amount
        calc.amount = _scale(before, factor)
        calc.explanation.append("%s（%s）× %s：%s 元 → %s 元" % (
            label, why, factor, to_yuan(before), to_yuan(calc.amount)))
    else:
        calc.explanation.append("%s（%s）：不适用，仍为 %s 元" % (label, why, to_yuan(calc.amount)))


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


def decide(calc, fund_remaining, allocation=None):
    """Grant what the policy says if the fund still has it; otherwise decline, with a reason.

    allocation: None, or (label, remaining fen) of the part of the fund this grant must
    also fit in (a county's allocation, or the unallocated pool).
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
    if calc.amount > fund_remaining:
        lines.append("资金剩余 %s 元，不足 %s 元：预算已用尽，不予补助" % (
            to_yuan(fund_remaining), to_yuan(calc.amount)))
        return Decision("declined", 0, "budget_exhausted", lines)
    if allocation is not None and calc.amount > allocation[1]:
        lines.append("%s剩余 %s 元，不足 %s 元：预算已用尽，不予补助" % (
            allocation[0], to_yuan(allocation[1]), to_yuan(calc.amount)))
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


# --------------------------------------------------------------------------------------
# versions, allocations, reconciliation, periods

def policy_in_force(versions, on_date):
    """The version that applies to an approval on on_date.

    versions: (version, effective_from or None for a draft). The highest published
    version whose effective date is on or before the date; an approval older than every
    version takes the first published one.
    """
    published = sorted((v, d) for v, d in versions if d is not None)
    if not published:
        return None
    in_force = [v for v, d in published if d <= on_date]
    return in_force[-1] if in_force else published[0][0]


def allocation_room(fund_budget, fund_granted, allocations, county):
    """(label, remaining fen) a grant for county must also fit in, or None.

    allocations: {county: (budget, granted)}. A county with an allocation draws on it;
    the others share the pool the allocations leave (budget - sum of allocations).
    """
    if not allocations:
        return None
    if county in allocations:
        budget, granted = allocations[county]
        return ("%s分配额度" % county, budget - granted)
    pool = fund_budget - sum(b for b, _ in allocations.values())
    pool_granted = fund_granted - sum(g for _, g in allocations.values())
    return ("未分配额度", pool - pool_granted)


def validate_allocations(budget, allocations, granted_by_county, counties):
    """Errors of a county split: known counties, once each, within the budget and
    never below what a county has been granted already."""
    errors = {}
    seen = set()
    total = 0
    for index, item in enumerate(allocations):
        county, amount = item["county"], item["budget"]
        if county not in counties:
            errors["allocations.%d.county" % index] = ["one of %s" % ", ".join(counties)]
        elif county in seen:
            errors["allocations.%d.county" % index] = ["given twice"]
        seen.add(county)
        total += amount
        if amount < granted_by_county.get(county, 0):
            errors["allocations.%d.budget" % index] = [
                "below what %s has been granted already (%s)" % (
                    county, to_yuan(granted_by_county[county]))]
    if total > budget:
        errors["allocations"] = ["the allocations (%s) exceed the budget (%s)" % (
            to_yuan(total), to_yuan(budget))]
    unallocated_granted = sum(g for c, g in granted_by_county.items() if c not in seen)
    if not errors and seen and budget - total < unallocated_granted:
        errors["allocations"] = ["the unallocated part (%s) is below what counties without an "
                                 "allocation have been granted (%s)" % (
                                     to_yuan(budget - total), to_yuan(unallocated_granted))]
    return errors


def ledger_figures(entries):
    """(granted, paid) fen from ledger entries (kind, amount)."""
    granted = paid = 0
    for kind, amount in entries:
        if kind == "reserve":
            granted += amount
        elif kind == "release":
            granted -= amount
        elif kind == "pay":
            paid += amount
    return granted, paid


_PERIOD = re.compile(r"^(\d{4})(-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")


def year_of_period(period):
    match = _PERIOD.match(period or "")
    return int(match.group(1)) if match else None
