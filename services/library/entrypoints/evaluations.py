"""Four-goods (四好) evaluations: the scheme, scoring a venue for a period, lists; and the
approved activities held at venues, which count toward a venue's activities score."""
from sqlalchemy import select

from services.activities import events as activity_events
from services.common.clock import utcnow
from services.common.consumer import handle_event
from services.common.errors import Conflict, Invalid, NotFound
from services.common.lookup import row_or_none
from services.common.paging import page
from services.common.schema import load
from services.library import domain, events, metrics, queries
from services.library.contract import EvaluationFilter, EvaluationIn, EvaluationOut, SchemeIn
from services.library.entrypoints.common import flush_or_conflict, require_open, rpc
from services.library.models import Evaluation, EvaluationScheme, Venue, VenueActivity


class EvaluationEntrypoints:
    @rpc
    def evaluation_scheme(self):
        with self.db.session() as session:
            return queries.scheme(session)

    @rpc
    def set_evaluation_scheme(self, payload, actor):
        data = load(SchemeIn(), payload)
        errors = domain.scheme_errors(data)
        if errors:
            raise Invalid("scheme rejected", errors)
        with self.db.unit_of_work() as uow:
            current = queries.scheme(uow.session)
            row = EvaluationScheme(version=current["version"] + 1, document=data,
                                   created_by=actor, created_at=utcnow())
            uow.session.add(row)
            flush_or_conflict(uow.session, "the scheme changed meanwhile; reload it")
            answer = queries.scheme_view(row.version, data, row.created_by, row.created_at)
        return answer

    @rpc
    def evaluate_venue(self, venue_id, payload, actor):
        data = load(EvaluationIn(), payload)
        start, end = domain.period_bounds(data["period"])
        with self.db.unit_of_work() as uow:
            session = uow.session
            venue = queries.venue(session, venue_id)
            require_open(venue)
            scheme = queries.scheme(session)
            errors = domain.score_errors(data["scores"], scheme)
            if errors:
                raise Invalid("scores rejected", {"scores": errors})
            if session.scalar(select(Evaluation.id).where(Evaluation.venue_id == venue.id,
                                                          Evaluation.period == data["period"])):
                raise Conflict("this venue has been evaluated for %s already" % data["period"],
                               {"venue_id": venue.id, "period": data["period"]})
            held = session.execute(select(VenueActivity.category).where(
                VenueActivity.venue_id == venue.id, VenueActivity.held_on >= start,
                VenueActivity.held_on <= end)).all()
            result = domain.evaluate(data["scores"], [{"category": c} for (c,) in held],
                                     {"e_reading_devices": venue.e_reading_devices}, scheme)
            evaluation = Evaluation(
                venue_id=venue.id, period=data["period"], period_start=start, period_end=end,
                scores=data["scores"], criteria=result.criteria,
                activities_counted=len(held), activity_credit=result.activity_credit,
                total=result.total, max_total=result.max_total, rating=result.rating,
                scheme_version=scheme["version"], explanation=result.explanation,
                evaluator=actor, comment=data["comment"], evaluated_at=utcnow())
            session.add(evaluation)
            flush_or_conflict(session, "this venue has been evaluated for this period")
            uow.emit(events.VENUE_EVALUATED.event_type,
                     events.venue_evaluated(venue, evaluation, scheme["version"]))
            answer = EvaluationOut().dump(evaluation)
        metrics.EVALUATIONS.labels(answer["rating"]).inc()
        return answer

    @rpc
    def get_evaluation(self, evaluation_id):
        with self.db.session() as session:
            evaluation = row_or_none(session, Evaluation, evaluation_id)
            if evaluation is None:
                raise NotFound("evaluation %s not found" % evaluation_id)
            return EvaluationOut().dump(evaluation)

    @rpc
    def list_evaluations(self, filters=None, limit=50, offset=0):
        filters = load(EvaluationFilter(), filters)
        query = select(Evaluation)
        for key in ("county", "kind", "host_union_id"):
            if key in filters:
                query = query.where(Evaluation.venue_id.in_(
                    select(Venue.id).where(getattr(Venue, key) == filters.pop(key))))
        with self.db.session() as session:
            return page(session, query.filter_by(**filters), Evaluation.id.desc(),
                        EvaluationOut(), limit, offset)

    # approved activities held at venues --------------------------------------------
    @handle_event(activity_events.APPROVED)
    def on_activity_approved(self, event):
        facts = event["data"]
        if not domain.counts_toward_venue(facts):
            return  # before any unit of work: nothing claimed, nothing to keep
        with self.db.unit_of_work() as uow:  # claims the event in the inbox
            known = uow.session.scalar(select(VenueActivity.id).where(
                VenueActivity.activity_id == facts["activity_id"]))
            if known is None and row_or_none(uow.session, Venue, facts["venue_id"]) is not None:
                uow.session.add(VenueActivity(
                    venue_id=facts["venue_id"], activity_id=facts["activity_id"],
                    category=facts["category"], held_on=facts["held_on"],
                    participants=facts["participants"]))
