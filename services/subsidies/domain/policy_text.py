"""A policy version as the federation publishes its 办法: a title, articles (第一条 …) in
sentences, in the order the engine applies the rules, and a table of the amounts by tier
(and category), or by venue kind. Rendered from the same document the engine runs, so
the text can never say other than what is decided.

Pure: a document in, Chinese text out. No nameko, no SQLAlchemy.
"""
from decimal import Decimal

from services.common.money import to_fen
from services.library.contract import VENUE_KINDS as VENUE_KIND_NAMES
from services.subsidies.contract import (CATEGORY_NAMES, PURPOSE_NAMES, RATING_NAMES,
                                         TIER_NAMES, TIERS, VENUE_KINDS)

DIGITS = "零一二三四五六七八九"
PURPOSE = {
    "activity": "为规范职工文体活动补助的核定，落实“先举办后补助”和差异化奖补的要求，"
                "制定本办法。",
    "venue": "为规范宣教阵地（职工书屋、职工之家等）建设和运行维护补助的核定，制定本办法。",
}
SUBJECT = {"activity": "活动", "venue": "阵地"}
BUDGET_SHORT = {
    "none": "补助资金按审核通过的先后顺序核拨。年度补助资金（含县区分配额度）不足以全额支付"
            "某项补助时，该项不予补助。",
    "partial": "补助资金按审核通过的先后顺序核拨。年度补助资金（含县区分配额度）不足以全额支付"
               "某项补助时，按剩余资金予以补助，此后不再补助。",
}
DASH = "—"


def render(kind, version, effective_from, document):
    """{"title", "articles": ["第一条 …", ...], "table": {caption, columns, rows}, "text"}."""
    sentences = [PURPOSE[kind] + _description(document),
                 "补助金额按以下各条的顺序依次核定，每一步均写入补助说明。金额以元计、精确到分；"
                 "乘以系数时四舍五入到分。"]
    sentences += [SENTENCE[rule["type"]](rule, kind) for rule in document["rules"]]
    sentences.append(BUDGET_SHORT[document.get("when_budget_short", "none")])
    sentences.append(_in_force(kind, version, effective_from))
    articles = ["第%s条 %s" % (numeral(i), text) for i, text in enumerate(sentences, 1)]
    table = activity_table(document) if kind == "activity" else venue_table(document)
    title = document["name"]
    status = ("第%d版" % version) if effective_from is not None else ("第%d版（草案）" % version)
    text = "\n".join([title, status, ""] + articles + ["", _plain(table)])
    return {"title": title, "articles": articles, "table": table, "text": text}


