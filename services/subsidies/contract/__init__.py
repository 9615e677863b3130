"""The published contract of subsidies: word lists, command and query payloads, answers,
and (re-exported) its events. The service loads and dumps with these schemas; the gateway
validates and documents HTTP with the same ones. Money: a yuan string outside, integer fen
inside (Yuan). Importable without the service's implementation (SQLAlchemy, nameko).

A package only to keep each file small: import it as `services.subsidies.contract`; each
module lists what it publishes in its __all__.
"""
from services.subsidies.events import (  # noqa: F401
    FUND_THRESHOLD_REACHED, PAYMENT_RETURNED, SUBSIDY_DECLINED, SUBSIDY_GRANTED, SUBSIDY_PAID,
    SUBSIDY_REVERSED, VENUE_SUBSIDY_DECIDED, VENUE_SUBSIDY_PAID, FundThreshold,
    PaymentReturned, SubsidyDecided, SubsidyPaid, SubsidyReversed, VenueSubsidy)
from services.subsidies.words import (  # noqa: F401  the word lists, one definition each
    TIERS, TIER_NAMES, CATEGORIES, CATEGORY_NAMES, VENUE_KINDS, RATINGS, RATING_NAMES,
    POLICY_KINDS, SUBJECT_NAMES, PURPOSES, PURPOSE_NAMES, SUBSIDY_STATUSES,
    DECLINE_REASONS, FUND_STATUSES, BATCH_STATUSES, LINE_STATUSES, PAYEE_KINDS,
    POLICY_STATUSES, LEDGER_KINDS,
    YUAN_PATTERN, RATIO_PATTERN)
from services.subsidies.contract.funds import *  # noqa: F401,F403
from services.subsidies.contract.decisions import *  # noqa: F401,F403
from services.subsidies.contract.policies import *  # noqa: F401,F403
from services.subsidies.contract.disbursement import *  # noqa: F401,F403
from services.subsidies.contract.payees import *  # noqa: F401,F403
from services.subsidies.contract.statistics import *  # noqa: F401,F403
from services.subsidies.contract.year_report import *  # noqa: F401,F403
