"""What the gateway checks before any route runs: who the caller is, and how often.

Tokens are the gateway's own (HS256, issuer culture-matrix-gateway) or, when configured,
an external identity provider's (RS256 only, its issuer and audience, keys from its
JWKS). Either way the token names a gateway user, whose role, scope and disabled flag
are the gateway's: disabling a user stops all its tokens at once.
"""
from datetime import timezone

import jwt
from nameko.extensions import SharedExtension
from sqlalchemy import select

from gateway import auth
from gateway.errors import unauthenticated
from gateway.limits import RateLimiter
from gateway.models import User

EXTERNAL_ALGORITHMS = ["RS256"]


class Guard(SharedExtension):
    def setup(self):
        config = self.container.config
        settings = config["CM"]
        self.secret = config["JWT_SECRET"]
        self.per_user = RateLimiter(settings.get("rate_limit_per_user"))
        self.per_address = RateLimiter(settings.get("rate_limit_per_address"))
        self.issuer = settings.get("oidc_issuer")
        self.audience = settings.get("oidc_audience")
        self.username_claim = settings.get("oidc_username_claim") or "preferred_username"
        self.jwks = jwt.PyJWKClient(settings["oidc_jwks_url"], cache_keys=True) \
            if settings.get("oidc_jwks_url") else None

    def user_for(self, token, sessions):
        """The enabled user a bearer token stands for; 401 otherwise."""
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise unauthenticated("malformed token") from None
        with sessions() as session:
            if issuer == auth.ISSUER:
                user_id, issued_at = self._local(token)
                user = session.get(User, user_id)
            elif self.jwks is not None and issuer == self.issuer:
                username, issued_at = self._external(token)
                user = session.scalars(select(User).where(User.username == username)).first()
            else:
                raise unauthenticated("token from an unknown issuer")
            if user is None or user.disabled:
                raise unauthenticated("the token's user is unknown or disabled")
            changed = user.credentials_changed_at
            if changed is not None and issued_at < int(_utc_timestamp(changed)):
                raise unauthenticated("the token predates a change of credentials")
            session.expunge(user)
            return user

    def _local(self, token):
        try:
            return auth.read_token(token, self.secret)
        except auth.BadToken as exc:
            raise unauthenticated("invalid token: %s" % exc) from None

    def _external(self, token):
        try:
            key = self.jwks.get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=EXTERNAL_ALGORITHMS,
                                audience=self.audience, issuer=self.issuer,
                                options={"require": ["exp", "iss", "aud"]})
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            raise unauthenticated("invalid token: %s" % exc) from None
        username = claims.get(self.username_claim)
        if not username:
            raise unauthenticated("the token names no user (%s)" % self.username_claim)
        return username, int(claims.get("iat", 0) or 0)


def _utc_timestamp(moment):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
