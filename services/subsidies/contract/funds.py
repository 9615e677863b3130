"""Funds: opening one, its county allocations, adjusting its budget, closing it,
re-deciding the declines it can now pay for, its ledger and its reconciliation."""
import re

from marshmallow import fields, validate

from services.common.money import to_fen, to_yuan
from services.common.schema import County, Strict
from services.subsidies.contract._fields import computed, page_of, when, yuan
from services.subsidies.words import (POLICY_KINDS, FUND_STATUSES, LEDGER_KINDS,
                                      SUBSIDY_STATUSES, DECLINE_REASONS)

__all__ = [
    'AllocationIn', 'FundIn', 'AllocationsIn', 'FundFilter', 'AllocationOut', 'FundOut',
    'FundList', 'LedgerOut', 'LedgerList', 'RecomputedDecisions', 'LedgerRecomputed',
    'AllocationReconciliation', 'Reconciliation', 'ReconciliationAll',
    'SIGNED_YUAN_PATTERN', 'NOT_BLANK', 'SignedYuan', 'AdjustmentIn', 'AdjustmentOut',
    'AdjustmentList', 'AdjustmentCreated', 'FundCloseIn', 'REDECIDE_MAX', 'RedecideIn',
    'RedecisionItem', 'RedecisionOut']

# an adjustment's amount: a yuan amount with a sign ("-500.00" lowers the budget), not zero
SIGNED_YUAN_PATTERN = r"^-?([1-9]\d{0,11}(\.\d{1,2})?|0\.(0[1-9]|[1-9]\d?))$"
_SIGNED_YUAN = re.compile(SIGNED_YUAN_PATTERN)
_ZERO = re.compile(r"^-?0(\.0{1,2})?$")
NOT_BLANK = r"\S"  # documents what validate.Predicate("strip") checks
REDECIDE_MAX = 200  # declines re-decided per call at most: each is a unit of work of its own


class AllocationIn(Strict):
    county = County(required=True, validate=validate.Length(1, 64))
    budget = yuan(required=True)


class FundIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    policy = fields.String(required=True, validate=validate.OneOf(POLICY_KINDS))
    county = County(load_default=None, allow_none=True)
    budget = yuan(required=True)
    allocations = fields.List(fields.Nested(AllocationIn), load_default=list,
                              validate=validate.Length(max=50), metadata={
                                  "description": "a city-wide fund's county shares"})


class AllocationsIn(Strict):
    allocations = fields.List(fields.Nested(AllocationIn), required=True,
                              validate=validate.Length(max=50))


class FundFilter(Strict):
    year = fields.Integer(validate=validate.Range(2000, 2100))
    policy = fields.String(validate=validate.OneOf(POLICY_KINDS))
    county = fields.String()
    status = fields.String(validate=validate.OneOf(FUND_STATUSES))


class AllocationOut(Strict):
    county = fields.String()
    budget = yuan(attribute="budget_fen")
    granted = yuan(attribute="granted_fen")
    paid = yuan(attribute="paid_fen")
    remaining = computed("_remaining")

    def _remaining(self, allocation):
        return to_yuan(allocation.budget_fen - allocation.granted_fen)


class FundOut(Strict):
    """A fund: budget = granted + remaining, paid <= granted. allocation_rows: the fund's
    county allocations (set by the service before dumping)."""
    id = fields.Integer()
    name = fields.String()
    year = fields.Integer()
    policy = fields.String()
    county = computed("_county", allow_none=True)
    status = fields.String()
    budget = yuan(attribute="budget_fen")
    granted = yuan(attribute="granted_fen")
    paid = yuan(attribute="paid_fen")
    remaining = computed("_remaining")
    used_percent = computed("_used", "integer")
    allocations = fields.List(fields.Nested(AllocationOut), attribute="allocation_rows")
    created_at = when()
    opening_budget = yuan("the budget it opened with; budget = this plus the adjustments",
                          attribute="opening_budget_fen")
    closed_at = when(allow_none=True)
    closed_by = fields.String(allow_none=True)
    closed_reason = fields.String(allow_none=True, metadata={
        "description": "why it was closed (set by the service before dumping)"})

    def _county(self, fund):
        return None if fund.scope == "*" else fund.scope

    def _remaining(self, fund):
        return to_yuan(fund.budget_fen - fund.granted_fen)

    def _used(self, fund):
        return 0 if fund.budget_fen <= 0 else fund.granted_fen * 100 // fund.budget_fen


FundList = page_of(FundOut)


class LedgerOut(Strict):
    id = fields.Integer()
    fund_id = fields.Integer()
    subsidy_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    county = fields.String(allow_none=True)
    kind = fields.String(metadata={"enum": list(LEDGER_KINDS)})
    amount = yuan(attribute="amount_fen")
    note = fields.String(allow_none=True)
    actor = fields.String(allow_none=True, metadata={"description": "who moved the money"})
    at = when()


