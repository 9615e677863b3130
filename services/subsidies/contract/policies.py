"""Policy versions, publishing and the dry run."""
from marshmallow import fields, validate

from services.common.schema import Strict
from services.subsidies.contract._fields import computed, page_of, when, yuan
from services.subsidies.words import (
    TIERS, CATEGORIES, VENUE_KINDS, RATINGS, POLICY_KINDS, PURPOSES, POLICY_STATUSES,
    RATIO_PATTERN, YUAN_PATTERN)

__all__ = [
    'PolicyFilter', 'PolicyIn', 'PublishIn', 'PolicyOut', 'PolicyList',
    'ActivityFactsIn', 'VenueFactsIn', 'DryRunIn', 'DryRunOut']


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
    amount = yuan()
    reason = fields.String(allow_none=True)
    explanation = fields.List(fields.String())
    inputs = fields.Dict()
