"""The Chinese of the error messages about payments (payees, batch scope, the second person,
exports, returned lines, reversals): part of gateway.messages_zh's catalogue, kept apart to
keep each file small."""

PAYMENTS = {
    # the second person
    "a second person confirms every payment: the batch's creator may not pay it":
        "每笔拨付须由第二人复核确认：批次的制单人不能自己确认拨付",
    # payees
    "no payee kind %s": "没有 %s 这种收款方（须为 union 或 venue）",
    "no payee for %s %s": "%s %s 尚未登记收款账户",
    "the bank details are not valid": "收款账户信息有误",
    "must not contain control characters (tabs, line breaks)": "不能包含制表符、换行等控制字符",
    "digits only (spaces are allowed and removed)": "只能填写数字（可含空格，空格会被去掉）",
    "from %d to %d digits": "须为 %d 到 %d 位数字",
    "the payee was set at the same time by another request; try again":
        "该收款账户正被另一请求同时设置，请重试",
    # batch scope and lines
    "on or after approved_from": "须不早于 approved_from（核定起始日）",
    "no decision in scope has a payee with bank details":
        "范围内没有已登记收款账户的补助：请先为收款单位登记开户行和账号",
    "line %s of disbursement batch %s not found": "未找到收款行 %s（拨付批次 %s）",
    "only a paid line of a paid batch can be returned": "只有已拨付批次中已拨付的行才能登记银行退回",
    "the line no longer matches its decisions (one was reversed)":
        "该行与其补助已不一致（其中有补助已冲销）",
    # reversals and exports
    "only a paid subsidy can be reversed": "只有已拨付的补助才能冲销",
    "unknown export format": "未知的导出格式",
    "a cancelled batch is not exported": "已取消的批次不能导出",
}
