"""Versioned subsidy policies: uploading, publishing and withdrawing them, trying them
(the dry run; a whole period under a version), and reading one as published text.

Policies are finance's and the city's (policy.MONEY); a published version's text is
everyone's to read, as the federation publishes its 办法.
"""
from gateway import policy
from gateway.api import route
from gateway.errors import invalid
from gateway.routes import subsidies_schemas as ss
from gateway.rpc import call as rpc_call
from services.common.errors import NotFound
from services.subsidies import contract as c

# a year of decisions under a version takes seconds: longer than an ordinary call's deadline
SIMULATION_TIMEOUT = 60.0


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
           summary="Publish a draft: it applies to approvals from its effective date on "
                   "(versions take effect in version order, on strictly later dates)")
    def publish_policy(self, call, kind, version):
        return self._rpc("subsidies", "publish_policy", kind, version, call.json,
                         call.user.username)

    @route("POST", "/api/v1/policies/<kind>/<int:version>/withdraw", roles=policy.MONEY,
           response=c.PolicyOut,
           summary="Withdraw a published version before its effective date: a draft again "
                   "(409 once it is in force)")
    def withdraw_policy(self, call, kind, version):
        return self._rpc("subsidies", "withdraw_policy", kind, version)

    @route("GET", "/api/v1/policies/<kind>/<int:version>/text", roles=policy.ANY_SIGNED_IN,
           response=c.PolicyTextOut,
           summary="A version as the federation publishes it: title, articles and a table "
                   "of amounts (drafts for finance and the city only)")
    def policy_text(self, call, kind, version):
        return self._rpc("subsidies", "policy_text", kind, version,
                         call.user.role not in policy.MONEY)

    @route("POST", "/api/v1/policies/<kind>/<int:version>/simulate", roles=policy.MONEY,
           body=c.SimulateIn(), response=c.SimulationOut,
           summary="A year (or approval days from..to) of activity decisions under a "
                   "version, drafts too: totals, breakdowns and changes; changes nothing")
    def simulate_policy(self, call, kind, version):
        return rpc_call(self.subsidies, "simulate_policy", kind, version, call.json,
                        timeout=max(SIMULATION_TIMEOUT, self.config.rpc_timeout))

    @route("POST", "/api/v1/policies/<kind>/dry-run", roles=policy.MONEY,
           body=ss.DryRunBody(), response=c.DryRunOut,
           summary="What a policy version would grant, with its explanation, granting "
                   "nothing; by activity_id, what its decision gives (or will)")
    def dry_run(self, call, kind):
        activity_id = call.body["activity_id"]
        facts = None
        if activity_id is not None and kind == "activity":
            try:  # the facts its approval would carry, should it not be decided yet
                facts = self._rpc("activities", "approval_facts", activity_id,
                                  call.user.username)
            except NotFound:
                raise invalid({"activity_id": ["no such activity"]}) from None
        return self._rpc("subsidies", "dry_run", kind, call.json, facts)
