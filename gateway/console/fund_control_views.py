"""The console's fund controls (finance, the city): a budget raised or lowered with its
reason, a fund closed, the declines for want of money decided once more after a top-up.
Every change is the JSON API's own route (gateway.console.api): its rules (never below what
is granted, each decline re-decided once, in approval order) are the API's."""
from urllib.parse import urlencode

from gateway.console.activity_views import _sentence
from gateway.console.views import first
from gateway.console.web import page, redirect
from gateway.errors import ApiError

ADJUSTMENT_LABELS = {"amount": "调整金额", "reason": "调整原因"}


class FundControlViews:
    @page("POST", "/funds/<int:fund_id>/adjustments")
    def adjust_form(self, page, fund_id):
        values = {"amount": first(page.form, "amount").strip(),
                  "reason": first(page.form, "reason")}
        try:
            answer = self._api(page, "adjust_fund", values, fund_id=fund_id)
        except ApiError as exc:
            return self.fund_page(page, fund_id, error=_sentence(exc, ADJUSTMENT_LABELS),
                                  adjustment=values)
        return self._back(fund_id, "预算已调整 %s 元：%s 元 → %s 元" % (
            answer["amount"], answer["budget_before"], answer["budget_after"]))

    @page("POST", "/funds/<int:fund_id>/close")
    def close_form(self, page, fund_id):
        reason = first(page.form, "reason").strip() or None
        try:
            self._api(page, "close_fund", {"reason": reason}, fund_id=fund_id)
        except ApiError as exc:
            return self.fund_page(page, fund_id, error=_sentence(exc))
        return self._back(fund_id, "资金已关闭：不再从中核定新的补助，已核定的仍可拨付")

    @page("POST", "/funds/<int:fund_id>/redecisions")
    def redecide_form(self, page, fund_id):
        try:
            answer = self._api(page, "redecide", {}, fund_id=fund_id)
        except ApiError as exc:
            return self.fund_page(page, fund_id, error=_sentence(exc))
        done = "已重新核定 %d 项：%d 项获补助（合计 %s 元），%d 项仍未获补助" % (
            answer["redecided"], answer["granted"], answer["granted_amount"],
            answer["declined"])
        if answer["remaining"]:
            done += "；还有 %d 项待重新核定" % answer["remaining"]
        return self._back(fund_id, done)

    @staticmethod
    def _back(fund_id, done):
        return redirect("/funds/%d?%s" % (fund_id, urlencode({"done": done})))