def numeral(number):
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 35 -> 三十五 (articles go up to 99)."""
    tens, ones = divmod(number, 10)
    if tens == 0:
        return DIGITS[ones]
    return "%s十%s" % ("" if tens == 1 else DIGITS[tens], DIGITS[ones] if ones else "")


def yuan(text):
    """"150.00" -> "150元", "5.50" -> "5.50元", as a published text writes amounts."""
    fen = to_fen(text)
    return ("%d元" % (fen // 100)) if fen % 100 == 0 else ("%d.%02d元" % divmod(fen, 100))


# the sentence of each rule type ------------------------------------------------------------
def _eligibility(rule, kind):
    conditions = []
    if "min_participants" in rule:
        conditions.append("参与人数不少于%d人" % rule["min_participants"])
    if "categories" in rule:
        conditions.append("活动类别为%s" % _names(rule["categories"], CATEGORY_NAMES))
    if not conditions:
        return "举办并按要求上报的活动均可申请补助。"
    return "申请补助的活动应当符合下列条件：%s。不符合条件的，不予补助。" % "；".join(conditions)


def _base(rule, kind):
    text = "基础补助标准：%s。" % _by_tier(rule["by_tier"])
    for category, tiers in rule.get("by_category", {}).items():
        text += "其中，%s类活动：%s。" % (CATEGORY_NAMES.get(category, category), _by_tier(tiers))
    return text


def _per_participant(rule, kind):
    text = "按参与人数每人加计%s" % yuan(rule["amount"])
    if "max_participants" in rule:
        text += "，参与人数超过%d人的按%d人计" % ((rule["max_participants"],) * 2)
    return text + "。"


def _multiplier(rule, kind):
    when, factor = rule["when"], rule["factor"]
    whom = {
        "season_theme": lambda: "契合本季（四季歌）主题的活动",
        "remote_county": lambda: ("在偏远县区（%s）举办的活动" if kind == "activity"
                                  else "位于偏远县区（%s）的阵地") % "、".join(rule["counties"]),
        "lecture_satisfaction": lambda: "主讲人当年宣讲满意度达到%s及以上的宣讲活动" % (
            _percent(rule["at_least"])),
        "rating": lambda: "“四好”评定等级为%s的阵地" % _names(rule["ratings"], RATING_NAMES),
        "category": lambda: "%s类活动" % _names(rule["categories"], CATEGORY_NAMES),
        "tier": lambda: "%s活动" % _names(rule["tiers"], TIER_NAMES),
    }[when]()
    return "%s，补助金额乘以系数%s。" % (whom, factor)


def _cap_share_of_expenses(rule, kind):
    return "补助金额不超过活动实际支出的%d%%，超出部分核减。" % rule["percent"]


def _cap_per_activity(rule, kind):
    if "by_purpose" in rule:
        return "单个阵地每次补助不超过：%s，超出部分核减。" % "，".join(
            "%s%s" % (PURPOSE_NAMES[p], yuan(a)) for p, a in rule["by_purpose"].items())
    return "单项活动补助上限：%s，超出部分核减。" % _by_tier(rule["by_tier"])


def _cap_per_union_year(rule, kind):
    limit = (_by_tier(rule["by_tier"]) if "by_tier" in rule else "每个工会%s" % (
        yuan(rule["amount"])))
    return ("同一工会同一年度累计获得的活动补助不超过：%s。接近上限时，最后一项补助核减为尚余额度；"
            "达到上限后，该工会当年的其他活动不再补助。" % limit)


def _first_time_bonus(rule, kind):
    return "工会首次申报活动补助（此前没有任何活动补助决定）的，另加%s。" % yuan(rule["amount"])


def _venue_threshold(rule, kind):
    conditions = []
    if "min_rating" in rule:
        conditions.append("“四好”评定等级达到%s及以上" % RATING_NAMES[rule["min_rating"]])
    if "min_total" in rule:
        conditions.append("“四好”评分不低于%d分" % rule["min_total"])
    return "申请补助的阵地应当%s；未达到的，不予补助。" % "，且".join(conditions)


def _venue_amount(rule, kind):
    parts = []
    for purpose in ("construction", "upkeep"):
        amounts = rule[purpose]
        named = ["%s%s" % (VENUE_KIND_NAMES[k], yuan(a)) for k, a in amounts.items()
                 if k != "default"]
        named.append("其他阵地%s" % yuan(amounts["default"]))
        parts.append("%s：%s" % (PURPOSE_NAMES[purpose], "，".join(named)))
    return "阵地首次获得补助为建设补助，此后为运行维护补助。补助标准：%s。" % "；".join(parts)


SENTENCE = {
    "eligibility": _eligibility,
    "base": _base,
    "per_participant": _per_participant,
    "multiplier": _multiplier,
    "cap_share_of_expenses": _cap_share_of_expenses,
    "cap_per_activity": _cap_per_activity,
    "cap_per_union_year": _cap_per_union_year,
    "first_time_bonus": _first_time_bonus,
    "venue_threshold": _venue_threshold,
    "venue_amount": _venue_amount,
}


# the table ----------------------------------------------------------------------------
def activity_table(document):
    """Amounts by tier: a row per amount rule (a category's own base on a row of its own)."""
    rows = []
    for rule in document["rules"]:
        kind = rule["type"]
        if kind == "base":
            rows.append(["基础补助"] + _tier_cells(rule["by_tier"]))
            for category, tiers in rule.get("by_category", {}).items():
                rows.append(["基础补助（%s类）" % CATEGORY_NAMES.get(category, category)]
                            + _tier_cells(tiers))
        elif kind == "per_participant":
            note = "（至多%d人）" % rule["max_participants"] if "max_participants" in rule else ""
            rows.append(["每名参与者加计%s" % note] + [_amount(rule["amount"])] * len(TIERS))
        elif kind == "multiplier":
            rows.append([_factor_label(rule)] + _factor_cells(rule))
        elif kind == "first_time_bonus":
            rows.append(["首次申报奖励"] + [_amount(rule["amount"])] * len(TIERS))
        elif kind == "cap_share_of_expenses":
            rows.append(["不超过实际支出"] + ["%d%%" % rule["percent"]] * len(TIERS))
        elif kind == "cap_per_activity":
            rows.append(["单项活动上限"] + _tier_cells(rule["by_tier"]))
        elif kind == "cap_per_union_year":
            cells = (_tier_cells(rule["by_tier"]) if "by_tier" in rule
                     else [_amount(rule["amount"])] * len(TIERS))
            rows.append(["工会年度上限"] + cells)
    return {"caption": "补助标准表（单位：元）", "columns": ["项目"] + [
        TIER_NAMES[t] + "活动" for t in TIERS], "rows": rows}


def venue_table(document):
    """Construction and upkeep amounts by venue kind, then the caps by purpose."""
    amounts = next((r for r in document["rules"] if r["type"] == "venue_amount"), None)
    rows = []
    if amounts is not None:
        for kind in VENUE_KINDS:
            rows.append([VENUE_KIND_NAMES[kind]] + [
                _amount(amounts[p].get(kind, amounts[p]["default"]))
                for p in ("construction", "upkeep")])
    for rule in document["rules"]:
        if rule["type"] == "cap_per_activity" and "by_purpose" in rule:
            rows.append(["单项上限"] + [_amount(rule["by_purpose"][p])
                                    for p in ("construction", "upkeep")])
        elif rule["type"] == "multiplier":
            rows.append([_factor_label(rule)] + ["×%s" % rule["factor"]] * 2)
    return {"caption": "阵地补助标准表（单位：元）",
            "columns": ["阵地类型", PURPOSE_NAMES["construction"], PURPOSE_NAMES["upkeep"]],
            "rows": rows}


def _factor_label(rule):
    when = rule["when"]
    if when == "category":
        return "%s类活动系数" % _names(rule["categories"], CATEGORY_NAMES)
    if when == "rating":
        return "评定%s系数" % _names(rule["ratings"], RATING_NAMES)
    if when == "lecture_satisfaction":
        return "宣讲满意度%s及以上系数" % _percent(rule["at_least"])
    return {"season_theme": "契合本季主题系数", "remote_county": "偏远县区系数",
            "tier": "层级系数"}[when]


def _factor_cells(rule):
    if rule["when"] == "tier":
        return ["×%s" % rule["factor"] if t in rule["tiers"] else DASH for t in TIERS]
    return ["×%s" % rule["factor"]] * len(TIERS)


def _tier_cells(by_tier):
    return [_amount(by_tier[t]) if t in by_tier else DASH for t in TIERS]


def _amount(text):
    return yuan(text)[:-1]  # the table's unit is the yuan: "150元" -> "150"


def _plain(table):
    lines = [table["caption"], " | ".join(table["columns"])]
    lines += [" | ".join(row) for row in table["rows"]]
    return "\n".join(lines)


# small words ------------------------------------------------------------------------------
def _by_tier(by_tier):
    return "，".join("%s活动%s" % (TIER_NAMES[t], yuan(by_tier[t])) for t in TIERS
                    if t in by_tier)


def _names(keys, names):
    ordered = [k for k in list(names) if k in keys] if set(keys) <= set(names) else list(keys)
    return "、".join(names.get(k, k) for k in ordered)


def _percent(ratio):
    return "%s%%" % format((Decimal(ratio) * 100).normalize(), "f")


def _description(document):
    description = (document.get("description") or "").strip()
    return description and "（%s）" % description


def _in_force(kind, version, effective_from):
    if effective_from is None:
        return "本办法为第%d版草案，尚未发布施行，不适用于任何审核。" % version
    when = "%d年%d月%d日" % (effective_from.year, effective_from.month, effective_from.day)
    return ("本办法为第%d版，自%s起施行，适用于该日及以后审核通过的%s；此前已核定的补助不受影响。"
            "本办法由张掖市总工会负责解释。" % (version, when, SUBJECT[kind]))

