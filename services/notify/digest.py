"""Finance's daily digest of subsidy decisions, the pure part: which day's digest a decision
counts in, the hours a day's digest covers, what one decision adds, and the words.

Finance used to get a notice for every grant and decline (865 unread after a demo year).
Now each decision is folded into the figures of its digest's day and finance gets one
notice a day. The digest of day D covers the decisions made from D-1 at the digest hour
up to (not including) D at the digest hour, local time, and is due at D's digest hour:
with the default hour, 18, from yesterday 18:00 to today 18:00. Hour 0 stands for the
midnight that ends the day: the digest of D then covers D itself and is due at the
midnight after it. Threshold notices (80 %, 100 %) stay immediate; they are not folded.

Pure: no nameko, no SQLAlchemy, no network.
"""
from datetime import datetime, time, timedelta

from services.common.clock import LOCAL
from services.common.money import BadAmount, to_fen, to_yuan

KIND = "finance_digest"
AUDIENCE = [("role", "finance")]
# the decisions folded into the digest, and what each is about
FOLDED = {"subsidy_granted": "activity", "subsidy_declined": "activity",
          "venue_subsidy_decided": "venue"}
FIGURES = ("granted_count", "granted_fen", "declined_count", "cancelled_count")
LOCAL_TIME = "%Y-%m-%d %H:%M"


class BadDigestHour(ValueError):
    """A finance_digest_hour that is not 0..23; the notify process stops on it."""


def check_hour(hour):
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise BadDigestHour("finance_digest_hour=%r: expected a whole hour 0..23 (local "
                            "time; 0 is the midnight that ends the day)" % (hour,))
    return hour


def _hours(hour):
    return check_hour(hour) or 24


def digest_day(moment, hour):
    """The day whose digest counts a decision made at moment (an aware datetime)."""
    local = moment.astimezone(LOCAL)
    return (local - timedelta(hours=_hours(hour))).date() + timedelta(days=1)


def window(day, hour):
    """(start, end), aware local datetimes: the digest of day covers [start, end)."""
    end = datetime.combine(day, time(), LOCAL) + timedelta(hours=_hours(hour))
    return end - timedelta(days=1), end


def due_day(now, hour):
    """The latest day whose digest is due at now (its window has ended)."""
    return digest_day(now, hour) - timedelta(days=1)


def occurred(envelope):
    """The aware UTC moment of an envelope's occurred_at."""
    return datetime.fromisoformat(envelope["occurred_at"].replace("Z", "+00:00"))


def figure(event_type, data):
    """(subject, county, {figure: amount}) one decision adds to its county's figures, or
    None for an event the digest does not count. A cancelled grant (a decline whose reason
    is `cancelled`) counts as a withdrawal, not as a decline."""
    subject = FOLDED.get(event_type)
    if subject is None or not data.get("county"):
        return None
    added = dict.fromkeys(FIGURES, 0)
    if data.get("status") == "granted":
        added["granted_count"], added["granted_fen"] = 1, _fen(data.get("amount"))
    elif data.get("reason") == "cancelled":
        added["cancelled_count"] = 1
    elif data.get("status") == "declined":
        added["declined_count"] = 1
    else:
        return None  # a paid venue subsidy is no decision
    return subject, data["county"], added


def _fen(amount):
    try:
        return to_fen(amount)
    except BadAmount:  # an amount off the contract counts as a decision of 0.00
        return 0


def facts(day, hour, rows):
    """The digest's facts (stored with the notice; the words are made from them in the
    reader's language). rows: (county, subject, granted_count, granted_fen,
    declined_count, cancelled_count) of the day."""
    start, end = window(day, hour)
    total, venues, counties = _zero(), None, {}
    for county, subject, *figures in rows:
        added = dict(zip(FIGURES, figures))
        _add(total, added)
        _add(counties.setdefault(county, _zero()), added)
        if subject == "venue":
            venues = _add(venues or _zero(), added)
    return dict(_shown(total), day=day.isoformat(), window_start=start.isoformat(),
                window_end=end.isoformat(), venues=_shown(venues) if venues else None,
                by_county=[dict(_shown(figures), county=county)
                           for county, figures in sorted(counties.items())])


def _zero():
    return dict.fromkeys(FIGURES, 0)


def _add(into, added):
    for key in FIGURES:
        into[key] += int(added.get(key) or 0)
    return into


def _shown(figures):
    shown = {key: figures[key] for key in FIGURES if key != "granted_fen"}
    shown["granted"] = to_yuan(figures["granted_fen"])
    return shown


def decisions(facts_):
    return facts_["granted_count"] + facts_["declined_count"] + facts_["cancelled_count"]


# words ----------------------------------------------------------------------------------
TEMPLATES = {
    "zh-CN": {KIND: (
        "今日补助核定汇总（{day}）",
        "{window_start} 至 {window_end}（北京时间）的补助核定：\n"
        "核定补助 {granted_count} 项，共 {granted} 元；不予补助 {declined_count} 项。"
        "{cancelled_line}{venue_line}\n按县区：\n{county_lines}\n"
        "上一份汇总发出后才处理的核定计入本份。资金使用达到 80%、100% 时仍即时提醒。")},
    "en": {KIND: (
        "Today's subsidy decisions ({day})",
        "Subsidy decisions from {window_start} to {window_end} (Beijing time):\n"
        "{granted_count} granted, {granted} yuan in all; {declined_count} declined."
        "{cancelled_line}{venue_line}\nBy county:\n{county_lines}\n"
        "Decisions processed after the previous digest went out are counted in this one. "
        "Fund alerts at 80% and 100% still arrive at once.")},
}
_LINES = {
    "zh-CN": {"cancelled": "撤销已核定补助 {cancelled_count} 项。",
              "venues": "\n其中阵地补助：核定 {granted_count} 项，共 {granted} 元；"
                        "不予补助 {declined_count} 项。",
              "county": "· {county}：核定 {granted_count} 项，共 {granted} 元；"
                        "不予补助 {declined_count} 项",
              "county_cancelled": "；撤销 {cancelled_count} 项"},
    "en": {"cancelled": " Grants withdrawn: {cancelled_count}.",
           "venues": "\nOf these, venue subsidies: {granted_count} granted, {granted} yuan; "
                     "{declined_count} declined.",
           "county": "· {county}: {granted_count} granted, {granted} yuan; "
                     "{declined_count} declined",
           "county_cancelled": "; {cancelled_count} withdrawn"},
}


def values(facts_, language):
    """The template's values for the facts, beyond the facts themselves."""
    lines = _LINES[language]
    shown = {"window_start": _local(facts_.get("window_start")),
             "window_end": _local(facts_.get("window_end"))}
    shown["cancelled_line"] = (lines["cancelled"].format(**facts_)
                               if facts_.get("cancelled_count") else "")
    venues = facts_.get("venues")
    shown["venue_line"] = lines["venues"].format(**venues) if venues else ""
    shown["county_lines"] = "\n".join(
        lines["county"].format(**one) + (lines["county_cancelled"].format(**one)
                                         if one.get("cancelled_count") else "")
        for one in facts_.get("by_county") or ())
    return shown


def _local(text):
    if not text:
        return ""
    return datetime.fromisoformat(text).astimezone(LOCAL).strftime(LOCAL_TIME)
