"""Signed commands: every RPC carries who acts, signed by the caller, bound to the call.

The gateway (and the tools that call services directly, through
services.common.standalone) signs each RPC with the key of the setting rpc_signing_key
(or, when unset, a key kept in the data dir, readable by its owner only, shared by the
processes of one machine). A service's RPC entrypoint (services.common.rpc.SignedRpc)
verifies the signature before any worker runs.

The signature is an HMAC-SHA256 over: the target service, the method, a digest of the
arguments (as they travel: JSON), the acting user (username and role), the time it was
made and when it expires (60 seconds later). A signature made for one call is worthless
for another method, other arguments or another service; an old one expires; a service
accepts each one once (its nonce is remembered until it expires).

It travels as the message header `cm-signature`: `<payload as base64url>.<mac>`.
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from kombu.utils.json import dumps as kombu_dumps

HEADER = "cm-signature"
TTL_SECONDS = 60
CLOCK_SKEW_SECONDS = 5  # a signature "from the future" by more than this is refused
KEY_FILE = "rpc-signing-key"
MIN_KEY_LENGTH = 32


class SignatureError(Exception):
    """Why a signature was refused (the message says which check failed)."""


def args_digest(args, kwargs):
    """sha256 of the arguments as the receiver will see them: serialised as the message
    is (kombu's JSON) and read back, then written canonically."""
    travelled = json.loads(kombu_dumps({"args": list(args), "kwargs": dict(kwargs)}))
    canonical = json.dumps(travelled, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key, payload_b64):
    return _b64(hmac.new(key, payload_b64.encode("ascii"), hashlib.sha256).digest())


def sign(key, service, method, args, kwargs, actor, ttl=TTL_SECONDS, now=None):
    """The signature header's value for one call; actor is {"username", "role"}."""
    issued = int(time.time() if now is None else now)
    payload = {"svc": service, "m": method, "d": args_digest(args, kwargs),
               "u": actor.get("username"), "r": actor.get("role"),
               "iat": issued, "exp": issued + int(ttl), "n": secrets.token_hex(8)}
    payload_b64 = _b64(json.dumps(payload, sort_keys=True, separators=(",", ":"))
                       .encode("utf-8"))
    return "%s.%s" % (payload_b64, _mac(key, payload_b64))


class SeenSignatures:
    """The nonces of the signatures one process accepted, until they expire: the same
    signed message delivered twice (a replay) is refused the second time."""

    def __init__(self):
        self._expiry = {}
        self._next_purge = 0

    def first_use(self, nonce, expires, now):
        if now >= self._next_purge:
            self._expiry = {n: e for n, e in self._expiry.items() if e > now}
            self._next_purge = now + 10
        if nonce in self._expiry:
            return False
        self._expiry[nonce] = expires
        return True


def verify(key, service, method, args, kwargs, token, now=None, seen=None):
    """The acting user {"username", "role"} of a valid signature; SignatureError otherwise.
    With `seen` (SeenSignatures), a signature is accepted once."""
    if not token or not isinstance(token, (str, bytes)):
        raise SignatureError("the call is not signed")
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    payload_b64, dot, mac = token.partition(".")
    if not dot or len(token) > 4096:
        raise SignatureError("the signature is malformed")
    if not hmac.compare_digest(_mac(key, payload_b64), mac):
        raise SignatureError("the signature does not match (forged, or another key)")
    try:
        payload = json.loads(_unb64(payload_b64))
    except ValueError:
        raise SignatureError("the signature is malformed") from None
    current = time.time() if now is None else now
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int) \
            or not isinstance(payload.get("iat"), int):
        raise SignatureError("the signature is malformed")
    if current >= payload["exp"]:
        raise SignatureError("the signature has expired")
    if payload["iat"] > current + CLOCK_SKEW_SECONDS:
        raise SignatureError("the signature was made in the future")
    if payload.get("svc") != service or payload.get("m") != method:
        raise SignatureError("the signature is for another call (%s.%s)"
                             % (payload.get("svc"), payload.get("m")))
    if payload.get("d") != args_digest(args, kwargs):
        raise SignatureError("the signature is for other arguments")
    if seen is not None and not seen.first_use(payload.get("n"), payload["exp"], current):
        raise SignatureError("the signature was used before (a replay)")
    return {"username": payload.get("u"), "role": payload.get("r")}


def load_key(settings):
    """The signing key as bytes: the setting, or the data dir's key file (made once,
    readable by its owner only, shared by every process on this data dir)."""
    configured = getattr(settings, "rpc_signing_key", None)
    if configured:
        if len(configured) < MIN_KEY_LENGTH or configured.upper().startswith("CHANGE-ME"):
            raise SignatureError("CM_RPC_SIGNING_KEY must be a secret of at least %d "
                                 "characters, not a placeholder" % MIN_KEY_LENGTH)
        return configured.encode("utf-8")
    return key_file(Path(settings.data_dir)).read_text().strip().encode("utf-8")


def key_file(data_dir):
    """The data dir's key file, made atomically on first use (0600)."""
    path = Path(data_dir) / KEY_FILE
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name("%s.%d.%s" % (KEY_FILE, os.getpid(), secrets.token_hex(4)))
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(temporary, path)  # fails when another process made it first: use theirs
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
    return path
