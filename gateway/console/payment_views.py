"""The console's payment pages (finance, the city): a batch's scope and its preview before
it is made, the batch with its payee lines (pay it as the second person, cancel it, the
bank file as CSV or XLSX, a line the bank returned), the payees' bank details, and a paid
subsidy reversed. Every read and change is the JSON API's own route (gateway.console.api):
the rules (the second person, no line without a payee) are the API's, said here in
Chinese."""
from urllib.parse import urlencode

from gateway.console.activity_views import _sentence as sentence
from gateway.console.views import PAGE_SIZE, Pager, _int, first
from gateway.console.web import View, chinese, page, redirect
from gateway.errors import ApiError
from gateway.i18n import translate

SCOPE_FIELDS = ("county", "approved_from", "approved_to")
SCOPE_LABELS = {"county": "县区", "approved_from": "核定日期从", "approved_to": "核定日期至",
                "fund_id": "资金"}
LINE_STATUS_NAMES = {"pending": "待拨付", "paid": "已拨付", "returned": "已退回"}
PAYEE_KIND_NAMES = {"union": "工会", "venue": "阵地"}
PAYEE_FIELDS = ("account_name", "bank", "account_number")


def scope_of(form_or_query, fund_id):
    """The batch body from the scope form: empty fields are left out."""
    body = {"fund_id": fund_id}
    for key in SCOPE_FIELDS:
        value = form_or_query.get(key) or ""
        value = (value[0] if isinstance(value, list) and value else value or "").strip()
        if value:
            body[key] = value
    return body


