"""The Chinese of the error messages about the year-end report (决算), the late entry of
a report (补录) and the figures behind them: part of gateway.messages_zh's catalogue, kept
apart to keep each file small."""

REPORT = {
    "a county reviewer reads only its own county's report": "县区审核员只能查看本县区的决算报表",
    "a late entry is for an activity of this year or the last": "补录仅限本年度或上一年度举办的活动",
    "only the city federation enters a report late": "只有市总工会可以补录活动",
    "only a city_admin may enter a report late": "只有市总工会管理员（city_admin）可以补录活动",
    "no such year": "没有这个年度",
    "a year from 2000 to 2100": "年度须在 2000 到 2100 之间",
}
