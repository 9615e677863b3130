"""HTTP schemas of funds, policies, decisions, the ledger, disbursement and statistics
(requests strict; answers for the OpenAPI document)."""
from marshmallow import ValidationError, fields, validate, validates_schema

from gateway.schemas import CATEGORIES, LEVELS, YUAN, Paging
from services.common.schema import Strict

KINDS = ("activity", "venue")
RATINGS = ("excellent", "good", "pass", "fail")
VENUE_KINDS = ("culture_palace", "worker_club", "book_house", "model_worker_bookshelf",
               "craftsman_study", "rest_station_corner", "shared_book_house", "worker_home")
SUBSIDY_STATUSES = ("granted", "declined", "paid")
REASONS = ("budget_exhausted", "union_cap_reached", "not_eligible", "no_fund", "cancelled")
RATIO = validate.Regexp(r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$", error='a ratio such as "0.96"')


def _yuan_out(description='yuan, e.g. "290.00"', **kwargs):
    return fields.String(metadata={"description": description}, **kwargs)


# funds ------------------------------------------------------------------------------------
class AllocationBody(Strict):
    county = fields.String(required=True, validate=validate.Length(1, 64))
    budget = fields.String(required=True, validate=YUAN)


class AllocationsBody(Strict):
    allocations = fields.List(fields.Nested(AllocationBody), required=True,
                              validate=validate.Length(max=50))


class AllocationAnswer(Strict):
    county = fields.String()
    budget = _yuan_out()
    granted = _yuan_out()
    paid = _yuan_out()
    remaining = _yuan_out()


class FundAnswer(Strict):
    id = fields.Integer()
    name = fields.String()
    year = fields.Integer()
    policy = fields.String()
    county = fields.String(allow_none=True)
    status = fields.String()
    budget = _yuan_out()
    granted = _yuan_out()
    paid = _yuan_out()
    remaining = _yuan_out()
    used_percent = fields.Integer()
    allocations = fields.List(fields.Nested(AllocationAnswer))
    created_at = fields.String()


class FundList(Strict):
    items = fields.List(fields.Nested(FundAnswer))
    total = fields.Integer()


# decisions --------------------------------------------------------------------------------
class SubsidyAnswer(Strict):
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
    amount = _yuan_out()
    reason = fields.String(allow_none=True, metadata={"enum": list(REASONS) + [None]})
    policy_version = fields.Integer(allow_none=True)
    inputs = fields.Dict()
    explanation = fields.List(fields.String())
    approved_on = fields.String(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    decided_at = fields.String()
    paid_at = fields.String(allow_none=True)


class SubsidyPage(Strict):
    items = fields.List(fields.Nested(SubsidyAnswer))
    total = fields.Integer()


class FundSubsidyQuery(Paging):
    status = fields.String(validate=validate.OneOf(SUBSIDY_STATUSES))
    subject = fields.String(validate=validate.OneOf(KINDS))
    county = fields.String()
    union_id = fields.Integer()
    reason = fields.String(validate=validate.OneOf(REASONS))
    batch_id = fields.Integer()


class CancelBody(Strict):
    reason = fields.String(required=True, validate=[
        validate.Length(min=1, max=500), validate.Predicate("strip", error="must not be blank")])


# ledger and reconciliation -------------------------------------------------------------------
class LedgerAnswer(Strict):
    id = fields.Integer()
    fund_id = fields.Integer()
    subsidy_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    county = fields.String(allow_none=True)
    kind = fields.String(metadata={"enum": ["reserve", "release", "pay"]})
    amount = _yuan_out()
    note = fields.String(allow_none=True)
    at = fields.String()


class LedgerList(Strict):
    items = fields.List(fields.Nested(LedgerAnswer))
    total = fields.Integer()


class LedgerRecomputed(Strict):
    granted = _yuan_out()
    paid = _yuan_out()
    entries = fields.Integer()


class RecomputedDecisions(Strict):
    granted = _yuan_out()
    paid = _yuan_out()


class AllocationReconciliation(Strict):
    county = fields.String()
    budget = _yuan_out()
    granted = _yuan_out()
    paid = _yuan_out()
    ledger_granted = _yuan_out()
    ledger_paid = _yuan_out()


class Reconciliation(Strict):
    fund_id = fields.Integer()
    consistent = fields.Boolean()
    problems = fields.List(fields.String())
    budget = _yuan_out()
    granted = _yuan_out()
    paid = _yuan_out()
    remaining = _yuan_out()
    ledger = fields.Nested(LedgerRecomputed)
    decisions = fields.Nested(RecomputedDecisions)
    allocations = fields.List(fields.Nested(AllocationReconciliation))


class ReconciliationAll(Strict):
    consistent = fields.Boolean()
    funds = fields.List(fields.Nested(Reconciliation))


# policies ----------------------------------------------------------------------------------
class PolicyCreate(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    effective_from = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "today or later; leave out to upload a draft"})
    document = fields.Dict(required=True, metadata={
        "description": "{name, description?, rules: [...]}: see docs/subsidies.md"})


class PublishBody(Strict):
    effective_from = fields.Date(required=True)


class PolicyQuery(Strict):
    kind = fields.String(validate=validate.OneOf(KINDS))


class PolicyAnswer(Strict):
    kind = fields.String()
    version = fields.Integer()
    name = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["draft", "published"]})
    effective_from = fields.String(allow_none=True)
    in_force = fields.Boolean()
    document = fields.Dict()
    created_at = fields.String()
    created_by = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True)
    published_by = fields.String(allow_none=True)


