"""The gateway service: route groups combined, RPC proxies, health and docs.

Validation, authentication, role checks, idempotency and errors live in gateway.api;
each route group holds only authorization and its RPC calls.
"""
from gateway.console.activity_views import ActivityViews
from gateway.console.city_views import CityViews
from gateway.console.coverage_views import CoverageViews
from gateway.console.finance_views import FinanceViews
from gateway.console.fund_control_views import FundControlViews
from gateway.console.payment_views import PaymentViews
from gateway.console.views import ConsoleViews
from gateway.console.worker_views import WorkerViews
from gateway.docs import DocsEndpoints
from gateway.routes.activities import ActivityRoutes
from gateway.routes.evidence import EvidenceRoutes
from gateway.routes.identity import IdentityRoutes
from gateway.routes.library import LibraryRoutes
from gateway.routes.notify import NotificationRoutes
from gateway.routes.ops import OpsRoutes
from gateway.routes.policies import PolicyRoutes
from gateway.routes.disbursement import DisbursementRoutes
from gateway.routes.subsidies import SubsidyRoutes
from gateway.routes.subsidy_stats import SubsidyStatsRoutes
from gateway.routes.year_report import YearReportRoutes
from gateway.rpc import SignedRpcProxy, call as rpc_call
from services.common.dependencies import Blobs, Config, Database, EntrypointMetrics
from services.common.ops import HealthEndpoints


class Service(IdentityRoutes, ActivityRoutes, EvidenceRoutes, SubsidyRoutes, DisbursementRoutes,
              PolicyRoutes, SubsidyStatsRoutes, LibraryRoutes, NotificationRoutes, OpsRoutes,
              HealthEndpoints, DocsEndpoints, ConsoleViews, ActivityViews, FinanceViews,
              CoverageViews, WorkerViews, CityViews, PaymentViews, FundControlViews,
              YearReportRoutes):
    name = "gateway"
    db = Database(name="gateway")
    config = Config()
    blobs = Blobs()  # uploads are streamed in here, files served from here
    measured = EntrypointMetrics()  # binds the request id to the worker's log lines
    # every call signed for the acting user (gateway.rpc, services.common.signing)
    activities = SignedRpcProxy("activities")
    subsidies = SignedRpcProxy("subsidies")
    library = SignedRpcProxy("library")
    notify = SignedRpcProxy("notify")

    def _rpc(self, service, method, *args, **kwargs):
        return rpc_call(getattr(self, service), method, *args, timeout=self.config.rpc_timeout,
                        **kwargs)

