"""Who hears what, on which channel, in which words (zh-CN first).

Pure: no nameko, no SQLAlchemy, no network.
"""
import hashlib
import hmac

from services.library import contract as library_contract
from services.notify import digest
from services.notify.words import (  # noqa: F401  (one definition each, in words.py)
    CHANNELS, CHOOSABLE_TYPES, CRITICAL, DEFAULT_LANGUAGE, DIGEST_TYPES, EVENT_TYPES,
    INBOX_TYPES, LANGUAGES, NOTICE_TYPES, USER_CHANNELS)

# event type -> audiences, each (kind, the data field whose value is the key; "=x" is x)
AUDIENCES = {
    "activity_reported": [("county_reviewers", "county")],
    "activity_approved": [("union_admins", "union_id")],
    "activity_rejected": [("union_admins", "union_id")],
    "activity_returned": [("union_admins", "union_id")],
    # finance hears of decisions in its daily digest (digest.py), not one by one
    "subsidy_granted": [("union_admins", "union_id")],
    "subsidy_declined": [("union_admins", "union_id")],
    "subsidy_paid": [("union_admins", "union_id")],
    "fund_threshold_reached": [("role", "=finance"), ("role", "=city_admin")],
    "venue_evaluated": [("union_admins", "host_union_id")],
    "venue_subsidy_decided": [("union_admins", "host_union_id")],
    "venue_subsidy_paid": [("union_admins", "host_union_id")],
    # not finance: finance itself records a returned line (and its subsidies are back in
    # the next batch's pool) and reverses a subsidy; a venue paid itself has no union told
    "payment_returned": [("union_admins", "union_id")],
    "subsidy_reversed": [("union_admins", "union_id")],
}

REASONS = {
    "zh-CN": {
        "budget_exhausted": "补助资金预算已用尽",
        "union_cap_reached": "已达本单位年度补助上限",
        "not_eligible": "不符合补助条件",
        "no_fund": "本年度暂无可用的补助资金",
    },
    "en": {
        "budget_exhausted": "the subsidy fund's budget is used up",
        "union_cap_reached": "the union has reached its yearly subsidy cap",
        "not_eligible": "the activity does not qualify for a subsidy",
        "no_fund": "there is no open subsidy fund this year",
    },
}

TEMPLATES = {
    "zh-CN": {
        "activity_reported": (
            "新的活动待审核",
            "{union_name}上报了活动《{title}》（{held_on}，{participants} 人参加，"
            "实际支出 {expenses} 元），请及时审核。"),
        "activity_approved": ("活动已通过审核",
                              "您单位上报的活动《{title}》已通过审核。{comment_line}"),
        "activity_rejected": ("活动未通过审核",
                              "您单位上报的活动《{title}》未通过审核。原因：{comment}"),
        "activity_returned": (
            "活动被退回修改",
            "您单位上报的活动《{title}》被退回修改。原因：{comment}。请修改后重新提交。"),
        "subsidy_granted": ("活动补助已核定",
                            "活动《{activity_title}》获得补助 {amount} 元。\n计算明细：\n{lines}"),
        "subsidy_declined": (
            "活动本次未获补助",
            "活动《{activity_title}》本次未获补助：{reason_text}。\n计算明细：\n{lines}"),
        "subsidy_paid": ("补助已拨付", "活动《{activity_title}》的补助 {amount} 元已拨付。"),
        "fund_threshold_reached": (
            "资金使用提醒",
            "{name}（{year} 年）已使用 {threshold_percent}%：预算 {budget} 元，"
            "已核定 {granted} 元，剩余 {remaining} 元。"),
        "venue_evaluated": (
            "阵地“四好”评估结果",
            "您单位承办的阵地“{name}”{period}“四好”评估得分 {total}{max_line}，"
            "等级：{rating_text}。"),
        "venue_subsidy_decided": (
            "阵地补助结果",
            "阵地“{venue_name}”{period}的{purpose_text}补助：{status_text} {amount} 元。{reason_line}"
            "\n计算明细：\n{lines}"),
        "venue_subsidy_paid": ("阵地补助已拨付",
                               "阵地“{venue_name}”{period}的{purpose_text}补助 {amount} 元已拨付。"),
        "payment_returned": (
            "拨付款被银行退回",
            "拨付给“{payee_name}”的 {amount} 元（{count} 项补助，拨付批次 {batch_id}）被银行"
            "退回。原因：{reason}。这些补助已恢复为待拨付，将随下一批次重新拨付；如银行账户"
            "信息有误，请及时联系财务更正。"),
        "subsidy_reversed": (
            "补助已撤回（退款）",
            "“{activity_title}”已拨付的补助 {amount} 元已撤回（退款）。原因：{reason}。"),
    },
    "en": {
        "activity_reported": (
            "New activity to review",
            "{union_name} reported the activity \"{title}\" ({held_on}, {participants} "
            "participants, {expenses} yuan spent). Please review it."),
        "activity_approved": ("Activity approved",
                              "Your union's activity \"{title}\" was approved.{comment_line}"),
        "activity_rejected": ("Activity rejected",
                              "Your union's activity \"{title}\" was rejected. Reason: {comment}"),
        "activity_returned": (
            "Activity returned for rework",
            "Your union's activity \"{title}\" was returned for rework. Reason: {comment}. "
            "Please change it and submit it again."),
        "subsidy_granted": (
            "Subsidy granted",
            "The activity \"{activity_title}\" was granted a subsidy of {amount} yuan.\n"
            "How it was calculated:\n{lines}"),
        "subsidy_declined": (
            "No subsidy this time",
            "The activity \"{activity_title}\" gets no subsidy this time: {reason_text}.\n"
            "How it was calculated:\n{lines}"),
        "subsidy_paid": ("Subsidy paid",
                         "The subsidy of {amount} yuan for \"{activity_title}\" has been paid."),
        "fund_threshold_reached": (
            "Fund usage alert",
            "{name} ({year}) has reached {threshold_percent}% of its budget: budget "
            "{budget} yuan, granted {granted} yuan, remaining {remaining} yuan."),
        "venue_evaluated": (
            "Four-goods evaluation of your venue",
            "The venue \"{name}\" hosted by your union scored {total}{max_line} in the "
            "four-goods evaluation for {period}; rating: {rating_text}."),
        "venue_subsidy_decided": (
            "Venue subsidy decision",
            "The {purpose_text} subsidy of the venue \"{venue_name}\" for {period}: "
            "{status_text} {amount} yuan.{reason_line}\nHow it was computed:\n{lines}"),
        "venue_subsidy_paid": ("Venue subsidy paid",
                               "The {purpose_text} subsidy of {amount} yuan for the venue "
                               "\"{venue_name}\" ({period}) has been paid."),
        "payment_returned": (
            "Payment returned by the bank",
            "The payment of {amount} yuan to \"{payee_name}\" ({count} subsidies, "
            "disbursement batch {batch_id}) was returned by the bank. Reason: {reason}. "
            "The subsidies are waiting to be paid again with the next batch; if the bank "
            "details are wrong, please tell finance."),
        "subsidy_reversed": (
            "Subsidy reversed (refunded)",
            "The paid subsidy of {amount} yuan for \"{activity_title}\" was reversed "
            "(refunded). Reason: {reason}."),
    },
}

