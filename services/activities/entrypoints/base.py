"""What every entrypoint mixin uses: the satisfaction target, paging, and the review
trail (a history row and the event, in the caller's unit of work)."""
from decimal import Decimal

from services.activities import domain, events, metrics, queries
from services.activities.models import Activity, Lecturer, Union
from services.common.clock import utcnow
from services.common.errors import expected_rpc
from services.common.paging import DEFAULT_LIMIT, page

rpc = expected_rpc()


class Shared:
    """Expects the service's `db` and `config`."""

    def _target(self):
        """The programme's satisfaction target (setting lecture_satisfaction_target)."""
        return Decimal(str(self.config.lecture_satisfaction_target))

    def _page(self, query, order, schema, limit=DEFAULT_LIMIT, offset=0):
        with self.db.session() as session:
            return page(session, query, order, schema, limit, offset)

    def _record(self, uow, activity, union, action, from_status, actor, comment):
        """The history row of a step and its event, in the step's unit of work."""
        uow.session.flush()  # history rows follow the activity's own pending changes
        uow.session.connection().execute(queries.INSERT_HISTORY, {
            "activity_id": activity.id, "at": utcnow(), "actor": actor, "action": action,
            "from_status": from_status, "to_status": activity.status, "comment": comment})
        spec = events.SPEC_OF_ACTION[action]
        uow.emit(spec.event_type, events.activity_facts(
            activity, union, actor, comment, self._facts(uow.session, activity)))

    @rpc
    def approval_facts(self, activity_id, actor="dry-run"):
        """The facts an approval of the activity would carry now (contract.ApprovalFacts):
        built by the code that builds activity_approved's, so that a policy dry run of an
        undecided activity tries what its decision will be given."""
        with self.db.session() as session:
            activity = queries.activity(session, activity_id)
            union = session.get(Union, activity.union_id)
            facts = events.activity_facts(activity, union, actor, None,
                                          self._facts(session, activity))
            facts.update(status="approved", current_status=activity.status)
        return facts

    def _facts(self, session, activity):
        """The calendar and lecture facts of an activity, as of now."""
        themes = queries.themes(session, activity.year)
        extra = {"season_theme": themes[activity.season]["theme"],
                 "season_theme_match": domain.theme_match(activity.category, activity.held_on,
                                                          themes)}
        if activity.lecturer_id is not None:
            lecturer = session.get(Lecturer, activity.lecturer_id)
            scores = session.scalars(metrics.lecture_scores_query(activity.year).where(
                Activity.lecturer_id == activity.lecturer_id)).all()
            extra["lecturer_name"] = lecturer.name if lecturer else None
            # the subsidy rule compares it with a threshold: cut, never rounded up
            extra["lecturer_satisfaction"] = domain.share_not_above(
                sum(1 for s in scores if s in domain.SATISFIED_SCORES), len(scores))
        return extra
