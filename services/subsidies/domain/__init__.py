"""Differentiated subsidies (差异化奖补), the pure part: policy documents and their
validation (policies), the calculation and the decision (calculation), and money in one
place (money: the fund aggregate and its ledger). No nameko, no SQLAlchemy here.

The word lists are the contract's (services.subsidies.contract); they are re-exported
here for the domain's readers.
"""
from services.subsidies.contract import (CATEGORIES, CATEGORY_NAMES, DECLINE_REASONS,  # noqa: F401
                                         POLICY_KINDS, PURPOSE_NAMES, RATING_NAMES, RATINGS,
                                         TIER_NAMES, TIERS, VENUE_KINDS)
from services.subsidies.domain.calculation import (APPLY, Calculation, Decision,  # noqa: F401
                                                   calculate, decide, policy_in_force,
                                                   year_of_period)
from services.subsidies.domain.money import (THRESHOLDS, Account, Entry, FundMoney,  # noqa: F401
                                             MoneyError, allocation_room, ledger_figures,
                                             reconcile, replay, thresholds_crossed,
                                             validate_allocations)
from services.subsidies.domain.policies import (DEFAULT_ACTIVITY_POLICY,  # noqa: F401
                                                DEFAULT_VENUE_POLICY,
                                                DIFFERENTIATED_ACTIVITY_POLICY,
                                                FIRST_AMOUNT_RULE, MULTIPLIER_WHEN,
                                                REMOTE_COUNTIES, RULE_FIELDS, SHIPPED_POLICIES,
                                                validate_policy)
