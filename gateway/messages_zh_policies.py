"""The Chinese of the error messages about policies (rule documents, the order of versions,
withdrawing, the dry run, simulations): part of gateway.messages_zh's catalogue, kept apart
to keep each file small."""

POLICIES = {
    # a document's rules (services/subsidies/domain/policies.py)
    'not a yuan amount such as "290.00"': "不是有效的金额（如“290.00”）",
    'a positive factor with at most two decimals, such as "1.20"':
        "须为正数系数，最多两位小数（如“1.20”）",
    'a ratio from "0" to "1", such as "0.95"': "须为 0 到 1 之间的比例（如“0.95”）",
    "an integer from %d to %d": "须为 %d 到 %d 之间的整数",
    "a non-empty list of county names": "须为非空的县区名称列表",
    "a non-empty list of categories from: %s": "须为非空的活动类别列表，可选：%s",
    "a non-empty list of tiers from: %s": "须为非空的活动层级列表，可选：%s",
    "a non-empty list of ratings from: %s": "须为非空的评定等级列表，可选：%s",
    "an object of %s -> yuan amount": "须为“%s → 金额”的对象",
    'an object of venue kind -> yuan amount, with a "default"':
        "须为“阵地类型 → 金额”的对象，并包含“default”",
    # the order of versions
    "versions take effect in version order, each on a later date than the one before":
        "各版本须按版本号顺序生效，每个版本的生效日期须晚于前一版本",
    "after %s, the effective date of version %d": "须晚于 %s（第 %d 版的生效日期）",
    "before %s, the effective date of the later version %d":
        "须早于 %s（更高的第 %d 版的生效日期）",
    # withdrawing a published version
    "this version is a draft; there is nothing to withdraw": "该版本是草案，无需撤回",
    "this version is in force; a version in force stays": "该版本已经生效，生效的版本不能撤回",
    # the dry run by activity
    "the activity is not decided yet: its facts are needed": "该活动尚未核定补助，需要提供其审核数据",
    "no decision; give the facts of its approval": "尚无补助决定，请提供其审核通过时的数据",
    "the facts are of another activity": "所给数据属于另一个活动",
    "the facts given are of activity %d": "所给数据属于活动 %d",
    # a period under a version
    "give a year, or from and to, not both": "请给出年度，或起止日期，不能同时给出",
    "give a year, or from and to": "请给出年度，或起止日期",
    "on or after from": "须不早于起始日期（from）",
    "a simulation runs an activity policy over activity decisions":
        "模拟测算只适用于文体活动补助政策及其补助决定",
    "activity (venue policies are not simulated)": "须为 activity（阵地补助政策不做模拟测算）",
}
