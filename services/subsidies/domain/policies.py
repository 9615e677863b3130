"""Policy documents (差异化奖补): the shipped versions and the validation of an uploaded
one, rule by rule; each error names its rule (document.rules.<i>.<field>).

A policy is data, applied rule by rule by domain.calculation. No nameko, no SQLAlchemy.
"""
import re
from decimal import Decimal

from services.common.money import BadAmount, to_fen
from services.subsidies.contract import CATEGORIES, PURPOSE_NAMES, RATINGS, TIERS, VENUE_KINDS

REMOTE_COUNTIES = ("肃南裕固族自治县",)

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


_FACTOR = re.compile(r"^\d{1,2}(\.\d{1,2})?$")
_RATIO = re.compile(r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$")
MULTIPLIER_WHEN = {"activity": ("season_theme", "remote_county", "lecture_satisfaction",
                                "category", "tier"),
                   "venue": ("rating", "remote_county")}
# the field a multiplier needs for its `when` (the others take none)
MULTIPLIER_NEEDS = {"remote_county": "counties", "lecture_satisfaction": "at_least",
                    "rating": "ratings", "category": "categories", "tier": "tiers"}


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


def _check_categories(value):
    if not isinstance(value, list) or not value or not set(value) <= set(CATEGORIES):
        return ["a non-empty list of categories from: %s" % ", ".join(CATEGORIES)]
    return []


def _check_tier_list(value):
    if not isinstance(value, list) or not value or not set(value) <= set(TIERS):
        return ["a non-empty list of tiers from: %s" % ", ".join(TIERS)]
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
                                         "categories": _check_categories}),
    "base": (("activity",), {"by_tier": _check_tiers}, {"by_category": _check_by_category}),
    "per_participant": (("activity",), {"amount": _check_yuan},
                        {"max_participants": _check_int(1, 1000000)}),
    "multiplier": (("activity", "venue"), {"when": None, "factor": _check_factor},
                   {"counties": _check_counties, "at_least": _check_ratio,
                    "ratings": _check_ratings, "categories": _check_categories,
                    "tiers": _check_tier_list}),
    "cap_share_of_expenses": (("activity",), {"percent": _check_int(1, 100)}, {}),
    "cap_per_activity": (("activity", "venue"), {}, {"by_tier": _check_tiers,
                                                     "by_purpose": _check_purposes}),
    "cap_per_union_year": (("activity",), {}, {"by_tier": _check_tiers, "amount": _check_yuan}),
    # a union's first report (no earlier activity decision) gets amount on top
    "first_time_bonus": (("activity",), {"amount": _check_yuan}, {}),
    "venue_threshold": (("venue",), {}, {"min_rating": _check_rating,
                                         "min_total": _check_int(0, 1000)}),
    "venue_amount": (("venue",), {"construction": _check_kind_amounts,
                                  "upkeep": _check_kind_amounts}, {}),
}
FIRST_AMOUNT_RULE = {"activity": "base", "venue": "venue_amount"}
# rules that change an amount, so they need the base amount first
AFTER_THE_AMOUNT = ("per_participant", "multiplier", "first_time_bonus")


WHEN_BUDGET_SHORT = ("none", "partial")


def validate_policy(kind, document):
    """{field path: [messages]} for a policy document; empty when it is valid."""
    errors = {}
    if not isinstance(document, dict):
        return {"document": ["an object with name and rules"]}
    unknown = sorted(set(document) - {"name", "rules", "description", "when_budget_short"})
    if unknown:
        errors["document"] = ["unknown field(s): %s" % ", ".join(unknown)]
    name = document.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors["document.name"] = ["a name of 1 to 200 characters"]
    if "description" in document and not isinstance(document["description"], str):
        errors["document.description"] = ["a text"]
    # the last activity that does not fit: "none" (declined) or "partial" (what is left)
    if document.get("when_budget_short", "none") not in WHEN_BUDGET_SHORT:
        errors["document.when_budget_short"] = ["one of %s" % ", ".join(WHEN_BUDGET_SHORT)]
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
        elif rule["type"] in AFTER_THE_AMOUNT or rule["type"].startswith("cap"):
            if amount_rules == 0:
                errors.setdefault(where + ".type", []).append(
                    "must come after the %s rule" % FIRST_AMOUNT_RULE[kind])
    if amount_rules == 0 and not any(k.startswith("document.rules.") for k in errors):
        errors["document.rules"] = ["a %s policy needs a %s rule" % (
            kind, FIRST_AMOUNT_RULE[kind])]
    return errors


def _check_rule_semantics(kind, rule, where, errors):
    kind_of_rule = rule["type"]
    if kind_of_rule == "multiplier":
        when = rule.get("when")
        if when not in MULTIPLIER_WHEN[kind]:
            errors.setdefault(where + ".when", []).append(
                "one of %s" % ", ".join(MULTIPLIER_WHEN[kind]))
            return
        needs = MULTIPLIER_NEEDS.get(when)
        if needs and needs not in rule:
            errors.setdefault(where + "." + needs, []).append("required when %s" % when)
        for other in MULTIPLIER_NEEDS.values():
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


def publication_problems(published, version, effective_from):
    """Why `version` may not take effect on effective_from, or [] when it may.

    published: (version, effective_from) of the kind's other published versions. Versions
    take effect in version order on strictly later dates: then each published version
    applies from its date until the next one's, and a date has exactly one version. A
    later date for a lower version, or one date for two, would leave one never applied.
    """
    lower = [(d, v) for v, d in published if v < version]
    higher = [(d, v) for v, d in published if v > version]
    problems = []
    if lower and max(lower)[0] >= effective_from:
        day, other = max(lower)
        problems.append("after %s, the effective date of version %d" % (day.isoformat(), other))
    if higher and min(higher)[0] <= effective_from:
        day, other = min(higher)
        problems.append("before %s, the effective date of the later version %d" % (
            day.isoformat(), other))
    return problems
