"""A year's subsidy figures."""
from gateway import policy
from gateway.api import route
from services.subsidies import contract as c


class SubsidyStatsRoutes:
    @route("GET", "/api/v1/subsidies/stats", roles=policy.MONEY, query=c.StatsIn(),
           response=c.StatsOut,
           summary="A year's subsidies: granted and paid, activities, average, by county and tier")
    def subsidy_stats(self, call):
        return self._rpc("subsidies", "stats", dict(call.query))
