"""The subsidies service: funds, versioned policies, decisions, disbursement, statistics.

The composition only: its name, its dependencies and the entrypoint mixins, one per
sub-domain (services/subsidies/entrypoints/). Money moves through one aggregate
(domain.money.FundMoney); see repository.py for the lock order that keeps several
replicas from overspending a budget or breaking a union cap.
"""
from sqlalchemy import select

from services.common.dependencies import Config, Database, EntrypointMetrics
from services.common.ops import OpsEndpoints
from services.subsidies import events as _events  # noqa: F401  registers this service's events
from services.subsidies import metrics
from services.subsidies.entrypoints.decisions import DecisionEntrypoints
from services.subsidies.entrypoints.disbursement import DisbursementEntrypoints
from services.subsidies.entrypoints.funds import FundEntrypoints
from services.subsidies.entrypoints.policies import PolicyEntrypoints
from services.subsidies.entrypoints.redecide import RedecisionEntrypoints
from services.subsidies.entrypoints.simulation import SimulationEntrypoints
from services.subsidies.entrypoints.statistics import StatisticsEntrypoints
from services.subsidies.entrypoints.year_report import YearReportEntrypoints
from services.subsidies.models import MESSAGING, Fund


class Service(FundEntrypoints, DecisionEntrypoints, PolicyEntrypoints, DisbursementEntrypoints,
              StatisticsEntrypoints, SimulationEntrypoints, YearReportEntrypoints,
              RedecisionEntrypoints, OpsEndpoints):
    name = "subsidies"
    db = Database(MESSAGING)
    config = Config()
    measured = EntrypointMetrics()

    def refresh_gauges(self):
        super().refresh_gauges()
        with self.db.session() as session:
            metrics.observe_funds(session.scalars(select(Fund)).all())
