"""Reading decisions by activity, venue, or union and year, a year's subsidy figures and a
union's year, each scoped to who asks (finance and the city: all; a county reviewer: its
county; a union admin: its union)."""
from gateway import policy
from gateway.api import route
from gateway.routes.common import split_paging
from gateway.schemas import paged
from services.subsidies import contract as c

# an activity's or a venue's decisions: a bare list (API.md); a year's: a page
DECISIONS = {"oneOf": [{"type": "array", "items": c.SubsidyOut}, c.SubsidyList]}


class SubsidyStatsRoutes:
    @route("GET", "/api/v1/subsidies", roles=policy.ACTIVITY_READERS,
           query=paged(c.DecisionsFilter)(), response=DECISIONS,
           summary="The subsidy decision of an activity or the decisions of a venue (a list); "
                   "or, with year, a year's decisions (a page): a union admin its union's, a "
                   "county reviewer its county's unions'")
    def list_subsidies(self, call):
        filters, limit, offset = split_paging(call.query)
        if "activity_id" in filters:
            activity = self._rpc("activities", "get_activity", filters["activity_id"])
            policy.require_read_activity(call.user, activity)
        elif "venue_id" in filters:
            self._require_read_venue(call.user, filters["venue_id"])
        else:
            return self._year_of_decisions(call.user, filters, limit, offset)
        return self._rpc("subsidies", "list_subsidies", filters, limit, offset)["items"]

    @route("GET", "/api/v1/subsidies/stats", roles=policy.FIGURE_READERS, query=c.StatsIn(),
           response=c.StatsOut,
           summary="A year's subsidies: granted and paid, activities, average, by county and "
                   "tier (a county reviewer: its own county's)")
    def subsidy_stats(self, call):
        query = dict(call.query, county=policy.stats_county(call.user, call.query["county"]))
        return self._rpc("subsidies", "stats", query)

    @route("GET", "/api/v1/unions/<int:union_id>/subsidy-year", roles=policy.ACTIVITY_READERS,
           query=c.UnionYearQuery(), response=c.UnionYearOut,
           summary="A union's activity subsidies of a year: granted, paid, pending, declined, "
                   "and the room left under the yearly cap of the policy in force")
    def union_subsidy_year(self, call, union_id):
        policy.require_own_union(call.user, union_id)
        union = self._rpc("activities", "get_union", union_id)
        policy.require_union_figures(call.user, union)
        return self._rpc("subsidies", "union_year", {
            "union_id": union_id, "year": call.query["year"], "tier": union.get("level")})

    def _year_of_decisions(self, user, filters, limit, offset):
        if "union_id" in filters:
            policy.require_own_union(user, filters["union_id"])
            if user.role == "county_reviewer":
                union = self._rpc("activities", "get_union", filters["union_id"])
                policy.require_union_figures(user, union)
        return self._rpc("subsidies", "list_subsidies", policy.year_scope(user, filters),
                         limit, offset)
