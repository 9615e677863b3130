"""Disbursement batches and their export for the bank."""
from marshmallow import fields, validate

from services.common.schema import Strict
from services.subsidies.contract._fields import page_of, when, yuan
from services.subsidies.words import (BATCH_STATUSES)

__all__ = [
    'BatchIn', 'PayIn', 'BatchFilter', 'BatchOut', 'BatchList', 'ExportOut']


class BatchIn(Strict):
    fund_id = fields.Integer(required=True, strict=True)


class PayIn(Strict):
    reference = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=100),
                              metadata={"description": "the bank's reference of the transfer"})


class BatchFilter(Strict):
    fund_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(BATCH_STATUSES))


class BatchOut(Strict):
    id = fields.Integer()
    fund_id = fields.Integer()
    status = fields.String(metadata={"enum": list(BATCH_STATUSES)})
    count = fields.Integer()
    total = yuan("the control total in yuan", attribute="total_fen")
    reference = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = when()
    paid_by = fields.String(allow_none=True)
    paid_at = when(allow_none=True)


BatchList = page_of(BatchOut)


class ExportOut(Strict):
    batch_id = fields.Integer()
    fund_id = fields.Integer()
    status = fields.String()
    count = fields.Integer()
    total = yuan()
    filename = fields.String()
    content_type = fields.String()
    csv = fields.String(metadata={"description": "UTF-8 text with a BOM, Chinese headers"})
