"""Subsidies' word lists with their Chinese names: pure data, one definition each
(re-exported by services.subsidies.contract, which is where readers take them from).

TIERS/TIER_NAMES and CATEGORIES/CATEGORY_NAMES are activities' lists, VENUE_KINDS,
RATINGS/RATING_NAMES library's: the same words, to be imported from
services.activities.contract / services.library.contract once those exist.
"""
TIERS = ("city", "county", "grassroots")
TIER_NAMES = {"city": "市级", "county": "县级", "grassroots": "基层"}
CATEGORIES = ("culture", "sports", "reading", "lecture", "exhibition", "women")
CATEGORY_NAMES = {"culture": "文化", "sports": "体育", "reading": "读书", "lecture": "宣讲",
                  "exhibition": "展览", "women": "女职工"}
VENUE_KINDS = ("culture_palace", "worker_club", "book_house", "model_worker_bookshelf",
               "craftsman_study", "rest_station_corner", "shared_book_house", "worker_home")
RATINGS = ("excellent", "good", "pass", "fail")           # best first
RATING_NAMES = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
# subsidies' own
POLICY_KINDS = ("activity", "venue")                      # also a decision's subject
SUBJECT_NAMES = {"activity": "文体活动", "venue": "宣教阵地"}
PURPOSES = ("construction", "upkeep")
PURPOSE_NAMES = {"construction": "建设补助", "upkeep": "运行维护补助"}
SUBSIDY_STATUSES = ("granted", "declined", "paid")
DECLINE_REASONS = ("budget_exhausted", "union_cap_reached", "not_eligible", "no_fund",
                   "cancelled")
FUND_STATUSES = ("open", "closed")
BATCH_STATUSES = ("open", "paid", "cancelled")
POLICY_STATUSES = ("draft", "published")
LEDGER_KINDS = ("reserve", "release", "pay")
YUAN_PATTERN = r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$"
RATIO_PATTERN = r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$"

