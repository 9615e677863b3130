"""The events subsidies publishes (part of its contract), their payload builders, and the
events it consumes. Builders read a decision (or fund) by its attributes: amounts are fen
inside, yuan in the payload."""
from marshmallow import Schema, fields, validate

from services.activities import events as activity_events
from services.common.events import EventSpec, Yuan, register, subscribe
from services.common.money import to_yuan
from services.library import events as library_events


class SubsidyDecided(Schema):
    subsidy_id = fields.Integer(required=True)
    activity_id = fields.Integer(required=True)
    activity_title = fields.String(required=True)
    union_id = fields.Integer(required=True)
    county = fields.String(required=True)
    tier = fields.String(required=True)
    fund_id = fields.Integer(allow_none=True, load_default=None)
    status = fields.String(required=True, validate=validate.OneOf(["granted", "declined"]))
    amount = Yuan(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    policy_version = fields.Integer(allow_none=True, load_default=None)
    explanation = fields.List(fields.String(), required=True)


class SubsidyPaid(Schema):
    subsidy_id = fields.Integer(required=True)
    activity_id = fields.Integer(required=True)
    activity_title = fields.String(required=True)
    union_id = fields.Integer(required=True)
    fund_id = fields.Integer(required=True)
    amount = Yuan(required=True)
    batch_id = fields.Integer(required=True)


class FundThreshold(Schema):
    fund_id = fields.Integer(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    threshold_percent = fields.Integer(required=True)
    budget = Yuan(required=True)
    granted = Yuan(required=True)
    remaining = Yuan(required=True)


class VenueSubsidy(Schema):
    """A venue's construction or upkeep subsidy (宣教阵地建设补助), decided or paid."""
    subsidy_id = fields.Integer(required=True)
    venue_id = fields.Integer(required=True)
    venue_name = fields.String(required=True)
    county = fields.String(required=True)
    host_union_id = fields.Integer(allow_none=True, load_default=None)
    period = fields.String(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(["construction", "upkeep"]))
    fund_id = fields.Integer(allow_none=True, load_default=None)
    status = fields.String(required=True, validate=validate.OneOf(["granted", "declined",
                                                                   "paid"]))
    amount = Yuan(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    policy_version = fields.Integer(allow_none=True, load_default=None)
    explanation = fields.List(fields.String(), required=True)
    batch_id = fields.Integer(allow_none=True, load_default=None)


class PaymentReturned(Schema):
    """A payee line of a paid batch that the bank sent back: its decisions are granted
    again (to be paid in another batch)."""
    batch_id = fields.Integer(required=True)
    line_id = fields.Integer(required=True)
    fund_id = fields.Integer(required=True)
    payee_kind = fields.String(required=True, validate=validate.OneOf(["union", "venue"]))
    payee_id = fields.Integer(required=True)
    payee_name = fields.String(required=True)
    union_id = fields.Integer(allow_none=True, load_default=None)  # the union told, if any
    amount = Yuan(required=True)
    count = fields.Integer(required=True)
    subsidy_ids = fields.List(fields.Integer(), required=True)
    reason = fields.String(required=True)


class SubsidyReversed(Schema):
    """A paid subsidy reversed (refunded), with its reason: its money is the fund's again."""
    subsidy_id = fields.Integer(required=True)
    subject = fields.String(required=True, validate=validate.OneOf(["activity", "venue"]))
    activity_id = fields.Integer(allow_none=True, load_default=None)
    venue_id = fields.Integer(allow_none=True, load_default=None)
    activity_title = fields.String(required=True)  # or the venue's name
    union_id = fields.Integer(allow_none=True, load_default=None)
    county = fields.String(required=True)
    fund_id = fields.Integer(required=True)
    amount = Yuan(required=True)
    reason = fields.String(required=True)


(SUBSIDY_GRANTED, SUBSIDY_DECLINED, SUBSIDY_PAID, FUND_THRESHOLD_REACHED,
 VENUE_SUBSIDY_DECIDED, VENUE_SUBSIDY_PAID, PAYMENT_RETURNED, SUBSIDY_REVERSED) = register(
    EventSpec("subsidy_granted", "subsidies", 1, SubsidyDecided,
              "A subsidy was granted and reserved from a fund."),
    EventSpec("subsidy_declined", "subsidies", 1, SubsidyDecided,
              "An approved activity gets no subsidy; reason says why."),
    EventSpec("subsidy_paid", "subsidies", 1, SubsidyPaid,
              "A granted subsidy was paid in a disbursement batch."),
    EventSpec("fund_threshold_reached", "subsidies", 1, FundThreshold,
              "A fund passed 80% or 100% of its budget."),
    EventSpec("venue_subsidy_decided", "subsidies", 1, VenueSubsidy,
              "A four-goods evaluation got a venue subsidy decision (granted or declined)."),
    EventSpec("venue_subsidy_paid", "subsidies", 1, VenueSubsidy,
              "A granted venue subsidy was paid in a disbursement batch."),
    EventSpec("payment_returned", "subsidies", 1, PaymentReturned,
              "The bank returned a payee's line of a paid batch; its subsidies are granted "
              "again."),
    EventSpec("subsidy_reversed", "subsidies", 1, SubsidyReversed,
              "A paid subsidy was reversed (refunded); its money is the fund's again."),
)

# an approved activity or an evaluated venue is a subsidy to decide
subscribe("subsidies", activity_events.APPROVED, library_events.VENUE_EVALUATED)


# payload builders ---------------------------------------------------------------------------
def decided(subsidy):
    """(spec, payload) of a decision: subsidy_granted or subsidy_declined for an activity,
    venue_subsidy_decided for a venue."""
    if subsidy.subject == "venue":
        return VENUE_SUBSIDY_DECIDED, venue_subsidy(subsidy)
    spec = SUBSIDY_GRANTED if subsidy.status == "granted" else SUBSIDY_DECLINED
    return spec, {
        "subsidy_id": subsidy.id, "activity_id": subsidy.activity_id,
        "activity_title": subsidy.activity_title, "union_id": subsidy.union_id,
        "county": subsidy.county, "tier": subsidy.tier, "fund_id": subsidy.fund_id,
        "status": subsidy.status, "amount": to_yuan(subsidy.amount_fen),
        "reason": subsidy.reason, "policy_version": subsidy.policy_version,
        "explanation": subsidy.explanation}


def paid(subsidy, batch_id):
    """(spec, payload) of a decision paid in a batch."""
    if subsidy.subject == "venue":
        return VENUE_SUBSIDY_PAID, venue_subsidy(subsidy)
    return SUBSIDY_PAID, {
        "subsidy_id": subsidy.id, "activity_id": subsidy.activity_id,
        "activity_title": subsidy.activity_title, "union_id": subsidy.union_id,
        "fund_id": subsidy.fund_id, "amount": to_yuan(subsidy.amount_fen), "batch_id": batch_id}


def venue_subsidy(subsidy):
    return {"subsidy_id": subsidy.id, "venue_id": subsidy.venue_id,
            "venue_name": subsidy.activity_title, "county": subsidy.county,
            "host_union_id": subsidy.union_id, "period": subsidy.period,
            "purpose": subsidy.purpose, "fund_id": subsidy.fund_id, "status": subsidy.status,
            "amount": to_yuan(subsidy.amount_fen), "reason": subsidy.reason,
            "policy_version": subsidy.policy_version, "explanation": subsidy.explanation,
            "batch_id": subsidy.batch_id if subsidy.status == "paid" else None}


def threshold(fund, percent, budget_fen, granted_fen):
    """fund_threshold_reached: a fund (id, name, year) passed percent of its budget."""
    return {"fund_id": fund.id, "name": fund.name, "year": fund.year,
            "threshold_percent": percent, "budget": to_yuan(budget_fen),
            "granted": to_yuan(granted_fen), "remaining": to_yuan(budget_fen - granted_fen)}


def payment_returned(line, fund_id, union_id, subsidy_ids):
    """(spec, payload): a batch line (a BatchLine) the bank sent back."""
    return PAYMENT_RETURNED, {
        "batch_id": line.batch_id, "line_id": line.id, "fund_id": fund_id,
        "payee_kind": line.payee_kind, "payee_id": line.payee_id,
        "payee_name": line.payee_name, "union_id": union_id,
        "amount": to_yuan(line.total_fen), "count": line.count,
        "subsidy_ids": list(subsidy_ids), "reason": line.return_reason}


def reversed_(subsidy, amount_fen, reason):
    """(spec, payload): a paid subsidy reversed; amount_fen: what it had been paid."""
    return SUBSIDY_REVERSED, {
        "subsidy_id": subsidy.id, "subject": subsidy.subject,
        "activity_id": subsidy.activity_id, "venue_id": subsidy.venue_id,
        "activity_title": subsidy.activity_title, "union_id": subsidy.union_id,
        "county": subsidy.county, "fund_id": subsidy.fund_id, "amount": to_yuan(amount_fen),
        "reason": reason}