# notices a person sends (words.NOTICE_TYPES): not events, so not in TEMPLATES, whose keys
# are the event types; in-app only (no email footer needed). Facts: county, year, month.
NOTICE_TEMPLATES = {
    "zh-CN": {
        "coverage_reminder": (
            "请及时上报活动",
            "{year} 年 {month} 月{county}暂无贵单位上报的活动。请按照“先举办后补助”的要求，"
            "及时举办职工文体活动并上报活动材料。"),
    },
    "en": {
        "coverage_reminder": (
            "Please report your activities",
            "{county} has no activity reported by your union for {month_name} {year} yet. "
            "Hold first, subsidise after: please hold your workers' culture and sports "
            "activities and report them with their evidence."),
    },
}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")

RATINGS = {"zh-CN": dict(library_contract.RATINGS),  # library's words, not a copy
           "en": {"excellent": "excellent", "good": "good", "pass": "pass", "fail": "fail"}}

PURPOSES = {"zh-CN": {"construction": "建设", "upkeep": "运维"},
            "en": {"construction": "construction", "upkeep": "upkeep"}}
DECISIONS = {"zh-CN": {"granted": "核定", "declined": "不予补助", "paid": "已拨付"},
             "en": {"granted": "granted", "declined": "declined", "paid": "paid"}}

EMAIL_FOOTER = {
    "zh-CN": "\n\n——\n职工文化服务矩阵（张掖市总工会）\n如不想再收到此类邮件，可在“通知设置”中关闭。",
    "en": "\n\n--\nCulture Matrix, Zhangye Federation of Trade Unions\n"
          "To stop these emails, turn them off in your notification settings.",
}


# who hears what -----------------------------------------------------------------------
def audiences(event_type, data):
    """The (kind, key) pairs that must hear of this event."""
    if event_type == "activity_reported" and data.get("tier") in ("county", "city"):
        return [("role", "city_admin")]  # only the city reviews county and city activities
    result = []
    for kind, source in AUDIENCES.get(event_type, []):
        key = source[1:] if source.startswith("=") else data.get(source)
        if key is not None:
            result.append((kind, str(key)))
    return result


def audiences_of(identity):
    """Every audience a signed-in user belongs to."""
    result = [("user", str(identity["user_id"])), ("role", identity["role"])]
    if identity["role"] == "union_admin" and identity.get("union_id") is not None:
        result.append(("union_admins", str(identity["union_id"])))
    if identity["role"] == "county_reviewer" and identity.get("county"):
        result.append(("county_reviewers", identity["county"]))
    return result


