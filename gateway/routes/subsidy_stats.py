"""Reading decisions by union and year, and a year's subsidy figures, each scoped to who
asks (finance and the city: all; a county reviewer: its county; a union admin: its union)."""
from gateway import policy
from gateway.api import route
from gateway.errors import invalid
from gateway.routes.common import split_paging
from gateway.schemas import paged
from services.subsidies import contract as c


class SubsidyStatsRoutes:
    @route("GET", "/api/v1/subsidies", roles=policy.ACTIVITY_READERS,
           query=paged(c.SubjectFilter)(), response=c.SubsidyOut(many=True),
           summary="The subsidy decision of an activity, or the decisions of a venue")
    def list_subsidies(self, call):
        filters, limit, offset = split_paging(call.query)
        if ("activity_id" in filters) == ("venue_id" in filters):
            raise invalid({"activity_id": ["give activity_id or venue_id"]})
        if "activity_id" in filters:
            activity = self._rpc("activities", "get_activity", filters["activity_id"])
            policy.require_read_activity(call.user, activity)
        else:
            self._require_read_venue(call.user, filters["venue_id"])
        return self._rpc("subsidies", "list_subsidies", filters, limit, offset)["items"]

    @route("GET", "/api/v1/subsidies/stats", roles=policy.MONEY, query=c.StatsIn(),
           response=c.StatsOut,
           summary="A year's subsidies: granted and paid, activities, average, by county and tier")
    def subsidy_stats(self, call):
        return self._rpc("subsidies", "stats", dict(call.query))