class PolicyList(Strict):
    items = fields.List(fields.Nested(PolicyAnswer))
    total = fields.Integer()


class ActivityFactsBody(Strict):
    tier = fields.String(required=True, validate=validate.OneOf(LEVELS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    participants = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**6))
    expenses = fields.String(required=True, validate=YUAN)
    union_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    held_on = fields.Date(load_default=None, allow_none=True)
    season_theme_match = fields.Boolean(load_default=None, allow_none=True)
    lecturer_satisfaction = fields.String(load_default=None, allow_none=True, validate=RATIO)


class VenueFactsBody(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(VENUE_KINDS))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    total = fields.Integer(required=True, strict=True, validate=validate.Range(0, 1000))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    purpose = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(("construction", "upkeep")))


class DryRunBody(Strict):
    """Give an activity_id (its facts are looked up), or the facts of an activity or venue."""
    version = fields.Integer(load_default=None, allow_none=True, strict=True, metadata={
        "description": "a version (drafts too); by default the one in force on approved_on"})
    approved_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "default: today"})
    activity_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    activity = fields.Nested(ActivityFactsBody, load_default=None, allow_none=True)
    venue = fields.Nested(VenueFactsBody, load_default=None, allow_none=True)

    @validates_schema
    def _one_subject(self, data, **kwargs):
        given = [k for k in ("activity_id", "activity", "venue") if data.get(k) is not None]
        if len(given) != 1:
            raise ValidationError("give exactly one of activity_id, activity or venue",
                                  "activity_id")


class DryRunAnswer(Strict):
    kind = fields.String()
    policy_version = fields.Integer()
    policy_name = fields.String(allow_none=True)
    approved_on = fields.String()
    amount = _yuan_out()
    reason = fields.String(allow_none=True)
    explanation = fields.List(fields.String())
    inputs = fields.Dict()


# disbursement ------------------------------------------------------------------------------
class BatchCreate(Strict):
    fund_id = fields.Integer(required=True, strict=True)


class PayBody(Strict):
    reference = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=100),
                              metadata={"description": "the bank's reference of the transfer"})


class BatchQuery(Paging):
    fund_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(("open", "paid", "cancelled")))


class BatchAnswer(Strict):
    id = fields.Integer()
    fund_id = fields.Integer()
    status = fields.String(metadata={"enum": ["open", "paid", "cancelled"]})
    count = fields.Integer()
    total = _yuan_out("the control total in yuan")
    reference = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.String()
    paid_by = fields.String(allow_none=True)
    paid_at = fields.String(allow_none=True)


class BatchList(Strict):
    items = fields.List(fields.Nested(BatchAnswer))
    total = fields.Integer()


class ExportQuery(Strict):
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "json")))


class ExportAnswer(Strict):
    batch_id = fields.Integer()
    fund_id = fields.Integer()
    status = fields.String()
    count = fields.Integer()
    total = _yuan_out()
    filename = fields.String()
    content_type = fields.String()
    csv = fields.String(metadata={"description": "UTF-8 text with a BOM, Chinese headers"})


# statistics --------------------------------------------------------------------------------
class SubsidyStatsQuery(Strict):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    county = fields.String()


class SubsidyTally(Strict):
    granted = _yuan_out()
    paid = _yuan_out()
    activities_subsidised = fields.Integer()
    declined = fields.Integer()
    average_per_activity = _yuan_out()


class SubsidyCountyTally(SubsidyTally):
    county = fields.String()


class SubsidyTierTally(SubsidyTally):
    tier = fields.String()
    tier_name = fields.String()


class VenueSubsidyTally(Strict):
    granted = _yuan_out()
    paid = _yuan_out()
    venues_subsidised = fields.Integer()
    declined = fields.Integer()
    average_per_venue = _yuan_out()


class SubsidyStatsFund(Strict):
    id = fields.Integer()
    name = fields.String()
    policy = fields.String()
    county = fields.String(allow_none=True)
    status = fields.String()
    budget = _yuan_out()
    granted = _yuan_out()
    paid = _yuan_out()
    remaining = _yuan_out()


class SubsidyStats(SubsidyTally):
    year = fields.Integer()
    county = fields.String(allow_none=True)
    by_county = fields.List(fields.Nested(SubsidyCountyTally))
    by_tier = fields.List(fields.Nested(SubsidyTierTally))
    venues = fields.Nested(VenueSubsidyTally)
    funds = fields.List(fields.Nested(SubsidyStatsFund))

