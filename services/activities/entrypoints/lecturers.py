"""The lecture programme (大思政课): the lecturer pool, and workers' scores of activities."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.activities import contract, domain, queries
from services.activities.entrypoints.base import Shared
from services.activities.models import Feedback, Lecturer
from services.common.clock import utcnow
from services.common.errors import Conflict, Forbidden, expected_rpc
from services.common.paging import MAX_LIMIT
from services.common.schema import load

rpc = expected_rpc()
FEEDBACK_GIVEN_OUT = contract.FeedbackGivenOut()
FEEDBACK_SUMMARY = contract.FeedbackSummary()


class LecturerEntrypoints(Shared):
    @rpc
    def create_lecturer(self, payload):
        data = load(contract.LecturerIn(), payload)
        with self.db.unit_of_work() as uow:
            if uow.session.scalar(select(Lecturer.id).where(
                    Lecturer.name == data["name"], Lecturer.county == data["county"])):
                raise Conflict("this lecturer is in the pool already",
                               {"name": data["name"], "county": data["county"]})
            now = utcnow()
            lecturer = Lecturer(**data, active=True, created_at=now, updated_at=now)
            uow.session.add(lecturer)
            try:
                uow.session.flush()
            except IntegrityError:
                raise Conflict("this lecturer is in the pool already") from None
            answer = queries.LECTURER_OUT.dump(lecturer)
        return answer

    @rpc
    def update_lecturer(self, lecturer_id, payload):
        data = load(contract.LecturerChange(), payload)
        with self.db.unit_of_work() as uow:
            lecturer = queries.lecturer(uow.session, lecturer_id)
            for key, value in data.items():
                setattr(lecturer, key, value)
            lecturer.updated_at = utcnow()
            try:
                uow.session.flush()
            except IntegrityError:
                raise Conflict("a lecturer of this name is in that county already") from None
            answer = queries.LECTURER_OUT.dump(lecturer)
        return answer

    @rpc
    def get_lecturer(self, lecturer_id):
        with self.db.session() as session:
            return queries.LECTURER_OUT.dump(queries.lecturer(session, lecturer_id))

    @rpc
    def list_lecturers(self, filters=None, limit=50, offset=0):
        filters = load(contract.LecturerFilter(), filters)
        topic = filters.pop("topic", None)
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        with self.db.session() as session:
            rows = session.scalars(select(Lecturer).filter_by(**filters)
                                   .order_by(Lecturer.id)).all()
        if topic:  # topics are a JSON list: match in Python (the pool is small)
            rows = [r for r in rows if any(topic in t for t in r.topics)]
        return {"items": queries.LECTURER_OUT.dump(rows[offset:offset + limit], many=True),
                "total": len(rows)}

    # feedback --------------------------------------------------------------------------
    @rpc
    def give_feedback(self, activity_id, worker_id, worker, payload, union_id=None):
        """A worker's 1-5 score of an approved activity of the worker's own union
        (union_id: the worker's, as the gateway knows the caller); one per worker and
        activity: a second score from the same worker replaces the first.

        403 for a worker of another union (or of none), 409 unless the activity is
        approved. Answers {"created": bool, "feedback": {...}} (contract.FeedbackGivenOut).
        """
        data = load(contract.FeedbackIn(), payload)
        for _ in range(3):  # a racing twin of the first score hits the unique key: redo
            try:
                return self._store_feedback(activity_id, worker_id, worker, union_id, data)
            except IntegrityError:
                continue
        raise Conflict("the score changed meanwhile; send it again")

    def _store_feedback(self, activity_id, worker_id, worker, union_id, data):
        with self.db.unit_of_work() as uow:
            activity = queries.activity(uow.session, activity_id)
            if union_id is None or activity.union_id != union_id:
                raise Forbidden("only workers of the union that held the activity may "
                                "score it", {})
            if activity.status != "approved":
                raise Conflict("only an approved activity takes feedback",
                               {"status": activity.status})
            now = utcnow()
            row = uow.session.scalars(select(Feedback).where(
                Feedback.activity_id == activity_id, Feedback.worker_id == worker_id)).first()
            created = row is None
            if created:
                row = Feedback(activity_id=activity_id, worker_id=worker_id, worker=worker,
                               created_at=now)
                uow.session.add(row)
            row.score, row.comment, row.updated_at = data["score"], data["comment"], now
            uow.session.flush()
            answer = FEEDBACK_GIVEN_OUT.dump({"created": created, "feedback": row})
        return answer

    @rpc
    def feedback_summary(self, activity_id):
        with self.db.session() as session:
            activity = queries.activity(session, activity_id)
            scores = session.scalars(select(Feedback.score)
                                     .where(Feedback.activity_id == activity_id)).all()
        summary = domain.satisfaction(scores, self._target())
        summary["distribution"] = {str(n): sum(1 for s in scores if s == n) for n in range(1, 6)}
        summary.update(activity_id=activity.id, lecturer_id=activity.lecturer_id)
        return FEEDBACK_SUMMARY.dump(summary)
