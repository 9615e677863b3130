"""Rate limits answer 429 with Retry-After; a slow or stopped service answers 503 in time."""
import signal
import time

import pytest
import requests

from tests.support.system import ADMIN

pytestmark = pytest.mark.one_backend  # the database plays no part here that differs


def test_rate_limits_per_user_and_per_address(fresh_system):
    system = fresh_system({"CM_RATE_LIMIT_PER_USER": "5/60", "CM_RATE_LIMIT_PER_ADDRESS": "12/60"})
    admin = system.client()                                  # 1 request from this address
    statuses = [admin.get("/api/v1/users/me").status_code for _ in range(6)]   # 7
    assert statuses == [200] * 5 + [429]
    limited = admin.get("/api/v1/users/me")                  # 8
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    anonymous = [requests.get(system.gateway + "/api/v1/unions", timeout=5).status_code
                 for _ in range(5)]                          # 9..13
    assert anonymous == [401] * 4 + [429]
    other = requests.post(system.gateway + "/api/v1/auth/token", timeout=5,
                          json={"username": ADMIN[0], "password": ADMIN[1]})
    assert other.status_code == 429  # the address is spent, whoever asks


def test_a_slow_or_stopped_service_is_a_503_within_the_deadline(fresh_system):
    system = fresh_system({"CM_RPC_TIMEOUT": "1.5"})
    admin = system.client()
    assert admin.get("/api/v1/notifications").status_code == 200
    notify = system.processes["notify"]
    notify.send_signal(signal.SIGSTOP)  # alive but answering nothing: a hung service
    try:
        started = time.monotonic()
        hung = admin.get("/api/v1/notifications")
        elapsed = time.monotonic() - started
    finally:
        notify.send_signal(signal.SIGCONT)
    assert hung.status_code == 503 and hung.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert 1.4 <= elapsed < 4.0
    system.kill("notify")
    started = time.monotonic()
    stopped = admin.get("/api/v1/notifications")
    assert stopped.status_code == 503 and time.monotonic() - started < 4.0
    assert admin.get("/api/v1/unions").status_code == 200  # the rest still serves
