"""The console's activity pages: a union's own activities, the report form (and the edit
of a returned report), an activity with its evidence, decision and trail, the review
actions, and the reviewers' queue with bulk approval. Every read and change is the JSON
API's own route (gateway.console.api)."""
import re
from functools import partial

from gateway import policy
from gateway.console.views import PAGE_SIZE, Pager, first, _int
from gateway.console.web import View, chinese, page, redirect
from gateway.errors import ApiError
from gateway.i18n import translate
from services.activities import contract as ac
from services.common.clock import local_today

STATUS_NAMES = {"submitted": "待审核", "approved": "已通过", "rejected": "已驳回",
                "returned": "已退回"}
ACTION_NAMES = {"report": "上报", "edit": "修改", "resubmit": "重新提交", "approve": "通过",
                "reject": "驳回", "return": "退回"}
DECLINE_NAMES = {"budget_exhausted": "资金已用完", "no_fund": "没有可用的资金",
                 "union_cap_reached": "已达本工会年度上限"}
FILE_FIELDS = [("photo", "活动照片", "image/jpeg,image/png,image/webp"),
               ("sign_in_sheet", "签到表", "image/jpeg,image/png,image/webp,application/pdf")]
REVIEW_ACTIONS = {"approve": "approve_activity", "return": "return_activity",
                  "reject": "reject_activity"}
DONE = {"approve": "已通过", "return": "已退回", "reject": "已驳回"}
YUAN = re.compile(r"^\s*(\d+)(?:\.(\d{1,2}))?\s*$")
QUEUE_FILTERS = ("union_id", "season", "category", "year", "held_from", "held_to")
FILTER_LABELS = {"union_id": "工会", "season": "季节", "category": "活动类别", "year": "年份",
                 "held_from": "举办日期从", "held_to": "举办日期至"}


def names():
    return {"status_names": STATUS_NAMES, "category_names": ac.CATEGORY_NAMES,
            "season_names": ac.SEASON_NAMES, "kind_names": ac.EVIDENCE_KIND_NAMES,
            "action_names": ACTION_NAMES, "decline_names": DECLINE_NAMES}


