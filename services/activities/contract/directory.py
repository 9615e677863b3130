"""The unions directory, activity reports and their review: commands, queries, answers."""
from marshmallow import ValidationError, fields, validate, validates_schema

from services.activities.contract._fields import ID, moment, yuan
from services.activities.contract.evidence import Evidence, EvidenceItemOut
from services.activities.words import (
    CATEGORIES, HISTORY_ACTIONS, LEVELS, SEASONS, STATUSES)
from services.common.schema import Strict


# unions ---------------------------------------------------------------------------------
class Contact(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    phone = fields.String(load_default=None, validate=validate.Length(max=30))
    role = fields.String(load_default=None, validate=validate.Length(max=50))


class UnionIn(Strict):
    """create_union(payload, actor)."""
    name = fields.String(required=True, validate=validate.Length(1, 200))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    members = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10_000_000))
    contacts = fields.List(fields.Nested(Contact), load_default=list)


class UnionChange(Strict):
    """update_union(union_id, payload, actor): rename or move a union, any subset; its
    level stays. Moving a grassroots union under another county federation moves it to
    that county; its activities keep the county they were held in."""
    name = fields.String(validate=validate.Length(1, 200))
    county = fields.String(validate=validate.Length(1, 64))
    parent_id = fields.Integer(allow_none=True, strict=True, validate=ID)
    members = fields.Integer(strict=True, validate=validate.Range(0, 10_000_000))
    contacts = fields.List(fields.Nested(Contact))


class UnionFilter(Strict):
    """list_unions(filters, limit, offset)."""
    level = fields.String(validate=validate.OneOf(LEVELS))
    county = fields.String()
    parent_id = fields.Integer(validate=ID)
    name = fields.String()
    q = fields.String(validate=validate.Length(1, 100),
                      metadata={"description": "part of the name"})


class UnionOut(Strict):
    id = fields.Integer()
    name = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))
    county = fields.String()
    parent_id = fields.Integer(allow_none=True)
    members = fields.Integer()
    contacts = fields.List(fields.Nested(Contact))
    created_at = moment()


class UnionPage(Strict):
    items = fields.List(fields.Nested(UnionOut))
    total = fields.Integer()


class UnionChangeOut(Strict):
    at = moment()
    actor = fields.String()
    changes = fields.Dict(metadata={"description": "field -> [old, new]"})


# activities -----------------------------------------------------------------------------
class ActivityIn(Strict):
    """report_activity(payload, actor, request_key)."""
    union_id = fields.Integer(required=True, strict=True, validate=ID)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    held_on = fields.Date(required=True)
    participants = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    expenses = yuan(required=True)
    evidence = fields.List(fields.Nested(Evidence), required=True,
                           validate=validate.Length(min=1, max=50))
    venue_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    lecturer_id = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=ID,
        metadata={"description": "a lecture's lecturer, an active one of the pool; only a "
                                 "lecture names one. Optional: a lecture without a "
                                 "lecturer is a lecture all the same (it counts for the "
                                 "programme, for no lecturer's figures)"})
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=5000))
    late_entry_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(1, 500),
        metadata={"description": "补录 (late entry): the city federation's reason for "
                                 "entering a report older than the reporting window "
                                 "(city_admin only; an activity of this year or the last); "
                                 "it is kept in the review trail"})


class ActivityChanges(ActivityIn):
    """update_activity(activity_id, payload, actor): a returned activity's owner may
    change anything but its union (and a report is entered late once, when reported)."""
    class Meta:
        exclude = ("union_id", "late_entry_reason")


class ActivityFilter(Strict):
    """list_activities(filters, limit, offset)."""
    status = fields.String(validate=validate.OneOf(STATUSES))
    county = fields.String()
    union_id = fields.Integer(validate=ID)
    season = fields.String(validate=validate.OneOf(SEASONS))
    year = fields.Integer(validate=validate.Range(2000, 2100))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    tier = fields.String(validate=validate.OneOf(LEVELS))
    lecturer_id = fields.Integer(validate=ID)
    held_from = fields.Date(metadata={"description": "held on or after this day"})
    held_to = fields.Date(metadata={"description": "held on or before this day"})

    @validates_schema
    def _a_range_in_order(self, data, **kwargs):
        if data.get("held_from") and data.get("held_to") and data["held_from"] > data["held_to"]:
            raise ValidationError("must not be before held_from", "held_to")


class ActivityOut(Strict):
    id = fields.Integer()
    union_id = fields.Integer()
    county = fields.String()
    tier = fields.String(validate=validate.OneOf(LEVELS))
    season = fields.String(validate=validate.OneOf(SEASONS))
    year = fields.Integer()
    title = fields.String()
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    held_on = fields.Date()
    participants = fields.Integer()
    expenses = yuan(attribute="expenses_fen")
    evidence = fields.List(fields.Nested(EvidenceItemOut))
    venue_id = fields.Integer(allow_none=True)
    lecturer_id = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    reported_by = fields.String()
    created_at = moment()
    updated_at = moment()


class ActivityPage(Strict):
    items = fields.List(fields.Nested(ActivityOut))
    total = fields.Integer()


class ApproveIn(Strict):
    """The comment of transition(activity_id, "approve" or "resubmit", actor, comment)."""
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ReasonIn(Strict):
    """The reason of transition(activity_id, "reject" or "return", actor, reason)."""
    reason = fields.String(required=True, validate=[
        validate.Length(min=1, max=2000),
        validate.Predicate("strip", error="must not be blank")])


class HistoryOut(Strict):
    at = moment()
    actor = fields.String()
    action = fields.String(validate=validate.OneOf(HISTORY_ACTIONS))
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    comment = fields.String(allow_none=True)


class ItemError(Strict):
    code = fields.String()
    message = fields.String()
    details = fields.Dict()


class BulkItem(Strict):
    """One item of bulk_transition's answer (a list, in the order given)."""
    id = fields.Integer()
    status = fields.String(allow_none=True, metadata={
        "description": "the activity's status after the attempt (null when unknown)"})
    error = fields.Nested(ItemError, allow_none=True)