def belongs_to(identity, audience_list):
    """Whether a user (or a stored recipient) is in any of the audiences."""
    mine = set(audiences_of(identity))
    return any(tuple(audience) in mine for audience in audience_list)


def channel_enabled(event_type, channel, preferences):
    """preferences: {(event_type, channel): bool}; unset means on. Critical in-app is always on."""
    if channel == "in_app" and event_type in CRITICAL:
        return True
    return preferences.get((event_type, channel), True)


def wants_email(recipient, event_type, preferences):
    return bool(recipient.get("email")) and channel_enabled(event_type, "email", preferences)


# words --------------------------------------------------------------------------------
def render(event_type, data, language=DEFAULT_LANGUAGE):
    """(title, body) of an event's notification in a language (zh-CN when unknown)."""
    language = language if language in TEMPLATES else DEFAULT_LANGUAGE
    title, body = (TEMPLATES[language].get(event_type)
                   or NOTICE_TEMPLATES[language].get(event_type)
                   or digest.TEMPLATES[language][event_type])
    values = {key: ("" if value is None else value) for key, value in data.items()}
    if event_type in DIGEST_TYPES:
        values.update(digest.values(data, language))
    month = data.get("month")
    values["month_name"] = (MONTH_NAMES[month - 1] if isinstance(month, int)
                            and 1 <= month <= 12 else "")
    comment = data.get("comment")
    if language == "en":
        values["comment_line"] = (" Reviewer's comment: %s" % comment) if comment else ""
    else:
        values["comment_line"] = ("审核意见：%s" % comment) if comment else ""
    values["lines"] = "\n".join("· %s" % line for line in data.get("explanation") or [])
    reason = data.get("reason")
    values["reason_text"] = REASONS[language].get(reason, reason or "")
    rating = data.get("rating")
    values["rating_text"] = (data.get("rating_name")
                             if language == "zh-CN" and data.get("rating_name")
                             else RATINGS[language].get(rating, rating or ""))
    values["max_line"] = ("/%s" % data["max_total"]) if data.get("max_total") else ""
    values["purpose_text"] = PURPOSES[language].get(data.get("purpose"), data.get("purpose") or "")
    values["status_text"] = DECISIONS[language].get(data.get("status"), data.get("status") or "")
    values["reason_line"] = ((" 原因：%s。" if language == "zh-CN" else " Reason: %s.")
                             % values["reason_text"]) if reason else ""
    return title.format_map(_Blank(values)), body.format_map(_Blank(values))


def render_email(event_type, data, language=DEFAULT_LANGUAGE):
    language = language if language in TEMPLATES else DEFAULT_LANGUAGE
    title, body = render(event_type, data, language)
    prefix = "【职工文化服务矩阵】" if language == "zh-CN" else "[Culture Matrix] "
    return prefix + title, body + EMAIL_FOOTER[language]


def template_catalogue():
    """Every template in every language, for the documentation route."""
    return [{"event_type": event_type, "language": language, "title": texts[event_type][0],
             "body": texts[event_type][1], "critical": event_type in CRITICAL,
             "audiences": [kind if not source.startswith("=") else "%s:%s" % (kind, source[1:])
                           for kind, source in AUDIENCES[event_type]]}
            for event_type in EVENT_TYPES for language, texts in TEMPLATES.items()]


def reminder(union_ids, county, year, month):
    """A coverage reminder to the admins of the unions: (audiences, facts, title, body);
    title and body in zh-CN, as stored (the inbox renders other languages from the facts)."""
    facts = {"county": county, "year": year, "month": month}
    audience_list = [("union_admins", str(union_id)) for union_id in union_ids]
    title, body = render("coverage_reminder", facts)
    return audience_list, facts, title, body


class _Blank(dict):
    """A fact a template names but an (older) event lacks renders empty, never fails."""

    def __missing__(self, key):
        return ""


# retries and signatures ---------------------------------------------------------------
def backoff_seconds(attempts, base, cap):
    """Delay before the next try after `attempts` failed ones: base, 2 base, 4 base... <= cap."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


def next_step(attempts, max_attempts, permanent):
    """After a failed attempt (attempts counts it): 'retry' or 'fail'."""
    return "fail" if permanent or attempts >= max_attempts else "retry"


def should_disable(consecutive_failures, limit):
    return limit > 0 and consecutive_failures >= limit


def signature(secret, timestamp, body):
    """HMAC-SHA256 over "timestamp.body", hex, as sent in X-CM-Signature: sha256=<hex>."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_signature(secret, timestamp, body, header):
    expected = "sha256=" + signature(secret, timestamp, body)
    return hmac.compare_digest(expected, header or "")
