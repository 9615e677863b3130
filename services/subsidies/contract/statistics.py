"""A year's figures: the city's and a county's (by county and tier), the decisions of a
union or a county in a year, and a union's year against its yearly cap."""
from marshmallow import ValidationError, fields, validate, validates_schema

from services.common.schema import Strict
from services.subsidies.contract._fields import yuan
from services.subsidies.contract.decisions import SubjectFilter
from services.subsidies.words import SUBSIDY_STATUSES, TIERS

__all__ = [
    'StatsIn', 'SubsidyTally', 'SubsidyCountyTally', 'SubsidyTierTally',
    'VenueSubsidyTally', 'SubsidyStatsFund', 'StatsOut', 'DecisionsFilter',
    'UnionYearQuery', 'UnionYearIn', 'UnionYearOut']

YEAR = validate.Range(2000, 2100)


class StatsIn(Strict):
    year = fields.Integer(required=True, validate=YEAR)
    county = fields.String(load_default=None, allow_none=True, metadata={
        "description": "one county's figures (a county reviewer: its own, the default)"})


class SubsidyTally(Strict):
    granted = yuan()
    paid = yuan()
    activities_subsidised = fields.Integer()
    declined = fields.Integer()
    average_per_activity = yuan("yuan, granted / activities subsidised, rounded half up "
                                "to the fen")


class SubsidyCountyTally(SubsidyTally):
    county = fields.String()


class SubsidyTierTally(SubsidyTally):
    tier = fields.String()
    tier_name = fields.String()


class VenueSubsidyTally(Strict):
    granted = yuan()
    paid = yuan()
    venues_subsidised = fields.Integer()
    declined = fields.Integer()
    average_per_venue = yuan("yuan, granted / venues subsidised, rounded half up to the fen")


class SubsidyStatsFund(Strict):
    id = fields.Integer()
    name = fields.String()
    policy = fields.String()
    county = fields.String(allow_none=True)
    status = fields.String()
    budget = yuan()
    granted = yuan()
    paid = yuan()
    remaining = yuan()


class StatsOut(SubsidyTally):
    """A year's subsidies (fen inside): activities' totals, by county and tier, venues';
    the funds of the year (with a county: that county's own funds only)."""
    year = fields.Integer()
    county = fields.String(allow_none=True)
    by_county = fields.List(fields.Nested(SubsidyCountyTally))
    by_tier = fields.List(fields.Nested(SubsidyTierTally))
    venues = fields.Nested(VenueSubsidyTally)
    funds = fields.List(fields.Nested(SubsidyStatsFund))


class DecisionsFilter(SubjectFilter):
    """The decision of an activity (activity_id) or those of a venue (venue_id): a bare
    list, as ever; or, with year, the decisions of a year (a union's with union_id), paged
    as {"items", "total"}."""
    year = fields.Integer(validate=YEAR, metadata={
        "description": "the decisions of a year (activities held, venues evaluated in it)"})
    union_id = fields.Integer(metadata={
        "description": "with year: one union's (a union admin: its own, the default)"})
    status = fields.String(validate=validate.OneOf(SUBSIDY_STATUSES),
                           metadata={"description": "with year: only decisions in this state"})

    @validates_schema
    def _one_question(self, data, **kwargs):
        subjects = [key for key in ("activity_id", "venue_id") if key in data]
        of_a_year = [key for key in ("year", "union_id", "status") if key in data]
        if len(subjects) > 1:
            raise ValidationError("give activity_id or venue_id, not both", "venue_id")
        if subjects and of_a_year:
            raise ValidationError("union_id, status and year list a year's decisions, "
                                  "without activity_id or venue_id", of_a_year[0])
        if not subjects and "year" not in data:
            raise ValidationError("give activity_id or venue_id, or year for a year's "
                                  "decisions", "activity_id" if not of_a_year else "year")


class UnionYearQuery(Strict):
    year = fields.Integer(required=True, validate=YEAR)


class UnionYearIn(UnionYearQuery):
    union_id = fields.Integer(required=True)
    tier = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TIERS),
                         metadata={"description": "the union's level: the cap by tier"})


class UnionYearOut(Strict):
    """A union's activity subsidies of a year: what was granted (paid or not), paid and
    still to be paid, against the yearly cap of the activity policy in force today."""
    union_id = fields.Integer()
    year = fields.Integer()
    tier = fields.String(allow_none=True)
    granted = yuan("yuan granted in the year, paid or not (what the cap counts)")
    paid = yuan()
    pending = yuan("yuan granted, not yet paid")
    decisions = fields.Integer(metadata={"description": "decisions of the year, any outcome"})
    subsidised = fields.Integer(metadata={"description": "decisions granted or paid"})
    declined = fields.Integer()
    cap = yuan("yuan, the yearly cap per union of the policy in force today; null without "
               "one", allow_none=True)
    room = yuan("yuan, cap - granted (never below 0); null without a cap", allow_none=True)
    policy_version = fields.Integer(allow_none=True, metadata={
        "description": "the activity policy the cap is read from"})
