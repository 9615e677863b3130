"""Funds: opening one, its county allocations, its ledger and its reconciliation."""
from marshmallow import fields, validate

from services.common.money import to_yuan
from services.common.schema import County, Strict
from services.subsidies.contract._fields import computed, page_of, when, yuan
from services.subsidies.words import (POLICY_KINDS, FUND_STATUSES, LEDGER_KINDS)

__all__ = [
    'AllocationIn', 'FundIn', 'AllocationsIn', 'FundFilter', 'AllocationOut', 'FundOut',
    'FundList', 'LedgerOut', 'LedgerList', 'RecomputedDecisions', 'LedgerRecomputed',
    'AllocationReconciliation', 'Reconciliation', 'ReconciliationAll']


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
