"""Activities entrypoints: validate -> domain -> one transaction -> answer."""
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from services.activities import domain, metrics, queries
from services.activities.events import EVENT_OF_ACTION, activity_facts
from services.activities.models import (
    MESSAGING, Activity, Feedback, HistoryEntry, Lecturer, SeasonTheme, Union, UnionChange)
from services.activities.schemas import (
    ActivityChanges, ActivityFilter, ActivityIn, ActivityOut, FeedbackIn, FeedbackOut,
    HistoryOut, LecturerChange, LecturerFilter, LecturerIn, LecturerOut, SeasonThemeIn,
    UnionChange as UnionChangeIn, UnionChangeOut, UnionFilter, UnionIn, UnionOut)
from services.activities import events as _events  # noqa: F401  registers this service's events
from services.common.clock import iso, local_today, utcnow
from services.common.dependencies import Database, EntrypointMetrics
from services.common.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, expected_rpc
from services.common.lookup import row_or_404, row_or_none, storable_id
from services.common.money import to_yuan
from services.common.ops import OpsEndpoints
from services.common.paging import DEFAULT_LIMIT, MAX_LIMIT, page
from services.common.schema import load

rpc = expected_rpc()
BULK_MAX = 200


class Service(OpsEndpoints):
    name = "activities"
    db = Database(MESSAGING)
    measured = EntrypointMetrics()

    def refresh_gauges(self):
        super().refresh_gauges()
        with self.db.provider.sessions() as session:
            metrics.refresh(session, local_today().year)

    # unions ------------------------------------------------------------------------
    @rpc
    def create_union(self, payload, actor=None):
        data = load(UnionIn(), payload)
        with self.db.unit_of_work() as uow:
            parent = self._parent(uow.session, data["parent_id"])
            errors = domain.union_errors(data, _union_dict(parent) if parent else None)
            if errors:
                raise Invalid("union rejected", errors)
            self._check_union_name(uow.session, data["name"])
            union = Union(**data, created_at=utcnow())
            uow.session.add(union)
            uow.session.flush()
            answer = UnionOut().dump(union)
            uow.commit()
        return answer

    @rpc
    def update_union(self, union_id, payload, actor):
        """Rename or move a union; its id, its activities and their history stay."""
        data = load(UnionChangeIn(), payload)
        if not data:
            raise Invalid("nothing to change", {"_schema": ["name at least one field"]})
        with self.db.unit_of_work() as uow:
            union = self._union(uow.session, union_id)
            current = _union_state(union)
            proposed = dict(current, **data)
            parent = self._parent(uow.session, proposed["parent_id"])
            if parent is not None and parent.id == union.id:
                raise Invalid("union rejected", {"parent_id": ["a union is not its own parent"]})
            if ("parent_id" in data and "county" not in data and parent is not None
                    and union.level == "grassroots"):
                proposed["county"] = parent.county  # moving follows the new county
            errors = domain.union_errors(dict(proposed, level=union.level),
                                         _union_dict(parent) if parent else None)
            if errors:
                raise Invalid("union rejected", errors)
            if proposed["name"] != union.name:
                self._check_union_name(uow.session, proposed["name"])
            if proposed["county"] != union.county and union.level != "grassroots":
                children = uow.session.scalar(select(func.count()).select_from(Union)
                                              .where(Union.parent_id == union.id))
                if children:
                    raise Conflict("move its %d unions first: they belong to %s"
                                   % (children, union.county), {"county": union.county})
            changes = domain.union_changes(current, proposed)
            if changes:
                for key, (_, value) in changes.items():
                    setattr(union, key, value)
                uow.session.add(UnionChange(union_id=union.id, at=utcnow(), actor=actor,
                                            changes=changes))
            try:
                uow.session.flush()
            except IntegrityError:
                raise Conflict("a union with this name exists", {"name": proposed["name"]}) from None
            answer = UnionOut().dump(union)
            uow.commit()
        return answer

    @rpc
    def union_history(self, union_id):
        with self.db.session() as session:
            self._union(session, union_id)
            rows = session.scalars(select(UnionChange).where(UnionChange.union_id == union_id)
                                   .order_by(UnionChange.id)).all()
            return UnionChangeOut(many=True).dump(rows)

    @rpc
    def get_union(self, union_id):
        with self.db.session() as session:
            return UnionOut().dump(self._union(session, union_id))

    @rpc
    def list_unions(self, filters=None, limit=50, offset=0):
        filters = load(UnionFilter(), filters)
        part = filters.pop("q", None)
        query = select(Union).filter_by(**filters)
        if part:
            query = query.where(Union.name.contains(part, autoescape=True))
        return self._page(query, Union.id, UnionOut(), limit, offset)

    # activities --------------------------------------------------------------------
    @rpc
    def report_activity(self, payload, actor, request_key=None):
        """request_key (the client's Idempotency-Key) makes a retry after an unclear
        failure (a timeout, a crash after commit) find the first report, not make a second."""
        data = load(ActivityIn(), payload)
        if request_key:
            earlier = self._reported_with(data["union_id"], request_key)
            if earlier is not None:
                return earlier
        with self.db.unit_of_work() as uow:
            union = self._union_or_invalid(uow.session, data["union_id"])
            self._check_report(uow.session, data, union)
            now = utcnow()
            activity = Activity(
                **_activity_fields(data), union_id=union.id, county=union.county,
                tier=domain.tier_of(union.level), status="submitted", reported_by=actor,
                request_key=request_key, created_at=now, updated_at=now)
            uow.session.add(activity)
            try:
                uow.session.flush()
            except IntegrityError:  # a twin of this retry committed first
                uow.session.rollback()
                return self._reported_with(data["union_id"], request_key)
            self._record(uow, activity, union, "report", None, actor, None)
            answer = ActivityOut().dump(activity)
            uow.commit()
        return answer

    def _reported_with(self, union_id, request_key):
        with self.db.session() as session:
            activity = session.scalars(select(Activity).where(
                Activity.union_id == union_id, Activity.request_key == request_key)).first()
            return None if activity is None else ActivityOut().dump(activity)

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
            self._check_report(uow.session, data, union)
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
    def get_activities(self, activity_ids):
        """{str(id): activity} of those that exist (for per-item checks in bulk calls)."""
        with self.db.session() as session:
            rows = session.scalars(select(Activity).where(
                Activity.id.in_([i for i in activity_ids if storable_id(i)]))).all()
            return {str(row.id): ActivityOut().dump(row) for row in rows}

    @rpc
    def list_activities(self, filters=None, limit=50, offset=0):
        filters = load(ActivityFilter(), filters)
        query = select(Activity).filter_by(**filters)
        return self._page(query, Activity.id.desc(), ActivityOut(), limit, offset)

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
            activity = self._activity(uow.session, activity_id)
            if reviewer_scope and (activity.county != reviewer_scope.get("county")
                                   or activity.tier not in reviewer_scope.get("tiers", ())):
                raise Forbidden("only the city or a reviewer of the activity's county may "
                                "review it", {"county": activity.county, "tier": activity.tier})
            try:
                target = domain.next_status(action, activity.status)
            except domain.TransitionRefused as exc:
                raise Conflict(str(exc), {"status": activity.status}) from None
            self._move(uow.session, activity, target)
            union = uow.session.get(Union, activity.union_id)
            self._record(uow, activity, union, action, domain.TRANSITIONS[action][0][0],
                         actor, comment)
            answer = queries.ACTIVITY_OUT.dump(activity)
            uow.commit()
        return answer

    @rpc
    def bulk_transition(self, activity_ids, action, actor, comment=None):
        """Each id on its own transaction; a per-item result, in the order given."""
        if len(activity_ids) > BULK_MAX:
            raise Invalid("too many ids", {"ids": ["at most %d" % BULK_MAX]})
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

    @rpc
    def history(self, activity_id):
        with self.db.session() as session:
            self._activity(session, activity_id)
            rows = session.scalars(select(HistoryEntry).where(
                HistoryEntry.activity_id == activity_id).order_by(HistoryEntry.id)).all()
            return HistoryOut(many=True).dump(rows)

    # feedback ----------------------------------------------------------------------
    @rpc
    def give_feedback(self, activity_id, worker_id, worker, payload):
        """A worker's 1-5 score; a second score from the same worker replaces the first.

        Answers {"created": bool, "feedback": {...}}.
        """
        data = load(FeedbackIn(), payload)
        for _ in range(3):  # a racing twin of the first score hits the unique key: redo
            try:
                return self._store_feedback(activity_id, worker_id, worker, data)
            except IntegrityError:
                continue
        raise Conflict("the score changed meanwhile; send it again")

    def _target(self):
        """The programme's satisfaction target (config lecture_satisfaction_target)."""
        return Decimal(str(self.db.provider.container.config["CM"]["lecture_satisfaction_target"]))

    def _store_feedback(self, activity_id, worker_id, worker, data):
        with self.db.unit_of_work() as uow:
            activity = self._activity(uow.session, activity_id)
            if activity.status not in domain.HELD_STATUSES:
                raise Conflict("a rejected activity takes no feedback",
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
            answer = {"created": created, "feedback": FeedbackOut().dump(row)}
            uow.commit()
        return answer

    @rpc
    def feedback_summary(self, activity_id):
        with self.db.session() as session:
            activity = self._activity(session, activity_id)
            scores = session.scalars(select(Feedback.score)
                                     .where(Feedback.activity_id == activity_id)).all()
            summary = domain.satisfaction(scores, self._target())
            summary["distribution"] = {str(n): sum(1 for s in scores if s == n)
                                       for n in range(1, 6)}
            summary.update(activity_id=activity.id, lecturer_id=activity.lecturer_id)
            return summary

    # lecturers ---------------------------------------------------------------------
    @rpc
    def create_lecturer(self, payload):
        data = load(LecturerIn(), payload)
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
            answer = LecturerOut().dump(lecturer)
            uow.commit()
        return answer

    @rpc
    def update_lecturer(self, lecturer_id, payload):
        data = load(LecturerChange(), payload)
        with self.db.unit_of_work() as uow:
            lecturer = self._lecturer(uow.session, lecturer_id)
            for key, value in data.items():
                setattr(lecturer, key, value)
            lecturer.updated_at = utcnow()
            try:
                uow.session.flush()
            except IntegrityError:
                raise Conflict("a lecturer of this name is in that county already") from None
            answer = LecturerOut().dump(lecturer)
            uow.commit()
        return answer

    @rpc
    def get_lecturer(self, lecturer_id):
        with self.db.session() as session:
            return LecturerOut().dump(self._lecturer(session, lecturer_id))

    @rpc
    def list_lecturers(self, filters=None, limit=50, offset=0):
        filters = load(LecturerFilter(), filters)
        topic = filters.pop("topic", None)
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        with self.db.session() as session:
            rows = session.scalars(select(Lecturer).filter_by(**filters)
                                   .order_by(Lecturer.id)).all()
        if topic:  # topics are a JSON list: match in Python (the pool is small)
            rows = [r for r in rows if any(topic in t for t in r.topics)]
        return {"items": LecturerOut(many=True).dump(rows[offset:offset + limit]),
                "total": len(rows)}

    # the four seasons --------------------------------------------------------------
    @rpc
    def season_themes(self, year):
        with self.db.session() as session:
            return self._season_view(session, year)

    @rpc
    def set_season_theme(self, year, season, payload, actor):
        data = load(SeasonThemeIn(), payload)
        if season not in domain.SEASONS:
            raise NotFound("no season %s" % season)
        for _ in range(3):
            try:
                with self.db.unit_of_work() as uow:
                    row = uow.session.scalars(select(SeasonTheme).where(
                        SeasonTheme.year == year, SeasonTheme.season == season)).first()
                    if row is None:
                        row = SeasonTheme(year=year, season=season)
                        uow.session.add(row)
                    row.theme, row.categories = data["theme"], sorted(set(data["categories"]))
                    row.updated_by, row.updated_at = actor, utcnow()
                    uow.session.flush()
                    uow.commit()
                break
            except IntegrityError:
                continue
        return self.season_themes(year)

    @rpc
    def coverage(self, year, county=None):
        """Every month activities, in every county: the matrix, its gaps, theme shares."""
        with self.db.session() as session:
            themes = self._themes(session, year)
            items = self._held(session, year, county=county, status="approved")
            counties = [county] if county else self._counties(session)
            answer = domain.coverage(year, counties, items, themes, local_today())
        if county:
            answer["city"] = None  # a county's view has no city row
        return answer

    @rpc
    def statistics(self, year, county=None, union_id=None):
        with self.db.session() as session:
            items = self._held(session, year, county=county, union_id=union_id)
            scores = session.scalars(_scoped(metrics.lecture_scores_query(year),
                                             county, union_id)).all()
        answer = domain.statistics(year, items, scores, self._target())
        answer["expenses_total"] = to_yuan(answer.pop("expenses_total_fen"))
        answer["scope"] = {"county": county, "union_id": union_id}
        return answer

    @rpc
    def lecture_report(self, year, county=None, lecturer_id=None):
        """Per lecturer and programme-wide satisfaction against the target; the held
        lectures that have no feedback yet."""
        with self.db.session() as session:
            lectures = session.execute(_scoped(
                select(Activity.id, Activity.title, Activity.held_on, Activity.lecturer_id,
                       Activity.union_id, Activity.county, Activity.status)
                .where(Activity.year == year, Activity.category == "lecture",
                       Activity.status.in_(domain.HELD_STATUSES)), county, None)).all()
            if lecturer_id is not None:
                lectures = [row for row in lectures if row.lecturer_id == lecturer_id]
            ids = [row.id for row in lectures]
            scores = {}
            for activity_id, score in session.execute(
                    select(Feedback.activity_id, Feedback.score)
                    .where(Feedback.activity_id.in_(ids))):
                scores.setdefault(activity_id, []).append(score)
            lecturers = {row.id: row for row in session.scalars(select(Lecturer).where(
                Lecturer.id.in_({row.lecturer_id for row in lectures})))}
        per_lecturer = {}
        for row in lectures:
            entry = per_lecturer.setdefault(row.lecturer_id, {"sessions": 0, "with": 0,
                                                              "scores": []})
            entry["sessions"] += 1
            entry["with"] += 1 if row.id in scores else 0
            entry["scores"] += scores.get(row.id, [])
        rows = []
        for key, entry in sorted(per_lecturer.items(), key=lambda kv: kv[0] or 0):
            lecturer = lecturers.get(key)
            rows.append(dict(domain.satisfaction(entry["scores"], self._target()), lecturer_id=key,
                             name=lecturer.name if lecturer else None,
                             county=lecturer.county if lecturer else None,
                             sessions=entry["sessions"], sessions_with_feedback=entry["with"]))
        everything = [s for entry in per_lecturer.values() for s in entry["scores"]]
        programme = dict(domain.satisfaction(everything, self._target()), sessions=len(lectures),
                         sessions_approved=sum(1 for r in lectures if r.status == "approved"),
                         lecturers=len(per_lecturer))
        missing = [{"activity_id": r.id, "title": r.title, "held_on": r.held_on.isoformat(),
                    "lecturer_id": r.lecturer_id,
                    "lecturer_name": lecturers[r.lecturer_id].name
                    if r.lecturer_id in lecturers else None,
                    "union_id": r.union_id, "county": r.county, "status": r.status}
                   for r in sorted(lectures, key=lambda r: (r.held_on, r.id))
                   if r.id not in scores]
        return {"year": year, "scope": {"county": county, "lecturer_id": lecturer_id},
                "programme": programme, "lecturers": rows, "without_feedback": missing}

    # helpers -----------------------------------------------------------------------
    def _settings(self):
        return self.db.provider.container.config["CM"]

    def _check_report(self, session, data, union):
        settings = self._settings()
        errors = domain.report_errors(data, _union_dict(union), local_today(),
                                      settings["reporting_window_days"],
                                      settings["participants_factor"])
        lecturer = None
        if data.get("lecturer_id") is not None:
            found = (session.get(Lecturer, data["lecturer_id"])
                     if storable_id(data["lecturer_id"]) else None)
            lecturer = {"active": found.active} if found else "unknown"
        errors.update(domain.lecturer_errors(data["category"], lecturer))
        if errors:
            raise Invalid("activity report rejected", errors)

    @staticmethod
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

    def _record(self, uow, activity, union, action, from_status, actor, comment):
        uow.session.flush()  # history rows follow the activity's own pending changes
        uow.session.connection().execute(queries.INSERT_HISTORY, {
            "activity_id": activity.id, "at": utcnow(), "actor": actor, "action": action,
            "from_status": from_status, "to_status": activity.status, "comment": comment})
        uow.emit(EVENT_OF_ACTION[action], activity_facts(
            activity, union, actor, comment, self._facts(uow.session, activity)))

    def _facts(self, session, activity):
        """The calendar and lecture facts of an activity, as of now."""
        themes = self._themes(session, activity.year)
        extra = {"season_theme": themes[activity.season]["theme"],
                 "season_theme_match": domain.theme_match(activity.category, activity.held_on,
                                                          themes)}
        if activity.lecturer_id is not None:
            lecturer = session.get(Lecturer, activity.lecturer_id)
            scores = session.scalars(metrics.lecture_scores_query(activity.year).where(
                Activity.lecturer_id == activity.lecturer_id)).all()
            extra["lecturer_name"] = lecturer.name if lecturer else None
            extra["lecturer_satisfaction"] = domain.satisfaction(scores, self._target())["satisfaction"]
        return extra

    def _themes(self, session, year):
        rows = session.scalars(queries.THEMES_OF_YEAR, {"year": year}).all()
        return domain.themes_for({row.season: {"theme": row.theme, "categories": row.categories}
                                  for row in rows})

    def _season_view(self, session, year):
        rows = {row.season: row for row in session.scalars(
            select(SeasonTheme).where(SeasonTheme.year == year))}
        themes = self._themes(session, year)
        seasons = []
        for season, spec in domain.SEASONS.items():
            row = rows.get(season)
            seasons.append({
                "season": season, "name": domain.SEASON_NAMES[season],
                "months": list(spec["months"]), "theme": themes[season]["theme"],
                "categories": themes[season]["categories"], "configured": row is not None,
                "launch_month": domain.LAUNCH_MONTHS.get(season),
                "updated_by": row.updated_by if row else None,
                "updated_at": iso(row.updated_at) if row else None})
        return {"year": year, "seasons": seasons}

    def _held(self, session, year, county=None, union_id=None, status=None):
        query = select(Activity.county, Activity.tier, Activity.category, Activity.held_on,
                       Activity.status, Activity.participants, Activity.expenses_fen,
                       Activity.union_id).where(Activity.year == year)
        if status:
            query = query.where(Activity.status == status)
        return [domain.Held(*row) for row in session.execute(_scoped(query, county, union_id))]

    def _counties(self, session):
        counties = list(self._settings()["counties"])
        for county in session.scalars(select(Union.county).where(Union.level == "county")
                                      .order_by(Union.id)):
            if county not in counties:
                counties.append(county)
        return counties

    def _status_of(self, activity_id):
        with self.db.session() as session:
            return session.scalar(select(Activity.status).where(Activity.id == activity_id))

    @staticmethod
    def _activity(session, activity_id):
        return row_or_404(session, Activity, activity_id, "activity")

    @staticmethod
    def _union(session, union_id):
        return row_or_404(session, Union, union_id, "union")

    @staticmethod
    def _lecturer(session, lecturer_id):
        return row_or_404(session, Lecturer, lecturer_id, "lecturer")

    @staticmethod
    def _parent(session, parent_id):
        if parent_id is None:
            return None
        parent = session.get(Union, parent_id)
        if parent is None:
            raise Invalid("unknown parent union", {"parent_id": ["no such union"]})
        return parent

    @staticmethod
    def _check_union_name(session, name):
        if session.scalar(select(Union.id).where(Union.name == name)):
            raise Conflict("a union with this name exists", {"name": name})

    @staticmethod
    def _union_or_invalid(session, union_id):
        union = row_or_none(session, Union, union_id)
        if union is None:
            raise Invalid("unknown union", {"union_id": ["no such union"]})
        return union

    def _page(self, query, order, schema, limit=DEFAULT_LIMIT, offset=0):
        with self.db.session() as session:
            return page(session, query, order, schema, limit, offset)


def _scoped(query, county, union_id):
    if county is not None:
        query = query.where(Activity.county == county)
    if union_id is not None:
        query = query.where(Activity.union_id == union_id)
    return query


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


def _union_state(union):
    return {"name": union.name, "county": union.county, "parent_id": union.parent_id,
            "members": union.members, "contacts": union.contacts}
