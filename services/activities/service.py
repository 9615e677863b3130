"""Activities entrypoints: validate -> domain -> one transaction -> answer."""
from services.common.errors import expected_rpc
from sqlalchemy import select, update

from services.activities import domain
from services.activities.events import EVENT_OF_ACTION, activity_facts
from services.activities.models import MESSAGING, Activity, HistoryEntry, Union
from services.activities.schemas import (
    ActivityChanges, ActivityFilter, ActivityIn, ActivityOut, HistoryOut, UnionFilter, UnionIn,
    UnionOut)
from services.common.clock import local_today, utcnow
from services.common.dependencies import Database, EntrypointMetrics
from services.common.errors import Conflict, Invalid, NotFound
from services.common.ops import OpsEndpoints
from services.common.paging import page
from services.common.schema import load



rpc = expected_rpc()


class Service(OpsEndpoints):
    name = "activities"
    db = Database(MESSAGING)
    measured = EntrypointMetrics()

    # unions ------------------------------------------------------------------------
    @rpc
    def create_union(self, payload):
        data = load(UnionIn(), payload)
        with self.db.unit_of_work() as uow:
            parent = uow.session.get(Union, data["parent_id"]) if data["parent_id"] else None
            if data["parent_id"] and parent is None:
                raise Invalid("unknown parent union", {"parent_id": ["no such union"]})
            errors = domain.union_errors(data, _union_dict(parent) if parent else None)
            if errors:
                raise Invalid("union rejected", errors)
            if uow.session.scalar(select(Union.id).where(Union.name == data["name"])):
                raise Conflict("a union with this name exists", {"name": data["name"]})
            union = Union(**data, created_at=utcnow())
            uow.session.add(union)
            uow.session.flush()
            answer = UnionOut().dump(union)
            uow.commit()
        return answer

    @rpc
    def get_union(self, union_id):
        with self.db.session() as session:
            union = session.get(Union, union_id)
            if union is None:
                raise NotFound("union %s not found" % union_id)
            return UnionOut().dump(union)

    @rpc
    def list_unions(self, filters=None, limit=50, offset=0):
        filters = load(UnionFilter(), filters)
        query = select(Union).filter_by(**filters)
        return self._page(query, Union.id, UnionOut(), limit, offset)

    # activities --------------------------------------------------------------------
    @rpc
    def report_activity(self, payload, actor):
        data = load(ActivityIn(), payload)
        with self.db.unit_of_work() as uow:
            union = self._union_or_invalid(uow.session, data["union_id"])
            self._check_report(data, union)
            now = utcnow()
            activity = Activity(
                **_activity_fields(data), union_id=union.id, county=union.county,
                tier=domain.tier_of(union.level), status="submitted", reported_by=actor,
                created_at=now, updated_at=now)
            uow.session.add(activity)
            uow.session.flush()
            self._record(uow, activity, union, "report", None, actor, None)
            answer = ActivityOut().dump(activity)
            uow.commit()
        return answer

    @rpc
    def update_activity(self, activity_id, payload, actor):
        """The owner's rework of a returned activity; nothing else is editable."""
        data = load(ActivityChanges(), payload)
        with self.db.unit_of_work() as uow:
            activity = self._activity(uow.session, activity_id)
            if activity.status != "returned":
                raise Conflict("only a returned activity can be changed",
                               {"status": activity.status})
            union = uow.session.get(Union, activity.union_id)
            self._check_report(data, union)
            for key, value in _activity_fields(data).items():
                setattr(activity, key, value)
            activity.updated_at = utcnow()
            uow.session.add(HistoryEntry(activity_id=activity.id, at=utcnow(), actor=actor,
                                         action="edit", from_status="returned",
                                         to_status="returned", comment=None))
            answer = ActivityOut().dump(activity)
            uow.commit()
        return answer

    @rpc
    def get_activity(self, activity_id):
        with self.db.session() as session:
            return ActivityOut().dump(self._activity(session, activity_id))

    @rpc
    def list_activities(self, filters=None, limit=50, offset=0):
        filters = load(ActivityFilter(), filters)
        query = select(Activity).filter_by(**filters)
        return self._page(query, Activity.id.desc(), ActivityOut(), limit, offset)

    @rpc
    def transition(self, activity_id, action, actor, comment=None):
        """approve / reject / return / resubmit, each checked against the current state."""
        if action not in domain.TRANSITIONS:
            raise Invalid("unknown action", {"action": ["one of %s" % ", ".join(domain.TRANSITIONS)]})
        if action in domain.REASON_REQUIRED and not (comment or "").strip():
            raise Invalid("a reason is required", {"reason": ["required, not empty"]})
        with self.db.unit_of_work() as uow:
            activity = self._activity(uow.session, activity_id)
            try:
                target = domain.next_status(action, activity.status)
            except domain.TransitionRefused as exc:
                raise Conflict(str(exc), {"status": activity.status}) from None
            # The conditional update makes two racing reviewers produce one winner.
            moved = uow.session.execute(
                update(Activity).where(Activity.id == activity.id,
                                       Activity.status == activity.status)
                .values(status=target, updated_at=utcnow())
                .execution_options(synchronize_session=False)).rowcount
            if moved != 1:
                raise Conflict("the activity changed meanwhile; reload it", {})
            uow.session.refresh(activity)
            union = uow.session.get(Union, activity.union_id)
            self._record(uow, activity, union, action, activity_status_before(action), actor, comment)
            answer = ActivityOut().dump(activity)
            uow.commit()
        return answer

    @rpc
    def history(self, activity_id):
        with self.db.session() as session:
            self._activity(session, activity_id)
            rows = session.scalars(select(HistoryEntry).where(
                HistoryEntry.activity_id == activity_id).order_by(HistoryEntry.id)).all()
            return HistoryOut(many=True).dump(rows)

    # helpers -----------------------------------------------------------------------
    def _check_report(self, data, union):
        settings = self.db.provider.container.config["CM"]
        errors = domain.report_errors(data, _union_dict(union), local_today(),
                                      settings["reporting_window_days"],
                                      settings["participants_factor"])
        if errors:
            raise Invalid("activity report rejected", errors)

    def _record(self, uow, activity, union, action, from_status, actor, comment):
        uow.session.add(HistoryEntry(activity_id=activity.id, at=utcnow(), actor=actor,
                                     action=action, from_status=from_status,
                                     to_status=activity.status, comment=comment))
        uow.emit(EVENT_OF_ACTION[action], activity_facts(activity, union.name, actor, comment))

    @staticmethod
    def _activity(session, activity_id):
        activity = session.get(Activity, activity_id)
        if activity is None:
            raise NotFound("activity %s not found" % activity_id)
        return activity

    @staticmethod
    def _union_or_invalid(session, union_id):
        union = session.get(Union, union_id)
        if union is None:
            raise Invalid("unknown union", {"union_id": ["no such union"]})
        return union

    def _page(self, query, order, schema, limit, offset):
        with self.db.session() as session:
            return page(session, query, order, schema, limit, offset)


def activity_status_before(action):
    return domain.TRANSITIONS[action][0][0]


def _activity_fields(data):
    return {
        "title": data["title"], "category": data["category"], "held_on": data["held_on"],
        "year": data["held_on"].year, "season": domain.season_of(data["held_on"]),
        "participants": data["participants"], "expenses_fen": data["expenses"],
        "evidence": data["evidence"], "venue_id": data["venue_id"],
        "lecturer_id": data["lecturer_id"], "description": data["description"],
    }


def _union_dict(union):
    return {"level": union.level, "county": union.county, "members": union.members}
