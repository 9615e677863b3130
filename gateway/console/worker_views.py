"""A worker's own pages: its loans from the reading network (renew one). Through the
JSON API's own routes."""
from gateway.console.views import PAGE_SIZE, Pager, _int
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
