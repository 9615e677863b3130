"""Hold first, subsidise after: a union reports an activity it has held, reworks a
returned one; reading activities and their review trail."""
from nameko.extensions import DependencyProvider
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.activities import contract, domain, files, queries
from services.activities.entrypoints.base import Shared
from services.activities.models import Activity, HistoryEntry, Union
from services.common.clock import local_today, utcnow
from services.common.errors import Conflict, Forbidden, Invalid, expected_rpc
from services.common.lookup import storable_id
from services.common.paging import page
from services.common.schema import load

rpc = expected_rpc()
HISTORY_OUT = contract.HistoryOut(many=True)
LATE_ENTRY_ROLES = ("city_admin",)  # 补录 is the city federation's
LATE_ENTRY_NOTE = "补录：%s"  # the report's line in the review trail


class CallerRole(DependencyProvider):
    """The acting user's role, as the verified signature of the call carries it
    (services.common.rpc); "" for none."""

    def get_dependency(self, worker_ctx):
        return worker_ctx.context_data.get("actor_role") or ""


class ReportEntrypoints(Shared):
    caller_role = CallerRole()

    @rpc
    def report_activity(self, payload, actor, request_key=None):
        """request_key (the client's Idempotency-Key) makes a retry after an unclear
        failure (a timeout, a crash after commit) find the first report, not make a second.

        A key belongs to its caller (actor): the same key from another user is a report of
        its own; the same user's key with another body is refused (422), as the gateway
        refuses it.
        """
        data = load(contract.ActivityIn(), payload)
        late = data["late_entry_reason"]
        if late is not None and self.caller_role not in LATE_ENTRY_ROLES:
            raise Forbidden("only the city federation enters a report late",
                            {"late_entry_reason": ["only a city_admin may enter a report "
                                                   "late"]})
        fingerprint = domain.request_fingerprint(payload) if request_key else None
        if request_key:
            earlier = self._reported_with(actor, request_key, fingerprint)
            if earlier is not None:
                return earlier
        with self.db.unit_of_work() as uow:
            union = queries.union_or_invalid(uow.session, data["union_id"])
            self._check_report(uow.session, data, union, late_entry=late is not None)
            now = utcnow()
            activity = Activity(
                **_activity_fields(data), union_id=union.id, county=union.county,
                tier=domain.tier_of(union.level), status="submitted", reported_by=actor,
                request_key=request_key, request_fingerprint=fingerprint,
                created_at=now, updated_at=now)
            uow.session.add(activity)
            try:
                uow.session.flush()
            except IntegrityError:  # a twin of this retry committed first
                # nothing of ours is left to commit: the twin's report is the answer
                uow.session.rollback()
                return self._reported_with(actor, request_key, fingerprint)
            activity.evidence = files.attach(uow.session, data["evidence"], actor, activity.id)
            self._record(uow, activity, union, "report", None, actor,
                         None if late is None else LATE_ENTRY_NOTE % late)
            answer = self._answer(uow.session, activity)
        return answer

    def _reported_with(self, actor, request_key, fingerprint):
        """The caller's report made with this key, if any; a 422 when it had another body
        (a row stored before fingerprints has none: it answers as before)."""
        with self.db.session() as session:
            activity = session.scalars(select(Activity).where(
                Activity.reported_by == actor, Activity.request_key == request_key)).first()
            if activity is None:
                return None
            if activity.request_fingerprint not in (None, fingerprint):
                raise Invalid("Idempotency-Key reused with a different request",
                              {"Idempotency-Key": ["already used with another request body"]})
            return self._answer(session, activity)

    @rpc
    def update_activity(self, activity_id, payload, actor):
        """The owner's rework of a returned activity; nothing else is editable."""
        data = load(contract.ActivityChanges(), payload)
        with self.db.unit_of_work() as uow:
            activity = queries.activity(uow.session, activity_id)
            if activity.status != "returned":
                raise Conflict("only a returned activity can be changed",
                               {"status": activity.status})
            union = uow.session.get(Union, activity.union_id)
            # the window was met when it was reported: a rework keeping the date is not late
            self._check_report(uow.session, data, union,
                               window_applies=data["held_on"] != activity.held_on)
            for key, value in _activity_fields(data).items():
                setattr(activity, key, value)
            activity.evidence = files.attach(uow.session, data["evidence"], actor, activity.id)
            activity.updated_at = utcnow()
            uow.session.add(HistoryEntry(activity_id=activity.id, at=utcnow(), actor=actor,
                                         action="edit", from_status="returned",
                                         to_status="returned", comment=None))
            answer = self._answer(uow.session, activity)
        return answer

    @rpc
    def get_activity(self, activity_id):
        with self.db.session() as session:
            return self._answer(session, queries.activity(session, activity_id))

    @rpc
    def get_activities(self, activity_ids):
        """{str(id): activity} of those that exist (for per-item checks in bulk calls)."""
        with self.db.session() as session:
            rows = session.scalars(select(Activity).where(
                Activity.id.in_([i for i in activity_ids if storable_id(i)]))).all()
            return {str(row.id): queries.ACTIVITY_OUT.dump(row) for row in rows}

    @rpc
    def list_activities(self, filters=None, limit=50, offset=0):
        filters = load(contract.ActivityFilter(), filters)
        held_from, held_to = filters.pop("held_from", None), filters.pop("held_to", None)
        query = select(Activity).filter_by(**filters)
        if held_from is not None:
            query = query.where(Activity.held_on >= held_from)
        if held_to is not None:
            query = query.where(Activity.held_on <= held_to)
        with self.db.session() as session:
            answer = page(session, query, Activity.id.desc(), queries.ACTIVITY_OUT, limit, offset)
            files.with_files(session, answer["items"])
        return answer

    @rpc
    def history(self, activity_id):
        with self.db.session() as session:
            queries.activity(session, activity_id)
            rows = session.scalars(select(HistoryEntry).where(
                HistoryEntry.activity_id == activity_id).order_by(HistoryEntry.id)).all()
            return HISTORY_OUT.dump(rows)

    @staticmethod
    def _answer(session, activity):
        """An activity as answered, its files' facts included."""
        return files.with_files(session, [queries.ACTIVITY_OUT.dump(activity)])[0]

    def _check_report(self, session, data, union, late_entry=False, window_applies=True):
        errors = domain.report_errors(data, queries.union_dict(union), local_today(),
                                      self.config.reporting_window_days,
                                      self.config.participants_factor, late_entry,
                                      window_applies)
        errors.update(domain.lecturer_errors(
            data["category"], queries.lecturer_state(session, data.get("lecturer_id"))))
        if errors:
            raise Invalid("activity report rejected", errors)


def _activity_fields(data):
    return {
        "title": data["title"], "category": data["category"], "held_on": data["held_on"],
        "year": data["held_on"].year, "season": domain.season_of(data["held_on"]),
        "participants": data["participants"], "expenses_fen": data["expenses"],
        "evidence": data["evidence"], "venue_id": data["venue_id"],
        "lecturer_id": data["lecturer_id"], "description": data["description"],
    }
