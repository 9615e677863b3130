"""The route entrypoint: every HTTP concern once, so routes hold only their call.

For each request: request id -> authenticate -> role check -> size, decoding
(gateway.decoding) and schema -> idempotency replay -> the route's worker -> JSON answer
or the API's error body, whose messages follow Accept-Language (gateway.i18n; the web
server hands every JSON error answer of the process to `localise`).
"""
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from eventlet.event import Event
from marshmallow import ValidationError
from werkzeug.wrappers import Response
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from gateway import decoding, i18n, uploads
from gateway.errors import (ApiError, error_response, forbidden, invalid, json_response,
                            unauthenticated, unavailable)
from gateway.guard import Guard
from gateway.models import AuditEntry, IdempotentResponse
from services.common import logs, metrics
from services.common.clock import utcnow
from services.common.dependencies import Database
from services.common.errors import ServiceError
from services.common.retry import is_transient
from services.common.rpc import DATABASE_AWAY
from services.common.web import Http, request_id_of

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
AUDIT_INSERT = insert(AuditEntry.__table__)


@dataclass
class Call:
    """What a route's worker receives."""
    request_id: str
    user: object = None
    body: dict = field(default_factory=dict)  # loaded by the route's body schema
    query: dict = field(default_factory=dict)
    # the body as the client sent it (after validation): a route whose body schema is the
    # service's own contract forwards this, and the service loads it with the same schema
    json: dict = field(default_factory=dict)
    idempotency_key: str = None  # for creating routes whose service dedupes on it too
    upload: object = None  # an upload route's file, spooled (gateway.uploads.Upload)


