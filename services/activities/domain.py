"""Pure rules of the activities service (no nameko, no SQLAlchemy).

Hold first, subsidise after; the four-seasons calendar (四季歌); the lecture programme
(大思政课) and its satisfaction figures; the coverage check (月月有活动).
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from services.activities.words import (  # noqa: F401  (the contract's word lists)
    CATEGORIES, LEVELS, REVIEW_ACTIONS, SEASON_NAMES, STATUSES)
from services.activities.words import SEASONS as SEASON_WORDS

MONTHS = tuple(range(1, 13))

# 四季歌: every season a theme, and the categories that match it. The city may configure
# other themes per year (season_themes table); these are the defaults.
SEASONS = {
    "spring": {"months": (3, 4, 5), "theme": "女职工风采展示", "categories": ("women",)},
    "summer": {"months": (6, 7, 8), "theme": "红五月职工文体活动季", "categories": ("sports",)},
    "autumn": {"months": (9, 10, 11), "theme": "职工读书季", "categories": ("reading",)},
    "winter": {"months": (12, 1, 2), "theme": "温暖文化季", "categories": ("culture",)},
}
assert tuple(SEASONS) == SEASON_WORDS
# "Red May" is summer's theme, and May is its launch month: a May activity that matches
# the summer theme matches its season's theme too (the season itself stays spring).
LAUNCH_MONTHS = {"summer": 5}

# action -> (states it may start from, state it ends in)
TRANSITIONS = {
    "approve": (("submitted",), "approved"),
    "reject": (("submitted",), "rejected"),
    "return": (("submitted",), "returned"),
    "resubmit": (("returned",), "submitted"),
}
assert tuple(TRANSITIONS) == REVIEW_ACTIONS
REASON_REQUIRED = ("reject", "return")

SATISFIED_SCORES = (4, 5)
SATISFACTION_TARGET = Decimal("0.95")
# Activities that count as held: everything reported except what a reviewer rejected.
HELD_STATUSES = ("submitted", "returned", "approved")


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


# reporting ------------------------------------------------------------------------------
def report_errors(report, union, today, window_days, participants_factor, late_entry=False,
                  window_applies=True):
    """Field errors of a report against the rules; empty when it may be stored.

    The reporting window holds a union to its activities of the last window_days. A late
    entry (补录: the city federation entering, with its reason, a report that reached it
    on paper or late, as it does before closing a year's accounts) may be older: any day
    of the current or the previous calendar year, never in the future. window_applies is
    False for a rework that keeps the date an earlier report was accepted with."""
    errors = {}
    held_on = report["held_on"]
    if held_on > today:
        errors["held_on"] = ["must not be in the future"]
    elif late_entry and held_on.year < today.year - 1:
        errors["held_on"] = ["a late entry is for an activity of this year or the last"]
    elif (window_applies and not late_entry
          and held_on < today - timedelta(days=window_days)):
        errors["held_on"] = ["older than the %d-day reporting window" % window_days]
    ceiling = int(union["members"] * participants_factor)
    if report["participants"] < 1:
        errors["participants"] = ["at least 1"]
    elif report["participants"] > ceiling:
        errors["participants"] = ["more than the union's %d members allow (%d)"
                                  % (union["members"], ceiling)]
    if report["expenses"] < 0:
        errors["expenses"] = ["must not be negative"]
    if not report.get("evidence"):
        errors["evidence"] = ["at least one item of evidence is required"]
    return errors


def capture_warnings(captured_on, held_on, reported_on, days_before=3):
    """Warnings for a reviewer when a photo's capture date (its camera's clock) does not
    fit the activity: taken more than `days_before` days before it was held, or after it
    was reported. {code, message}: the message is what a reviewer reads."""
    if captured_on is None:
        return []
    if captured_on < held_on - timedelta(days=days_before):
        return [{"code": "CAPTURED_LONG_BEFORE",
                 "message": "照片拍摄于 %s，早于举办日期 %s 超过 %d 天" % (
                     captured_on.isoformat(), held_on.isoformat(), days_before)}]
    if captured_on > reported_on:
        return [{"code": "CAPTURED_AFTER_REPORT",
                 "message": "照片拍摄于 %s，晚于上报日期 %s" % (
                     captured_on.isoformat(), reported_on.isoformat())}]
    return []


def evidence_file_ids(evidence):
    """{position: evidence_id} of a report's file items."""
    return {index: item["evidence_id"] for index, item in enumerate(evidence)
            if item.get("evidence_id") is not None}


