"""The activities service's published contract: what it takes over RPC (commands and
queries), what it answers, the events it publishes and its word lists.

One definition each: the service loads and dumps with these schemas, and the gateway
validates and documents its HTTP routes with the same ones. Importable without nameko or
SQLAlchemy (marshmallow and the shared pure helpers only). A package only to keep each
file small: import it as `services.activities.contract`.
"""
from services.activities.events import (  # noqa: F401  (re-exported: part of the contract)
    APPROVED, REJECTED, REPORTED, RETURNED, ActivityFacts)
from services.activities.words import (  # noqa: F401  (re-exported: part of the contract)
    CATEGORIES, CATEGORY_NAMES, EVIDENCE_KIND_NAMES, EVIDENCE_KINDS, HISTORY_ACTIONS,
    LEVEL_NAMES, LEVELS, REVIEW_ACTIONS, SEASON_NAMES, SEASONS, STATUS_NAMES, STATUSES)
from services.activities.contract._fields import BULK_MAX, ID, YUAN_PATTERN  # noqa: F401
# the unions directory, activity reports and their review
from services.activities.contract.directory import (  # noqa: F401
    ActivityChanges, ActivityFilter, ActivityIn, ActivityOut, ActivityPage, ApproveIn,
    BulkItem, Contact, Evidence, HistoryOut, ItemError, ReasonIn, UnionChange, UnionChangeOut,
    UnionFilter, UnionIn, UnionOut, UnionPage)
from services.activities.contract.facts import ApprovalFacts  # noqa: F401  (a dry run's facts)
# evidence files (uploads of photos, sign-in sheets)
from services.activities.contract.evidence import (  # noqa: F401
    ACCEPTED_TYPES, CAPTURED_BEFORE_HELD_DAYS, IMAGE_TYPES, MAX_BYTES, SNIFF_BYTES,
    EvidenceFileOut, EvidenceItemOut, EvidenceOut, EvidenceRegister, media_type_of)
# the lecture programme, feedback, the four seasons, coverage and statistics
from services.activities.contract.programme import (  # noqa: F401
    LecturerIn, LecturerChange, LecturerFilter, LecturerOut, LecturerPage, FeedbackIn, SurveyOut,
    FeedbackOut, FeedbackGivenOut,
    Satisfaction, FeedbackSummary, SeasonThemeIn, SeasonOut, SeasonsOut, CoverageQuery,
    ActivityStatsQuery, LectureQuery, Gap, CoverageRow, SeasonShare, CoverageOut,
    Breakdown, Published, ActivityStatsOut, LecturerFigures, Programme,
    LectureWithoutFeedback, LectureReport)
