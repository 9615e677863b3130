"""What the gateway checks before any route runs: who the caller is, and how often.

Tokens are the gateway's own (HS256, issuer culture-matrix-gateway) or, when configured,
an external identity provider's (RS256 only, its issuer and audience, keys from its
JWKS). Either way the token names a gateway user, whose role, scope and disabled flag
are the gateway's: disabling a user stops all its tokens at once. Our tokens carry the
user's token version, bumped by every change of credentials (password, disable, role or
scope), so a token issued before a change is refused even within the same second, and a
user disabled and enabled again does not get its old tokens back.
"""
import time
from datetime import timezone

import jwt
from nameko.extensions import SharedExtension
from sqlalchemy import select

from gateway import auth
from gateway.errors import unauthenticated
from gateway.limits import RateLimiter
from gateway.models import User

EXTERNAL_ALGORITHMS = ["RS256"]
USER_CACHE_SECONDS = 2.0


class Guard(SharedExtension):
    def setup(self):
        config = self.container.config
        settings = config["CM"]
        self.secret = config["JWT_SECRET"]
        self.per_user = RateLimiter(settings.rate_limit_per_user)
        self.per_address = RateLimiter(settings.rate_limit_per_address)
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self.username_claim = settings.oidc_username_claim or "preferred_username"
        self._users = {}
        self.jwks = jwt.PyJWKClient(settings.oidc_jwks_url, cache_keys=True) \
            if settings.oidc_jwks_url else None

    def user_for(self, token, sessions):
        """The enabled user a bearer token stands for; 401 otherwise."""
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise unauthenticated("malformed token") from None
        if issuer == auth.ISSUER:
            user_id, version = self._local(token)
            user = self._cached(("id", user_id), sessions, lambda s: s.get(User, user_id))
            outdated = user is not None and version != (user.token_version or 0)
        elif self.jwks is not None and issuer == self.issuer:
            username, issued_at = self._external(token)
            user = self._cached(("name", username), sessions, lambda s: s.scalars(
                select(User).where(User.username == username)).first())
            # the provider's tokens carry whole seconds and no version of ours: one issued
            # in the second of a change is refused too (a new one a second later works)
            changed = user.credentials_changed_at if user is not None else None
            outdated = changed is not None and issued_at <= int(_utc_timestamp(changed))
        else:
            raise unauthenticated("token from an unknown issuer")
        if user is None or user.disabled:
            raise unauthenticated("the token's user is unknown or disabled")
        if outdated:
            raise unauthenticated("the token predates a change of credentials")
        return user

    def _cached(self, key, sessions, load):
        """Users are read once per USER_CACHE_SECONDS: every request would otherwise pay a
        database read. A change made through this gateway forgets the user at once
        (forget()); another replica's change is seen within the same few seconds."""
        now = time.monotonic()
        hit = self._users.get(key)
        if hit is not None and now - hit[0] < USER_CACHE_SECONDS:
            return hit[1]
        with sessions() as session:
            user = load(session)
            if user is not None:
                session.expunge(user)
        if len(self._users) > 10_000:
            self._users.clear()
        self._users[key] = (now, user)
        return user

    def forget(self, user):
        self._users.pop(("id", user.id), None)
        self._users.pop(("name", user.username), None)

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


def forget_user(container, user):
    """After a change to a user: this gateway stops trusting its cached copy at once."""
    guard = container.shared_extensions.get(Guard)
    if guard is not None:
        guard.forget(user)
