"""Tokens, users and the audit log: the gateway's own data."""
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway import auth, passwords, schemas as s
from gateway.api import ApiRoute, route
from gateway.errors import ApiError, invalid, unauthenticated
from gateway.guard import forget_user
from gateway.models import AuditEntry, User
from gateway.routes import identity_schemas as ids
from gateway.throttle import Throttle
from services.common.clock import utcnow
from services.common.errors import NotFound
from services.common.paging import page

ADMIN = ["city_admin"]
SIGN_IN = "/api/v1/auth/token"
BAD_CREDENTIALS = "unknown user or wrong password"
THROTTLED = "too many failed sign-ins for this account; retry later"


class SignInRoute(ApiRoute):
    """The sign-in entrypoint: its worker also hears the client's address, for the audit
    entry of a failed sign-in."""

    def _run_worker(self, request, call):
        call.client_address = (request.remote_addr or "")[:64] or None
        return super()._run_worker(request, call)


class IdentityRoutes:
    @SignInRoute.decorator(
        "POST", SIGN_IN, public=True, body=s.TokenRequest(), response=s.TokenAnswer,
        summary="Exchange a username and password for a token; after 10 failed attempts "
                "on one account within 15 minutes, 429 with Retry-After for that account")
    def issue_token(self, call):
        config = self.db.provider.container.config
        username, password = call.body["username"], call.body["password"]
        throttle = Throttle(self.db.provider.engine)
        wait = throttle.claim(username)  # known or not, before any hash is spent
        if wait is not None:
            raise ApiError(429, "RATE_LIMITED", THROTTLED, {"retry_after_seconds": wait},
                           headers={"Retry-After": str(wait)})
        with self.db.session() as session:  # read, then let go before the hash
            user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            passwords.spend_a_check(password)  # as long as a known user's check
            verdict = passwords.Verdict(False)
        else:
            verdict = passwords.verify_password(password, user.password_hash)
        if not verdict.ok or user.disabled:
            throttle.failed(username)
            self._audit_failed_sign_in(call, user, username)
            raise unauthenticated(BAD_CREDENTIALS)
        throttle.succeeded(username)
        if verdict.needs_rehash:
            self._upgrade_hash(user, password)
        ttl = self.config.token_ttl_seconds
        return {"access_token": auth.issue_token(user, config["JWT_SECRET"], ttl),
                "token_type": "bearer", "expires_in": ttl}

    def _audit_failed_sign_in(self, call, user, username):
        """Who tried which account from where (the username as typed, known or not)."""
        with self.db.provider.engine.begin() as conn:
            conn.execute(insert(AuditEntry.__table__).values(
                at=utcnow(), request_id=call.request_id,
                user_id=None if user is None else user.id, username=username[:64],
                role=None, method="POST", route=SIGN_IN, path=SIGN_IN, object_id=None,
                status=401, client_address=getattr(call, "client_address", None)))

    def _upgrade_hash(self, user, password):
        """A hash of older parameters (or scrypt) becomes today's at a successful sign-in;
        tokens stay valid (the password did not change)."""
        upgraded = passwords.hash_password(password)
        with self.db.session() as session:
            session.execute(update(User).where(User.id == user.id,
                                               User.password_hash == user.password_hash)
                            .values(password_hash=upgraded))
            session.commit()

    # users -----------------------------------------------------------------------------
    @route("POST", "/api/v1/users", roles=ADMIN, body=s.UserCreate(), creates=True,
           status=201, response=s.UserAnswer, summary="Create a user with a role")
    def create_user(self, call):
        data = call.body
        check_password_policy(data["password"], data["username"])
        self._check_user_scope(data)  # an RPC: before the transaction
        password_hash = passwords.hash_password(data["password"])  # so is the hash
        with self.db.session() as session:
            user = User(username=data["username"], password_hash=password_hash,
                        role=data["role"], county=data["county"], union_id=data["union_id"],
                        disabled=False, created_at=utcnow())
            session.add(user)
            try:
                session.commit()
            except IntegrityError:
                raise ApiError(409, "CONFLICT", "username taken",
                               {"username": data["username"]}) from None
            return s.UserAnswer().dump(user)

    @route("GET", "/api/v1/users", roles=ADMIN, query=ids.UserQuery(),
           summary="List users, filtered by role, county, union or disabled")
    def list_users(self, call):
        filters = {k: v for k, v in call.query.items() if k not in ("limit", "offset")}
        with self.db.session() as session:
            return page(session, select(User).filter_by(**filters), User.id, s.UserAnswer(),
                        call.query["limit"], call.query["offset"])

    @route("GET", "/api/v1/users/me", response=s.UserAnswer, summary="Who the token belongs to")
    def who_am_i(self, call):
        return s.UserAnswer().dump(call.user)

    @route("PATCH", "/api/v1/users/<int:user_id>", roles=ADMIN, body=ids.UserChange(),
           response=s.UserAnswer,
           summary="Change a user's role or scope, or disable or enable it")
    def change_user(self, call, user_id):
        with self.db.session() as session:
            user = self._user(session, user_id)
        merged = {"role": user.role, "county": user.county, "union_id": user.union_id}
        if call.body.get("role", user.role) != user.role:
            merged.update(county=None, union_id=None)  # a new role starts unscoped
        merged.update({k: call.body[k] for k in ("role", "county", "union_id")
                       if k in call.body})
        self._check_user_scope(merged)  # an RPC: before the transaction
        if user.id == call.user.id and (call.body.get("disabled") or
                                        merged["role"] != "city_admin"):
            raise ApiError(409, "CONFLICT", "a city admin cannot disable or demote itself")
        with self.db.session() as session:
            user = self._user(session, user_id)
            scope_changed = (merged["role"], merged["county"], merged["union_id"]) != (
                user.role, user.county, user.union_id)
            user.role, user.county, user.union_id = (merged["role"], merged["county"],
                                                     merged["union_id"])
            disabled = call.body.get("disabled", user.disabled)
            if scope_changed or disabled != user.disabled:
                # old tokens carried the old role; a disable ends them for good (enabled
                # again, the user signs in anew)
                outdate_tokens(user)
            user.disabled = disabled
            session.commit()
        forget_user(self.db.provider.container, user)
        return s.UserAnswer().dump(user)

    @route("POST", "/api/v1/users/<int:user_id>/password", roles=ADMIN, body=ids.PasswordReset(),
           response=s.UserAnswer, summary="Set a user's password; its old tokens stop working")
    def reset_password(self, call, user_id):
        with self.db.session() as session:
            username = self._user(session, user_id).username
        check_password_policy(call.body["password"], username)
        password_hash = passwords.hash_password(call.body["password"])  # before the transaction
        with self.db.session() as session:
            user = self._user(session, user_id)
            self._set_password(user, password_hash)
            session.commit()
        forget_user(self.db.provider.container, user)
        return s.UserAnswer().dump(user)

    @route("POST", "/api/v1/users/me/password", body=ids.PasswordChange(),
           summary="Change one's own password; older tokens stop working")
    def change_own_password(self, call):
        with self.db.session() as session:
            current = self._user(session, call.user.id).password_hash
        if not passwords.verify_password(call.body["current_password"], current).ok:
            raise invalid({"current_password": ["wrong password"]})
        check_password_policy(call.body["new_password"], call.user.username, "new_password")
        password_hash = passwords.hash_password(call.body["new_password"])
        with self.db.session() as session:
            user = self._user(session, call.user.id)
            if user.password_hash != current:  # changed meanwhile: the check is stale
                raise ApiError(409, "CONFLICT", "the password was changed meanwhile; try again")
            self._set_password(user, password_hash)
            session.commit()
        forget_user(self.db.provider.container, user)
        return {"changed": True}

    @staticmethod
    def _set_password(user, password_hash):
        user.password_hash = password_hash
        outdate_tokens(user)

    @staticmethod
    def _user(session, user_id):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("user %s not found" % user_id)
        return user

    def _check_user_scope(self, data):
        counties = self.config.counties
        if data["role"] == "county_reviewer" and data.get("county") not in counties:
            raise invalid({"county": ["a county reviewer needs one of: %s" % ", ".join(counties)]})
        if data["role"] == "union_admin" and data.get("union_id") is None:
            raise invalid({"union_id": ["a union admin needs its union"]})
        if data.get("union_id") is not None:
            try:
                self._rpc("activities", "get_union", data["union_id"])
            except NotFound:
                raise invalid({"union_id": ["no such union"]}) from None

    # audit -----------------------------------------------------------------------------
    @route("GET", "/api/v1/audit", roles=["city_admin", "ops"], query=ids.AuditQuery(),
           summary="Who did what to which object, newest first")
    def audit_log(self, call):
        query = select(AuditEntry)
        if call.query.get("username"):
            query = query.where(AuditEntry.username == call.query["username"])
        if call.query.get("method"):
            query = query.where(AuditEntry.method == call.query["method"])
        if call.query.get("path"):
            # literally: % and _ in the filter are characters, not LIKE's wildcards
            query = query.where(AuditEntry.path.startswith(call.query["path"], autoescape=True))
        with self.db.session() as session:
            return page(session, query, AuditEntry.id.desc(), ids.AuditAnswer(),
                        call.query["limit"], call.query["offset"])


def outdate_tokens(user):
    """Every token issued to the user so far stops working, to the instant."""
    user.token_version = (user.token_version or 0) + 1
    user.credentials_changed_at = utcnow()


def check_password_policy(password, username, field="password"):
    problems = passwords.policy_problems(password, username)
    if problems:
        raise invalid({field: problems})