class PaymentViews:
    # a batch's scope, its preview, making it ---------------------------------------
    @page("GET", "/funds/<int:fund_id>/batches/preview")
    def batch_preview(self, page, fund_id):
        scope = scope_of(page.query, fund_id)
        try:
            preview = self._api(page, "preview_batch", scope)
        except ApiError as exc:
            return self.fund_page(page, fund_id, error=_sentence(exc), scope=scope)
        fund = self._api(page, "get_fund", fund_id=fund_id)
        back = "/funds/%d/batches/preview?%s" % (fund_id, urlencode(
            {key: value for key, value in scope.items() if key != "fund_id"}))
        return self._frame(page, "batch_preview.html", fund=fund, preview=preview,
                           scope=scope, back=back, kind_names=PAYEE_KIND_NAMES)

    @page("POST", "/funds/<int:fund_id>/batches")
    def create_batch_form(self, page, fund_id):
        scope = scope_of(page.form, fund_id)
        try:
            batch = self._api(page, "create_batch", scope)
        except ApiError as exc:
            return self.fund_page(page, fund_id, error=_sentence(exc), scope=scope)
        return redirect("/batches/%d?done=已创建拨付批次 %d（%d 个收款单位，%d 笔补助，合计 %s 元）"
                        % (batch["id"], batch["id"], len(batch["lines"]), batch["count"],
                           batch["total"]))

    # a batch -----------------------------------------------------------------------
    @page("GET", "/batches/<int:batch_id>")
    def batch_page(self, page, batch_id, error=None):
        batch = self._api(page, "get_batch", batch_id=batch_id)
        fund = self._api(page, "get_fund", fund_id=batch["fund_id"])
        return self._frame(
            page, "batch.html", batch=batch, fund=fund, error=error,
            flash=page.query.get("done"), line_names=LINE_STATUS_NAMES,
            kind_names=PAYEE_KIND_NAMES, may_pay=page.user.username != batch["created_by"])

    @page("POST", "/batches/<int:batch_id>/<string:action>")
    def batch_action(self, page, batch_id, action):
        try:
            if action == "pay":
                reference = first(page.form, "reference").strip() or None
                self._api(page, "pay_batch", {"reference": reference}, batch_id=batch_id)
                done = "批次 %d 已标记为已拨付" % batch_id
            elif action == "cancel":
                self._api(page, "cancel_batch", batch_id=batch_id)
                done = "批次 %d 已取消" % batch_id
            else:
                return View("error.html", {"message": "未知的操作"}, 404)
        except ApiError as exc:
            return self.batch_page(page, batch_id, error=_sentence(exc))
        return redirect("/batches/%d?done=%s" % (batch_id, done))

    @page("POST", "/batches/<int:batch_id>/lines/<int:line_id>/return")
    def return_line_form(self, page, batch_id, line_id):
        reason = first(page.form, "reason")
        try:
            line = self._api(page, "return_line", {"reason": reason}, batch_id=batch_id,
                             line_id=line_id)
        except ApiError as exc:
            return self.batch_page(page, batch_id, error=_sentence(exc))
        return redirect("/batches/%d?done=第 %d 行（%s，%s 元）已登记为银行退回，其补助将重新拨付"
                        % (batch_id, line["number"], line["payee_name"], line["total"]))

    @page("GET", "/batches/<int:batch_id>/export")
    def batch_export(self, page, batch_id):
        chosen = "xlsx" if page.query.get("format") == "xlsx" else "csv"
        return self._api(page, "export_batch", query={"format": chosen}, batch_id=batch_id)

    # payees ------------------------------------------------------------------------
    @page("GET", "/payees")
    def payees_page(self, page):
        offset = max(0, _int(page.query.get("offset"), 0))
        found = self._api(page, "list_payees", query={"limit": str(PAGE_SIZE),
                                                      "offset": str(offset)})
        return self._frame(page, "payees.html", payees=found["items"],
                           kind_names=PAYEE_KIND_NAMES,
                           pager=Pager("/payees", page.query, found["total"]))

    @page("GET", "/payees/<string:kind>/<int:payee_id>")
    def payee_page(self, page, kind, payee_id, errors=None, values=None, back=None):
        if kind not in PAYEE_KIND_NAMES:
            return View("error.html", {"message": "没有这种收款单位"}, 404)
        current = self._current_payee(page, kind, payee_id)
        name = current.get("name") or self._party_name(page, kind, payee_id)
        return self._frame(page, "payee.html", kind=kind, payee_id=payee_id, name=name,
                           current=current, values=values or current, errors=errors or {},
                           kind_names=PAYEE_KIND_NAMES,
                           back=back if back is not None else page.query.get("back", ""),
                           flash=page.query.get("done"))

    @page("POST", "/payees/<string:kind>/<int:payee_id>")
    def payee_form(self, page, kind, payee_id):
        values = {key: first(page.form, key) for key in PAYEE_FIELDS}
        back = first(page.form, "back")
        try:
            self._api(page, "put_payee", values, kind=kind, payee_id=payee_id)
        except ApiError as exc:
            return self.payee_page(page, kind, payee_id, values=values,
                                   errors=_field_errors(exc), back=back)
        if back.startswith("/funds/"):  # back to the preview that sent finance here
            return redirect(back)
        return redirect("/payees/%s/%d?done=收款账户已保存" % (kind, payee_id))

    def _current_payee(self, page, kind, payee_id):
        try:
            return self._api(page, "get_payee", kind=kind, payee_id=payee_id)
        except ApiError as exc:
            if exc.status != 404:
                raise
            return {}

    def _party_name(self, page, kind, payee_id):
        if kind == "union":
            return self._api(page, "get_union", union_id=payee_id)["name"]
        return self._api(page, "get_venue", venue_id=payee_id)["name"]

    # a paid subsidy reversed ------------------------------------------------------------
    @page("POST", "/subsidies/<int:subsidy_id>/reverse")
    def reverse_form(self, page, subsidy_id):
        reason = first(page.form, "reason")
        activity_id = _int(first(page.form, "activity_id"))
        try:
            self._api(page, "reverse_subsidy", {"reason": reason}, subsidy_id=subsidy_id)
        except ApiError as exc:
            done = "未能撤回：%s" % _sentence(exc)
        else:
            done = "补助已撤回（退款），资金已退回"
        target = "/activities/%d" % activity_id if activity_id else "/funds"
        return redirect("%s?%s" % (target, urlencode({"done": done})))


def _sentence(exc):
    """The API's refusal in Chinese, its fields' messages after it."""
    return sentence(exc, SCOPE_LABELS)


def _field_errors(exc):
    """{field: Chinese messages} of a 422, or the message under "_" for anything else."""
    if exc.status == 422 and isinstance(exc.details, dict):
        return {key: "；".join(map(str, value)) if isinstance(value, list) else str(value)
                for key, value in chinese(exc.details).items()}
    return {"_": translate(exc.message, "zh")}