class ApiRoute(Http):
    guard = Guard()

    def __init__(self, method, url, roles=None, body=None, query=None, creates=False,
                 public=False, status=200, summary="", response=None, produces=None,
                 upload=False, **kwargs):
        self.roles = tuple(roles) if roles else None  # None: any signed-in user
        self.body_schema, self.query_schema = body, query
        self.creates, self.public, self.status = creates, public, status
        self.summary, self.response_schema = summary, response
        # media types of the 2xx answer when not only JSON (e.g. ["text/csv", XLSX]): the
        # OpenAPI document's; a route with a `format` query of csv/xlsx needs none
        self.produces = tuple(produces) if produces else None
        self.upload = upload  # a multipart body with one file (gateway.uploads)
        super().__init__(method, url, **kwargs)

    # the request -----------------------------------------------------------------------
    def handle_request(self, request):
        request.shallow = False  # nameko's server hands requests over shallow
        started = time.perf_counter()
        request_id = getattr(request, "request_id", None) or request_id_of(request.headers)
        logs.bind(correlation_id=request_id)
        try:
            response = self._handle(request, request_id)
        except ApiError as exc:
            response = error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)
        except ServiceError as exc:
            response = error_response(exc.status, exc.code, exc.message, exc.details)
        except Exception as exc:
            response = self._unexpected(request, request_id, exc)
        response.headers["X-Request-ID"] = request_id
        metrics.HTTP_REQUESTS.labels(request.method, self.url, response.status_code).inc()
        metrics.HTTP_LATENCY.labels(request.method, self.url).observe(time.perf_counter() - started)
        return response

    def _unexpected(self, request, request_id, exc):
        if is_transient(exc):  # the gateway's own database failing over: try again soon
            log.warning("database unavailable on %s %s: %s", request.method, self.url,
                        exc.__class__.__name__, extra={"correlation_id": request_id})
            error = unavailable("gateway", DATABASE_AWAY)
            return error_response(error.status, error.code, error.message, error.details,
                                  {"Retry-After": "1"})
        log.exception("unhandled error on %s %s", request.method, self.url,
                      extra={"correlation_id": request_id})
        return error_response(500, "INTERNAL", "internal error")

    @staticmethod
    def localise(request, response):
        """Every JSON error answer of the gateway, in the caller's language."""
        return i18n.localise(request, response)

    def _handle(self, request, request_id):
        self._limit(self.guard.per_address, "address:%s" % request.remote_addr)
        user = None if self.public else self._authenticate(request)
        if user is not None:
            self._limit(self.guard.per_user, "user:%d" % user.id)
        if self.roles is not None and user.role not in self.roles:
            raise forbidden("this needs one of the roles: %s" % ", ".join(self.roles))
        decoding.path_values_exist(request.path_values)
        upload = self._load_upload(request) if self.upload else None
        try:
            return self._handle_call(request, request_id, user, upload)
        finally:
            if upload is not None:
                upload.discard()

    def _handle_call(self, request, request_id, user, upload):
        body = self._load_body(request)
        call = Call(request_id=request_id, user=user, body=body, upload=upload,
                    query=self._load_query(request), json=getattr(request, "cm_document", {}),
                    idempotency_key=request.headers.get("Idempotency-Key") if self.creates
                    else None)
        replay = self._idempotent_start(request, call)
        if replay is not None:
            return replay
        try:
            status, payload = self._run_worker(request, call)
        except Exception:
            self._idempotent_abandon(request, call)  # a failed request may be retried
            raise
        if isinstance(payload, Response):  # a route's own document, e.g. a CSV export
            return payload
        self._idempotent_finish(request, call, status, payload)
        if request.method != "GET":
            self._audit(request, call, status, payload)
        return json_response(status, payload)

    def _run_worker(self, request, call):
        event = Event()
        self.container.spawn_worker(
            self, (call,), request.path_values,
            context_data={"correlation_id": call.request_id},
            handle_result=lambda worker_ctx, result, exc_info: (
                event.send(result, exc_info), (result, exc_info))[1])
        result = event.wait()
        if isinstance(result, tuple):
            return result
        return self.status, result

    # who and how often -----------------------------------------------------------------
    def _authenticate(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated()
        return self.guard.user_for(token.strip(), self._gateway_db().sessions)

    @staticmethod
    def _limit(limiter, key):
        wait = limiter.retry_after(key)
        if wait is not None:
            raise ApiError(429, "RATE_LIMITED", "too many requests; retry in %ds" % wait,
                           {"retry_after_seconds": wait}, headers={"Retry-After": str(wait)})

    def _audit(self, request, call, status, payload):
        """Who did what to which object, for every state change that succeeded."""
        user = call.user
        object_id = payload.get("id") if isinstance(payload, dict) else None
        with self._gateway_db().engine.begin() as conn:
            conn.execute(AUDIT_INSERT, {
                "at": utcnow(), "request_id": call.request_id,
                "user_id": getattr(user, "id", None), "username": getattr(user, "username", None),
                "role": getattr(user, "role", None), "method": request.method,
                "route": self.url, "path": request.path[:500],
                "object_id": None if object_id is None else str(object_id), "status": status})

    # input -----------------------------------------------------------------------------
    def _load_upload(self, request):
        upload = uploads.received(request, uploads.spool_folder(self.container.config["CM"]))
        # what an Idempotency-Key's repeat must match: the same file under the same name
        request.cm_raw_body = ("%s %s" % (upload.sha256, upload.filename)).encode()
        return upload

    def _load_body(self, request):
        if self.body_schema is None:
            return {}
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise ApiError(413, "PAYLOAD_TOO_LARGE", "the body is over 1 MiB")
        raw = request.stream.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            raise ApiError(413, "PAYLOAD_TOO_LARGE", "the body is over 1 MiB")
        request.cm_raw_body = raw
        document = decoding.json_document(raw)
        if not isinstance(document, dict):
            raise invalid({"_schema": ["the body must be a JSON object"]})
        loaded = _validated(self.body_schema, document)
        request.cm_document = document
        return loaded

    def _load_query(self, request):
        if self.query_schema is None:
            if request.args:
                raise invalid({key: ["unknown query parameter"] for key in request.args})
            return {}
        document = {}
        for key in request.args:
            values = request.args.getlist(key)
            document[key] = values[0] if len(values) == 1 else values
        return _validated(self.query_schema, document)

    # idempotency ---------------------------------------------------------------------
    def _idempotent_start(self, request, call):
        key = request.headers.get("Idempotency-Key")
        if not (self.creates and key):
            return None
        decoding.check_header("Idempotency-Key", key, 200)
        digest = hashlib.sha256(getattr(request, "cm_raw_body", b"")).hexdigest()
        route = "%s %s" % (request.method, request.path)
        db = self._gateway_db()
        with db.sessions() as session:
            try:
                session.add(IdempotentResponse(user_id=call.user.id, key=key, route=route,
                                               body_hash=digest, created_at=utcnow()))
                session.commit()
                return None  # first use of the key: go on
            except IntegrityError:
                session.rollback()
            first = session.get(IdempotentResponse, (call.user.id, key))
        if first.body_hash != digest or first.route != route:
            raise invalid({"Idempotency-Key": ["already used with another request body"]},
                          "Idempotency-Key reused with a different request")
        if first.status is None:
            if self._take_over_stale(db, first):
                return None  # its first request died unfinished: this one goes on
            raise ApiError(409, "CONFLICT", "a request with this Idempotency-Key is in progress")
        return json_response(first.status, json.loads(first.response))

    def _take_over_stale(self, db, first):
        """A reservation that no request can still be finishing (its gateway died, or
        its database went away before the answer was stored) is taken over, by one
        request only; the service dedupes the key too, so work that did land is not
        done twice (API.md, Idempotency-Key)."""
        lease = timedelta(seconds=max(30.0, 3 * self.container.config["CM"].rpc_timeout))
        now = utcnow()
        table = IdempotentResponse.__table__
        with db.engine.begin() as conn:  # the first taker renews it: the next finds it fresh
            taken = conn.execute(update(table).where(
                table.c.user_id == first.user_id, table.c.key == first.key,
                table.c.status.is_(None), table.c.created_at <= now - lease,
            ).values(created_at=now))
        return taken.rowcount == 1

    def _idempotent_finish(self, request, call, status, payload):
        key = request.headers.get("Idempotency-Key")
        if not (self.creates and key):
            return
        with self._gateway_db().sessions() as session:
            row = session.get(IdempotentResponse, (call.user.id, key))
            row.status, row.response = status, json.dumps(payload, ensure_ascii=False)
            session.commit()

    def _idempotent_abandon(self, request, call):
        key = request.headers.get("Idempotency-Key")
        if not (self.creates and key):
            return
        with self._gateway_db().sessions() as session:
            row = session.get(IdempotentResponse, (call.user.id, key))
            if row is not None and row.status is None:
                session.delete(row)
                session.commit()

    def _gateway_db(self):
        for dependency in self.container.dependencies:
            if isinstance(dependency, Database):
                return dependency
        raise RuntimeError("the gateway needs its Database dependency")


def _validated(schema, document):
    decoding.check_storable(document)
    try:
        loaded = schema.load(document)
    except ValidationError as exc:
        # a field that loaded but cannot be stored (an offset beyond 64 bits) is said too,
        # also when a rule across fields refused the whole
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        raise invalid(dict(decoding.storable_errors(valid), **messages)) from None
    decoding.check_storable(loaded)  # a query's strings are numbers now
    return loaded


route = ApiRoute.decorator
