"""Venues of the reading network: register, change, close and reopen; lists and summary."""
from sqlalchemy import func, select

from services.common.clock import utcnow
from services.common.errors import Conflict
from services.common.paging import page
from services.common.schema import load
from services.library import domain, events, metrics, queries
from services.library.contract import (CloseIn, ReopenIn, SummaryFilter, VenueChangeOut,
                                       VenueChanges, VenueFilter, VenueIn, VenueOut)
from services.library.entrypoints.common import check_county, flush_or_conflict, rpc
from services.library.models import Venue, VenueChange


class VenueEntrypoints:
    @rpc
    def register_venue(self, payload, actor="system"):
        data = load(VenueIn(), payload)
        check_county(self.config.counties, data["county"])
        with self.db.unit_of_work() as uow:
            queries.name_free(uow.session, data["name"])
            now = utcnow()
            venue = Venue(**data, status="open", created_at=now, updated_at=now)
            uow.session.add(venue)
            flush_or_conflict(uow.session, "a venue with this name exists")
            uow.session.add(VenueChange(venue_id=venue.id, at=now, actor=actor,
                                        action="register", changes={}, comment=None))
            uow.emit(events.VENUE_REGISTERED.event_type, events.venue_registered(venue))
            uow.session.flush()
            uow.session.refresh(venue)
            answer = VenueOut().dump(venue)
        return answer

    @rpc
    def update_venue(self, venue_id, payload, actor):
        data = load(VenueChanges(), payload)
        if "county" in data:
            check_county(self.config.counties, data["county"])
        with self.db.unit_of_work() as uow:
            venue = queries.venue(uow.session, venue_id)
            if venue.status == "closed":
                raise Conflict("a closed venue cannot be changed; reopen it first",
                               {"status": venue.status})
            if "name" in data and data["name"] != venue.name:
                queries.name_free(uow.session, data["name"])
            changes = {key: [getattr(venue, key), value] for key, value in data.items()
                       if getattr(venue, key) != value}
            for key, value in data.items():
                setattr(venue, key, value)
            if changes:
                venue.updated_at = utcnow()
                uow.session.add(VenueChange(venue_id=venue.id, at=venue.updated_at, actor=actor,
                                            action="update", changes=changes, comment=None))
            flush_or_conflict(uow.session, "a venue with this name exists")
            uow.session.refresh(venue)
            answer = VenueOut().dump(venue)
        return answer

    @rpc
    def close_venue(self, venue_id, reason, actor):
        """Closing keeps the venue, its holdings, loans and evaluations as history."""
        reason = load(CloseIn(), {"reason": reason})["reason"]
        with self.db.unit_of_work() as uow:
            venue = queries.venue(uow.session, venue_id)
            if venue.status == "closed":
                raise Conflict("the venue is closed already", {"status": venue.status})
            answer = _change_status(uow.session, venue, "close", actor, reason)
        return answer

    @rpc
    def reopen_venue(self, venue_id, comment, actor):
        comment = load(ReopenIn(), {"comment": comment})["comment"]
        with self.db.unit_of_work() as uow:
            venue = queries.venue(uow.session, venue_id)
            if venue.status != "closed":
                raise Conflict("only a closed venue can be reopened", {"status": venue.status})
            answer = _change_status(uow.session, venue, "reopen", actor, comment)
        return answer

    @rpc
    def get_venue(self, venue_id):
        with self.db.session() as session:
            return VenueOut().dump(queries.venue(session, venue_id))

    @rpc
    def venue_history(self, venue_id):
        with self.db.session() as session:
            queries.venue(session, venue_id)
            rows = session.scalars(select(VenueChange).where(VenueChange.venue_id == venue_id)
                                   .order_by(VenueChange.id)).all()
            return VenueChangeOut(many=True).dump(rows)

    @rpc
    def list_venues(self, filters=None, limit=50, offset=0):
        filters = load(VenueFilter(), filters)
        query = select(Venue)
        if "name" in filters:
            query = query.where(Venue.name.contains(filters.pop("name"), autoescape=True))
        with self.db.session() as session:
            return page(session, query.filter_by(**filters), Venue.id, VenueOut(), limit, offset)

    @rpc
    def network_summary(self, filters=None):
        """Count, floor area, seats and e-reading devices by county and kind."""
        filters = load(SummaryFilter(), filters)
        with self.db.session() as session:
            rows = session.execute(
                select(Venue.county, Venue.kind, Venue.floor_area_m2, Venue.seats,
                       Venue.e_reading_devices).filter_by(**filters)).all()
        summary = domain.network_summary([row._asdict() for row in rows])
        summary["status"] = filters.get("status")
        return summary

    # metrics -----------------------------------------------------------------------
    def refresh_gauges(self):
        super().refresh_gauges()
        with self.db.session() as session:
            rows = session.execute(select(Venue.kind, Venue.county, Venue.status,
                                          func.count(Venue.id))
                                   .group_by(Venue.kind, Venue.county, Venue.status)).all()
        metrics.VENUES.clear()
        for kind, county, status, count in rows:
            metrics.VENUES.labels(kind, county, status).set(count)


def _change_status(session, venue, action, actor, comment):
    """Close or reopen: the venue's status and its history line, in the caller's unit."""
    closing = action == "close"
    now = utcnow()
    before, after = ("open", "closed") if closing else ("closed", "open")
    venue.status, venue.updated_at = after, now
    venue.closed_at, venue.closed_reason = (now, comment) if closing else (None, None)
    session.add(VenueChange(venue_id=venue.id, at=now, actor=actor, action=action,
                            changes={"status": [before, after]}, comment=comment))
    session.flush()
    return VenueOut().dump(venue)
