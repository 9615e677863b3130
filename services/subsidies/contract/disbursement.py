"""Disbursement batches: their scope and preview, their payee lines (and the payees held
out for want of bank details), paying them, returned lines, and the bank file."""
from marshmallow import ValidationError, fields, validate, validates_schema

from services.common.schema import County, Strict
from services.subsidies.contract._fields import when, yuan
from services.subsidies.words import BATCH_STATUSES, LINE_STATUSES, PAYEE_KINDS

__all__ = [
    'BatchIn', 'PayIn', 'PaymentReasonIn', 'BatchFilter', 'HeldOutOut', 'LinePreviewOut',
    'LineOut', 'BatchPreviewOut', 'BatchSummaryOut', 'BatchOut', 'BatchList', 'ExportOut']


class BatchIn(Strict):
    """A batch's scope: a fund's granted decisions outside a batch, of one county if given,
    approved between two dates (inclusive) if given."""
    fund_id = fields.Integer(required=True, strict=True)
    county = County(load_default=None, allow_none=True,
                    metadata={"description": "only this county's decisions"})
    approved_from = fields.Date(load_default=None, allow_none=True,
                                metadata={"description": "approved on or after (inclusive)"})
    approved_to = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "approved on or before (inclusive)"})

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        start, end = data.get("approved_from"), data.get("approved_to")
        if start is not None and end is not None and end < start:
            raise ValidationError("on or after approved_from", "approved_to")


class PayIn(Strict):
    reference = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=100),
                              metadata={"description": "the bank's reference of the transfer"})


class PaymentReasonIn(Strict):
    """Why: the bank's reason for a returned line, or why a paid subsidy is reversed."""
    reason = fields.String(required=True, validate=[
        validate.Length(min=1, max=500), validate.Predicate("strip", error="must not be blank")])


class BatchFilter(Strict):
    fund_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(BATCH_STATUSES))


class HeldOutOut(Strict):
    """A payee in scope without bank details: its decisions wait outside every batch."""
    payee_kind = fields.String(metadata={"enum": list(PAYEE_KINDS)})
    payee_id = fields.Integer()
    payee_name = fields.String()
    count = fields.Integer()
    total = yuan()
    subsidy_ids = fields.List(fields.Integer())


class LinePreviewOut(HeldOutOut):
    """One transfer: a payee's decisions summed, with its bank details."""
    number = fields.Integer(metadata={"description": "序号 in the bank file"})
    account_name = fields.String()
    bank = fields.String()
    account_number = fields.String(metadata={"description": "digits, leading zeros kept"})


class LineOut(LinePreviewOut):
    """A batch's line: bank details as they were when the batch was made."""
    id = fields.Integer()
    status = fields.String(metadata={"enum": list(LINE_STATUSES)})
    return_reason = fields.String(allow_none=True)
    returned_at = when(allow_none=True)
    returned_by = fields.String(allow_none=True)


class BatchPreviewOut(Strict):
    """What a batch of this scope would hold (nothing is changed)."""
    fund_id = fields.Integer()
    county = fields.String(allow_none=True)
    approved_from = fields.Date(allow_none=True)
    approved_to = fields.Date(allow_none=True)
    count = fields.Integer(metadata={"description": "decisions in the lines"})
    total = yuan("the control total in yuan", attribute="total_fen")
    lines = fields.List(fields.Nested(LinePreviewOut))
    held_out = fields.List(fields.Nested(HeldOutOut))


class BatchSummaryOut(Strict):
    id = fields.Integer()
    fund_id = fields.Integer()
    status = fields.String(metadata={"enum": list(BATCH_STATUSES)})
    county = fields.String(allow_none=True)
    approved_from = fields.Date(allow_none=True)
    approved_to = fields.Date(allow_none=True)
    count = fields.Integer(metadata={"description": "decisions in the batch"})
    total = yuan("the control total in yuan", attribute="total_fen")
    reference = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = when()
    paid_by = fields.String(allow_none=True, metadata={
        "description": "the second person, who confirmed the payment"})
    paid_at = when(allow_none=True)


class BatchOut(BatchSummaryOut):
    """A batch with its payee lines, and the payees of its scope held out now."""
    lines = fields.List(fields.Nested(LineOut))
    held_out = fields.List(fields.Nested(HeldOutOut))


# a list of batches: items without lines (a page of batches reads no lines)
BatchList = type("BatchList", (Strict,), {
    "items": fields.List(fields.Nested(BatchSummaryOut)), "total": fields.Integer()})


class ExportOut(Strict):
    batch_id = fields.Integer()
    fund_id = fields.Integer()
    status = fields.String()
    count = fields.Integer(metadata={"description": "decisions in the batch"})
    lines = fields.Integer(metadata={"description": "payee lines (transfers)"})
    total = yuan()
    filename = fields.String()
    content_type = fields.String()
    csv = fields.String(metadata={"description": "UTF-8 text with a BOM, Chinese headers"})
    xlsx = fields.String(metadata={"description": "format xlsx: the workbook, base64"})
