"""Passwords (salted scrypt) and bearer tokens (JWT, HS256 pinned)."""
import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

import jwt
from eventlet import tpool

ALGORITHMS = ["HS256"]  # pinned: never trust the token's own alg header
ISSUER = "culture-matrix-gateway"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def hash_password(password):
    salt = os.urandom(16)
    digest = _scrypt(password, salt)
    return "scrypt$%s$%s" % (base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password, stored):
    try:
        _, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def _scrypt(password, salt):
    # Deliberately slow (~50 ms of CPU): run it on a real thread so the hub keeps serving.
    return tpool.execute(hashlib.scrypt, password.encode(), salt=salt, dklen=32, **SCRYPT)


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
    if settings.get("jwt_secret"):
        return settings["jwt_secret"]
    path = Path(settings["data_dir"]) / "gateway-jwt-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by a twin starting at the same time
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
