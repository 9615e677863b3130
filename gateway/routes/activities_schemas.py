"""What the activities routes have of their own beyond the service's contract
(services/activities/contract.py): the bulk review's body and answer, and the feedback
answer as HTTP gives it (the score, and whether it replaced an earlier one)."""
from marshmallow import ValidationError, fields, validate

from services.activities import contract
from services.common.schema import Strict


def _distinct(values):
    if len(set(values)) != len(values):
        raise ValidationError("each id once")


class BulkApprove(Strict):
    ids = fields.List(fields.Integer(strict=True, validate=contract.ID), required=True,
                      validate=[validate.Length(1, contract.BULK_MAX), _distinct],
                      metadata={"uniqueItems": True})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class BulkAnswer(Strict):
    results = fields.List(fields.Nested(contract.BulkItem))
    approved = fields.Integer()
    failed = fields.Integer()


class FeedbackAnswer(contract.FeedbackOut):
    replaced = fields.Boolean(metadata={"description": "true when it replaced an earlier score"})
