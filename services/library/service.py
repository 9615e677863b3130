"""Library entrypoints: the venue register, and activities counted toward venues."""
from sqlalchemy import select

from services.common.clock import utcnow
from services.common.consumer import handle_event
from services.common.dependencies import Database, EntrypointMetrics
from services.common.errors import Conflict, NotFound, expected_rpc
from services.common.metrics import INBOX_DUPLICATES
from services.common.ops import OpsEndpoints
from services.common.paging import page
from services.common.schema import load
from services.library import domain
from services.library.models import MESSAGING, Venue, VenueActivity
from services.library.schemas import VenueFilter, VenueIn, VenueOut

rpc = expected_rpc()


class Service(OpsEndpoints):
    name = "library"
    db = Database(MESSAGING)
    measured = EntrypointMetrics()

    @rpc
    def register_venue(self, payload):
        data = load(VenueIn(), payload)
        with self.db.unit_of_work() as uow:
            if uow.session.scalar(select(Venue.id).where(Venue.name == data["name"])):
                raise Conflict("a venue with this name exists", {"name": data["name"]})
            venue = Venue(**data, status="open", created_at=utcnow())
            uow.session.add(venue)
            uow.session.flush()
            uow.emit("venue_registered", {
                "venue_id": venue.id, "name": venue.name, "kind": venue.kind,
                "county": venue.county, "host_union_id": venue.host_union_id})
            uow.commit()
            uow.session.refresh(venue)
            return VenueOut().dump(venue)

    @rpc
    def get_venue(self, venue_id):
        with self.db.session() as session:
            venue = session.get(Venue, venue_id)
            if venue is None:
                raise NotFound("venue %s not found" % venue_id)
            return VenueOut().dump(venue)

    @rpc
    def list_venues(self, filters=None, limit=50, offset=0):
        filters = load(VenueFilter(), filters)
        with self.db.session() as session:
            return page(session, select(Venue).filter_by(**filters), Venue.id, VenueOut(),
                        limit, offset)

    @handle_event("activity_approved")
    def on_activity_approved(self, event):
        facts = event["data"]
        if not domain.counts_toward_venue(facts):
            return
        with self.db.unit_of_work() as uow:
            if not uow.claim("library.activity_approved", event["event_id"]):
                INBOX_DUPLICATES.labels(self.name, event["event_type"]).inc()
                return
            if uow.session.get(Venue, facts["venue_id"]) is not None:
                uow.session.add(VenueActivity(
                    venue_id=facts["venue_id"], activity_id=facts["activity_id"],
                    category=facts["category"], held_on=facts["held_on"],
                    participants=facts["participants"]))
            uow.commit()
