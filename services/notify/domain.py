"""Who hears what, and in which words (zh-CN first). Pure: no nameko, no SQLAlchemy."""

# event type -> audiences, each (kind, the data field whose value is the key)
AUDIENCES = {
    "activity_reported": [("county_reviewers", "county")],
    "activity_approved": [("union_admins", "union_id")],
    "activity_rejected": [("union_admins", "union_id")],
    "activity_returned": [("union_admins", "union_id")],
    "subsidy_granted": [("union_admins", "union_id"), ("role", "=finance")],
    "subsidy_declined": [("union_admins", "union_id"), ("role", "=finance")],
    "subsidy_paid": [("union_admins", "union_id")],
    "fund_threshold_reached": [("role", "=finance"), ("role", "=city_admin")],
}

REASONS_ZH = {
    "budget_exhausted": "补助资金预算已用尽",
    "union_cap_reached": "已达本单位年度补助上限",
    "not_eligible": "不符合补助条件",
    "no_fund": "本年度暂无可用的补助资金",
}

TEMPLATES_ZH = {
    "activity_reported": ("新的活动待审核",
                          "{union_name}上报了活动《{title}》（{held_on}，{participants} 人参加，"
                          "实际支出 {expenses} 元），请及时审核。"),
    "activity_approved": ("活动已通过审核", "您单位上报的活动《{title}》已通过审核。{comment_line}"),
    "activity_rejected": ("活动未通过审核", "您单位上报的活动《{title}》未通过审核。原因：{comment}"),
    "activity_returned": ("活动被退回修改",
                          "您单位上报的活动《{title}》被退回修改。原因：{comment}。请修改后重新提交。"),
    "subsidy_granted": ("活动补助已核定",
                        "活动《{activity_title}》获得补助 {amount} 元。\n计算明细：\n{lines}"),
    "subsidy_declined": ("活动本次未获补助",
                         "活动《{activity_title}》本次未获补助：{reason_zh}。\n计算明细：\n{lines}"),
    "subsidy_paid": ("补助已拨付", "活动《{activity_title}》的补助 {amount} 元已拨付。"),
    "fund_threshold_reached": ("资金使用提醒",
                               "{name}（{year} 年）已使用 {threshold_percent}%：预算 {budget} 元，"
                               "已核定 {granted} 元，剩余 {remaining} 元。"),
}


def audiences(event_type, data):
    """The (kind, key) pairs that must hear of this event."""
    result = []
    for kind, source in AUDIENCES.get(event_type, []):
        key = source[1:] if source.startswith("=") else data.get(source)
        if key is not None:
            result.append((kind, str(key)))
    return result


def render(event_type, data):
    title, body = TEMPLATES_ZH[event_type]
    values = {key: ("" if value is None else value) for key, value in data.items()}
    values["comment_line"] = ("审核意见：%s" % data["comment"]) if data.get("comment") else ""
    values["lines"] = "\n".join("· %s" % line for line in data.get("explanation") or [])
    values["reason_zh"] = REASONS_ZH.get(data.get("reason"), data.get("reason") or "")
    return title.format(**values), body.format(**values)


def audiences_of(identity):
    """Every audience a signed-in user belongs to."""
    result = [("user", str(identity["user_id"])), ("role", identity["role"])]
    if identity["role"] == "union_admin" and identity.get("union_id") is not None:
        result.append(("union_admins", str(identity["union_id"])))
    if identity["role"] == "county_reviewer" and identity.get("county"):
        result.append(("county_reviewers", identity["county"]))
    return result
