"""The published contract of subsidies: word lists, command and query payloads, answers,
and (re-exported) its events. The service loads and dumps with these schemas; the gateway
validates and documents HTTP with the same ones. Money: a yuan string outside, integer fen
inside (Yuan). Importable without the service's implementation (SQLAlchemy, nameko)."""
from marshmallow import fields, validate

from services.common.money import to_yuan
from services.common.schema import County, Strict, UtcDateTime, Yuan
from services.subsidies.events import (FUND_THRESHOLD_REACHED, SUBSIDY_DECLINED,  # noqa: F401
                                       SUBSIDY_GRANTED, SUBSIDY_PAID, VENUE_SUBSIDY_DECIDED,
                                       VENUE_SUBSIDY_PAID, FundThreshold, SubsidyDecided,
                                       SubsidyPaid, VenueSubsidy)
from services.subsidies.words import (  # noqa: F401  the word lists, one definition each
    TIERS, TIER_NAMES, CATEGORIES, CATEGORY_NAMES, VENUE_KINDS, RATINGS, RATING_NAMES,
    POLICY_KINDS, SUBJECT_NAMES, PURPOSES, PURPOSE_NAMES, SUBSIDY_STATUSES,
    DECLINE_REASONS, FUND_STATUSES, BATCH_STATUSES, POLICY_STATUSES, LEDGER_KINDS,
    YUAN_PATTERN, RATIO_PATTERN)


def _yuan(description='yuan, e.g. "290.00"', **kwargs):
    """A Yuan field, documented as the string it is outside (with its pattern when it is
    loaded: an answer's figure may be negative in a reconciliation that finds drift)."""
    metadata = {"type": "string", "description": description}
    if kwargs.get("required"):
        metadata["pattern"] = YUAN_PATTERN
    return Yuan(metadata=metadata, **kwargs)


def _computed(method, kind="string", **kwargs):
    return fields.Method(method, metadata=dict(kwargs.pop("metadata", {}), type=kind), **kwargs)


def _when(**kwargs):
    return UtcDateTime(metadata={"type": "string"}, **kwargs)


def _page(item):
    return type(item.__name__.replace("Out", "") + "List", (Strict,), {
        "items": fields.List(fields.Nested(item)), "total": fields.Integer()})


# funds -----------------------------------------------------------------------------------
class AllocationIn(Strict):
    county = County(required=True, validate=validate.Length(1, 64))
    budget = _yuan(required=True)


class FundIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    policy = fields.String(required=True, validate=validate.OneOf(POLICY_KINDS))
    county = County(load_default=None, allow_none=True)
    budget = _yuan(required=True)
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
    budget = _yuan(attribute="budget_fen")
    granted = _yuan(attribute="granted_fen")
    paid = _yuan(attribute="paid_fen")
    remaining = _computed("_remaining")

    def _remaining(self, allocation):
        return to_yuan(allocation.budget_fen - allocation.granted_fen)


class FundOut(Strict):
    """A fund: budget = granted + remaining, paid <= granted. allocation_rows: the fund's
    county allocations (set by the service before dumping)."""
    id = fields.Integer()
    name = fields.String()
    year = fields.Integer()
    policy = fields.String()
    county = _computed("_county", allow_none=True)
    status = fields.String()
    budget = _yuan(attribute="budget_fen")
    granted = _yuan(attribute="granted_fen")
    paid = _yuan(attribute="paid_fen")
    remaining = _computed("_remaining")
    used_percent = _computed("_used", "integer")
    allocations = fields.List(fields.Nested(AllocationOut), attribute="allocation_rows")
    created_at = _when()

    def _county(self, fund):
        return None if fund.scope == "*" else fund.scope

    def _remaining(self, fund):
        return to_yuan(fund.budget_fen - fund.granted_fen)

    def _used(self, fund):
        return 0 if fund.budget_fen <= 0 else fund.granted_fen * 100 // fund.budget_fen


FundList = _page(FundOut)


class LedgerOut(Strict):
    id = fields.Integer()
    fund_id = fields.Integer()
    subsidy_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    county = fields.String(allow_none=True)
    kind = fields.String(metadata={"enum": list(LEDGER_KINDS)})
    amount = _yuan(attribute="amount_fen")
    note = fields.String(allow_none=True)
    at = _when()


LedgerList = _page(LedgerOut)


class RecomputedDecisions(Strict):
    granted = _yuan()
    paid = _yuan()


class LedgerRecomputed(RecomputedDecisions):
    entries = fields.Integer()


class AllocationReconciliation(Strict):
    county = fields.String()
    budget = _yuan()
    granted = _yuan()
    paid = _yuan()
    ledger_granted = _yuan()
    ledger_paid = _yuan()


class Reconciliation(Strict):
    """A fund's stored figures checked against its ledger and decisions (fen inside)."""
    fund_id = fields.Integer()
    consistent = fields.Boolean()
    problems = fields.List(fields.String())
    budget = _yuan()
    granted = _yuan()
    paid = _yuan()
    remaining = _yuan()
    ledger = fields.Nested(LedgerRecomputed)
    decisions = fields.Nested(RecomputedDecisions)
    allocations = fields.List(fields.Nested(AllocationReconciliation))


class ReconciliationAll(Strict):
    consistent = fields.Boolean()
    funds = fields.List(fields.Nested(Reconciliation))


