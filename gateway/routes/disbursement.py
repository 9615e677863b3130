"""Disbursement: payees (the bank accounts of unions and venues), batches of granted
decisions in a scope (previewed first), the bank file (CSV or XLSX), paying a batch (a
second person: never its creator), lines the bank returns, reversing a paid decision.

Money is finance's and the city's (policy.MONEY). Every state change is in the audit log
(gateway.api writes it per successful POST and PUT).
"""
import base64

from werkzeug.wrappers import Response

from gateway import policy
from gateway.api import route
from gateway.routes import subsidies_schemas as ss
from gateway.routes.common import split_paging
from gateway.schemas import Paging, paged
from services.common.errors import NotFound
from services.subsidies import contract as c

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DisbursementRoutes:
    # payees ----------------------------------------------------------------------------
    @route("PUT", "/api/v1/payees/<kind>/<int:payee_id>", roles=policy.MONEY,
           body=c.PayeeIn(), response=c.PayeeOut,
           summary="Set the bank details a union (kind union) or a venue paid itself (kind "
                   "venue) is paid on: 户名, 开户行 (with its branch), account number (8-30 "
                   "digits, spaces removed)")
    def put_payee(self, call, kind, payee_id):
        name = self._payee_name(kind, payee_id)
        return self._rpc("subsidies", "put_payee", kind, payee_id, call.json, name,
                         call.user.username)

    @route("GET", "/api/v1/payees/<kind>/<int:payee_id>", roles=policy.MONEY,
           response=c.PayeeOut, summary="A union's or venue's bank details (404: none yet)")
    def get_payee(self, call, kind, payee_id):
        return self._rpc("subsidies", "get_payee", kind, payee_id)

    @route("GET", "/api/v1/payees", roles=policy.MONEY, query=paged(c.PayeeFilter)(),
           response=c.PayeeList, summary="Payees with bank details (unions first, by id)")
    def list_payees(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("subsidies", "list_payees", filters, limit, offset)

    # batches ---------------------------------------------------------------------------
    @route("POST", "/api/v1/disbursements/preview", roles=policy.MONEY, body=c.BatchIn(),
           response=c.BatchPreviewOut,
           summary="What a batch of this scope would hold now (changes nothing): its lines, "
                   "count and total, and the payees held out for want of bank details")
    def preview_batch(self, call):
        return self._rpc("subsidies", "preview_batch", call.json)

    @route("POST", "/api/v1/disbursements", roles=policy.MONEY, body=c.BatchIn(),
           creates=True, status=201, response=c.BatchOut,
           summary="A disbursement batch of a fund's granted, unpaid decisions (of a county, "
                   "approved between two dates): one line per payee with bank details, count "
                   "and control total; 409 when no decision in scope has a payee")
    def create_batch(self, call):
        return self._rpc("subsidies", "create_batch", call.json, call.user.username)

    @route("GET", "/api/v1/disbursements", roles=policy.MONEY, query=paged(c.BatchFilter)(),
           response=c.BatchList, summary="Disbursement batches, newest first")
    def list_batches(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("subsidies", "list_batches", filters, limit, offset)

    @route("GET", "/api/v1/disbursements/<int:batch_id>", roles=policy.MONEY,
           response=c.BatchOut,
           summary="A disbursement batch with its lines and the payees of its scope held out")
    def get_batch(self, call, batch_id):
        return self._rpc("subsidies", "get_batch", batch_id)

    @route("GET", "/api/v1/disbursements/<int:batch_id>/subsidies", roles=policy.MONEY,
           query=Paging(), response=c.SubsidyList, summary="The decisions in a batch")
    def batch_subsidies(self, call, batch_id):
        self._rpc("subsidies", "get_batch", batch_id)
        return self._rpc("subsidies", "list_subsidies", {"batch_id": batch_id},
                         call.query["limit"], call.query["offset"])

    @route("POST", "/api/v1/disbursements/<int:batch_id>/pay", roles=policy.MONEY,
           body=c.PayIn(), response=c.BatchOut,
           summary="Mark a batch paid: every decision in it becomes paid (once; again is "
                   "409). A second person confirms: the batch's creator gets 403")
    def pay_batch(self, call, batch_id):
        return self._rpc("subsidies", "pay_batch", batch_id, call.json, call.user.username)

    @route("POST", "/api/v1/disbursements/<int:batch_id>/cancel", roles=policy.MONEY,
           response=c.BatchOut,
           summary="Cancel an open batch: its decisions may go into another batch")
    def cancel_batch(self, call, batch_id):
        return self._rpc("subsidies", "cancel_batch", batch_id, call.user.username)

    @route("POST", "/api/v1/disbursements/<int:batch_id>/lines/<int:line_id>/return",
           roles=policy.MONEY, body=c.PaymentReasonIn(), response=c.LineOut,
           summary="The bank returned a paid line (with its reason): its decisions are "
                   "granted again, outside any batch; the ledger and the union are told")
    def return_line(self, call, batch_id, line_id):
        return self._rpc("subsidies", "return_line", batch_id, line_id, call.json,
                         call.user.username)

    @route("POST", "/api/v1/subsidies/<int:subsidy_id>/reverse", roles=policy.MONEY,
           body=c.PaymentReasonIn(), response=c.SubsidyOut,
           summary="Reverse a paid subsidy (its money came back): refund and release in the "
                   "ledger, status reversed (its amount kept for the record)")
    def reverse_subsidy(self, call, subsidy_id):
        return self._rpc("subsidies", "reverse_subsidy", subsidy_id, call.json,
                         call.user.username)

    @route("GET", "/api/v1/disbursements/<int:batch_id>/export", roles=policy.MONEY,
           query=ss.ExportQuery(), response=c.ExportOut,
           summary="The bank file: one row per payee line, the control count and total in "
                   "the file and in X-Batch-Count, X-Control-Total (X-Line-Count: lines), the "
                   "decisions behind each line; CSV (default, UTF-8 with BOM), xlsx (sheets "
                   "拨付清单 and 明细) or json (the CSV wrapped with count and total)")
    def export_batch(self, call, batch_id):
        chosen = call.query["format"]
        export = self._rpc("subsidies", "export_batch", batch_id,
                           "xlsx" if chosen == "xlsx" else "csv")
        if chosen == "json":
            return export
        if chosen == "xlsx":
            response = Response(base64.b64decode(export["xlsx"]), content_type=XLSX)
        else:
            response = Response(export["csv"].encode("utf-8"),
                                content_type="text/csv; charset=utf-8")
        response.headers.update({
            "Content-Disposition": 'attachment; filename="%s"' % export["filename"],
            "X-Batch-Count": str(export["count"]), "X-Control-Total": export["total"],
            "X-Line-Count": str(export["lines"])})
        return response

    # helpers ---------------------------------------------------------------------------
    def _payee_name(self, kind, payee_id):
        """The union's or venue's name (404 when it does not exist)."""
        if kind == "union":
            return self._rpc("activities", "get_union", payee_id)["name"]
        if kind == "venue":
            return self._rpc("library", "get_venue", payee_id)["name"]
        raise NotFound("no payee kind %s" % kind)
