"""Passwords: the policy for new ones, the sign-in throttle's rules, the equal cost of a
check for unknown and known users, and what the gateway refuses to start with."""
import os
import statistics
import time

import pytest
from sqlalchemy import create_engine

from gateway import auth, main, passwords, throttle
from gateway.messages_zh import MESSAGES
from gateway.models import Base
from services.common.settings import Settings


# the policy ------------------------------------------------------------------------------
@pytest.mark.parametrize("password, problem", [
    ("short-pw1", passwords.TOO_SHORT),                   # 9 characters
    ("x" * 201, passwords.TOO_LONG),
    ("my-name-is-Zhang.San-ok", passwords.HAS_USERNAME),  # the username, in any case
    ("password123", passwords.TOO_COMMON),                 # on the list
    ("qwertyuiop", passwords.TOO_COMMON),
    ("1234567890", passwords.TOO_COMMON),
    ("aaaaaaaaaaaa", passwords.TOO_COMMON),                # guessed in a few tries
    ("Password1234", passwords.TOO_COMMON),
])
def test_the_policy_refuses_short_personal_and_common_passwords(password, problem):
    assert problem in passwords.policy_problems(password, "zhang.san")


@pytest.mark.parametrize("password", [
    "password-for-tests", "long-enough-1", "宣传部的-红色-自行车", "city-hall-key-for-tests",
    "x7#Lq9!vR2mT", "start-test-password"])
def test_the_policy_takes_long_unusual_passwords(password):
    assert passwords.policy_problems(password, "zhang.san") == []


def test_every_policy_message_has_a_chinese_translation():
    for message in (passwords.TOO_SHORT, passwords.TOO_LONG, passwords.HAS_USERNAME,
                    passwords.TOO_COMMON):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in MESSAGES[message])


def test_the_schemas_new_password_fields_follow_the_policys_lengths():
    from gateway.routes.identity_schemas import PasswordChange, PasswordReset
    errors = PasswordReset().validate({"password": "nine-char"})
    assert errors == {"password": [passwords.TOO_SHORT]}
    errors = PasswordChange().validate({"current_password": "x", "new_password": "y" * 201})
    assert errors == {"new_password": [passwords.TOO_LONG]}


# an unknown user's check costs what a known one's does --------------------------------------
def test_an_unknown_users_check_takes_as_long_as_a_known_users():
    """Not a timed assertion of speed: the two kinds of check, interleaved, must take the
    same time within a generous tolerance (today's gap was 60 ms against 2.5 ms)."""
    known = passwords.hash_password("the-real-password-1")
    passwords.prepare()
    spent = {"known": [], "unknown": []}
    for _ in range(12):
        started = time.perf_counter()
        assert not passwords.verify_password("a-wrong-guess-xyz", known).ok
        spent["known"].append(time.perf_counter() - started)
        started = time.perf_counter()
        passwords.spend_a_check("a-wrong-guess-xyz")
        spent["unknown"].append(time.perf_counter() - started)
    ratio = statistics.median(spent["unknown"]) / statistics.median(spent["known"])
    assert 0.6 < ratio < 1.6, (ratio, spent)


def test_the_dummy_hash_has_todays_parameters():
    passwords.prepare()
    dummy = passwords._DUMMY[0]
    assert dummy.startswith("$argon2id$") and not passwords.HASHER.check_needs_rehash(dummy)


# the throttle ------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clocked(tmp_path):
    engine = create_engine("sqlite:///%s" % (tmp_path / "t.db"))
    Base.metadata.create_all(engine)
    clock = Clock()
    yield throttle.Throttle(engine, clock), clock
    engine.dispose()


def fail(limiter, username, times):
    for _ in range(times):
        assert limiter.claim(username) is None
        limiter.failed(username)


def test_ten_failures_lock_the_account_until_the_delay_passes(clocked):
    limiter, clock = clocked
    fail(limiter, "finance", 10)
    wait = limiter.claim("finance")
    assert wait == throttle.FIRST_DELAY
    assert limiter.claim("worker") is None  # another account is not touched
    clock.now += throttle.FIRST_DELAY - 1
    assert limiter.claim("finance") == 1
    clock.now += 1
    assert limiter.claim("finance") is None  # the delay passed: a check may run again


def test_failures_spread_over_more_than_the_window_do_not_lock(clocked):
    limiter, clock = clocked
    fail(limiter, "finance", 9)
    clock.now += throttle.WINDOW + 1
    fail(limiter, "finance", 9)
    assert limiter.claim("finance") is None


def test_a_success_clears_the_failures(clocked):
    limiter, clock = clocked
    fail(limiter, "finance", 9)
    assert limiter.claim("finance") is None
    limiter.succeeded("finance")
    fail(limiter, "finance", 9)
    assert limiter.claim("finance") is None


def test_repeat_offenders_wait_longer_each_time_and_are_forgotten_after_a_day(clocked):
    limiter, clock = clocked
    delays = []
    for _ in range(4):
        fail(limiter, "nobody-at-all", 10)
        delays.append(limiter.claim("nobody-at-all"))
        clock.now += delays[-1]
    assert delays == [throttle.FIRST_DELAY * 2 ** n for n in range(4)]
    clock.now += throttle.MEMORY + 1
    fail(limiter, "nobody-at-all", 10)
    assert limiter.claim("nobody-at-all") == throttle.FIRST_DELAY
    assert throttle.delay_after(100) == throttle.MAX_DELAY


def test_attempts_in_flight_count_before_their_hash_is_checked(clocked):
    """Many concurrent attempts cannot slip past the limit while their hashes run."""
    limiter, clock = clocked
    claims = [limiter.claim("finance") for _ in range(25)]
    assert claims.count(None) == throttle.MAX_FAILURES
    assert all(wait is not None and wait >= 1 for wait in claims[throttle.MAX_FAILURES:])


# what the gateway refuses to start with ----------------------------------------------------
@pytest.mark.parametrize("password", [
    "CHANGE-ME-local-admin", "change_me_please_now", "admin-zhangye-2026",
    "admin-password-for-tests", "short", "password1234"])
def test_the_gateway_refuses_a_known_placeholder_or_weak_admin_password(tmp_path, password):
    settings = Settings(data_dir=str(tmp_path), admin_password=password)
    with pytest.raises(main.RefuseToStart, match="CM_ADMIN_PASSWORD"):
        main.admin_password(settings)


@pytest.mark.parametrize("secret", [
    "CHANGE-ME-local-jwt-secret-at-least-32-characters-long", "too-short-a-secret"])
def test_the_gateway_refuses_a_placeholder_or_short_jwt_secret(secret):
    with pytest.raises(main.RefuseToStart, match="CM_JWT_SECRET"):
        main.check_secrets(Settings(jwt_secret=secret))
    main.check_secrets(Settings(jwt_secret="q" * 8 + os.urandom(24).hex()))  # a good one


def test_an_unset_admin_password_is_made_once_and_kept_for_its_owner_only(tmp_path):
    settings = Settings(data_dir=str(tmp_path / "data"), admin_password=None)
    old = os.umask(0o022)  # even in a process that did not set its own
    try:
        first = main.admin_password(settings)
    finally:
        os.umask(old)
    path = tmp_path / "data" / main.ADMIN_PASSWORD_FILE
    assert path.read_text().strip() == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert passwords.policy_problems(first, "admin") == []
    assert main.admin_password(settings) == first  # kept, not made anew
    assert main.admin_password(Settings(data_dir=str(tmp_path / "other"))) != first
    assert auth.placeholder(first) is False
