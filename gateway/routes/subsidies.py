"""Funds, versioned policies, subsidy decisions, the ledger, disbursement, statistics.

Money is finance's and the city's (policy.MONEY); a decision is also readable by whoever
may read its activity (or, for a venue, the venue's host union and county reviewer).
"""
from werkzeug.wrappers import Response

from gateway import policy, schemas as s
from gateway.api import route
from gateway.errors import forbidden, invalid
from gateway.routes import subsidies_schemas as ss
from gateway.routes.common import jsonable, split_paging
from services.common.errors import NotFound


class SubsidyRoutes:
    # funds -----------------------------------------------------------------------------
    @route("POST", "/api/v1/funds", roles=policy.MONEY, body=s.FundCreate(), creates=True,
           status=201, response=ss.FundAnswer,
           summary="Open a fund with a hard budget (optionally split into county allocations)")
    def create_fund(self, call):
        return self._rpc("subsidies", "create_fund", call.body)

    @route("GET", "/api/v1/funds/<int:fund_id>", roles=policy.MONEY, response=ss.FundAnswer,
           summary="A fund: budget = granted + remaining, paid <= granted")
    def get_fund(self, call, fund_id):
        return self._rpc("subsidies", "get_fund", fund_id)

    @route("GET", "/api/v1/funds", roles=policy.MONEY, query=s.FundQuery(),
           response=ss.FundList, summary="List funds")
    def list_funds(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("subsidies", "list_funds", filters, limit, offset)

    @route("PUT", "/api/v1/funds/<int:fund_id>/allocations", roles=policy.MONEY,
           body=ss.AllocationsBody(), response=ss.FundAnswer,
           summary="Set a city-wide fund's county allocations (never below what was granted)")
    def set_allocations(self, call, fund_id):
        return self._rpc("subsidies", "set_allocations", fund_id, call.body)

    @route("GET", "/api/v1/funds/<int:fund_id>/ledger", roles=policy.MONEY, query=s.Paging(),
           response=ss.LedgerList,
           summary="The fund's append-only ledger: reserve, release, pay")
    def fund_ledger(self, call, fund_id):
        return self._rpc("subsidies", "fund_ledger", fund_id, call.query["limit"],
                         call.query["offset"])

    @route("GET", "/api/v1/funds/<int:fund_id>/reconciliation", roles=policy.MONEY,
           response=ss.Reconciliation,
           summary="Recompute the fund's figures from its ledger and decisions, and compare")
    def reconcile_fund(self, call, fund_id):
        return self._rpc("subsidies", "reconcile_fund", fund_id)

    @route("GET", "/api/v1/funds/reconciliation", roles=policy.MONEY,
           response=ss.ReconciliationAll, summary="Reconcile every fund")
    def reconcile_all(self, call):
        return self._rpc("subsidies", "reconcile_all")

    @route("GET", "/api/v1/funds/<int:fund_id>/subsidies", roles=policy.MONEY,
           query=ss.FundSubsidyQuery(), response=ss.SubsidyPage,
           summary="The decisions drawn on a fund")
    def fund_subsidies(self, call, fund_id):
        filters, limit, offset = split_paging(call.query)
        filters["fund_id"] = fund_id
        return self._rpc("subsidies", "list_subsidies", filters, limit, offset, True)

    # decisions -------------------------------------------------------------------------
    @route("GET", "/api/v1/subsidies", roles=policy.ACTIVITY_READERS, query=s.SubsidyQuery(),
           response=ss.SubsidyAnswer(many=True),
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
           response=ss.SubsidyAnswer, summary="A subsidy decision with its explanation")
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
           body=ss.CancelBody(), response=ss.SubsidyAnswer,
           summary="Cancel a granted, unbatched subsidy: it becomes declined (cancelled) and "
                   "its money returns to the fund")
    def cancel_subsidy(self, call, subsidy_id):
        return self._rpc("subsidies", "cancel_subsidy", subsidy_id, call.body,
                         call.user.username)

    @route("GET", "/api/v1/subsidies/stats", roles=policy.MONEY, query=ss.SubsidyStatsQuery(),
           response=ss.SubsidyStats,
           summary="A year's subsidies: granted and paid, activities, average, by county and tier")
    def subsidy_stats(self, call):
        return self._rpc("subsidies", "stats", dict(call.query))

    # policies --------------------------------------------------------------------------
    @route("GET", "/api/v1/policies", roles=policy.MONEY, query=ss.PolicyQuery(),
           response=ss.PolicyList, summary="Policy versions, drafts included")
    def list_policies(self, call):
        return self._rpc("subsidies", "list_policies", call.query.get("kind"))

    @route("POST", "/api/v1/policies", roles=policy.MONEY, body=ss.PolicyCreate(),
           creates=True, status=201, response=ss.PolicyAnswer,
           summary="Upload a new policy version (validated rule by rule; a draft without "
                   "effective_from)")
    def upload_policy(self, call):
        return self._rpc("subsidies", "upload_policy", jsonable(call.body), call.user.username)

    @route("GET", "/api/v1/policies/<kind>/<int:version>", roles=policy.MONEY,
           response=ss.PolicyAnswer, summary="A policy version")
    def get_policy(self, call, kind, version):
        return self._rpc("subsidies", "get_policy", kind, version)

    @route("POST", "/api/v1/policies/<kind>/<int:version>/publish", roles=policy.MONEY,
           body=ss.PublishBody(), response=ss.PolicyAnswer,
           summary="Publish a draft: it applies to approvals from its effective date on")
    def publish_policy(self, call, kind, version):
        return self._rpc("subsidies", "publish_policy", kind, version, jsonable(call.body),
                         call.user.username)

    @route("POST", "/api/v1/policies/<kind>/dry-run", roles=policy.MONEY,
           body=ss.DryRunBody(), response=ss.DryRunAnswer,
           summary="What a policy version would grant, with its explanation, granting nothing")
    def dry_run(self, call, kind):
        body = {key: value for key, value in call.body.items() if value is not None}
        activity_id = body.pop("activity_id", None)
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
        for key in ("approved_on",):
            if key in body:
                body[key] = body[key].isoformat()
        for subject in ("activity", "venue"):
            if subject in body:
                body[subject] = jsonable(body[subject])
        return self._rpc("subsidies", "dry_run", kind, body)

    # disbursement ----------------------------------------------------------------------
    @route("POST", "/api/v1/disbursements", roles=policy.MONEY, body=ss.BatchCreate(),
           creates=True, status=201, response=ss.BatchAnswer,
           summary="A disbursement batch of a fund's granted, unpaid decisions: count and "
                   "control total")
    def create_batch(self, call):
        return self._rpc("subsidies", "create_batch", call.body, call.user.username)

    @route("GET", "/api/v1/disbursements", roles=policy.MONEY, query=ss.BatchQuery(),
           response=ss.BatchList, summary="Disbursement batches, newest first")
    def list_batches(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("subsidies", "list_batches", filters, limit, offset)

    @route("GET", "/api/v1/disbursements/<int:batch_id>", roles=policy.MONEY,
           response=ss.BatchAnswer, summary="A disbursement batch")
    def get_batch(self, call, batch_id):
        return self._rpc("subsidies", "get_batch", batch_id)

    @route("GET", "/api/v1/disbursements/<int:batch_id>/subsidies", roles=policy.MONEY,
           query=s.Paging(), response=ss.SubsidyPage, summary="The decisions in a batch")
    def batch_subsidies(self, call, batch_id):
        self._rpc("subsidies", "get_batch", batch_id)
        return self._rpc("subsidies", "list_subsidies", {"batch_id": batch_id},
                         call.query["limit"], call.query["offset"])

    @route("POST", "/api/v1/disbursements/<int:batch_id>/pay", roles=policy.MONEY,
           body=ss.PayBody(), response=ss.BatchAnswer,
           summary="Mark a batch paid: every decision in it becomes paid (once; again is 409)")
    def pay_batch(self, call, batch_id):
        return self._rpc("subsidies", "pay_batch", batch_id, call.body, call.user.username)

    @route("POST", "/api/v1/disbursements/<int:batch_id>/cancel", roles=policy.MONEY,
           response=ss.BatchAnswer,
           summary="Cancel an open batch: its decisions may go into another batch")
    def cancel_batch(self, call, batch_id):
        return self._rpc("subsidies", "cancel_batch", batch_id, call.user.username)

    @route("GET", "/api/v1/disbursements/<int:batch_id>/export", roles=policy.MONEY,
           query=ss.ExportQuery(), response=ss.ExportAnswer,
           summary="The batch for the bank: a CSV download (Chinese headers, UTF-8 with BOM); "
                   "?format=json wraps it in JSON with count and control total")
    def export_batch(self, call, batch_id):
        export = self._rpc("subsidies", "export_batch", batch_id)
        if call.query["format"] == "json":
            return export
        return Response(export["csv"].encode("utf-8"), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="%s"' % export["filename"],
            "X-Batch-Count": str(export["count"]), "X-Control-Total": export["total"]})

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
