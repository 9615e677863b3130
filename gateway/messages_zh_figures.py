"""The Chinese of the error messages about figures (statistics by role, a union's year) and the
finance digest: part of gateway.messages_zh's catalogue, kept apart to keep each file small."""

FIGURES = {
    # who sees which figures (gateway/policy.py)
    "a county reviewer sees only its own county's figures": "县区审核员只能查看本县区的统计",
    "a union admin sees only its own union's decisions": "工会管理员只能查看本工会的补助核定",
    "a union's figures are for its admins, its county's reviewer, finance and the city":
        "工会的补助数据仅限本工会管理员、所在县区审核员、财务和市总工会查看",
    # a year's decisions (services/subsidies/contract/statistics.py DecisionsFilter)
    "give activity_id or venue_id, not both": "activity_id 与 venue_id 只能给出其一",
    "union_id, status and year list a year's decisions, without activity_id or venue_id":
        "union_id、status 和 year 用于查询某年的补助核定，不能与 activity_id 或 venue_id 同时使用",
    "give activity_id or venue_id, or year for a year's decisions":
        "请给出 activity_id 或 venue_id，或给出 year 查询某年的补助核定",
}
