"""Disbursement: batches of granted decisions, their export for the bank, paying them.

Money is finance's and the city's (policy.MONEY).
"""
from werkzeug.wrappers import Response

from gateway import policy
from gateway.api import route
from gateway.routes import subsidies_schemas as ss
from gateway.routes.common import split_paging
from gateway.schemas import Paging, paged
from services.subsidies import contract as c


class DisbursementRoutes:
    # disbursement ----------------------------------------------------------------------
    @route("POST", "/api/v1/disbursements", roles=policy.MONEY, body=c.BatchIn(),
           creates=True, status=201, response=c.BatchOut,
           summary="A disbursement batch of a fund's granted, unpaid decisions: count and "
                   "control total")
    def create_batch(self, call):
        return self._rpc("subsidies", "create_batch", call.json, call.user.username)

    @route("GET", "/api/v1/disbursements", roles=policy.MONEY, query=paged(c.BatchFilter)(),
           response=c.BatchList, summary="Disbursement batches, newest first")
    def list_batches(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("subsidies", "list_batches", filters, limit, offset)

    @route("GET", "/api/v1/disbursements/<int:batch_id>", roles=policy.MONEY,
           response=c.BatchOut, summary="A disbursement batch")
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
           summary="Mark a batch paid: every decision in it becomes paid (once; again is 409)")
    def pay_batch(self, call, batch_id):
        return self._rpc("subsidies", "pay_batch", batch_id, call.json, call.user.username)

    @route("POST", "/api/v1/disbursements/<int:batch_id>/cancel", roles=policy.MONEY,
           response=c.BatchOut,
           summary="Cancel an open batch: its decisions may go into another batch")
    def cancel_batch(self, call, batch_id):
        return self._rpc("subsidies", "cancel_batch", batch_id, call.user.username)

    @route("GET", "/api/v1/disbursements/<int:batch_id>/export", roles=policy.MONEY,
           query=ss.ExportQuery(), response=c.ExportOut,
           summary="The batch for the bank: a CSV download (Chinese headers, UTF-8 with BOM); "
                   "?format=json wraps it in JSON with count and control total")
    def export_batch(self, call, batch_id):
        export = self._rpc("subsidies", "export_batch", batch_id)
        if call.query["format"] == "json":
            return export
        return Response(export["csv"].encode("utf-8"), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="%s"' % export["filename"],
            "X-Batch-Count": str(export["count"]), "X-Control-Total": export["total"]})
