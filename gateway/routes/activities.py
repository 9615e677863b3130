"""Unions and activities: reporting and review."""
from gateway import policy, schemas as s
from gateway.api import route
from gateway.routes.common import jsonable, split_paging


class ActivityRoutes:
    # unions ----------------------------------------------------------------------------
    @route("POST", "/api/v1/unions", roles=["city_admin"], body=s.UnionCreate(), creates=True,
           status=201, summary="Add a union to the three-tier directory")
    def create_union(self, call):
        return self._rpc("activities", "create_union", call.body)

    @route("GET", "/api/v1/unions/<int:union_id>", summary="A union")
    def get_union(self, call, union_id):
        return self._rpc("activities", "get_union", union_id)

    @route("GET", "/api/v1/unions", query=s.UnionQuery(), summary="List and filter unions")
    def list_unions(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("activities", "list_unions", filters, limit, offset)

    # activities ------------------------------------------------------------------------
    @route("POST", "/api/v1/activities", roles=policy.REPORTERS, body=s.ActivityCreate(),
           creates=True, status=201, summary="Report an activity the union has held")
    def report_activity(self, call):
        policy.require_owner(call.user, call.body["union_id"])
        return self._rpc("activities", "report_activity", jsonable(call.body),
                         call.user.username)

    @route("GET", "/api/v1/activities/<int:activity_id>", roles=policy.ACTIVITY_READERS,
           summary="An activity")
    def get_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_read_activity(call.user, activity)
        return activity

    @route("GET", "/api/v1/activities", roles=policy.ACTIVITY_READERS, query=s.ActivityQuery(),
           summary="Activities the caller may see")
    def list_activities(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("activities", "list_activities",
                         policy.activity_scope(call.user, filters), limit, offset)

    @route("PUT", "/api/v1/activities/<int:activity_id>", roles=policy.REPORTERS,
           body=s.ActivityChanges(), summary="Rework a returned activity")
    def change_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_owner(call.user, activity["union_id"])
        return self._rpc("activities", "update_activity", activity_id, jsonable(call.body),
                         call.user.username)

    @route("POST", "/api/v1/activities/<int:activity_id>/submit", roles=policy.REPORTERS,
           body=s.ApproveBody(), summary="Submit a returned activity again")
    def resubmit_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_owner(call.user, activity["union_id"])
        return self._rpc("activities", "transition", activity_id, "resubmit",
                         call.user.username, call.body.get("comment"))

    @route("POST", "/api/v1/activities/<int:activity_id>/approve", roles=policy.REVIEWERS,
           body=s.ApproveBody(), summary="Approve a submitted activity")
    def approve_activity(self, call, activity_id):
        return self._review(call, activity_id, "approve", call.body.get("comment"))

    @route("POST", "/api/v1/activities/<int:activity_id>/reject", roles=policy.REVIEWERS,
           body=s.ReasonBody(), summary="Reject a submitted activity (reason required)")
    def reject_activity(self, call, activity_id):
        return self._review(call, activity_id, "reject", call.body["reason"])

    @route("POST", "/api/v1/activities/<int:activity_id>/return", roles=policy.REVIEWERS,
           body=s.ReasonBody(), summary="Return a submitted activity for rework")
    def return_activity(self, call, activity_id):
        return self._review(call, activity_id, "return", call.body["reason"])

    def _review(self, call, activity_id, action, comment):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_review(call.user, activity)
        return self._rpc("activities", "transition", activity_id, action,
                         call.user.username, comment)

    @route("GET", "/api/v1/activities/<int:activity_id>/history",
           roles=policy.ACTIVITY_READERS, summary="The review trail of an activity")
    def activity_history(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_read_activity(call.user, activity)
        return self._rpc("activities", "history", activity_id)
