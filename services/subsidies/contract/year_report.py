"""The year-end report (决算): subsidies' part of it (decisions and money, each fund's
opening budget, adjustments and balance, the ledger's folds and whether every total
reconciles with them), and the whole report as the gateway joins it from every service's
part (activities', library's and this one). The 决算 is the finance office's document:
its shape is published here, with the parts other services answer (their figures as
the report carries them). Money: a yuan string outside, integer fen inside.
"""
from marshmallow import fields, validate

from services.activities import contract as _activities
from services.common.schema import Strict
from services.subsidies.contract._fields import when, yuan
from services.subsidies.words import DECLINE_REASONS

__all__ = [
    'YearReportIn', 'DecisionTally', 'CountyDecisions', 'TierDecisions', 'DeclineCount',
    'LedgerFolds', 'CountyShare', 'YearFund', 'MoneyCheck', 'YearReconciliation',
    'SubsidyYearPart', 'ActivitiesYearExtra', 'VenueKindFigures', 'RatingCount',
    'EvaluationFigures', 'ReadingNetworkYear', 'ServiceAgreement', 'YearReportOut']


class YearReportIn(Strict):
    """year_report(payload): a year, for the whole city or one county."""
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    county = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64),
                           metadata={"description": "one county's report; none: the city's"})


# subsidies' part -------------------------------------------------------------------------
class DecisionTally(Strict):
    """Decisions counted by status; granted counts paid ones too (what is granted stays
    granted once paid). Reversed: paid, then refunded (neither granted nor paid now)."""
    decisions = fields.Integer(metadata={"description": "every decision of the year"})
    subsidised = fields.Integer(metadata={"description": "granted or paid"})
    paid_count = fields.Integer()
    declined = fields.Integer()
    reversed = fields.Integer()
    granted = yuan("granted, paid included")
    paid = yuan()
    average = yuan("granted per subsidised decision, rounded half up to the fen")


class CountyDecisions(DecisionTally):
    county = fields.String()


class TierDecisions(DecisionTally):
    tier = fields.String()
    tier_name = fields.String()


class DeclineCount(Strict):
    reason = fields.String(allow_none=True, metadata={"enum": list(DECLINE_REASONS) + [None]})
    count = fields.Integer()


class LedgerFolds(Strict):
    """The ledger's entries summed by kind, and the figures they fold to."""
    entries = fields.Integer()
    reserved = yuan()
    released = yuan()
    paid_out = yuan("the pay entries")
    returned = yuan("payments the bank sent back")
    returned_count = fields.Integer()
    refunded = yuan("paid subsidies reversed")
    refunded_count = fields.Integer()
    adjustments = fields.Integer(metadata={"description": "how many budget adjustments"})
    adjusted = yuan("the adjustments' sum (negative when the budget was lowered)")
    granted = yuan("reserved - released")
    paid = yuan("paid out - returned - refunded")


class CountyShare(Strict):
    """A county's part of a fund (a county's report): its allocation, if the fund has
    one for it, and the ledger's folds of its entries."""
    county = fields.String()
    allocation = yuan("the county's allocation of a city-wide fund", allow_none=True)
    granted = yuan()
    paid = yuan()


class YearFund(Strict):
    id = fields.Integer()
    name = fields.String()
    policy = fields.String()
    county = fields.String(allow_none=True, metadata={"description": "none: city-wide"})
    status = fields.String()
    opening_budget = yuan()
    adjustments = fields.Integer()
    adjusted = yuan()
    budget = yuan("the opening budget plus the adjustments")
    granted = yuan()
    paid = yuan()
    remaining = yuan("the balance: budget - granted")
    returned = yuan()
    reversed = yuan()
    share = fields.Nested(CountyShare, allow_none=True)
    consistent = fields.Boolean(metadata={"description": "reconcile_fund's verdict"})
    problems = fields.List(fields.String())


