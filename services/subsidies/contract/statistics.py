"""A year's figures."""
from marshmallow import fields, validate

from services.common.schema import Strict
from services.subsidies.contract._fields import yuan

__all__ = [
    'StatsIn', 'SubsidyTally', 'SubsidyCountyTally', 'SubsidyTierTally',
    'VenueSubsidyTally', 'SubsidyStatsFund', 'StatsOut']


class StatsIn(Strict):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    county = fields.String(load_default=None, allow_none=True)


class SubsidyTally(Strict):
    granted = yuan()
    paid = yuan()
    activities_subsidised = fields.Integer()
    declined = fields.Integer()
    average_per_activity = yuan()


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
    average_per_venue = yuan()


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
    """A year's subsidies (fen inside): activities' totals, by county and tier, venues'."""
    year = fields.Integer()
    county = fields.String(allow_none=True)
    by_county = fields.List(fields.Nested(SubsidyCountyTally))
    by_tier = fields.List(fields.Nested(SubsidyTierTally))
    venues = fields.Nested(VenueSubsidyTally)
    funds = fields.List(fields.Nested(SubsidyStatsFund))