LedgerList = page_of(LedgerOut)


class RecomputedDecisions(Strict):
    granted = yuan()
    paid = yuan()


class LedgerRecomputed(RecomputedDecisions):
    budget = yuan("the opening budget plus the adjustments")
    entries = fields.Integer()


class AllocationReconciliation(Strict):
    county = fields.String()
    budget = yuan()
    granted = yuan()
    paid = yuan()
    ledger_granted = yuan()
    ledger_paid = yuan()


class Reconciliation(Strict):
    """A fund's stored figures checked against its ledger and decisions (fen inside)."""
    fund_id = fields.Integer()
    consistent = fields.Boolean()
    problems = fields.List(fields.String())
    budget = yuan()
    granted = yuan()
    paid = yuan()
    remaining = yuan()
    ledger = fields.Nested(LedgerRecomputed)
    decisions = fields.Nested(RecomputedDecisions)
    allocations = fields.List(fields.Nested(AllocationReconciliation))


class ReconciliationAll(Strict):
    consistent = fields.Boolean()
    funds = fields.List(fields.Nested(Reconciliation))


# adjusting, closing, re-deciding --------------------------------------------------------
class SignedYuan(fields.Field):
    """A signed decimal string in yuan outside ("-500.00"), signed integer fen inside; zero
    is refused (an adjustment that changes nothing)."""

    default_error_messages = {
        "invalid": 'Not a signed yuan amount such as "10000.00" or "-500.00".',
        "zero": "an adjustment must not be zero"}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_yuan(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and _ZERO.match(value):
            raise self.make_error("zero")
        if not isinstance(value, str) or not _SIGNED_YUAN.match(value):
            raise self.make_error("invalid")
        fen = to_fen(value.lstrip("-"))
        return -fen if value.startswith("-") else fen


def _reason(**kwargs):
    return fields.String(validate=[validate.Length(min=1, max=500),
                                   validate.Predicate("strip", error="must not be blank")],
                         metadata={"pattern": NOT_BLANK}, **kwargs)


class AdjustmentIn(Strict):
    amount = SignedYuan(required=True, metadata={
        "type": "string", "pattern": SIGNED_YUAN_PATTERN,
        "description": 'yuan, signed, not zero: "10000.00" raises the budget, "-500.00" '
                       'lowers it'})
    reason = _reason(required=True)


class AdjustmentOut(Strict):
    """One adjustment of a fund's budget: a signed ledger entry of kind adjust."""
    id = fields.Integer(metadata={"description": "its ledger entry's id"})
    fund_id = fields.Integer()
    amount = yuan("signed yuan: the budget's change")
    reason = fields.String()
    actor = fields.String(allow_none=True, metadata={"description": "who adjusted it"})
    at = when()
    budget_before = yuan()
    budget_after = yuan()


AdjustmentList = page_of(AdjustmentOut)


class AdjustmentCreated(AdjustmentOut):
    """The adjustment and the fund after it."""
    fund = fields.Nested(FundOut)


class FundCloseIn(Strict):
    reason = _reason(load_default=None, allow_none=True)


class RedecideIn(Strict):
    limit = fields.Integer(load_default=100, strict=True,
                           validate=validate.Range(1, REDECIDE_MAX), metadata={
                               "description": "at most this many declines in this call "
                                              "(call again while remaining > 0)"})


class RedecisionItem(Strict):
    subsidy_id = fields.Integer(attribute="id")
    subject = fields.String(metadata={"enum": list(POLICY_KINDS)})
    activity_id = fields.Integer(allow_none=True)
    venue_id = fields.Integer(allow_none=True)
    union_id = fields.Integer(allow_none=True)
    county = fields.String()
    approved_on = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": list(SUBSIDY_STATUSES)})
    amount = yuan(attribute="amount_fen")
    reason = fields.String(allow_none=True, metadata={"enum": list(DECLINE_REASONS) + [None]})
    policy_version = fields.Integer(allow_none=True)


class RedecisionOut(Strict):
    """What one call re-decided, in approval order (fen inside)."""
    fund_id = fields.Integer()
    redecided = fields.Integer(metadata={"description": "declines decided once more now"})
    granted = fields.Integer(metadata={"description": "of which granted"})
    declined = fields.Integer(metadata={"description": "of which still declined"})
    granted_amount = yuan("what the granted ones were granted in all")
    remaining = fields.Integer(metadata={
        "description": "declines still waiting for a re-decision from this fund: call again "
                       "while it is above 0 and the fund has money left"})
    stopped = fields.String(allow_none=True, metadata={
        "enum": ["limit", "time", "fund_used_up", None],
        "description": "why this call stopped before the last waiting decline, if it did"})
    items = fields.List(fields.Nested(RedecisionItem))
    fund = fields.Nested(FundOut)
