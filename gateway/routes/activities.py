"""Unions, activities and their review, the lecture programme, the four seasons,
coverage and statistics."""
from gateway import policy
from gateway.api import route
from gateway.errors import ApiError, forbidden
from gateway.routes import activities_schemas as a
from gateway.routes.common import split_paging
from gateway.schemas import paged
from services.activities import contract as c

CITY = ("city_admin",)
WORKERS = ("worker",)
OVERVIEW_READERS = ("city_admin", "finance", "county_reviewer")
BULK_CHUNK = 25  # transitions per RPC, so that each call stays within the RPC deadline


def _county_scope(user, county):
    """A county reviewer sees its own county only; others any (or all)."""
    if user.role == "county_reviewer":
        if county not in (None, user.county):
            raise forbidden("a county reviewer sees only its own county")
        return user.county
    return county



class ActivityRoutes:
    # unions ----------------------------------------------------------------------------
    @route("POST", "/api/v1/unions", roles=CITY, body=c.UnionIn(), creates=True,
           status=201, response=c.UnionOut, summary="Add a union to the three-tier directory")
    def create_union(self, call):
        return self._rpc("activities", "create_union", call.json, call.user.username)

    @route("GET", "/api/v1/unions/<int:union_id>", response=c.UnionOut, summary="A union")
    def get_union(self, call, union_id):
        return self._rpc("activities", "get_union", union_id)

    @route("PATCH", "/api/v1/unions/<int:union_id>", roles=CITY, body=c.UnionChange(),
           response=c.UnionOut,
           summary="Rename or move a union (its activities and their history stay)")
    def change_union(self, call, union_id):
        return self._rpc("activities", "update_union", union_id, call.json, call.user.username)

    @route("GET", "/api/v1/unions/<int:union_id>/history", response=c.UnionChangeOut(many=True),
           summary="Renames and moves of a union, oldest first")
    def union_history(self, call, union_id):
        return self._rpc("activities", "union_history", union_id)

    @route("GET", "/api/v1/unions", query=paged(c.UnionFilter)(), response=c.UnionPage,
           summary="List and filter unions (level, county, parent, name or part of it)")
    def list_unions(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("activities", "list_unions", filters, limit, offset)

    # activities ------------------------------------------------------------------------
    @route("POST", "/api/v1/activities", roles=policy.REPORTERS, body=c.ActivityIn(),
           creates=True, status=201, response=c.ActivityOut,
           summary="Report an activity the union has held (a lecture may name its lecturer; "
                   "one without a lecturer counts for no lecturer's figures)")
    def report_activity(self, call):
        policy.require_owner(call.user, call.body["union_id"])
        return policy.shown_activity(call.user, self._rpc(
            "activities", "report_activity", call.json, call.user.username,
            call.idempotency_key))

    @route("GET", "/api/v1/activities/<int:activity_id>", roles=policy.ACTIVITY_READERS,
           response=c.ActivityOut, summary="An activity")
    def get_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_read_activity(call.user, activity)
        return policy.shown_activity(call.user, activity)

    @route("GET", "/api/v1/activities", roles=policy.ACTIVITY_READERS,
           query=paged(c.ActivityFilter)(),
           response=c.ActivityPage, summary="Activities the caller may see, newest first")
    def list_activities(self, call):
        filters, limit, offset = split_paging(call.query)
        answer = self._rpc("activities", "list_activities",
                           policy.activity_scope(call.user, filters), limit, offset)
        for activity in answer["items"]:
            policy.shown_activity(call.user, activity)
        return answer

    @route("PUT", "/api/v1/activities/<int:activity_id>", roles=policy.REPORTERS,
           body=c.ActivityChanges(), response=c.ActivityOut,
           summary="Rework a returned activity (nothing else is editable)")
    def change_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_owner(call.user, activity["union_id"])
        return policy.shown_activity(call.user, self._rpc(
            "activities", "update_activity", activity_id, call.json, call.user.username))

    @route("POST", "/api/v1/activities/<int:activity_id>/submit", roles=policy.REPORTERS,
           body=c.ApproveIn(), response=c.ActivityOut,
           summary="Submit a returned activity again")
    def resubmit_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_owner(call.user, activity["union_id"])
        return policy.shown_activity(call.user, self._rpc(
            "activities", "transition", activity_id, "resubmit", call.user.username,
            call.body.get("comment")))

    @route("POST", "/api/v1/activities/<int:activity_id>/approve", roles=policy.REVIEWERS,
           body=c.ApproveIn(), response=c.ActivityOut,
           summary="Approve a submitted activity (409 unless submitted)")
    def approve_activity(self, call, activity_id):
        return self._review(call, activity_id, "approve", call.body.get("comment"))

    @route("POST", "/api/v1/activities/<int:activity_id>/reject", roles=policy.REVIEWERS,
           body=c.ReasonIn(), response=c.ActivityOut,
           summary="Reject a submitted activity (reason required)")
    def reject_activity(self, call, activity_id):
        return self._review(call, activity_id, "reject", call.body["reason"])

    @route("POST", "/api/v1/activities/<int:activity_id>/return", roles=policy.REVIEWERS,
           body=c.ReasonIn(), response=c.ActivityOut,
           summary="Return a submitted activity for rework (reason required)")
    def return_activity(self, call, activity_id):
        return self._review(call, activity_id, "return", call.body["reason"])

    def _review(self, call, activity_id, action, comment):
        # one RPC: the service checks the caller's review scope in the same transaction
        return self._rpc("activities", "transition", activity_id, action,
                         call.user.username, comment, policy.review_scope(call.user))

    @route("POST", "/api/v1/activities/bulk-approve", roles=policy.REVIEWERS,
           body=a.BulkApprove(), response=a.BulkAnswer,
           summary="Approve many activities; each checked on its own, a result per item")
    def bulk_approve(self, call):
        ids = call.body["ids"]
        found = self._rpc("activities", "get_activities", ids)
        results, allowed = {}, []
        for activity_id in ids:
            activity = found.get(str(activity_id))
            if activity is None:
                results[activity_id] = _failure(activity_id, None, "NOT_FOUND",
                                                "activity %s not found" % activity_id)
            elif not policy.may_review(call.user, activity):
                results[activity_id] = _failure(
                    activity_id, activity["status"], "FORBIDDEN",
                    "only the city or a reviewer of the activity's county may review it")
            else:
                allowed.append(activity_id)
        for start in range(0, len(allowed), BULK_CHUNK):
            for item in self._rpc("activities", "bulk_transition",
                                  allowed[start:start + BULK_CHUNK], "approve",
                                  call.user.username, call.body.get("comment")):
                results[item["id"]] = item
        ordered = [results[activity_id] for activity_id in ids]
        failed = sum(1 for item in ordered if item["error"])
        return {"results": ordered, "approved": len(ordered) - failed, "failed": failed}

    @route("GET", "/api/v1/activities/<int:activity_id>/history",
           roles=policy.ACTIVITY_READERS, response=c.HistoryOut(many=True),
           summary="The review trail of an activity (append-only)")
    def activity_history(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_read_activity(call.user, activity)
        return self._rpc("activities", "history", activity_id)

    # feedback --------------------------------------------------------------------------
    @route("POST", "/api/v1/activities/<int:activity_id>/feedback", roles=WORKERS,
           body=c.FeedbackIn(), creates=True, status=201, response=a.FeedbackAnswer,
           summary="A worker of the union that held an approved activity scores it 1-5, "
                   "once: 201; 200 when it replaces their earlier score; 403 for a worker "
                   "of another union (or of none); 409 unless the activity is approved")
    def give_feedback(self, call, activity_id):
        # the service checks the caller's union against the activity's in one transaction
        answer = self._rpc("activities", "give_feedback", activity_id, call.user.id,
                           call.user.username, call.json, call.user.union_id)
        return (201 if answer["created"] else 200,
                dict(answer["feedback"], replaced=not answer["created"]))

    @route("GET", "/api/v1/activities/<int:activity_id>/survey", roles=WORKERS,
           response=c.SurveyOut,
           summary="The activity a worker of the holding union is asked to score (its title, "
                   "day, union, lecturer): 403 for a worker of another union, 409 unless "
                   "approved")
    def activity_survey(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        if call.user.union_id is None or activity["union_id"] != call.user.union_id:
            raise forbidden("only workers of the union that held the activity may score it")
        if activity["status"] != "approved":
            raise ApiError(409, "CONFLICT", "only an approved activity takes feedback",
                           {"status": activity["status"]})
        union = self._rpc("activities", "get_union", activity["union_id"])
        lecturer = (self._rpc("activities", "get_lecturer", activity["lecturer_id"])
                    if activity.get("lecturer_id") else {})
        return c.SurveyOut().dump(dict(activity, union_name=union["name"],
                                       lecturer_name=lecturer.get("name")))

    @route("GET", "/api/v1/activities/<int:activity_id>/feedback",
           roles=policy.ACTIVITY_READERS, response=c.FeedbackSummary,
           summary="Scores of an activity: count, satisfaction (share of 4-5), distribution")
    def feedback_summary(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_read_activity(call.user, activity)
        return self._rpc("activities", "feedback_summary", activity_id)

    # lecturers -------------------------------------------------------------------------
    @route("POST", "/api/v1/lecturers", roles=CITY, body=c.LecturerIn(), creates=True,
           status=201, response=c.LecturerOut, summary="Add a lecturer to the pool")
    def create_lecturer(self, call):
        return self._rpc("activities", "create_lecturer", call.json)

    @route("GET", "/api/v1/lecturers", roles=policy.ACTIVITY_READERS,
           query=paged(c.LecturerFilter)(),
           response=c.LecturerPage, summary="The lecturer pool (county, topic, active)")
    def list_lecturers(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("activities", "list_lecturers", filters, limit, offset)

    @route("GET", "/api/v1/lecturers/<int:lecturer_id>", roles=policy.ACTIVITY_READERS,
           response=c.LecturerOut, summary="A lecturer")
    def get_lecturer(self, call, lecturer_id):
        return self._rpc("activities", "get_lecturer", lecturer_id)

    @route("PATCH", "/api/v1/lecturers/<int:lecturer_id>", roles=CITY, body=c.LecturerChange(),
           response=c.LecturerOut, summary="Change a lecturer, or retire one from the pool")
    def change_lecturer(self, call, lecturer_id):
        return self._rpc("activities", "update_lecturer", lecturer_id, call.json)

    # the four seasons, coverage, statistics --------------------------------------------
    @route("GET", "/api/v1/seasons/<int:year>", response=c.SeasonsOut,
           summary="The four seasons (四季歌) of a year and their themes")
    def season_themes(self, call, year):
        _check_year(year)
        return self._rpc("activities", "season_themes", year)

    @route("PUT", "/api/v1/seasons/<int:year>/<season>", roles=CITY, body=c.SeasonThemeIn(),
           response=c.SeasonsOut,
           summary="Set a season's theme and matching categories for a year")
    def set_season_theme(self, call, year, season):
        _check_year(year)
        return self._rpc("activities", "set_season_theme", year, season, call.json,
                         call.user.username)

    @route("GET", "/api/v1/activities/coverage", roles=OVERVIEW_READERS,
           query=c.CoverageQuery(), response=c.CoverageOut,
           summary="Every month activities in every county: approved activities by county "
                   "and month, the gaps, and each season's theme share")
    def coverage(self, call):
        county = _county_scope(call.user, call.query.get("county"))
        return self._rpc("activities", "coverage", call.query["year"], county)

    @route("GET", "/api/v1/stats/activities", roles=policy.ACTIVITY_READERS,
           query=c.ActivityStatsQuery(), response=c.ActivityStatsOut,
           summary="A year's activities by county, tier, season, category and status, "
                   "and the figures the federation publishes")
    def activity_statistics(self, call):
        scope = policy.activity_scope(call.user, {k: v for k, v in call.query.items()
                                                  if k in ("county", "union_id")})
        return self._rpc("activities", "statistics", call.query["year"],
                         scope.get("county"), scope.get("union_id"))

    @route("GET", "/api/v1/stats/lectures", roles=OVERVIEW_READERS, query=c.LectureQuery(),
           response=c.LectureReport,
           summary="Lecture programme: satisfaction per lecturer and programme-wide against "
                   "the 95% target; held lectures without feedback")
    def lecture_statistics(self, call):
        county = _county_scope(call.user, call.query.get("county"))
        return self._rpc("activities", "lecture_report", call.query["year"], county,
                         call.query.get("lecturer_id"))


def _check_year(year):
    if not 2000 <= year <= 2100:
        raise ApiError(404, "NOT_FOUND", "no calendar for the year %s (2000-2100)" % year)


def _failure(activity_id, status, code, message):
    return {"id": activity_id, "status": status,
            "error": {"code": code, "message": message, "details": {}}}
