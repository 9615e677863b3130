"""A worker's own pages: its loans from the reading network (renew one), and the survey of
an activity its union held (a lecture's organiser shares its link, /survey/<id>). Through
the JSON API's own routes."""
from gateway.console.views import PAGE_SIZE, Pager, _int, first
from gateway.console.web import page, redirect
from gateway.errors import ApiError
from gateway.i18n import translate


class WorkerViews:
    @page("GET", "/loans")
    def loans_page(self, page, error=None):
        offset = max(0, _int(page.query.get("offset"), 0))
        found = self._api(page, "list_loans", query={"limit": str(PAGE_SIZE),
                                                     "offset": str(offset)})
        return self._frame(page, "loans.html", loans=found["items"], error=error,
                           flash=page.query.get("done"),
                           pager=Pager("/loans", page.query, found["total"]))

    @page("POST", "/loans/<int:loan_id>/renew")
    def renew_loan_form(self, page, loan_id):
        try:
            loan = self._api(page, "renew_loan", {}, loan_id=loan_id)
        except ApiError as exc:
            return self.loans_page(page, error=translate(exc.message, "zh"))
        return redirect("/loans?done=《%s》已续借，应还日期 %s" % (loan["title"], loan["due_on"]))

    @page("GET", "/survey/<int:activity_id>")
    def survey_page(self, page, activity_id, problem=None, values=None):
        try:
            activity = self._api(page, "activity_survey", activity_id=activity_id)
        except ApiError as exc:
            return self._frame(page, "error.html", message=translate(exc.message, "zh"),
                               status=exc.status)
        return self._frame(page, "survey.html", activity=activity, error=problem,
                           values=values or {}, flash=page.query.get("done"))

    @page("POST", "/survey/<int:activity_id>")
    def survey_form(self, page, activity_id):
        values = {"score": first(page.form, "score"), "comment": first(page.form, "comment")}
        score = _int(values["score"])
        if score is None:
            return self.survey_page(page, activity_id, problem="请选择满意程度（1 至 5 分）",
                                    values=values)
        body = {"score": score, "comment": values["comment"].strip() or None}
        try:
            answer = self._api(page, "give_feedback", body, activity_id=activity_id)
        except ApiError as exc:
            return self.survey_page(page, activity_id, problem=translate(exc.message, "zh"),
                                    values=values)
        done = "已更新您的评分" if answer.get("replaced") else "感谢您的评价"
        return redirect("/survey/%d?done=%s" % (activity_id, done))