# decisions -------------------------------------------------------------------------------
class SubjectFilter(Strict):
    activity_id = fields.Integer(metadata={"description": "an activity's decision"})
    venue_id = fields.Integer(metadata={"description": "a venue's decisions, one per period "
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
    period = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    year = fields.Integer()
    fund_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": list(SUBSIDY_STATUSES)})
    amount = _yuan(attribute="amount_fen")
    reason = fields.String(allow_none=True, metadata={"enum": list(DECLINE_REASONS) + [None]})
    policy_version = fields.Integer(allow_none=True)
    inputs = fields.Dict()
    explanation = fields.List(fields.String())
    approved_on = fields.Date(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    decided_at = _when()
    paid_at = _when(allow_none=True)


SubsidyList = _page(SubsidyOut)


# policies --------------------------------------------------------------------------------
class PolicyFilter(Strict):
    kind = fields.String(validate=validate.OneOf(POLICY_KINDS))


class PolicyIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(POLICY_KINDS))
    effective_from = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "today or later; leave out to upload a draft"})
    document = fields.Dict(required=True, metadata={
        "description": "{name, description?, rules: [...]}: see docs/subsidies.md"})


class PublishIn(Strict):
    effective_from = fields.Date(required=True)


class PolicyOut(Strict):
    """in_force: set by the service (is this the version that applies today?)."""
    kind = fields.String()
    version = fields.Integer()
    name = _computed("_name", allow_none=True)
    status = _computed("_status", metadata={"enum": list(POLICY_STATUSES)})
    effective_from = fields.Date(allow_none=True)
    in_force = fields.Boolean()
    document = fields.Dict()
    created_at = _when()
    created_by = fields.String(allow_none=True)
    published_at = _when(allow_none=True)
    published_by = fields.String(allow_none=True)

    def _name(self, policy):
        return policy.document.get("name")

    def _status(self, policy):
        return "draft" if policy.effective_from is None else "published"


PolicyList = _page(PolicyOut)


class ActivityFactsIn(Strict):
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    participants = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**6))
    expenses = fields.String(required=True, validate=validate.Regexp(
        YUAN_PATTERN, error='a yuan amount such as "290.00"'))
    union_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    held_on = fields.Date(load_default=None, allow_none=True)
    season_theme_match = fields.Boolean(load_default=None, allow_none=True)
    lecturer_satisfaction = fields.String(load_default=None, allow_none=True,
                                          validate=validate.Regexp(
                                              RATIO_PATTERN, error='a ratio such as "0.96"'))


class VenueFactsIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(VENUE_KINDS))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    total = fields.Integer(required=True, strict=True, validate=validate.Range(0, 1000))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    purpose = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(PURPOSES))


class DryRunIn(Strict):
    version = fields.Integer(load_default=None, allow_none=True, strict=True, metadata={
        "description": "a version (drafts too); by default the one in force on approved_on"})
    approved_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "default: today"})
    activity = fields.Nested(ActivityFactsIn, load_default=None, allow_none=True)
    venue = fields.Nested(VenueFactsIn, load_default=None, allow_none=True)


class DryRunOut(Strict):
    kind = fields.String()
    policy_version = fields.Integer()
    policy_name = fields.String(allow_none=True)
    approved_on = fields.Date()
    amount = _yuan()
    reason = fields.String(allow_none=True)
    explanation = fields.List(fields.String())
    inputs = fields.Dict()


# disbursement ----------------------------------------------------------------------------
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
    total = _yuan("the control total in yuan", attribute="total_fen")
    reference = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = _when()
    paid_by = fields.String(allow_none=True)
    paid_at = _when(allow_none=True)


BatchList = _page(BatchOut)


class ExportOut(Strict):
    batch_id = fields.Integer()
    fund_id = fields.Integer()
    status = fields.String()
    count = fields.Integer()
    total = _yuan()
    filename = fields.String()
    content_type = fields.String()
    csv = fields.String(metadata={"description": "UTF-8 text with a BOM, Chinese headers"})


# statistics ------------------------------------------------------------------------------
class StatsIn(Strict):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    county = fields.String(load_default=None, allow_none=True)


class SubsidyTally(Strict):
    granted = _yuan()
    paid = _yuan()
    activities_subsidised = fields.Integer()
    declined = fields.Integer()
    average_per_activity = _yuan()


class SubsidyCountyTally(SubsidyTally):
    county = fields.String()


class SubsidyTierTally(SubsidyTally):
    tier = fields.String()
    tier_name = fields.String()


class VenueSubsidyTally(Strict):
    granted = _yuan()
    paid = _yuan()
    venues_subsidised = fields.Integer()
    declined = fields.Integer()
    average_per_venue = _yuan()


class SubsidyStatsFund(Strict):
    id = fields.Integer()
    name = fields.String()
    policy = fields.String()
    county = fields.String(allow_none=True)
    status = fields.String()
    budget = _yuan()
    granted = _yuan()
    paid = _yuan()
    remaining = _yuan()


class StatsOut(SubsidyTally):
    """A year's subsidies (fen inside): activities' totals, by county and tier, venues'."""
    year = fields.Integer()
    county = fields.String(allow_none=True)
    by_county = fields.List(fields.Nested(SubsidyCountyTally))
    by_tier = fields.List(fields.Nested(SubsidyTierTally))
    venues = fields.Nested(VenueSubsidyTally)
    funds = fields.List(fields.Nested(SubsidyStatsFund))
