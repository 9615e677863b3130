"""Rules of the reading network (pure: no nameko, no SQLAlchemy).

Loan periods and renewals, the four-goods (四好) evaluation with its configurable scheme
and bands, and the reading statistics computed from plain rows. The words (venue kinds,
criteria, ratings), ISBNs and periods are in services.library.words, re-exported here.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from services.library.words import (  # noqa: F401  (the domain's words, re-exported)
    COPY_STATUSES, CRITERIA, RATINGS, VENUE_KINDS, VENUE_STATUSES, BadIsbn, BadPeriod,
    days_overdue, normalise_isbn, period_bounds)


def counts_toward_venue(facts):
    """An approved activity held at a venue counts toward the venue's activities score."""
    return facts.get("venue_id") is not None


# loans -----------------------------------------------------------------------------
DEFAULT_LOAN_RULES = {"loan_days": 30, "renewal_days": 30, "max_renewals": 2,
                      "max_open_loans": 5}


def loan_rules(settings):
    """The loan rules this process runs with (Settings.library_loan_days and the rest)."""
    return {key: getattr(settings, "library_%s" % key) for key in DEFAULT_LOAN_RULES}


class LoanRefused(Exception):
    """A loan rule says no; the service answers 409."""


def due_on(borrowed_local_date, rules):
    return borrowed_local_date + timedelta(days=rules["loan_days"])


def check_borrow(open_loans_of_borrower, rules):
    if open_loans_of_borrower >= rules["max_open_loans"]:
        raise LoanRefused("a reader may have at most %d books out at once"
                          % rules["max_open_loans"])


def renewed_due_on(loan_due_on, renewals, today, rules):
    """The new due date of a renewal, or LoanRefused."""
    if renewals >= rules["max_renewals"]:
        raise LoanRefused("this loan has been renewed %d times already, the most allowed"
                          % renewals)
    if loan_due_on < today:
        raise LoanRefused("an overdue loan cannot be renewed; return the book first")
    return max(loan_due_on, today) + timedelta(days=rules["renewal_days"])


# periods ---------------------------------------------------------------------------
def reading_season(year):
    """The autumn reading season (职工读书季): September to November."""
    return date(year, 9, 1), date(year, 11, 30)


# four-goods evaluation -------------------------------------------------------------
DEFAULT_SCHEME = {
    # the most points of each criterion; they add up to the most a venue can score
    "criteria": {"site": 20, "management": 20, "activities": 20, "service": 20,
                 "e_reading": 10, "reading_activities": 10},
    # approved activities held at the venue in the period count toward "activities":
    # this many points each, up to credit_max; the evaluator scores the rest on site
    "activity_credit": {"per_activity": 2, "per_reading_activity": 3, "credit_max": 10},
    # the lowest total of each rating, best first; the last one must start at 0
    "bands": [{"rating": "excellent", "min": 90}, {"rating": "good", "min": 75},
              {"rating": "pass", "min": 60}, {"rating": "fail", "min": 0}],
}


def scheme_errors(scheme):
    """What is wrong with a proposed scheme, field by field (empty when it is fine)."""
    errors = {}
    criteria = scheme.get("criteria") or {}
    if set(criteria) != set(CRITERIA):
        errors["criteria"] = ["give the most points of each of: %s" % ", ".join(CRITERIA)]
    elif any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in criteria.values()):
        errors["criteria"] = ["each criterion's most points is a whole number of at least 1"]
    credit = scheme.get("activity_credit") or {}
    keys = ("per_activity", "per_reading_activity", "credit_max")
    if set(credit) != set(keys) or any(
            not isinstance(credit[k], int) or isinstance(credit[k], bool) or credit[k] < 0
            for k in keys):
        errors["activity_credit"] = ["per_activity, per_reading_activity and credit_max, "
                                     "whole numbers of at least 0"]
    elif "criteria" not in errors and credit["credit_max"] > criteria["activities"]:
        errors["activity_credit"] = ["credit_max may not exceed the activities criterion"]
    bands = scheme.get("bands") or []
    ratings = [band.get("rating") for band in bands]
    mins = [band.get("min") for band in bands]
    if sorted(ratings, key=str) != sorted(RATINGS):
        errors["bands"] = ["one band for each rating: %s" % ", ".join(RATINGS)]
    elif any(not isinstance(m, int) or isinstance(m, bool) for m in mins):
        errors["bands"] = ["each band's min is a whole number"]
    elif ratings != list(RATINGS) or mins != sorted(mins, reverse=True) or len(set(mins)) != 4:
        errors["bands"] = ["bands run from excellent down to fail with falling minimums"]
    elif mins[-1] != 0:
        errors["bands"] = ["the fail band starts at 0"]
    elif "criteria" not in errors and mins[0] > sum(criteria.values()):
        errors["bands"] = ["excellent must be reachable: at most %d" % sum(criteria.values())]
    return errors


