"""The pipeline's message flow with no work in it: the floor under the real services.

Five nameko services, each run as its own process as the real ones are: an @http front
makes one RPC to "activities", which dispatches activity_approved (persistent, with
publisher confirms, as every nameko event); "subsidies", "library" and "notify" each
handle it, "subsidies" dispatches subsidy_granted, and "notify" handles that too. No
database, no validation, no outbox. GET /done on notify answers how many
subsidy_granted it handled and when (time.time()) the last one arrived.

    nameko run --config <cfg> bench.skeleton_services:Front   (and Activities, ...)
"""
import json
import time

from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http

PREFIX = "skeleton_"


class Front:
    name = PREFIX + "front"
    activities = RpcProxy(PREFIX + "activities")

    @http("POST", "/approve/<int:value>")
    def approve(self, request, value):
        return json.dumps(self.activities.approve(value))


class Activities:
    name = PREFIX + "activities"
    dispatch = EventDispatcher()

    @rpc
    def approve(self, value):
        self.dispatch("activity_approved", {"activity_id": value})
        return {"id": value, "status": "approved"}


class Subsidies:
    name = PREFIX + "subsidies"
    dispatch = EventDispatcher()

    @event_handler(PREFIX + "activities", "activity_approved")
    def on_activity_approved(self, payload):
        self.dispatch("subsidy_granted", payload)


class Library:
    name = PREFIX + "library"

    @event_handler(PREFIX + "activities", "activity_approved")
    def on_activity_approved(self, payload):
        pass


class Notify:
    name = PREFIX + "notify"
    handled = {"count": 0, "last_at": None}

    @event_handler(PREFIX + "activities", "activity_approved")
    def on_activity_approved(self, payload):
        pass

    @event_handler(PREFIX + "subsidies", "subsidy_granted")
    def on_subsidy_granted(self, payload):
        Notify.handled["count"] += 1
        Notify.handled["last_at"] = time.time()

    @http("GET", "/done")
    def done(self, request):
        return json.dumps(Notify.handled)
