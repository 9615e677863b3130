"""Funds (adjusting, closing, re-deciding their declines), the ledger, a subsidy decision
and cancelling it (policies, disbursement, and the lists and figures by role are
gateway.routes.policies, .disbursement and .subsidy_stats).

Money is finance's and the city's (policy.MONEY); a decision is also readable by whoever
may read its activity (or, for a venue, the venue's host union and county reviewer).
"""
from gateway import policy
from gateway.api import route
from gateway.errors import forbidden
from gateway.routes.common import split_paging
from gateway.schemas import Paging, paged
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

    @route("POST", "/api/v1/funds/<int:fund_id>/adjustments", roles=policy.MONEY,
           body=c.AdjustmentIn(), creates=True, status=201, response=c.AdjustmentCreated,
           summary="Raise or lower an open fund's budget by a signed amount with its reason "
                   "(never below what is granted: 409); the adjustment (its ledger entry) "
                   "and the fund after it")
    def adjust_fund(self, call, fund_id):
        return self._rpc("subsidies", "adjust_fund", fund_id, call.json, call.user.username)

    @route("GET", "/api/v1/funds/<int:fund_id>/adjustments", roles=policy.MONEY,
           query=Paging(), response=c.AdjustmentList,
           summary="A fund's budget adjustments, oldest first, with the budget before and "
                   "after each")
    def list_adjustments(self, call, fund_id):
        return self._rpc("subsidies", "list_adjustments", fund_id, call.query["limit"],
                         call.query["offset"])

    @route("POST", "/api/v1/funds/<int:fund_id>/close", roles=policy.MONEY, body=c.FundCloseIn(),
           response=c.FundOut,
           summary="Close a fund: nothing more is drawn from it (a new fund may open for its "
                   "year, policy and county); what it granted is still paid; twice is 409")
    def close_fund(self, call, fund_id):
        return self._rpc("subsidies", "close_fund", fund_id, call.json, call.user.username)

    @route("GET", "/api/v1/funds/<int:fund_id>/redecisions", roles=policy.MONEY,
           query=Paging(), response=c.SubsidyList,
           summary="The declines for want of money (budget_exhausted, no_fund) that the fund "
                   "would decide once more, in approval order")
    def pending_redecisions(self, call, fund_id):
        return self._rpc("subsidies", "pending_redecisions", fund_id, call.query["limit"],
                         call.query["offset"])

    @route("POST", "/api/v1/funds/<int:fund_id>/redecisions", roles=policy.MONEY,
           body=c.RedecideIn(), response=c.RedecisionOut,
           summary="Decide once more, in approval order, the fund's declines for want of money "
                   "never re-decided (up to limit per call; call again while remaining > 0)")
    def redecide(self, call, fund_id):
        return self._rpc("subsidies", "redecide", fund_id, call.json, call.user.username)

    @route("GET", "/api/v1/funds/<int:fund_id>/ledger", roles=policy.MONEY, query=Paging(),
           response=c.LedgerList,
           summary="The fund's append-only ledger: reserve, release, pay, return, refund, "
                   "adjust (signed), each with who moved it")
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