def evaluator_maxima(scheme):
    """The most the evaluator may give for each criterion (activities net of the credit)."""
    maxima = dict(scheme["criteria"])
    maxima["activities"] -= scheme["activity_credit"]["credit_max"]
    return maxima


def score_errors(scores, scheme):
    errors = {}
    for key, most in evaluator_maxima(scheme).items():
        value = scores.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
            errors[key] = ["a whole number from 0 to %d" % most]
    return errors


@dataclass
class Evaluation:
    criteria: list
    activity_credit: int
    total: int
    max_total: int
    rating: str
    explanation: list = field(default_factory=list)


def evaluate(scores, counted_activities, venue, scheme):
    """Total and rating of a venue's four-goods evaluation, with its explanation (zh-CN).

    scores: the evaluator's points per criterion (validated by score_errors);
    counted_activities: approved activities held at the venue in the period, each a dict
    with a category; venue: a dict with e_reading_devices.
    """
    credit_rules = scheme["activity_credit"]
    reading = sum(1 for a in counted_activities if a["category"] == "reading")
    others = len(counted_activities) - reading
    raw_credit = (reading * credit_rules["per_reading_activity"]
                  + others * credit_rules["per_activity"])
    credit = min(raw_credit, credit_rules["credit_max"])
    criteria = []
    for key, name in CRITERIA.items():
        score = scores[key] + (credit if key == "activities" else 0)
        criteria.append({"key": key, "name": name, "score": score,
                         "max": scheme["criteria"][key]})
    total = sum(c["score"] for c in criteria)
    max_total = sum(scheme["criteria"].values())
    rating = rating_for(total, scheme["bands"])
    explanation = ["%s：%d / %d 分" % (c["name"], c["score"], c["max"]) for c in criteria]
    explanation.insert(
        2, "期内在本阵地举办并经审核通过的活动 %d 场（其中读书活动 %d 场），计入活动得分 %d 分"
           "（每场读书活动 %d 分、其他活动 %d 分，最多 %d 分）"
        % (len(counted_activities), reading, credit, credit_rules["per_reading_activity"],
           credit_rules["per_activity"], credit_rules["credit_max"]))
    explanation.append("电子阅读设备 %d 台" % venue.get("e_reading_devices", 0))
    band = next(b for b in scheme["bands"] if b["rating"] == rating)
    explanation.append("总分 %d / %d 分，不低于 %d 分，评定为「%s」"
                       % (total, max_total, band["min"], RATINGS[rating]))
    return Evaluation(criteria, credit, total, max_total, rating, explanation)


def rating_for(total, bands):
    for band in bands:  # best first
        if total >= band["min"]:
            return band["rating"]
    return bands[-1]["rating"]


