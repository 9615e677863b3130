from marshmallow import fields, validate

from services.common.money import to_yuan
from services.common.schema import Strict, UtcDateTime, Yuan

POLICIES = ("activity", "venue")


class FundIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    policy = fields.String(required=True, validate=validate.OneOf(POLICIES))
    county = fields.String(load_default=None, allow_none=True)
    budget = Yuan(required=True)


class FundOut(Strict):
    id = fields.Integer()
    name = fields.String()
    year = fields.Integer()
    policy = fields.String()
    county = fields.Method("_county")
    status = fields.String()
    budget = Yuan(attribute="budget_fen")
    granted = Yuan(attribute="granted_fen")
    paid = Yuan(attribute="paid_fen")
    remaining = fields.Method("_remaining")
    created_at = UtcDateTime()

    def _county(self, fund):
        return None if fund.scope == "*" else fund.scope

    def _remaining(self, fund):
        return to_yuan(fund.budget_fen - fund.granted_fen)


class FundFilter(Strict):
    year = fields.Integer()
    policy = fields.String(validate=validate.OneOf(POLICIES))
    county = fields.String()


class SubsidyOut(Strict):
    id = fields.Integer()
    activity_id = fields.Integer()
    activity_title = fields.String()
    union_id = fields.Integer()
    county = fields.String()
    tier = fields.String()
    fund_id = fields.Integer(allow_none=True)
    status = fields.String()
    amount = Yuan(attribute="amount_fen")
    reason = fields.String(allow_none=True)
    policy_version = fields.Integer(allow_none=True)
    explanation = fields.List(fields.String())
    decided_at = UtcDateTime()
    paid_at = UtcDateTime(allow_none=True)


class SubsidyFilter(Strict):
    activity_id = fields.Integer()
    fund_id = fields.Integer()
    union_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(("granted", "declined", "paid")))
