"""The reading network's words and formats (pure: no nameko, no SQLAlchemy).

One definition each: the contract (services.library.contract) publishes them, the domain
reasons with them, and other services (subsidies) import them from the contract.
"""
import re
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
VENUE_STATUSES = {"open": "开放", "closed": "已关闭"}
COPY_STATUSES = {"available": "在架", "on_loan": "借出"}
LOAN_STATUSES = {"open": "借阅中", "returned": "已归还", "overdue": "逾期"}
# the four goods (四好) and what else a venue is scored on, in the order they are shown
CRITERIA = {
    "site": "阵地好",
    "management": "管理好",
    "activities": "活动好",
    "service": "服务好",
    "e_reading": "电子阅读设备",
    "reading_activities": "读书活动开展",
}
RATINGS = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}  # best first


# ISBN ------------------------------------------------------------------------------
# what a client may send: 10 or 13 digits (an ISBN-10 may end in X), a space or hyphen
# between any two; the check digit is verified on top of it (normalise_isbn)
ISBN_TEXT = r"^(?:(?:[0-9][ -]?){9}[0-9Xx]|(?:[0-9][ -]?){12}[0-9])$"


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


# periods ---------------------------------------------------------------------------
# a year from 2000 to 2100, or a quarter, half or month of one
PERIOD_TEXT = r"^(20[0-9][0-9]|2100)(-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$"
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


# a loan on a given day ---------------------------------------------------------------
def loan_status(returned, loan_due_on, today):
    if returned:
        return "returned"
    return "overdue" if loan_due_on < today else "open"


def days_overdue(loan_due_on, returned, today):
    if returned or loan_due_on >= today:
        return 0
    return (today - loan_due_on).days
