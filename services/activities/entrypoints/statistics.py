"""Figures: coverage (月月有活动), the year's statistics, the lecture programme's report."""
from sqlalchemy import func, select

from services.activities import contract, domain, metrics, queries
from services.activities.entrypoints.base import Shared
from services.activities.models import Activity, Feedback, Lecturer
from services.common.clock import local_today
from services.common.errors import expected_rpc
from services.common.money import to_yuan

rpc = expected_rpc()
COVERAGE_OUT = contract.CoverageOut()
STATS_OUT = contract.ActivityStatsOut()
LECTURE_REPORT = contract.LectureReport()


class StatisticsEntrypoints(Shared):
    def refresh_gauges(self):
        super().refresh_gauges()
        with self.db.provider.sessions() as session:
            metrics.refresh(session, local_today().year)

    @rpc
    def coverage(self, year, county=None):
        """Every month activities, in every county: the matrix, its gaps, theme shares."""
        with self.db.session() as session:
            themes = queries.themes(session, year)
            items = queries.held(session, year, county=county, status="approved")
            counties = [county] if county else queries.counties(session, self.config.counties)
        answer = domain.coverage(year, counties, items, themes, local_today())
        if county:
            answer["city"] = None  # a county's view has no city row
        return COVERAGE_OUT.dump(answer)

    @rpc
    def statistics(self, year, county=None, union_id=None):
        with self.db.session() as session:
            items = queries.held(session, year, county=county, union_id=union_id)
            scores = session.scalars(queries.scoped(metrics.lecture_scores_query(year),
                                                    county, union_id)).all()
        answer = domain.statistics(year, items, scores, self._target())
        answer["expenses_total"] = to_yuan(answer.pop("expenses_total_fen"))
        answer["scope"] = {"county": county, "union_id": union_id}
        return STATS_OUT.dump(answer)

    @rpc
    def year_figures(self, year, county=None):
        """What the year-end report needs beside statistics, coverage and the lecture
        report: approved activities held at a venue (library counts them too: the report
        compares the two) and the lecturer pool (active lecturers; of the county, if one)."""
        with self.db.session() as session:
            at_venues = dict(session.execute(queries.scoped(
                select(Activity.category, func.count())
                .where(Activity.year == year, Activity.status == "approved",
                       Activity.venue_id.is_not(None))
                .group_by(Activity.category), county, None)).all())
            pool = select(func.count(Lecturer.id)).where(Lecturer.active.is_(True))
            if county is not None:
                pool = pool.where(Lecturer.county == county)
            lecturers = session.scalar(pool)
        return {"year": year, "county": county, "approved_at_venues": sum(at_venues.values()),
                "reading_at_venues": at_venues.get("reading", 0), "lecturer_pool": lecturers}

    @rpc
    def lecture_report(self, year, county=None, lecturer_id=None):
        """Per lecturer and programme-wide satisfaction against the target; the held
        lectures that have no feedback yet."""
        with self.db.session() as session:
            lectures = session.execute(queries.scoped(
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
                Lecturer.id.in_({row.lecturer_id for row in lectures
                                 if row.lecturer_id is not None})))}
        target = self._target()
        per_lecturer = {}
        for row in lectures:
            entry = per_lecturer.setdefault(row.lecturer_id, {"sessions": 0, "with": 0,
                                                              "scores": []})
            entry["sessions"] += 1
            entry["with"] += 1 if row.id in scores else 0
            entry["scores"] += scores.get(row.id, [])
        rows = []
        # a lecture without a lecturer counts for the programme, for no lecturer's figures
        for key, entry in sorted((kv for kv in per_lecturer.items() if kv[0] is not None),
                                 key=lambda kv: kv[0]):
            lecturer = lecturers.get(key)
            rows.append(dict(domain.satisfaction(entry["scores"], target), lecturer_id=key,
                             name=lecturer.name if lecturer else None,
                             county=lecturer.county if lecturer else None,
                             sessions=entry["sessions"], sessions_with_feedback=entry["with"]))
        everything = [s for entry in per_lecturer.values() for s in entry["scores"]]
        programme = dict(domain.satisfaction(everything, target), sessions=len(lectures),
                         sessions_approved=sum(1 for r in lectures if r.status == "approved"),
                         lecturers=len(rows))
        missing = [{"activity_id": r.id, "title": r.title, "held_on": r.held_on,
                    "lecturer_id": r.lecturer_id,
                    "lecturer_name": lecturers[r.lecturer_id].name
                    if r.lecturer_id in lecturers else None,
                    "union_id": r.union_id, "county": r.county, "status": r.status}
                   for r in sorted(lectures, key=lambda r: (r.held_on, r.id))
                   if r.id not in scores]
        return LECTURE_REPORT.dump({
            "year": year, "scope": {"county": county, "lecturer_id": lecturer_id},
            "programme": programme, "lecturers": rows, "without_feedback": missing})
