"""Gateway routes: each one is authorization, one or two RPC calls and the answer.

Validation, authentication, role checks, idempotency and errors live in gateway.api.
"""
from nameko.rpc import RpcProxy
from nameko.web.handlers import http
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway import auth, policy, schemas as s
from gateway.api import route
from gateway.docs import DocsEndpoints
from gateway.errors import ApiError, error_response, invalid, unauthenticated
from gateway.models import User
from gateway.rpc import call as rpc_call
from services.common.clock import utcnow
from services.common.dependencies import Database
from services.common.errors import NotFound
from services.common.ops import HealthEndpoints

SERVICES = ("activities", "subsidies", "library", "notify")


class Service(HealthEndpoints, DocsEndpoints):
    name = "gateway"
    db = Database(name="gateway")
    activities = RpcProxy("activities")
    subsidies = RpcProxy("subsidies")
    library = RpcProxy("library")
    notify = RpcProxy("notify")

    def _rpc(self, service, method, *args, **kwargs):
        timeout = self.db.provider.container.config["CM"]["rpc_timeout"]
        return rpc_call(getattr(self, service), method, *args, timeout=timeout, **kwargs)

    # identity --------------------------------------------------------------------------
    @route("POST", "/api/v1/auth/token", public=True, body=s.TokenRequest(),
           response=s.TokenAnswer, summary="Exchange a username and password for a token")
    def issue_token(self, call):
        config = self.db.provider.container.config
        with self.db.session() as session:
            user = session.scalars(select(User).where(User.username == call.body["username"])).first()
            if (user is None or user.disabled
                    or not auth.verify_password(call.body["password"], user.password_hash)):
                raise unauthenticated("unknown user or wrong password")
        ttl = config["CM"]["token_ttl_seconds"]
        return {"access_token": auth.issue_token(user, config["JWT_SECRET"], ttl),
                "token_type": "bearer", "expires_in": ttl}

    @route("POST", "/api/v1/users", roles=["city_admin"], body=s.UserCreate(), creates=True,
           status=201, response=s.UserAnswer, summary="Create a user with a role")
    def create_user(self, call):
        data = call.body
        self._check_user_scope(data)
        with self.db.session() as session:
            user = User(username=data["username"], password_hash=auth.hash_password(data["password"]),
                        role=data["role"], county=data["county"], union_id=data["union_id"],
                        disabled=False, created_at=utcnow())
            session.add(user)
            try:
                session.commit()
            except IntegrityError:
                raise ApiError(409, "CONFLICT", "username taken",
                               {"username": data["username"]}) from None
            return s.UserAnswer().dump(user)

    @route("GET", "/api/v1/users/me", response=s.UserAnswer, summary="Who the token belongs to")
    def who_am_i(self, call):
        return s.UserAnswer().dump(call.user)

    def _check_user_scope(self, data):
        counties = self.db.provider.container.config["CM"]["counties"]
        if data["role"] == "county_reviewer" and data["county"] not in counties:
            raise invalid({"county": ["a county reviewer needs one of: %s" % ", ".join(counties)]})
        if data["role"] == "union_admin" and data["union_id"] is None:
            raise invalid({"union_id": ["a union admin needs its union"]})
        if data["union_id"] is not None:
            try:
                self._rpc("activities", "get_union", data["union_id"])
            except NotFound:
                raise invalid({"union_id": ["no such union"]}) from None

    # unions ----------------------------------------------------------------------------
    @route("POST", "/api/v1/unions", roles=["city_admin"], body=s.UnionCreate(), creates=True,
           status=201, summary="Add a union to the three-tier directory")
    def create_union(self, call):
        return self._rpc("activities", "create_union", call.body)

    @route("GET", "/api/v1/unions/<int:union_id>", summary="A union")
    def get_union(self, call, union_id):
        return self._rpc("activities", "get_union", union_id)

    @route("GET", "/api/v1/unions", query=s.UnionQuery(), summary="List and filter unions")
    def list_unions(self, call):
        filters, limit, offset = _split_paging(call.query)
        return self._rpc("activities", "list_unions", filters, limit, offset)

    # funds and subsidies ---------------------------------------------------------------
    @route("POST", "/api/v1/funds", roles=policy.MONEY, body=s.FundCreate(), creates=True,
           status=201, summary="Open a fund with a hard budget")
    def create_fund(self, call):
        return self._rpc("subsidies", "create_fund", call.body)

    @route("GET", "/api/v1/funds/<int:fund_id>", roles=policy.MONEY,
           summary="A fund: budget = granted + remaining")
    def get_fund(self, call, fund_id):
        return self._rpc("subsidies", "get_fund", fund_id)

    @route("GET", "/api/v1/funds", roles=policy.MONEY, query=s.FundQuery(), summary="List funds")
    def list_funds(self, call):
        filters, limit, offset = _split_paging(call.query)
        return self._rpc("subsidies", "list_funds", filters, limit, offset)

    @route("GET", "/api/v1/subsidies", roles=policy.ACTIVITY_READERS, query=s.SubsidyQuery(),
           summary="The subsidy decision of an activity")
    def list_subsidies(self, call):
        activity = self._rpc("activities", "get_activity", call.query["activity_id"])
        policy.require_read_activity(call.user, activity)
        filters, limit, offset = _split_paging(call.query)
        return self._rpc("subsidies", "list_subsidies", filters, limit, offset)["items"]

    # activities ------------------------------------------------------------------------
    @route("POST", "/api/v1/activities", roles=policy.REPORTERS, body=s.ActivityCreate(),
           creates=True, status=201, summary="Report an activity the union has held")
    def report_activity(self, call):
        policy.require_owner(call.user, call.body["union_id"])
        return self._rpc("activities", "report_activity", _jsonable(call.body),
                         call.user.username)

    @route("GET", "/api/v1/activities/<int:activity_id>", roles=policy.ACTIVITY_READERS,
           summary="An activity")
    def get_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_read_activity(call.user, activity)
        return activity

    @route("GET", "/api/v1/activities", roles=policy.ACTIVITY_READERS, query=s.ActivityQuery(),
           summary="Activities the caller may see")
    def list_activities(self, call):
        filters, limit, offset = _split_paging(call.query)
        return self._rpc("activities", "list_activities",
                         policy.activity_scope(call.user, filters), limit, offset)

    @route("PUT", "/api/v1/activities/<int:activity_id>", roles=policy.REPORTERS,
           body=s.ActivityChanges(), summary="Rework a returned activity")
    def change_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_owner(call.user, activity["union_id"])
        return self._rpc("activities", "update_activity", activity_id, _jsonable(call.body),
                         call.user.username)

    @route("POST", "/api/v1/activities/<int:activity_id>/submit", roles=policy.REPORTERS,
           body=s.ApproveBody(), summary="Submit a returned activity again")
    def resubmit_activity(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_owner(call.user, activity["union_id"])
        return self._rpc("activities", "transition", activity_id, "resubmit",
                         call.user.username, call.body.get("comment"))

    @route("POST", "/api/v1/activities/<int:activity_id>/approve", roles=policy.REVIEWERS,
           body=s.ApproveBody(), summary="Approve a submitted activity")
    def approve_activity(self, call, activity_id):
        return self._review(call, activity_id, "approve", call.body.get("comment"))

    @route("POST", "/api/v1/activities/<int:activity_id>/reject", roles=policy.REVIEWERS,
           body=s.ReasonBody(), summary="Reject a submitted activity (reason required)")
    def reject_activity(self, call, activity_id):
        return self._review(call, activity_id, "reject", call.body["reason"])

    @route("POST", "/api/v1/activities/<int:activity_id>/return", roles=policy.REVIEWERS,
           body=s.ReasonBody(), summary="Return a submitted activity for rework")
    def return_activity(self, call, activity_id):
        return self._review(call, activity_id, "return", call.body["reason"])

    def _review(self, call, activity_id, action, comment):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_review(call.user, activity)
        return self._rpc("activities", "transition", activity_id, action,
                         call.user.username, comment)

    @route("GET", "/api/v1/activities/<int:activity_id>/history",
           roles=policy.ACTIVITY_READERS, summary="The review trail of an activity")
    def activity_history(self, call, activity_id):
        activity = self._rpc("activities", "get_activity", activity_id)
        policy.require_read_activity(call.user, activity)
        return self._rpc("activities", "history", activity_id)

    # notifications ---------------------------------------------------------------------
    @route("GET", "/api/v1/notifications", query=s.InboxQuery(),
           summary="The caller's own inbox, newest first")
    def inbox(self, call):
        return self._rpc("notify", "inbox", policy.identity(call.user), call.query["limit"],
                         call.query["offset"], call.query["unread"])

    @route("POST", "/api/v1/notifications/read", body=s.MarkRead(),
           summary="Mark the given (or all) notifications read")
    def mark_read(self, call):
        return self._rpc("notify", "mark_read", policy.identity(call.user), call.body["ids"])

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
        filters, limit, offset = _split_paging(call.query)
        return self._rpc("library", "list_venues", filters, limit, offset)

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

    @http("GET,POST,PUT,PATCH,DELETE", "/<path:path>")
    def no_such_route(self, request, path):
        return error_response(404, "NOT_FOUND", "no such route: /%s" % path)


def _split_paging(query):
    filters = {k: v for k, v in query.items() if k not in ("limit", "offset")}
    return filters, query.get("limit", 50), query.get("offset", 0)


def _jsonable(body):
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in body.items()}
