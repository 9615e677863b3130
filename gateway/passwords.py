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

New passwords (a user's creation, a reset, one's own change, the bootstrap admin) follow
a policy: at least MIN_LENGTH characters, not containing the username, and not a common
password (zxcvbn's list of 30,000, or one zxcvbn guesses in under a million tries). Its
messages are English msgids that the gateway's catalogue translates.
"""
import base64
import hashlib
import hmac
import os
from typing import NamedTuple

from argon2 import PasswordHasher
from marshmallow import validate
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import semaphore, tpool
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

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
    must not tell whether a username is known. The dummy hash has today's parameters,
    so its check costs what a known user's does (prepare() makes it at start, so that
    the first unknown name does not pay for two hashes)."""
    prepare()
    verify_password(password, _DUMMY[0])


def prepare():
    if not _DUMMY:
        _DUMMY.append(hash_password("no-such-user-%s" % os.urandom(8).hex()))


# the policy for new passwords ------------------------------------------------------------
MIN_LENGTH, MAX_LENGTH = 10, 200
TOO_SHORT = "a password needs at least 10 characters"
TOO_LONG = "a password has at most 200 characters"
HAS_USERNAME = "a password must not contain the username"
TOO_COMMON = "this password is too common or too easy to guess; choose another"
# their Chinese is in gateway/messages_zh.py, with every other message
COMMON = frozenset(FREQUENCY_LISTS["passwords"])
MIN_GUESSES_LOG10 = 6  # zxcvbn's score 2 and up
ZXCVBN_MAX = 72  # zxcvbn looks at no more (its own limit)


def length_validators():
    """For a schema's new-password field: the policy's lengths, in the OpenAPI document
    too (minLength, maxLength), with the policy's messages."""
    return [validate.Length(min=MIN_LENGTH, error=TOO_SHORT),
            validate.Length(max=MAX_LENGTH, error=TOO_LONG)]


def policy_problems(password, username=None):
    """The policy's messages that a new password breaks, [] when it is fine."""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG]
    problems = []
    if username and username.casefold() in password.casefold():
        problems.append(HAS_USERNAME)
    if password.casefold() in COMMON or zxcvbn(
            password[:ZXCVBN_MAX], user_inputs=[username] if username else [])[
            "guesses_log10"] < MIN_GUESSES_LOG10:
        problems.append(TOO_COMMON)
    return problems


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
