"""Passwords: Argon2id (argon2-cffi), its parameters kept in each hash.

m = 19 MiB, t = 2, p = 1 is OWASP's first recommended Argon2id setting: about 40 ms of
CPU here, against 66 ms for the scrypt (n = 2^14) that hashes made before it use. Those
still verify, and are upgraded to Argon2id at their next successful sign-in; so is any
Argon2 hash whose parameters are not today's.

A hash runs on a real thread so that the hub keeps serving, never inside a database
transaction (on SQLite it would hold the write lock for its whole length), and on at
most HASHING_THREADS threads at once: more would sign no one in sooner on these cores,
and each thread's allocator keeps the memory its last hash used (eventlet's default
pool of 20 threads grew the gateway by 320 MiB of scrypt blocks).
"""
import base64
import hashlib
import hmac
import os
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import semaphore, tpool

from services.common.database import forbid_open_transaction

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
LEGACY_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
HASHING_THREADS = max(1, min(4, os.cpu_count() or 1))
_hashing = semaphore.Semaphore(HASHING_THREADS)


class Verdict(NamedTuple):
    ok: bool
    needs_rehash: bool = False  # right password, hash made with other parameters


def use_hashing_threads():
    """At the gateway's start: eventlet's thread pool holds only the hashing threads."""
    tpool.set_num_threads(HASHING_THREADS)


def hash_password(password):
    return _off_the_hub(HASHER.hash, password)


def verify_password(password, stored):
    """Whether password matches the stored hash (Argon2id, or a legacy scrypt one)."""
    stored = stored or ""
    if stored.startswith("scrypt$"):
        return Verdict(_verify_scrypt(password, stored), needs_rehash=True)
    try:
        _off_the_hub(HASHER.verify, stored, password)
    except (VerificationError, InvalidHashError):
        return Verdict(False)
    return Verdict(True, HASHER.check_needs_rehash(stored))


_DUMMY = []


def spend_a_check(password):
    """As long as a real check takes, for a user that does not exist: the answer's time
    must not tell whether a username is known."""
    if not _DUMMY:
        _DUMMY.append(hash_password("no-such-user-%s" % os.urandom(8).hex()))
    verify_password(password, _DUMMY[0])


def _verify_scrypt(password, stored):
    try:
        _, salt, digest = stored.split("$")
        expected, salt = base64.b64decode(digest), base64.b64decode(salt)
    except (ValueError, TypeError):
        return False
    actual = _off_the_hub(hashlib.scrypt, password.encode(), salt=salt, dklen=32,
                          **LEGACY_SCRYPT)
    return hmac.compare_digest(expected, actual)


def _off_the_hub(function, *args, **kwargs):
    forbid_open_transaction("a password hash")
    with _hashing:  # green threads queue here, not in the thread pool's queue
        return tpool.execute(function, *args, **kwargs)
