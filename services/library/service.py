"""The library service: venues, holdings and loans, four-goods evaluations, statistics.

The composition only: its name, its dependencies and the entrypoint mixins (one module
of services/library/entrypoints/ per sub-domain). Each entrypoint reads
validate -> domain -> one unit of work (state plus outbox row) -> answer.
"""
from services.common.dependencies import Config, Database, EntrypointMetrics
from services.common.ops import OpsEndpoints
from services.library import events as _events  # noqa: F401  registers this service's events
from services.library.entrypoints.books import BookEntrypoints
from services.library.entrypoints.evaluations import EvaluationEntrypoints
from services.library.entrypoints.loans import LoanEntrypoints
from services.library.entrypoints.statistics import StatisticsEntrypoints
from services.library.entrypoints.venues import VenueEntrypoints
from services.library.models import MESSAGING


class Service(VenueEntrypoints, BookEntrypoints, LoanEntrypoints, EvaluationEntrypoints,
              StatisticsEntrypoints, OpsEndpoints):
    name = "library"
    db = Database(MESSAGING)
    config = Config()
    measured = EntrypointMetrics()
