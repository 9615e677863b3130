"""Rules of the reading network (pure: no nameko, no SQLAlchemy).

Venues of every kind, ISBNs, loan periods and renewals, the four-goods (四好) evaluation
with its configurable scheme and bands, periods reckoned in Asia/Shanghai, and the
reading statistics computed from plain rows.
"""
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

VENUE_KINDS = {
    "culture_palace": "工人文化宫",
    "worker_club": "职工俱乐部",
    "book_house": "职工书屋",
    "model_worker_bookshelf": "劳模书架",
    "craftsman_study": "匠心书苑",
    "rest_station_corner": "户外劳动者驿站读书角",
    "shared_book_house": "共享职工书屋",
    "worker_home": "职工之家",
}
VENUE_STATUSES = ("open", "closed")
COPY_STATUSES = ("available", "on_loan")


def counts_toward_venue(facts):
    """An approved activity held at a venue counts toward the venue's activities score."""
    return facts.get("venue_id") is not None


# ISBN ------------------------------------------------------------------------------
class BadIsbn(ValueError):
    pass


def normalise_isbn(text):
    """ISBN-10 or ISBN-13 (hyphens and spaces allowed) -> the ISBN-13 digits.

    Both checksums are verified; an ISBN-10 becomes 978 + its first nine digits + a new
    ISBN-13 check digit.
    """
    if not isinstance(text, str):
        raise BadIsbn("an ISBN is a string")
    compact = re.sub(r"[\s-]", "", text).upper()
    if re.fullmatch(r"\d{9}[\dX]", compact):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(compact))
        if total % 11 != 0:
            raise BadIsbn("the ISBN-10 check digit is wrong")
        stem = "978" + compact[:9]
        return stem + _isbn13_check(stem)
    if re.fullmatch(r"\d{13}", compact):
        if not compact.startswith(("978", "979")):
            raise BadIsbn("an ISBN-13 starts with 978 or 979")
        if _isbn13_check(compact[:12]) != compact[12]:
            raise BadIsbn("the ISBN-13 check digit is wrong")
        return compact
    raise BadIsbn("an ISBN has 10 or 13 digits (an ISBN-10 may end in X)")


def _isbn13_check(stem12):
    total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(stem12))
    return str((10 - total % 10) % 10)


# loans -----------------------------------------------------------------------------
DEFAULT_LOAN_RULES = {"loan_days": 30, "renewal_days": 30, "max_renewals": 2,
                      "max_open_loans": 5}


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


def days_overdue(loan_due_on, returned, today):
    if returned or loan_due_on >= today:
        return 0
    return (today - loan_due_on).days


# periods ---------------------------------------------------------------------------
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|(0[1-9]|1[0-2])))?$")


class BadPeriod(ValueError):
    pass


def period_bounds(period):
    """'2026', '2026-H1', '2026-Q3' or '2026-09' -> (first day, last day), local dates."""
    match = _PERIOD.match(period or "")
    if not match:
        raise BadPeriod("a period is a year (2026), a half (2026-H1), a quarter (2026-Q3) "
                        "or a month (2026-09)")
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise BadPeriod("the year must lie between 2000 and 2100")
    part = match.group(2)
    if part is None:
        first_month, months = 1, 12
    elif part.startswith("H"):
        first_month, months = 1 + 6 * (int(part[1]) - 1), 6
    elif part.startswith("Q"):
        first_month, months = 1 + 3 * (int(part[1]) - 1), 3
    else:
        first_month, months = int(part), 1
    start = date(year, first_month, 1)
    end_month = first_month + months
    end = (date(year + 1, 1, 1) if end_month > 12 else date(year, end_month, 1)) - timedelta(days=1)
    return start, end


def reading_season(year):
    """The autumn reading season (职工读书季): September to November."""
    return date(year, 9, 1), date(year, 11, 30)


# four-goods evaluation -------------------------------------------------------------
CRITERIA = {
    "site": "阵地好",
    "management": "管理好",
    "activities": "活动好",
    "service": "服务好",
    "e_reading": "电子阅读设备",
    "reading_activities": "读书活动开展",
}
RATINGS = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}

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