# reading statistics ----------------------------------------------------------------
def loan_statistics(loans):
    """loans: dicts with venue_id, venue_name, county, month ('2026-09'), borrower_id."""
    by_venue = defaultdict(lambda: {"loans": 0, "readers": set()})
    by_county = defaultdict(lambda: {"loans": 0, "readers": set()})
    by_month = defaultdict(lambda: {"loans": 0, "readers": set()})
    names = {}
    readers = set()
    for loan in loans:
        for bucket, key in ((by_venue, loan["venue_id"]), (by_county, loan["county"]),
                            (by_month, loan["month"])):
            bucket[key]["loans"] += 1
            bucket[key]["readers"].add(loan["borrower_id"])
        names[loan["venue_id"]] = (loan["venue_name"], loan["county"])
        readers.add(loan["borrower_id"])

    def rows(bucket, label):
        return [dict(label(key), loans=value["loans"], active_readers=len(value["readers"]))
                for key, value in sorted(bucket.items(), key=lambda kv: str(kv[0]))]

    return {
        "loans": len(loans),
        "active_readers": len(readers),
        "by_venue": rows(by_venue, lambda k: {"venue_id": k, "name": names[k][0],
                                              "county": names[k][1]}),
        "by_county": rows(by_county, lambda k: {"county": k}),
        "by_month": rows(by_month, lambda k: {"month": k}),
    }


def idle_venues(venues, venues_with_loans, venues_with_activities):
    """Open venues without a loan and without an approved activity in the period."""
    return [v for v in venues
            if v["id"] not in venues_with_loans and v["id"] not in venues_with_activities]


def network_summary(venues):
    """venues: dicts with county, kind, floor_area_m2, seats, e_reading_devices."""
    def add(bucket, venue):
        bucket["venues"] += 1
        for key in ("floor_area_m2", "seats", "e_reading_devices"):
            bucket[key] += venue[key]

    def empty():
        return {"venues": 0, "floor_area_m2": 0, "seats": 0, "e_reading_devices": 0}

    cells, counties, kinds, total = defaultdict(empty), defaultdict(empty), defaultdict(empty), empty()
    for venue in venues:
        add(cells[(venue["county"], venue["kind"])], venue)
        add(counties[venue["county"]], venue)
        add(kinds[venue["kind"]], venue)
        add(total, venue)
    return {
        "by_county_and_kind": [dict(county=c, kind=k, kind_name=VENUE_KINDS[k], **v)
                               for (c, k), v in sorted(cells.items())],
        "by_county": [dict(county=c, **v) for c, v in sorted(counties.items())],
        "by_kind": [dict(kind=k, kind_name=VENUE_KINDS[k], **v) for k, v in sorted(kinds.items())],
        "total": total,
    }


def half_up(part, whole, places):
    """part / whole as a string of `places` decimals rounded half up (never truncated:
    329 / 4 -> "82.25", 1100 / 3 -> "366.67"); None when whole is 0."""
    if not whole:
        return None
    step = Decimal(1).scaleb(-places)
    return str((Decimal(part) / Decimal(whole)).quantize(step, rounding=ROUND_HALF_UP))


def year_figures(venues, evaluations, held):
    """The reading network at a year's end and its year, for the year-end report.

    venues: dicts of the open venues (county, kind, floor_area_m2, seats,
    e_reading_devices); evaluations: dicts (venue_id, rating, total) of the year's periods;
    held: the categories of the approved activities held at venues in the year.
    """
    summary = network_summary(venues)
    kinds = {row["kind"]: row for row in summary["by_kind"]}

    def count(kind):
        return kinds.get(kind, {}).get("venues", 0)

    ratings = [{"rating": r, "rating_name": name,
                "count": sum(1 for e in evaluations if e["rating"] == r)}
               for r, name in RATINGS.items()]
    return {
        "venues": summary["total"]["venues"], "by_kind": summary["by_kind"],
        "culture_palaces": count("culture_palace"), "worker_clubs": count("worker_club"),
        "palace_and_club_area_m2": sum(kinds.get(k, {}).get("floor_area_m2", 0)
                                       for k in ("culture_palace", "worker_club")),
        "rest_station_corners": count("rest_station_corner"),
        "evaluations": {"evaluations": len(evaluations),
                        "venues_evaluated": len({e["venue_id"] for e in evaluations}),
                        "by_rating": ratings,
                        "average_total": half_up(sum(e["total"] for e in evaluations),
                                                 len(evaluations), 2)},
        "activities_at_venues": len(held),
        "reading_activities_at_venues": sum(1 for c in held if c == "reading"),
    }
