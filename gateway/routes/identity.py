"""Tokens and users."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway import auth, schemas as s
from gateway.api import route
from gateway.errors import ApiError, invalid, unauthenticated
from gateway.models import User
from services.common.clock import utcnow
from services.common.errors import NotFound


class IdentityRoutes:
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
