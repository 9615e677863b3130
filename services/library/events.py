"""The events library publishes (part of its contract), and those it consumes."""
from marshmallow import Schema, fields

from services.activities import events as activity_events
from services.common.events import EventSpec, register, subscribe
from services.library.words import RATINGS, VENUE_KINDS


class VenueFacts(Schema):
    venue_id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    county = fields.String(required=True)
    host_union_id = fields.Integer(allow_none=True, load_default=None)


class VenueEvaluated(VenueFacts):
    evaluation_id = fields.Integer(required=True)
    period = fields.String(required=True)
    total = fields.Integer(required=True)
    rating = fields.String(required=True)
    # additive (library): enough for a venue subsidy or a notice without calling back
    kind_name = fields.String(allow_none=True, load_default=None)
    year = fields.Integer(allow_none=True, load_default=None)  # the period's year
    period_start = fields.Date(allow_none=True, load_default=None)
    period_end = fields.Date(allow_none=True, load_default=None)
    max_total = fields.Integer(allow_none=True, load_default=None)
    rating_name = fields.String(allow_none=True, load_default=None)  # 优秀 / 良好 / 合格 / 不合格
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True,
                         load_default=None)  # criterion -> points, activity credit included
    activities_counted = fields.Integer(allow_none=True, load_default=None)
    floor_area_m2 = fields.Integer(allow_none=True, load_default=None)
    seats = fields.Integer(allow_none=True, load_default=None)
    e_reading_devices = fields.Integer(allow_none=True, load_default=None)
    scheme_version = fields.Integer(allow_none=True, load_default=None)
    evaluator = fields.String(allow_none=True, load_default=None)


VENUE_REGISTERED, VENUE_EVALUATED = register(
    EventSpec("venue_registered", "library", 1, VenueFacts,
              "A venue joined the reading network."),
    EventSpec("venue_evaluated", "library", 1, VenueEvaluated,
              "A venue was scored on the four goods."),
)

# a venue's activity credit counts the approved activities it hosted
subscribe("library", activity_events.APPROVED)


# payload builders: what the entrypoints emit ------------------------------------------
def venue_registered(venue):
    return {"venue_id": venue.id, "name": venue.name, "kind": venue.kind,
            "county": venue.county, "host_union_id": venue.host_union_id}


def venue_evaluated(venue, evaluation, scheme_version):
    """Enough for a venue subsidy or a notice without calling back."""
    return dict(
        venue_registered(venue), evaluation_id=evaluation.id, period=evaluation.period,
        total=evaluation.total, rating=evaluation.rating,
        kind_name=VENUE_KINDS[venue.kind], year=evaluation.period_start.year,
        period_start=evaluation.period_start.isoformat(),
        period_end=evaluation.period_end.isoformat(), max_total=evaluation.max_total,
        rating_name=RATINGS[evaluation.rating],
        scores={c["key"]: c["score"] for c in evaluation.criteria},
        activities_counted=evaluation.activities_counted, floor_area_m2=venue.floor_area_m2,
        seats=venue.seats, e_reading_devices=venue.e_reading_devices,
        scheme_version=scheme_version, evaluator=evaluation.evaluator)
