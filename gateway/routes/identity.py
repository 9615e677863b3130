"""Tokens, users and the audit log: the gateway's own data."""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gateway import auth, passwords, schemas as s
from gateway.api import route
from gateway.errors import ApiError, invalid, unauthenticated
from gateway.guard import forget_user
from gateway.models import AuditEntry, User
from gateway.routes import identity_schemas as ids
from services.common.clock import utcnow
from services.common.errors import NotFound
from services.common.paging import page

ADMIN = ["city_admin"]


class IdentityRoutes:
    @route("POST", "/api/v1/auth/token", public=True, body=s.TokenRequest(),
           response=s.TokenAnswer, summary="Exchange a username and password for a token")
    def issue_token(self, call):
        config = self.db.provider.container.config
        with self.db.session() as session:  # read, then let go before the hash
            user = session.scalars(select(User).where(User.username == call.body["username"])).first()
        if user is None:
            passwords.spend_a_check(call.body["password"])
            raise unauthenticated("unknown user or wrong password")
        verdict = passwords.verify_password(call.body["password"], user.password_hash)
        if not verdict.ok or user.disabled:
            raise unauthenticated("unknown user or wrong password")
        if verdict.needs_rehash:
            self._upgrade_hash(user, call.body["password"])
        ttl = config["CM"]["token_ttl_seconds"]
        return {"access_token": auth.issue_token(user, config["JWT_SECRET"], ttl),
                "token_type": "bearer", "expires_in": ttl}

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
            if "disabled" in call.body:
                user.disabled = call.body["disabled"]
            if scope_changed:
                user.credentials_changed_at = utcnow()  # old tokens carried the old role
            session.commit()
        forget_user(self.db.provider.container, user)
        return s.UserAnswer().dump(user)

    @route("POST", "/api/v1/users/<int:user_id>/password", roles=ADMIN, body=ids.PasswordReset(),
           response=s.UserAnswer, summary="Set a user's password; its old tokens stop working")
    def reset_password(self, call, user_id):
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
        user.credentials_changed_at = utcnow()

    @staticmethod
    def _user(session, user_id):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("user %s not found" % user_id)
        return user

    def _check_user_scope(self, data):
        counties = self.db.provider.container.config["CM"]["counties"]
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
            query = query.where(AuditEntry.path.startswith(call.query["path"]))
        with self.db.session() as session:
            return page(session, query, AuditEntry.id.desc(), ids.AuditAnswer(),
                        call.query["limit"], call.query["offset"])