class ActivityViews:
    # a union's own -----------------------------------------------------------------
    @page("GET", "/activities/mine")
    def my_activities(self, page):
        offset = max(0, _int(page.query.get("offset"), 0))
        found = self._api(page, "list_activities", query={
            "limit": str(PAGE_SIZE), "offset": str(offset)})
        returned = [a["id"] for a in found["items"] if a["status"] == "returned"]
        year_figures, *reasons = self._together(
            partial(self._union_year, page),
            *[partial(self._last_reason, page, activity_id) for activity_id in returned])
        reasons = dict(zip(returned, reasons))
        return self._frame(page, "my_activities.html", page_of=found, reasons=reasons,
                           union_year=year_figures,
                           pager=Pager("/activities/mine", page.query, found["total"]),
                           **names())

    def _union_year(self, page):
        """The union's subsidies of this year against its cap, or None (no union, or the
        figures are away: the list must not go with them)."""
        if page.user.union_id is None:
            return None
        try:
            return self._api(page, "union_subsidy_year", query={"year": str(local_today().year)},
                             union_id=page.user.union_id)
        except ApiError:
            return None

    def _history(self, page, activity_id):
        return self._api(page, "activity_history", activity_id=activity_id)

    def _last_reason(self, page, activity_id):
        steps = self._history(page, activity_id)
        returns = [step for step in steps if step["action"] == "return"]
        return returns[-1]["comment"] if returns else None

    # the report form ---------------------------------------------------------------
    @page("GET", "/activities/new")
    def report_form(self, page):
        return self._form(page, "/activities/new", _empty_values())

    @page("POST", "/activities/new")
    def report(self, page):
        values = _values_of(page.form)
        body = dict(_body_of(values), union_id=page.user.union_id)
        try:
            created = self._api(page, "report_activity", body)
        except ApiError as exc:
            return self._form(page, "/activities/new", values, exc)
        return redirect("/activities/%d" % created["id"])

    @page("GET", "/activities/<int:activity_id>/edit")
    def edit_form(self, page, activity_id):
        activity = self._api(page, "get_activity", activity_id=activity_id)
        return self._form(page, "/activities/%d/edit" % activity_id,
                          _values_from(activity), editing=True,
                          reason=self._last_reason(page, activity_id))

    @page("POST", "/activities/<int:activity_id>/edit")
    def edit(self, page, activity_id):
        values = _values_of(page.form)
        try:
            self._api(page, "change_activity", _body_of(values), activity_id=activity_id)
        except ApiError as exc:
            return self._form(page, "/activities/%d/edit" % activity_id, values, exc,
                              editing=True)
        return redirect("/activities/%d" % activity_id)

    def _form(self, page, action, values, error=None, editing=False, reason=None):
        errors = _form_errors(chinese(error.details) if error else {})
        message = translate(error.message, "zh") if error is not None else None
        categories = [(key, ac.CATEGORY_NAMES[key]) for key in ac.CATEGORIES]
        return self._frame(page, "report_form.html", 422 if error is not None else 200,
                           action=action, values=values, errors=errors, message=message,
                           categories=categories, file_fields=FILE_FIELDS,
                           max_bytes=ac.MAX_BYTES, today=local_today().isoformat(),
                           editing=editing, reason=reason)

    # an activity -------------------------------------------------------------------
    @page("GET", "/activities/<int:activity_id>")
    def activity_page(self, page, activity_id):
        activity = self._api(page, "get_activity", activity_id=activity_id)
        approved = activity["status"] == "approved"
        union, history, subsidy, feedback = self._together(
            partial(self._api, page, "get_union", union_id=activity["union_id"]),
            partial(self._history, page, activity_id), partial(self._decision, page, activity),
            partial(self._feedback, page, activity_id) if approved else lambda: None)
        return self._frame(
            page, "activity.html", activity=activity, union_name=union["name"],
            history=history, subsidy=subsidy, polling=approved and subsidy is None,
            feedback=feedback, survey_url="%ssurvey/%d" % (page.request.host_url, activity_id),
            may_review=activity["status"] == "submitted"
            and policy.may_review(page.user, activity),
            may_edit=activity["status"] == "returned" and page.user.role in policy.REPORTERS,
            flash=page.query.get("done"), **names())

    @page("GET", "/activities/<int:activity_id>/decision")
    def decision_partial(self, page, activity_id):
        """Polled by the activity page until the decision is stored: then htmx is told to
        stop (286)."""
        activity = self._api(page, "get_activity", activity_id=activity_id)
        subsidy = self._decision(page, activity)
        polling = activity["status"] == "approved" and subsidy is None
        view = View("_decision.html", dict(activity=activity, subsidy=subsidy,
                                           polling=polling, **names()))
        view.status = 200 if polling else 286
        return view

    def _feedback(self, page, activity_id):
        """The workers' scores of an approved activity, or None when they cannot be read."""
        try:
            return self._api(page, "feedback_summary", activity_id=activity_id)
        except ApiError:
            return None

    def _decision(self, page, activity):
        if activity["status"] != "approved":
            return None
        found = self._api(page, "list_subsidies", query={"activity_id": str(activity["id"])})
        items = found["items"] if isinstance(found, dict) else found
        return items[0] if items else None

    @page("GET", "/activities/<int:activity_id>/reason")
    def reason_partial(self, page, activity_id):
        action = page.query.get("action")
        if action not in ("return", "reject"):
            return View("error.html", {"message": "未知的审核操作"}, 404)
        return View("_reason.html", {"activity_id": activity_id, "action": action})

    @page("POST", "/activities/<int:activity_id>/<string:action>")
    def review(self, page, activity_id, action):
        if action == "submit":
            return self._resubmit(page, activity_id)
        if action not in REVIEW_ACTIONS:
            return View("error.html", {"message": "未知的审核操作"}, 404)
        body = {"comment": first(page.form, "comment")} if action == "approve" else {
            "reason": first(page.form, "reason")}
        if action == "approve" and not body["comment"]:
            body = {}
        try:
            self._api(page, REVIEW_ACTIONS[action], body, activity_id=activity_id)
        except ApiError as exc:
            activity = self._api(page, "get_activity", activity_id=activity_id)
            return self._frame(page, "activity.html", exc.status, activity=activity,
                               union_name=self._api(page, "get_union", union_id=activity[
                                   "union_id"])["name"],
                               history=self._api(page, "activity_history",
                                                 activity_id=activity_id),
                               subsidy=None, polling=False, may_review=False, may_edit=False,
                               error=_sentence(exc), **names())
        return redirect("/activities/%d?done=%s" % (activity_id, DONE[action]))

    def _resubmit(self, page, activity_id):
        self._api(page, "resubmit_activity", {}, activity_id=activity_id)
        return redirect("/activities/%d" % activity_id)

    # the reviewers' queue ----------------------------------------------------------
    @page("GET", "/review")
    def review_queue(self, page, results=None):
        filters = {key: page.query[key] for key in QUEUE_FILTERS if page.query.get(key)}
        offset = max(0, _int(page.query.get("offset"), 0))
        scope = {"county": page.user.county} if page.user.role == "county_reviewer" else {}
        found, unions = self._together(
            partial(self._queue, page, filters, offset),
            partial(self._api, page, "list_unions", query=dict(scope, limit="500")))
        found, error = found
        unions = unions["items"]
        return self._frame(
            page, "review.html", page_of=found, filters=filters, unions=unions, error=error,
            union_names={u["id"]: u["name"] for u in unions}, results=results,
            seasons=[(key, ac.SEASON_NAMES[key] + "季") for key in ac.SEASONS],
            categories=[(key, ac.CATEGORY_NAMES[key]) for key in ac.CATEGORIES],
            pager=Pager("/review", page.query, found["total"]), **names())

    def _queue(self, page, filters, offset):
        """(a page of the submitted activities, None), or (nothing, the Chinese of why the
        filters were refused): a bad filter is said on the page that keeps it."""
        try:
            return self._api(page, "list_activities", query=dict(
                filters, status="submitted", limit=str(PAGE_SIZE), offset=str(offset))), None
        except ApiError as exc:
            if exc.status != 422:
                raise
            return {"items": [], "total": 0}, _sentence(exc, FILTER_LABELS)

    @page("POST", "/review/bulk")
    def bulk_review(self, page):
        ids = [value for value in (_int(v) for v in page.form.get("ids", [])) if value]
        if not ids:
            return redirect("/review")
        if first(page.form, "confirmed") != "1":
            chosen = self._api(page, "list_activities", query={
                "status": "submitted", "limit": "500"})["items"]
            approvable = [a for a in chosen if a["id"] in ids
                          and policy.may_review(page.user, a)]
            return self._frame(page, "bulk_confirm.html", chosen=len(ids),
                               will=len(approvable), approvable=approvable)
        results = self._api(page, "bulk_approve", {"ids": ids})
        for item in results["results"]:
            if item["error"]:
                item["error"]["message"] = translate(item["error"]["message"], "zh")
        return self.review_queue(page, results=results)


