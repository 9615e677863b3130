"""The review of reported activities: approve, reject, return, resubmit; in bulk too."""
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from services.activities import contract, domain, files, queries
from services.activities.entrypoints.base import Shared
from services.activities.models import Activity, Union
from services.common.clock import utcnow
from services.common.errors import Conflict, Forbidden, Invalid, ServiceError, expected_rpc

rpc = expected_rpc()


class ReviewEntrypoints(Shared):
    @rpc
    def transition(self, activity_id, action, actor, comment=None, reviewer_scope=None):
        """approve / reject / return / resubmit, each checked against the current state.

        reviewer_scope, when given ({"county", "tiers"}), is the part of the federation the
        caller may review (the gateway decides it); it is checked in the same transaction,
        so the gateway needs no separate read before a review.
        """
        if action not in domain.TRANSITIONS:
            raise Invalid("unknown action", {"action": ["one of %s" % ", ".join(domain.TRANSITIONS)]})
        if action in domain.REASON_REQUIRED and not (comment or "").strip():
            raise Invalid("a reason is required", {"reason": ["required, not empty"]})
        with self.db.unit_of_work() as uow:
            activity = queries.activity(uow.session, activity_id)
            if reviewer_scope and (activity.county != reviewer_scope.get("county")
                                   or activity.tier not in reviewer_scope.get("tiers", ())):
                raise Forbidden("only the city or a reviewer of the activity's county may "
                                "review it", {"county": activity.county, "tier": activity.tier})
            try:
                target = domain.next_status(action, activity.status)
            except domain.TransitionRefused as exc:
                raise Conflict(str(exc), {"status": activity.status}) from None
            _move(uow.session, activity, target)
            union = uow.session.get(Union, activity.union_id)
            self._record(uow, activity, union, action, domain.TRANSITIONS[action][0][0],
                         actor, comment)
            answer = files.with_files(uow.session, [queries.ACTIVITY_OUT.dump(activity)])[0]
        return answer

    @rpc
    def bulk_transition(self, activity_ids, action, actor, comment=None):
        """Each id on its own transaction; a per-item result (contract.BulkItem), in the
        order given."""
        if len(activity_ids) > contract.BULK_MAX:
            raise Invalid("too many ids", {"ids": ["at most %d" % contract.BULK_MAX]})
        results = []
        for activity_id in activity_ids:
            try:
                answer = self.transition(activity_id, action, actor, comment)
                results.append({"id": activity_id, "status": answer["status"], "error": None})
            except ServiceError as exc:
                results.append({"id": activity_id, "status": self._status_of(activity_id),
                                "error": {"code": exc.code, "message": exc.message,
                                          "details": exc.details}})
        return results

    def _status_of(self, activity_id):
        with self.db.session() as session:
            return session.scalar(select(Activity.status).where(Activity.id == activity_id))


def _move(session, activity, target):
    """The status change, if no one changed the activity since it was read."""
    now = utcnow()
    moved = session.connection().execute(queries.MOVE, {
        "activity_id": activity.id, "expected": activity.status, "target": target,
        "now": now}).rowcount
    if moved != 1:
        raise Conflict("the activity changed meanwhile; reload it", {})
    # what the row now holds, without reading it back
    set_committed_value(activity, "status", target)
    set_committed_value(activity, "updated_at", now)
