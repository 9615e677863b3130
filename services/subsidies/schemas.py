from marshmallow import fields, validate

from services.common.money import to_yuan
from services.common.schema import Strict, UtcDateTime, Yuan
from services.subsidies.domain import CATEGORIES, POLICY_KINDS, RATINGS, TIERS, VENUE_KINDS

POLICIES = POLICY_KINDS
SUBSIDY_STATUSES = ("granted", "declined", "paid")


class AllocationIn(Strict):
    county = fields.String(required=True, validate=validate.Length(1, 64))
    budget = Yuan(required=True)


class FundIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    policy = fields.String(required=True, validate=validate.OneOf(POLICIES))
    county = fields.String(load_default=None, allow_none=True)
    budget = Yuan(required=True)
    allocations = fields.List(fields.Nested(AllocationIn), load_default=list)


class AllocationsIn(Strict):
    allocations = fields.List(fields.Nested(AllocationIn), required=True)


class AllocationOut(Strict):
    county = fields.String()
    budget = Yuan(attribute="budget_fen")
    granted = Yuan(attribute="granted_fen")
    paid = Yuan(attribute="paid_fen")
    remaining = fields.Method("_remaining")

    def _remaining(self, allocation):
        return to_yuan(allocation.budget_fen - allocation.granted_fen)


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
    used_percent = fields.Method("_used")
    allocations = fields.Method("_allocations")
    created_at = UtcDateTime()

    def _county(self, fund):
        return None if fund.scope == "*" else fund.scope

    def _remaining(self, fund):
        return to_yuan(fund.budget_fen - fund.granted_fen)

    def _used(self, fund):
        return 0 if fund.budget_fen <= 0 else fund.granted_fen * 100 // fund.budget_fen

    def _allocations(self, fund):
        rows = sorted(getattr(fund, "allocation_rows", None) or [], key=lambda a: a.county)
        return AllocationOut(many=True).dump(rows)


class FundFilter(Strict):
    year = fields.Integer()
    policy = fields.String(validate=validate.OneOf(POLICIES))
    county = fields.String()
    status = fields.String(validate=validate.OneOf(("open", "closed")))


class SubsidyOut(Strict):
    id = fields.Integer()
    subject = fields.String()
    activity_id = fields.Integer(allow_none=True)
    activity_title = fields.String()
    union_id = fields.Integer(allow_none=True)
    union_name = fields.String(allow_none=True)
    county = fields.String()
    tier = fields.String()
    venue_id = fields.Integer(allow_none=True)
    period = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    year = fields.Integer()
    fund_id = fields.Integer(allow_none=True)
    status = fields.String()
    amount = Yuan(attribute="amount_fen")
    reason = fields.String(allow_none=True)
    policy_version = fields.Integer(allow_none=True)
    inputs = fields.Dict()
    explanation = fields.List(fields.String())
    approved_on = fields.Date(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    decided_at = UtcDateTime()
    paid_at = UtcDateTime(allow_none=True)


class SubsidyFilter(Strict):
    activity_id = fields.Integer()
    fund_id = fields.Integer()
    union_id = fields.Integer()
    venue_id = fields.Integer()
    county = fields.String()
    year = fields.Integer()
    subject = fields.String(validate=validate.OneOf(("activity", "venue")))
    status = fields.String(validate=validate.OneOf(SUBSIDY_STATUSES))
    reason = fields.String()
    batch_id = fields.Integer()


class CancelIn(Strict):
    reason = fields.String(required=True, validate=[
        validate.Length(min=1, max=500), validate.Predicate("strip", error="must not be blank")])


# policies --------------------------------------------------------------------------------
class PolicyIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(POLICY_KINDS))
    effective_from = fields.Date(load_default=None, allow_none=True)
    document = fields.Dict(required=True)


class PublishIn(Strict):
    effective_from = fields.Date(required=True)


class PolicyOut(Strict):
    kind = fields.String()
    version = fields.Integer()
    name = fields.Method("_name")
    status = fields.Method("_status")
    effective_from = fields.Date(allow_none=True)
    document = fields.Dict()
    created_at = UtcDateTime()
    created_by = fields.String(allow_none=True)
    published_at = UtcDateTime(allow_none=True)
    published_by = fields.String(allow_none=True)

    def _name(self, policy):
        return policy.document.get("name")

    def _status(self, policy):
        return "draft" if policy.effective_from is None else "published"


class ActivityFactsIn(Strict):
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    participants = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    expenses = fields.String(required=True, validate=validate.Regexp(
        r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$", error='a yuan amount such as "290.00"'))
    union_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    held_on = fields.Date(load_default=None, allow_none=True)
    season_theme_match = fields.Boolean(load_default=None, allow_none=True)
    lecturer_satisfaction = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$", error='a ratio such as "0.96"'))


class VenueFactsIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(VENUE_KINDS))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    total = fields.Integer(required=True, strict=True, validate=validate.Range(0, 1000))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    purpose = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(("construction", "upkeep")))


class DryRunIn(Strict):
    version = fields.Integer(load_default=None, allow_none=True, strict=True)
    approved_on = fields.Date(load_default=None, allow_none=True)
    activity = fields.Nested(ActivityFactsIn, load_default=None, allow_none=True)
    venue = fields.Nested(VenueFactsIn, load_default=None, allow_none=True)


# disbursement ---------------------------------------------------------------------------
class BatchIn(Strict):
    fund_id = fields.Integer(required=True, strict=True)


class PayIn(Strict):
    reference = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=100))


class BatchOut(Strict):
    id = fields.Integer()
    fund_id = fields.Integer()
    status = fields.String()
    count = fields.Integer()
    total = Yuan(attribute="total_fen")
    reference = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = UtcDateTime()
    paid_by = fields.String(allow_none=True)
    paid_at = UtcDateTime(allow_none=True)


class BatchFilter(Strict):
    fund_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(("open", "paid", "cancelled")))


class LedgerOut(Strict):
    id = fields.Integer()
    fund_id = fields.Integer()
    subsidy_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    county = fields.String(allow_none=True)
    kind = fields.String()
    amount = Yuan(attribute="amount_fen")
    note = fields.String(allow_none=True)
    at = UtcDateTime()


class StatsIn(Strict):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    county = fields.String(load_default=None, allow_none=True)
