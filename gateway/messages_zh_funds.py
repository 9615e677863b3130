"""The Chinese of the error messages about funds (adjustments, closing, re-deciding declines,
partial grants): part of gateway.messages_zh's catalogue, kept apart to keep each file
small."""

FUNDS = {
    # adjustments ---------------------------------------------------------------------
    'Not a signed yuan amount such as "10000.00" or "-500.00".':
        '不是带正负号的金额（元），例如 "10000.00" 或 "-500.00"。',
    "an adjustment must not be zero": "调整金额不能为 0",
    "the budget would fall below what is granted": "调整后预算将低于已核定金额",
    "at least %s": "不低于 %s",
    "the budget would fall below the county allocations or what the counties without one "
    "are granted": "调整后预算将低于各县区分配额度，或低于未分配额度县区已核定的金额",
    "lower them first (PUT /api/v1/funds/%d/allocations)":
        "请先调低分配额度（PUT /api/v1/funds/%d/allocations）",
    "a closed fund's budget is not adjusted": "已关闭的资金不能调整预算",
    # closing -------------------------------------------------------------------------
    "this fund is closed already": "该资金已关闭",
    "a closed fund's allocations are not changed": "已关闭的资金不能调整分配额度",
    # re-deciding declines --------------------------------------------------------------
    "a closed fund re-decides nothing": "已关闭的资金不能重新核定",
}
