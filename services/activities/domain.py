"""Pure rules of the hold-first, subsidise-after workflow (no nameko, no SQLAlchemy)."""
from datetime import timedelta

LEVELS = ("city", "county", "grassroots")
CATEGORIES = ("culture", "sports", "reading", "lecture", "exhibition", "women")
STATUSES = ("submitted", "approved", "rejected", "returned")

# 四季歌: every season a theme; the category that matches the season's theme.
SEASONS = {
    "spring": {"months": (3, 4, 5), "theme": "女职工风采展示", "category": "women"},
    "summer": {"months": (6, 7, 8), "theme": "红五月职工文体活动季", "category": "sports"},
    "autumn": {"months": (9, 10, 11), "theme": "职工读书季", "category": "reading"},
    "winter": {"months": (12, 1, 2), "theme": "温暖文化季", "category": "culture"},
}

# action -> (states it may start from, state it ends in)
TRANSITIONS = {
    "approve": (("submitted",), "approved"),
    "reject": (("submitted",), "rejected"),
    "return": (("submitted",), "returned"),
    "resubmit": (("returned",), "submitted"),
}
REASON_REQUIRED = ("reject", "return")


class TransitionRefused(Exception):
    pass


def tier_of(level):
    """An activity's tier follows from its union's level."""
    return level


def season_of(held_on):
    for name, season in SEASONS.items():
        if held_on.month in season["months"]:
            return name
    raise ValueError(held_on)


def next_status(action, current):
    allowed_from, target = TRANSITIONS[action]
    if current not in allowed_from:
        raise TransitionRefused("cannot %s an activity that is %s" % (action, current))
    return target


def report_errors(report, union, today, window_days, participants_factor):
    """Field errors of a report against the rules; empty when it may be stored."""
    errors = {}
    held_on = report["held_on"]
    if held_on > today:
        errors["held_on"] = ["must not be in the future"]
    elif held_on < today - timedelta(days=window_days):
        errors["held_on"] = ["older than the %d-day reporting window" % window_days]
    ceiling = int(union["members"] * participants_factor)
    if report["participants"] > ceiling:
        errors["participants"] = ["more than the union's %d members allow (%d)"
                                  % (union["members"], ceiling)]
    if report["expenses"] < 0:
        errors["expenses"] = ["must not be negative"]
    if not report.get("evidence"):
        errors["evidence"] = ["at least one item of evidence is required"]
    return errors


def union_errors(union, parent):
    """The three tiers: grassroots under a county, county under the city."""
    errors = {}
    expected_parent = {"city": None, "county": "city", "grassroots": "county"}[union["level"]]
    if expected_parent is None and parent is not None:
        errors["parent_id"] = ["the city federation has no parent"]
    if expected_parent and parent is not None and parent["level"] != expected_parent:
        errors["parent_id"] = ["a %s union sits under a %s union" % (union["level"], expected_parent)]
    if parent is not None and union["level"] == "grassroots" and parent["county"] != union["county"]:
        errors["county"] = ["must match the parent county union's county"]
    return errors
