"""Operations: dead letters of every service."""
from gateway import schemas as s
from gateway.api import route

SERVICES = ("activities", "subsidies", "library", "notify")


class OpsRoutes:
    # operations ------------------------------------------------------------------------
    @route("GET", "/api/v1/dead-letters", roles=["ops", "city_admin"],
           summary="Dead letters of every service")
    def dead_letters(self, call):
        items = [letter for service in SERVICES
                 for letter in self._rpc(service, "list_dead_letters")]
        return {"items": items, "total": len(items)}

    @route("POST", "/api/v1/dead-letters/redrive", roles=["ops", "city_admin"],
           body=s.Redrive(), summary="Send dead letters back to their queues")
    def redrive(self, call):
        ids = self._rpc(call.body["service"], "redrive_dead_letters", call.body["ids"])
        return {"redriven": ids}
