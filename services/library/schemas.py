from marshmallow import fields, validate

from services.common.schema import Strict, UtcDateTime
from services.library.domain import VENUE_KINDS


class VenueIn(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(tuple(VENUE_KINDS)))
    county = fields.String(required=True, validate=validate.Length(1, 64))
    host_union_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True,
                             validate=validate.Range(-180, 180))
    floor_area_m2 = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    seats = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    opening_hours = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=100))
    e_reading_devices = fields.Integer(load_default=0, strict=True,
                                       validate=validate.Range(min=0))


class VenueOut(Strict):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_name = fields.Function(lambda venue: VENUE_KINDS[venue.kind])
    county = fields.String()
    host_union_id = fields.Integer(allow_none=True)
    address = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    floor_area_m2 = fields.Integer()
    seats = fields.Integer()
    opening_hours = fields.String(allow_none=True)
    e_reading_devices = fields.Integer()
    status = fields.String()
    created_at = UtcDateTime()
    activities_held = fields.Integer()


class VenueFilter(Strict):
    kind = fields.String(validate=validate.OneOf(tuple(VENUE_KINDS)))
    county = fields.String()
    status = fields.String(validate=validate.OneOf(("open", "closed")))
