"""Bearer tokens: JWT, HS256 pinned (passwords are gateway.passwords')."""
import os
import secrets
import time
from pathlib import Path

import jwt

ALGORITHMS = ["HS256"]  # pinned: never trust the token's own alg header
ISSUER = "culture-matrix-gateway"


def issue_token(user, secret, ttl_seconds):
    now = int(time.time())
    claims = {"sub": str(user.id), "role": user.role, "iss": ISSUER, "iat": now,
              "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm=ALGORITHMS[0])


class BadToken(Exception):
    pass


def read_token(token, secret):
    """(user id, issued-at seconds) of a valid token of ours."""
    try:
        claims = jwt.decode(token, secret, algorithms=ALGORITHMS, issuer=ISSUER,
                            options={"require": ["exp", "sub", "iss", "iat"]})
    except jwt.PyJWTError as exc:
        raise BadToken(str(exc)) from None
    return int(claims["sub"]), int(claims["iat"])


def signing_secret(settings):
    """CM_JWT_SECRET when given (required with replicas), else one kept in the data dir."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path = Path(settings.data_dir) / "gateway-jwt-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by a twin starting at the same time
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