class MoneyCheck(Strict):
    check = fields.String(metadata={"description": "a stable code"})
    label = fields.String(metadata={"description": "what is compared (Chinese)"})
    report = yuan("the report's figure")
    ledger = yuan("the ledger's fold")
    agrees = fields.Boolean()


class YearReconciliation(Strict):
    consistent = fields.Boolean()
    checks = fields.List(fields.Nested(MoneyCheck))
    problems = fields.List(fields.String(), metadata={
        "description": "what does not reconcile, Chinese first; empty when consistent"})


class SubsidyYearPart(Strict):
    """year_report's answer (fen inside)."""
    year = fields.Integer()
    county = fields.String(allow_none=True)
    activities = fields.Nested(DecisionTally)
    venues = fields.Nested(DecisionTally)
    by_county = fields.List(fields.Nested(CountyDecisions))
    by_tier = fields.List(fields.Nested(TierDecisions))
    declined_by_reason = fields.List(fields.Nested(DeclineCount))
    ledger = fields.Nested(LedgerFolds)
    funds = fields.List(fields.Nested(YearFund))
    reconciliation = fields.Nested(YearReconciliation)


# the other services' parts, as the report carries them ---------------------------------
class ActivitiesYearExtra(Strict):
    """activities' year_figures: what the report checks against library, and the pool."""
    year = fields.Integer()
    county = fields.String(allow_none=True)
    approved_at_venues = fields.Integer()
    reading_at_venues = fields.Integer()
    lecturer_pool = fields.Integer(metadata={"description": "active lecturers"})


class VenueKindFigures(Strict):
    kind = fields.String()
    kind_name = fields.String()
    venues = fields.Integer()
    floor_area_m2 = fields.Integer()
    seats = fields.Integer()
    e_reading_devices = fields.Integer()


class RatingCount(Strict):
    rating = fields.String()
    rating_name = fields.String()
    count = fields.Integer()


class EvaluationFigures(Strict):
    evaluations = fields.Integer()
    venues_evaluated = fields.Integer()
    by_rating = fields.List(fields.Nested(RatingCount))
    average_total = fields.String(allow_none=True, metadata={
        "description": "points, rounded half up to two places", "example": "82.50"})


class ReadingNetworkYear(Strict):
    """library's year_figures: open venues by kind, the published figures, the
    evaluations of the year's periods, approved activities held at venues."""
    year = fields.Integer()
    county = fields.String(allow_none=True)
    venues = fields.Integer()
    by_kind = fields.List(fields.Nested(VenueKindFigures))
    culture_palaces = fields.Integer()
    worker_clubs = fields.Integer()
    palace_and_club_area_m2 = fields.Integer()
    rest_station_corners = fields.Integer()
    evaluations = fields.Nested(EvaluationFigures)
    activities_at_venues = fields.Integer()
    reading_activities_at_venues = fields.Integer()


class ServiceAgreement(Strict):
    """One figure as two services count it."""
    check = fields.String()
    label = fields.String()
    figures = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "service -> its count"})
    agrees = fields.Boolean()


class YearReportOut(Strict):
    """The year-end report (决算) as the gateway joins it."""
    year = fields.Integer()
    county = fields.String(allow_none=True)
    generated_at = when()
    consistent = fields.Boolean(metadata={
        "description": "every money total reconciles with the ledger and the services agree"})
    findings = fields.List(fields.String(), metadata={
        "description": "what does not agree or reconcile, Chinese; empty when consistent"})
    activities = fields.Nested(_activities.ActivityStatsOut)
    coverage = fields.Nested(_activities.CoverageOut)
    lectures = fields.Nested(_activities.LectureReport)
    activities_extra = fields.Nested(ActivitiesYearExtra)
    subsidies = fields.Nested(SubsidyYearPart)
    reading_network = fields.Nested(ReadingNetworkYear)
    agreement = fields.List(fields.Nested(ServiceAgreement))
