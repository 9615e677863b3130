"""Subsidies' word lists with their Chinese names: pure data, one definition each
(re-exported by services.subsidies.contract, which is where readers take them from).

Tiers and categories are activities' words, venue kinds and ratings library's: taken from
their contracts, never copied.
"""
from services.activities import contract as _activities
from services.common.money import YUAN_PATTERN  # noqa: F401  re-exported
from services.library import contract as _library

TIERS = tuple(_activities.LEVELS)  # an activity's tier is its union's level
TIER_NAMES = dict(_activities.LEVEL_NAMES)
CATEGORIES = tuple(_activities.CATEGORIES)
CATEGORY_NAMES = dict(_activities.CATEGORY_NAMES)
VENUE_KINDS = tuple(_library.VENUE_KINDS)
RATINGS = tuple(_library.RATINGS)  # best first
RATING_NAMES = dict(_library.RATINGS)
# subsidies' own
POLICY_KINDS = ("activity", "venue")                      # also a decision's subject
SUBJECT_NAMES = {"activity": "文体活动", "venue": "宣教阵地"}
PURPOSES = ("construction", "upkeep")
PURPOSE_NAMES = {"construction": "建设补助", "upkeep": "运行维护补助"}
SUBSIDY_STATUSES = ("granted", "declined", "paid", "reversed")  # reversed: paid, then refunded
DECLINE_REASONS = ("budget_exhausted", "union_cap_reached", "not_eligible", "no_fund",
                   "cancelled")
FUND_STATUSES = ("open", "closed")
BATCH_STATUSES = ("open", "paid", "cancelled")
LINE_STATUSES = ("pending", "paid", "returned")  # a batch's payee line; returned by the bank
PAYEE_KINDS = ("union", "venue")  # a union, or a venue paid itself (culture palaces)
POLICY_STATUSES = ("draft", "published")
# reserve, release: granted moves; pay, return (the bank sent a line back), refund (a paid
# subsidy reversed): paid moves; adjust: the budget moves (signed, with its reason)
LEDGER_KINDS = ("reserve", "release", "pay", "return", "refund", "adjust")
RATIO_PATTERN = r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$"