def _sentence(exc, labels=None):
    details = chinese(exc.details)
    parts = [translate(exc.message, "zh")]
    for key, value in (details.items() if isinstance(details, dict) else ()):
        if isinstance(value, list):
            parts.append("%s：%s" % ((labels or {}).get(key, key), "；".join(map(str, value))))
    return " ".join(parts)


# form values <-> the API's body ---------------------------------------------------------
def _empty_values():
    return {"title": "", "category": "", "held_on": "", "participants": "", "expenses": "",
            "description": "", "files": {}, "urls": []}


def _values_of(form):
    values = {key: first(form, key).strip() for key in
              ("title", "category", "held_on", "participants", "expenses", "description")}
    values["files"] = {kind: _uploaded(form, kind) for kind, _, _ in FILE_FIELDS}
    values["urls"] = [u for u in form.get("evidence_url", []) if u]
    return values


def _uploaded(form, kind):
    """The files a form carries (ids, and the names console.js kept beside them)."""
    ids = form.get("evidence_%s" % kind, [])
    names = form.get("evidence_%s_name" % kind, [])
    return [{"id": _int(value), "name": names[index] if index < len(names)
             else "已上传的文件 %s" % value}
            for index, value in enumerate(ids) if _int(value)]


def _values_from(activity):
    values = {key: activity.get(key) or "" for key in
              ("title", "category", "held_on", "participants", "expenses", "description")}
    values["files"], values["urls"] = {}, []
    for item in activity["evidence"]:
        if item.get("evidence_id"):
            values["files"].setdefault(item["kind"] if item["kind"] == "sign_in_sheet"
                                       else "photo", []).append(
                {"id": item["evidence_id"], "name": item.get("filename", "")})
        else:
            values["urls"].append(item["url"])
    return values


def _body_of(values):
    """The report as the API takes it: numbers as numbers, yuan with two places."""
    body = {"title": values["title"], "category": values["category"],
            "held_on": values["held_on"], "participants": values["participants"],
            "expenses": values["expenses"], "description": values["description"] or None}
    if values["participants"].isdigit():
        body["participants"] = int(values["participants"])
    money = YUAN.match(values["expenses"])
    if money:
        body["expenses"] = "%s.%s" % (money.group(1), (money.group(2) or "").ljust(2, "0"))
    body["evidence"] = [{"kind": kind, "evidence_id": item["id"]}
                        for kind, _, _ in FILE_FIELDS for item in values["files"][kind]]
    body["evidence"] += [{"kind": "other", "url": url} for url in values["urls"]]
    return body


def _form_errors(details):
    """The API's field names onto the form's: evidence.0.evidence_id is the photos'."""
    errors = {}
    for key, messages in (details.items() if isinstance(details, dict) else ()):
        field = "evidence" if key.startswith("evidence") else key
        flat = messages if isinstance(messages, list) else [str(messages)]
        errors.setdefault(field, []).extend(
            m if isinstance(m, str) else "；".join(map(str, m.values()))
            if isinstance(m, dict) else str(m) for m in flat)
    return errors
