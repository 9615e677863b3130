"""Funds and subsidy decisions."""
from gateway import policy, schemas as s
from gateway.api import route
from gateway.routes.common import split_paging


class SubsidyRoutes:
    # funds and subsidies ---------------------------------------------------------------
    @route("POST", "/api/v1/funds", roles=policy.MONEY, body=s.FundCreate(), creates=True,
           status=201, summary="Open a fund with a hard budget")
    def create_fund(self, call):
        return self._rpc("subsidies", "create_fund", call.body)

    @route("GET", "/api/v1/funds/<int:fund_id>", roles=policy.MONEY,
           summary="A fund: budget = granted + remaining")
    def get_fund(self, call, fund_id):
        return self._rpc("subsidies", "get_fund", fund_id)

    @route("GET", "/api/v1/funds", roles=policy.MONEY, query=s.FundQuery(), summary="List funds")
    def list_funds(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("subsidies", "list_funds", filters, limit, offset)

    @route("GET", "/api/v1/subsidies", roles=policy.ACTIVITY_READERS, query=s.SubsidyQuery(),
           summary="The subsidy decision of an activity")
    def list_subsidies(self, call):
        activity = self._rpc("activities", "get_activity", call.query["activity_id"])
        policy.require_read_activity(call.user, activity)
        filters, limit, offset = split_paging(call.query)
        return self._rpc("subsidies", "list_subsidies", filters, limit, offset)["items"]