def attachment_errors(file_ids, files, actor, activity_id):
    """{field: [message]} for file items a report may not carry: files that do not exist
    or are not the reporter's (the same answer for both), files filed with another
    activity, a file named twice. files: {id: {"uploaded_by", "activity_id"}}; a file
    already on this activity (activity_id) stays whoever uploaded it."""
    errors, seen = {}, set()
    for index, file_id in file_ids.items():
        field = "evidence.%d.evidence_id" % index
        found = files.get(file_id)
        if file_id in seen:
            errors[field] = ["the same file is named twice"]
        elif found is None or (found["activity_id"] != activity_id
                               and found["uploaded_by"] != actor):
            errors[field] = ["no uploaded file of yours has this id"]
        elif found["activity_id"] not in (None, activity_id):
            errors[field] = ["already filed with activity %d: upload it again to file it "
                             "with this one too" % found["activity_id"]]
        seen.add(file_id)
    return errors


def request_fingerprint(payload):
    """sha256 (hex) of a report's body as sent, keys sorted: a retry with the same
    Idempotency-Key and body has the same one, another body another."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def lecturer_errors(category, lecturer):
    """A lecture may name a lecturer of the pool (an active one); other categories name
    none. A lecture without a lecturer is a lecture all the same: it counts for the
    programme, for no lecturer's figures.

    `lecturer` is None (none given), "unknown", or a dict with "active".
    """
    if category == "lecture":
        if lecturer is None:
            return {}
        if lecturer == "unknown":
            return {"lecturer_id": ["no such lecturer"]}
        if not lecturer["active"]:
            return {"lecturer_id": ["this lecturer has left the pool"]}
        return {}
    if lecturer is not None:
        return {"lecturer_id": ["only a lecture (category lecture) has a lecturer"]}
    return {}


# unions ---------------------------------------------------------------------------------
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


def union_changes(current, changes):
    """{field: [old, new]} for the fields that really change (the history row)."""
    return {key: [current[key], value] for key, value in sorted(changes.items())
            if current.get(key) != value}


# the four seasons -----------------------------------------------------------------------
def default_themes():
    return {name: {"theme": spec["theme"], "categories": list(spec["categories"])}
            for name, spec in SEASONS.items()}


def themes_for(configured):
    """The year's themes: the city's configured ones over the defaults."""
    themes = default_themes()
    for season, theme in (configured or {}).items():
        themes[season] = {"theme": theme["theme"], "categories": list(theme["categories"])}
    return themes


def theme_match(category, held_on, themes):
    """Whether an activity's category matches its season's theme that year."""
    if category in themes[season_of(held_on)]["categories"]:
        return True
    return any(held_on.month == month and category in themes[season]["categories"]
               for season, month in LAUNCH_MONTHS.items())


def months_due(year, today):
    """The months of a year that can have had activities by `today` (current included)."""
    if year < today.year:
        return MONTHS
    if year > today.year:
        return ()
    return tuple(range(1, today.month + 1))


@dataclass(frozen=True)
class Held:
    """What coverage and statistics need of one activity."""
    county: str
    tier: str
    category: str
    held_on: object
    status: str = "approved"
    participants: int = 0
    expenses_fen: int = 0
    union_id: int = 0


def coverage(year, counties, approved, themes, today):
    """The county x month matrix of approved activities, its gaps and theme shares.

    approved: Held rows of approved activities of the year; city-tier activities count
    for the city, not for a county.
    """
    counties = list(counties)
    for item in approved:
        if item.tier != "city" and item.county not in counties:
            counties.append(item.county)
    matrix = {county: {str(month): 0 for month in MONTHS} for county in counties}
    city = {str(month): 0 for month in MONTHS}
    for item in approved:
        row = city if item.tier == "city" else matrix[item.county]
        row[str(item.held_on.month)] += 1
    due = months_due(year, today)
    gaps = [{"county": county, "month": month} for county in counties for month in due
            if matrix[county][str(month)] == 0]
    rows = [{"county": county, "months": matrix[county],
             "total": sum(matrix[county].values()),
             "months_covered": sum(1 for m in due if matrix[county][str(m)] > 0),
             "gaps": [m for m in due if matrix[county][str(m)] == 0]} for county in counties]
    return {
        "year": year, "months_due": list(due), "counties": rows, "city": city,
        "gaps": gaps, "complete": not gaps and bool(due),
        "seasons": season_shares(approved, themes),
    }


def season_shares(items, themes):
    """Per season: the share of its activities whose category matches its theme."""
    shares = []
    for season in SEASONS:
        mine = [i for i in items if season_of(i.held_on) == season]
        matching = sum(1 for i in mine if theme_match(i.category, i.held_on, themes))
        shares.append({"season": season, "theme": themes[season]["theme"],
                       "categories": list(themes[season]["categories"]),
                       "activities": len(mine), "matching": matching,
                       "share": ratio(matching, len(mine))})
    return shares


# lectures and satisfaction --------------------------------------------------------------
def half_up(part, whole, places):
    """part / whole as a string of `places` decimals, rounded half up (2/3 -> "0.6667",
    4.125 -> "4.13"), never truncated; None when whole is 0. Exact: Decimal division of
    integers to 28 digits, then one rounding."""
    if not whole:
        return None
    step = Decimal(1).scaleb(-places)
    return str((Decimal(part) / Decimal(whole)).quantize(step, rounding=ROUND_HALF_UP))


def ratio(part, whole):
    """"0.9583": a share rounded half up to four places; None when whole is 0."""
    return half_up(part, whole, 4)


def share_not_above(part, whole):
    """A share cut (not rounded) to four places, for facts a rule compares with a
    threshold: 94.996 % is "0.9499", so an at_least 0.95 rule never takes it for 95 %."""
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"),
                                                          rounding=ROUND_DOWN))


def satisfaction(scores, target=SATISFACTION_TARGET):
    """Share of scores of 4 or 5, against the programme's target. The share is shown
    rounded half up; whether it meets the target is decided on the exact share, so a
    94.996 % that reads "0.9500" still does not meet 95 %."""
    scores = list(scores)
    satisfied = sum(1 for s in scores if s in SATISFIED_SCORES)
    value = ratio(satisfied, len(scores))
    return {"responses": len(scores), "satisfied": satisfied, "satisfaction": value,
            "average": half_up(sum(scores), len(scores), 2),
            "target": str(target),
            "meets_target": None if value is None else satisfied >= target * len(scores)}


def statistics(year, items, lecture_scores, target=SATISFACTION_TARGET):
    """The year's figures by county, tier, season, category and status.

    items: Held rows of every activity of the year (all statuses); lecture_scores: the
    scores given to the year's held lectures.
    """
    def breakdown(key, keys=()):
        table = {k: {"total": 0, "approved": 0, "participants": 0} for k in keys}
        for item in items:
            row = table.setdefault(key(item), {"total": 0, "approved": 0, "participants": 0})
            row["total"] += 1
            if item.status == "approved":
                row["approved"] += 1
                row["participants"] += item.participants
        return table

    approved = [i for i in items if i.status == "approved"]
    held = [i for i in items if i.status in HELD_STATUSES]
    by_status = {status: 0 for status in STATUSES}
    for item in items:
        by_status[item.status] += 1
    programme = satisfaction(lecture_scores, target)
    return {
        "year": year,
        "reported": len(items),
        "by_county": breakdown(lambda i: i.county),
        "by_tier": breakdown(lambda i: i.tier, LEVELS),
        "by_season": breakdown(lambda i: season_of(i.held_on), tuple(SEASONS)),
        "by_category": breakdown(lambda i: i.category, CATEGORIES),
        "by_status": by_status,
        "participants_total": sum(i.participants for i in approved),
        "expenses_total_fen": sum(i.expenses_fen for i in approved),
        "published": {
            "activities_held": len(held),
            "activities_approved": len(approved),
            "lecture_sessions": sum(1 for i in approved if i.category == "lecture"),
            "participants": sum(i.participants for i in approved),
            "lecture_satisfaction": programme["satisfaction"],
            "satisfaction_target": programme["target"],
            "meets_target": programme["meets_target"],
        },
    }
