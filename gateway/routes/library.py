"""The reading network."""
from gateway import schemas as s
from gateway.api import route
from gateway.routes.common import split_paging


class LibraryRoutes:
    # venues ----------------------------------------------------------------------------
    @route("POST", "/api/v1/venues", roles=["city_admin"], body=s.VenueCreate(), creates=True,
           status=201, summary="Register a venue of the reading network")
    def register_venue(self, call):
        return self._rpc("library", "register_venue", call.body)

    @route("GET", "/api/v1/venues/<int:venue_id>", summary="A venue")
    def get_venue(self, call, venue_id):
        return self._rpc("library", "get_venue", venue_id)

    @route("GET", "/api/v1/venues", query=s.VenueQuery(), summary="List venues")
    def list_venues(self, call):
        filters, limit, offset = split_paging(call.query)
        return self._rpc("library", "list_venues", filters, limit, offset)
