"""Decisions: reading, filtering and cancelling subsidies."""
from marshmallow import fields, validate

from services.common.schema import Strict
from services.subsidies.contract._fields import page_of, when, yuan
from services.subsidies.words import (POLICY_KINDS, SUBSIDY_STATUSES, DECLINE_REASONS)

__all__ = [
    'SubjectFilter', 'FundSubsidyFilter', 'SubsidyFilter', 'CancelIn', 'SubsidyOut',
    'SubsidyList']


class SubjectFilter(Strict):
    activity_id = fields.Integer(metadata={"description": "an activity's decision"})
    venue_id = fields.Integer(metadata={"description": "a venue's decisions, one per year "
                                                       "(give activity_id or venue_id)"})


class FundSubsidyFilter(Strict):
    status = fields.String(validate=validate.OneOf(SUBSIDY_STATUSES))
    subject = fields.String(validate=validate.OneOf(POLICY_KINDS))
    county = fields.String()
    union_id = fields.Integer()
    reason = fields.String(validate=validate.OneOf(DECLINE_REASONS))
    batch_id = fields.Integer()


class SubsidyFilter(SubjectFilter, FundSubsidyFilter):
    fund_id = fields.Integer()
    year = fields.Integer()


class CancelIn(Strict):
    reason = fields.String(required=True, validate=[
        validate.Length(min=1, max=500), validate.Predicate("strip", error="must not be blank")])


class SubsidyOut(Strict):
    id = fields.Integer()
    subject = fields.String(metadata={"description": "activity or venue"})
    activity_id = fields.Integer(allow_none=True)
    activity_title = fields.String(metadata={"description": "the activity's title or the "
                                                            "venue's name"})
    union_id = fields.Integer(allow_none=True)
    union_name = fields.String(allow_none=True)
    county = fields.String()
    tier = fields.String()
    venue_id = fields.Integer(allow_none=True)
    period = fields.String(allow_none=True, metadata={
        "description": "a venue's: the evaluation its year's decision stands on now"})
    purpose = fields.String(allow_none=True)
    year = fields.Integer()
    fund_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": list(SUBSIDY_STATUSES)})
    amount = yuan(attribute="amount_fen")
    reason = fields.String(allow_none=True, metadata={"enum": list(DECLINE_REASONS) + [None]})
    policy_version = fields.Integer(allow_none=True)
    inputs = fields.Dict()
    explanation = fields.List(fields.String())
    approved_on = fields.Date(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    decided_at = when()
    paid_at = when(allow_none=True)
    redecided_at = when(allow_none=True)  # a decline for want of money decided once more
    redecided_by = fields.String(allow_none=True)


SubsidyList = page_of(SubsidyOut)
