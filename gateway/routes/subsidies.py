"""Funds, versioned policies, subsidy decisions, the ledger (disbursement and statistics
are gateway.routes.disbursement and gateway.routes.subsidy_stats).

Money is finance's and the city's (policy.MONEY); a decision is also readable by whoever
may read its activity (or, for a venue, the venue's host union and county reviewer).
"""
from gateway import policy
from gateway.api import route
from gateway.errors import forbidden, invalid
from gateway.routes import subsidies_schemas as ss
from gateway.routes.common import split_paging
from gateway.schemas import Paging, paged
from services.common.errors import NotFound
from services.subsidies import contract as c


class SubsidyRoutes:
    # funds -----------------------------------------------------------------------------
    @route("POST", "/api/v1/funds", roles=policy.MONEY, body=c.FundIn(), creates=True,
           status=201, response=c.FundOut,
           summary="Open a fund with a hard budget (optionally split into county allocations)")
    def create_fund(self, call):
        return self._rpc("subsidies", "create_fund", call.json)

    @route("GET", "/api/v1/funds/<int:fund_id>", roles=policy.MONEY, response=c.FundOut,
           summary="A fund: budget = granted + remaining, paid <= granted")
    def get_fund(self, call, fund_id):
        return self._rpc("subsidies", "get_fund", fund_id)

    @route("GET", "/api/v1/funds", roles=policy.MONEY, query=paged(c.FundFilter)(),
           response=c.FundList, summary="List funds")
    def list_funds(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("subsidies", "list_funds", filters, limit, offset)

    @route("PUT", "/api/v1/funds/<int:fund_id>/allocations", roles=policy.MONEY,
           body=c.AllocationsIn(), response=c.FundOut,
           summary="Set a city-wide fund's county allocations (never below what was granted)")
    def set_allocations(self, call, fund_id):
        return self._rpc("subsidies", "set_allocations", fund_id, call.json)

    @route("GET", "/api/v1/funds/<int:fund_id>/ledger", roles=policy.MONEY, query=Paging(),
           response=c.LedgerList,
           summary="The fund's append-only ledger: reserve, release, pay")
    def fund_ledger(self, call, fund_id):
        return self._rpc("subsidies", "fund_ledger", fund_id, call.query["limit"],
                         call.query["offset"])

    @route("GET", "/api/v1/funds/<int:fund_id>/reconciliation", roles=policy.MONEY,
           response=c.Reconciliation,
           summary="Recompute the fund's figures from its ledger and decisions, compare, and "
                   "check the invariant (repairs nothing)")
    def reconcile_fund(self, call, fund_id):
        return self._rpc("subsidies", "reconcile_fund", fund_id)

    @route("GET", "/api/v1/funds/reconciliation", roles=policy.MONEY,
           response=c.ReconciliationAll, summary="Reconcile every fund")
    def reconcile_all(self, call):
        return self._rpc("subsidies", "reconcile_all")

    @route("GET", "/api/v1/funds/<int:fund_id>/subsidies", roles=policy.MONEY,
           query=paged(c.FundSubsidyFilter)(), response=c.SubsidyList,
           summary="The decisions drawn on a fund")
    def fund_subsidies(self, call, fund_id):
        filters, limit, offset = split_paging(call.query)
        filters["fund_id"] = fund_id
        return self._rpc("subsidies", "list_subsidies", filters, limit, offset, True)

    # decisions -------------------------------------------------------------------------
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

    @route("GET", "/api/v1/subsidies/<int:subsidy_id>", roles=policy.ACTIVITY_READERS,
           response=c.SubsidyOut, summary="A subsidy decision with its explanation")
    def get_subsidy(self, call, subsidy_id):
        subsidy = self._rpc("subsidies", "get_subsidy", subsidy_id)
        if call.user.role not in policy.MONEY:
            if subsidy["activity_id"] is not None:
                policy.require_read_activity(call.user, {
                    "union_id": subsidy["union_id"], "county": subsidy["county"]})
            else:
                self._require_read_venue(call.user, subsidy["venue_id"])
        return subsidy

    @route("POST", "/api/v1/subsidies/<int:subsidy_id>/cancel", roles=policy.MONEY,
           body=c.CancelIn(), response=c.SubsidyOut,
           summary="Cancel a granted, unbatched subsidy: it becomes declined (cancelled) and "
                   "its money returns to the fund")
    def cancel_subsidy(self, call, subsidy_id):
        return self._rpc("subsidies", "cancel_subsidy", subsidy_id, call.json,
                         call.user.username)

    # policies --------------------------------------------------------------------------
    @route("GET", "/api/v1/policies", roles=policy.MONEY, query=c.PolicyFilter(),
           response=c.PolicyList, summary="Policy versions, drafts included")
    def list_policies(self, call):
        return self._rpc("subsidies", "list_policies", call.query.get("kind"))

    @route("POST", "/api/v1/policies", roles=policy.MONEY, body=c.PolicyIn(),
           creates=True, status=201, response=c.PolicyOut,
           summary="Upload a new policy version (validated rule by rule; a draft without "
                   "effective_from)")
    def upload_policy(self, call):
        return self._rpc("subsidies", "upload_policy", call.json, call.user.username)

    @route("GET", "/api/v1/policies/<kind>/<int:version>", roles=policy.MONEY,
           response=c.PolicyOut, summary="A policy version")
    def get_policy(self, call, kind, version):
        return self._rpc("subsidies", "get_policy", kind, version)

    @route("POST", "/api/v1/policies/<kind>/<int:version>/publish", roles=policy.MONEY,
           body=c.PublishIn(), response=c.PolicyOut,
           summary="Publish a draft: it applies to approvals from its effective date on")
    def publish_policy(self, call, kind, version):
        return self._rpc("subsidies", "publish_policy", kind, version, call.json,
                         call.user.username)

    @route("POST", "/api/v1/policies/<kind>/dry-run", roles=policy.MONEY,
           body=ss.DryRunBody(), response=c.DryRunOut,
           summary="What a policy version would grant, with its explanation, granting nothing")
    def dry_run(self, call, kind):
        body = {key: value for key, value in call.json.items() if key != "activity_id"}
        activity_id = call.body["activity_id"]
        if activity_id is not None:
            if kind != "activity":
                raise invalid({"activity_id": ["a venue policy is tried on venue facts"]})
            try:
                activity = self._rpc("activities", "get_activity", activity_id)
            except NotFound:
                raise invalid({"activity_id": ["no such activity"]}) from None
            body["activity"] = {
                key: activity.get(key) for key in (
                    "tier", "category", "county", "participants", "expenses", "union_id",
                    "held_on", "season_theme_match", "lecturer_satisfaction")}
        return self._rpc("subsidies", "dry_run", kind, body)

    # helpers -----------------------------------------------------------------------------
    def _require_read_venue(self, user, venue_id):
        if user.role in policy.MONEY:
            return
        venue = self._rpc("library", "get_venue", venue_id)
        if user.role == "union_admin" and venue.get("host_union_id") == user.union_id:
            return
        if user.role == "county_reviewer" and venue.get("county") == user.county:
            return
        raise forbidden("this venue belongs to another union or county")
