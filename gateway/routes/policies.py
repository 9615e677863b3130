"""Versioned subsidy policies: uploading, publishing, trying them (the dry run).

Policies are finance's and the city's (policy.MONEY).
"""
from gateway import policy
from gateway.api import route
from gateway.errors import invalid
from gateway.routes import subsidies_schemas as ss
from services.common.errors import NotFound
from services.subsidies import contract as c


class PolicyRoutes:
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
