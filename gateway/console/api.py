"""The console's one path to the data: the JSON API's own routes, called in-process with
the signed-in user. The route's role check, its body and query schemas, its own
authorization and its RPCs run exactly as for a client of the API; what the route
changes is audited as the API audits it. An ApiError comes back as it would to a client
(its messages turned into Chinese by the view that shows them).
"""
import eventlet

from gateway.api import ApiRoute, Call, _validated
from gateway.errors import ApiError, forbidden
from services.common.errors import ServiceError


def api_routes(service_cls):
    """{method name: ApiRoute} of the service class's JSON routes."""
    found = {}
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiRoute):
                found[name] = entrypoint
    return found


class ApiCalls:
    """Mixed into the gateway's Service: self._api(page, "get_activity", activity_id=7)."""
    _api_routes = None

    def _api(self, page, name, body=None, query=None, upload=None, **path):
        routes = ApiCalls._api_routes
        if routes is None:
            routes = ApiCalls._api_routes = api_routes(type(self))
        route = routes[name]
        if route.roles is not None and (page.user is None or page.user.role not in route.roles):
            raise forbidden("this needs one of the roles: %s" % ", ".join(route.roles))
        document = body or {}
        loaded = _validated(route.body_schema, document) if route.body_schema is not None \
            else {}
        loaded_query = _validated(route.query_schema, query or {}) \
            if route.query_schema is not None else {}
        call = Call(request_id=page.request_id, user=page.user, body=loaded,
                    query=loaded_query, json=document, upload=upload)
        try:
            result = getattr(self, name)(call, **path)
        except ServiceError as exc:  # a service's refusal, as ApiRoute turns it into an answer
            raise ApiError(exc.status, exc.code, exc.message, exc.details) from None
        status, payload = result if isinstance(result, tuple) else (route.status, result)
        if route.method != "GET":
            self._audit_console(page, call, name, status, payload)
        return payload

    @staticmethod
    def _together(*calls):
        """Independent reads of one page at the same time (callables without arguments:
        functools.partial); their answers in order, the first failure raised. A page that
        made its RPCs one after the other waited for their sum (bench/console_pages.py)."""
        pile = eventlet.GreenPile(len(calls) or 1)
        for call in calls:
            pile.spawn(call)
        return list(pile)

    def _audit_console(self, page, call, name, status, payload):
        bound = next(entrypoint for entrypoint in self.db.provider.container.entrypoints
                     if entrypoint.method_name == name)
        bound._audit(page.request, call, status, payload)


def field_errors(exc):
    """{field: [message]} of an ApiError, for the form that caused it."""
    if not isinstance(exc, ApiError):
        return {}
    return exc.details if isinstance(exc.details, dict) else {}
