"""Policy versions: publishing and withdrawing, the dry run, a period simulated under a
version, and a version's text as the federation publishes it."""
from marshmallow import ValidationError, fields, validate, validates_schema

from services.common.schema import Strict
from services.subsidies.contract._fields import computed, page_of, when, yuan
from services.subsidies.words import (
    TIERS, CATEGORIES, VENUE_KINDS, RATINGS, POLICY_KINDS, PURPOSES, POLICY_STATUSES,
    RATIO_PATTERN, YUAN_PATTERN)

__all__ = [
    'PolicyFilter', 'PolicyIn', 'PublishIn', 'PolicyOut', 'PolicyList',
    'ActivityFactsIn', 'VenueFactsIn', 'DryRunIn', 'DecisionSeen', 'DryRunOut',
    'SimulateIn', 'SimulationFigures', 'SimulationRow', 'SimulationChanges', 'SimulationChange',
    'SimulationOut', 'PolicyTable', 'PolicyTextOut', 'DRY_RUN_BASES', 'SIMULATION_REASONS']

# where a dry run's facts came from: given in the body, the activity as an approval now
# would carry them, or the decision's stored inputs
DRY_RUN_BASES = ("facts", "activity", "decision")
# why a simulated decision gets less than the policy says, or nothing
SIMULATION_REASONS = ("not_eligible", "union_cap_reached", "no_fund", "budget_exhausted",
                      "partial")


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
    name = computed("_name", allow_none=True)
    status = computed("_status", metadata={"enum": list(POLICY_STATUSES)})
    effective_from = fields.Date(allow_none=True)
    in_force = fields.Boolean()
    document = fields.Dict()
    created_at = when()
    created_by = fields.String(allow_none=True)
    published_at = when(allow_none=True)
    published_by = fields.String(allow_none=True)

    def _name(self, policy):
        return policy.document.get("name")

    def _status(self, policy):
        return "draft" if policy.effective_from is None else "published"


PolicyList = page_of(PolicyOut)


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
    union_decisions_before = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 10**6),
        metadata={"description": "the union's earlier activity decisions (a first-time "
                                 "bonus needs it); by default counted for union_id"})


class VenueFactsIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(VENUE_KINDS))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    total = fields.Integer(required=True, strict=True, validate=validate.Range(0, 1000))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    purpose = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(PURPOSES))


class DryRunIn(Strict):
    """One of activity_id (a decided activity: its decision's stored inputs; otherwise the
    facts its approval would carry now), activity (facts) or venue (facts)."""
    version = fields.Integer(load_default=None, allow_none=True, strict=True, metadata={
        "description": "a version (drafts too); by default the decision's own version for "
                       "a decided activity, else the one in force on approved_on"})
    approved_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "default: a decided activity's approval day, else today"})
    activity_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    activity = fields.Nested(ActivityFactsIn, load_default=None, allow_none=True)
    venue = fields.Nested(VenueFactsIn, load_default=None, allow_none=True)

    @validates_schema
    def _one_subject(self, data, **kwargs):
        given = [k for k in ("activity_id", "activity", "venue") if data.get(k) is not None]
        if len(given) != 1:
            raise ValidationError("give exactly one of activity_id, activity or venue",
                                  "activity_id")


class DecisionSeen(Strict):
    """The real decision of a dry-run activity: amount is what the fund granted (0 when it
    was short), beside the dry run's amount, which is the policy's."""
    subsidy_id = fields.Integer()
    status = fields.String()
    amount = yuan()
    reason = fields.String(allow_none=True)
    policy_version = fields.Integer(allow_none=True)
    approved_on = fields.Date(allow_none=True)
    fund_id = fields.Integer(allow_none=True)


class DryRunOut(Strict):
    kind = fields.String()
    policy_version = fields.Integer()
    policy_name = fields.String(allow_none=True)
    approved_on = fields.Date()
    amount = yuan("what the policy grants (before the fund is consulted)")
    reason = fields.String(allow_none=True)
    explanation = fields.List(fields.String())
    inputs = fields.Dict()
    activity_id = fields.Integer(allow_none=True)
    basis = fields.String(metadata={"enum": list(DRY_RUN_BASES)})
    decision = fields.Nested(DecisionSeen, allow_none=True)


# a period under a version --------------------------------------------------------------
class SimulateIn(Strict):
    """A budget year (the decisions of its activities), or from and to (approval days)."""
    year = fields.Integer(load_default=None, allow_none=True, strict=True,
                          validate=validate.Range(2000, 2100))
    from_ = fields.Date(data_key="from", load_default=None, allow_none=True)
    to = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _one_period(self, data, **kwargs):
        dates = (data.get("from_"), data.get("to"))
        if data.get("year") is not None:
            if dates != (None, None):
                raise ValidationError("give a year, or from and to, not both", "year")
        elif None in dates:
            raise ValidationError("give a year, or from and to", "year")
        elif dates[0] > dates[1]:
            raise ValidationError("on or after from", "to")


class SimulationFigures(Strict):
    decisions = fields.Integer()
    granted_actual = fields.Integer(metadata={"description": "decisions that grant money"})
    granted_allowed = fields.Integer(metadata={"description": "as many under the version"})
    actual = yuan("what the decisions grant now")
    policy = yuan("what the version grants, the fund ignored")
    allowed = yuan("what the version grants as the fund would have allowed")
    difference = yuan("allowed - actual")


class SimulationRow(SimulationFigures):
    key = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class SimulationChanges(Strict):
    count = fields.Integer()
    increased = fields.Integer()
    increase = yuan()
    decreased = fields.Integer()
    decrease = yuan()


class SimulationChange(Strict):
    subsidy_id = fields.Integer()
    activity_id = fields.Integer(allow_none=True)
    title = fields.String()
    union_id = fields.Integer(allow_none=True)
    county = fields.String()
    tier = fields.String()
    category = fields.String(allow_none=True)
    season = fields.String(allow_none=True)
    actual = yuan()
    policy = yuan("what the version grants it, before the fund")
    allowed = yuan()
    change = yuan()
    reason = fields.String(allow_none=True, metadata={"enum": list(SIMULATION_REASONS)})
    explanation = fields.List(fields.String())


class SimulationOut(SimulationFigures):
    kind = fields.String()
    policy_version = fields.Integer()
    policy_name = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(POLICY_STATUSES)})
    year = fields.Integer(allow_none=True)
    from_ = fields.Date(data_key="from", allow_none=True)
    to = fields.Date(allow_none=True)
    fund = fields.String(metadata={"description": "honoured: allowed follows each fund's "
                                                  "budget in the order of the decisions"})
    left_out = fields.Integer(metadata={"description": "cancelled or reversed decisions"})
    by_county = fields.List(fields.Nested(SimulationRow))
    by_tier = fields.List(fields.Nested(SimulationRow))
    by_category = fields.List(fields.Nested(SimulationRow))
    by_season = fields.List(fields.Nested(SimulationRow))
    changes = fields.Nested(SimulationChanges)
    largest_changes = fields.List(fields.Nested(SimulationChange))


# a version as the federation publishes it ---------------------------------------------
class PolicyTable(Strict):
    caption = fields.String()
    columns = fields.List(fields.String())
    rows = fields.List(fields.List(fields.String()))


class PolicyTextOut(Strict):
    kind = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"enum": list(POLICY_STATUSES)})
    effective_from = fields.Date(allow_none=True)
    title = fields.String()
    articles = fields.List(fields.String(), metadata={"description": "第一条 …, in order"})
    table = fields.Nested(PolicyTable)
    text = fields.String(metadata={"description": "the whole text, the table in plain text"})
