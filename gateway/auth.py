"""Bearer tokens: JWT, HS256 pinned (passwords are gateway.passwords')."""
import os
import secrets
import time
from pathlib import Path

import jwt

ALGORITHMS = ["HS256"]  # pinned: never trust the token's own alg header
ISSUER = "culture-matrix-gateway"


MIN_SECRET_LENGTH = 32


def issue_token(user, secret, ttl_seconds):
    """A token of the user's current token version ("ver"): a later change of its
    credentials (password, disable, role or scope) bumps the version and so outdates the
    token at once, whatever second it was issued in."""
    now = int(time.time())
    claims = {"sub": str(user.id), "role": user.role, "iss": ISSUER, "iat": now,
              "exp": now + ttl_seconds, "ver": int(user.token_version or 0)}
    return jwt.encode(claims, secret, algorithm=ALGORITHMS[0])


class BadToken(Exception):
    pass


def read_token(token, secret):
    """(user id, token version) of a valid token of ours; a token made before versions
    were carried is of version 0."""
    try:
        claims = jwt.decode(token, secret, algorithms=ALGORITHMS, issuer=ISSUER,
                            options={"require": ["exp", "sub", "iss", "iat"]})
    except jwt.PyJWTError as exc:
        raise BadToken(str(exc)) from None
    try:
        return int(claims["sub"]), int(claims.get("ver", 0))
    except (TypeError, ValueError):
        raise BadToken("malformed claims") from None


def placeholder(value):
    """Whether a configured secret is one of the manifests' CHANGE-ME placeholders."""
    folded = value.casefold().replace("_", "-")
    return "change-me" in folded or "changeme" in folded or "placeholder" in folded


def refuse_weak_secret(secret):
    """None for a usable CM_JWT_SECRET, else why not."""
    if placeholder(secret):
        return "CM_JWT_SECRET is a placeholder (%s...): set a random one" % secret[:9]
    if len(secret) < MIN_SECRET_LENGTH:
        return "CM_JWT_SECRET has %d characters; it needs at least %d (e.g. openssl rand " \
               "-base64 48)" % (len(secret), MIN_SECRET_LENGTH)
    return None


def signing_secret(settings):
    """CM_JWT_SECRET when given (required with replicas), else one kept in the data dir."""
    if settings.jwt_secret:
        return settings.jwt_secret
    return kept_secret(Path(settings.data_dir) / "gateway-jwt-secret",
                       lambda: secrets.token_urlsafe(48))


def kept_secret(path, make):
    """The secret in path, made by make() the first time: the file is its owner's only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by a twin starting at the same time
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()
