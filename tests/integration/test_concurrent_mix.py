"""Many people at once (issue 14): sign-ins, user creations, password changes, reports,
reviews and reads racing each other against one gateway, while notify writes inboxes and
sends email. Every request is answered, none slower than a second, and no process's hub
freezes meanwhile (each one's /healthz is sampled throughout). Each person pauses a
moment between requests, so that the load is a busy morning and not more than the two
cores can serve (that load, with no pauses, is bench/mixed_load.py's).

Before the fix, two sign-ins at once froze the gateway: a password hash ran inside a
transaction that held SQLite's write lock, and the next BEGIN IMMEDIATE waited in
SQLite's busy handler, which never yields to eventlet's hub.
"""
import threading
import time

import pytest
import requests

from tests.support.load import Morning
from tests.support.notify_smtp import SmtpServer
from tests.support.system import SERVICES, System
from tests.support.waiting import wait_for
from tests.support.world import build_world

CLIENTS = 8
REQUESTS_EACH = 25
THINK = (0.3, 0.9)  # seconds each person pauses between two requests
SLOWEST_ALLOWED = 1.0  # seconds, for any one request or health probe
# On PostgreSQL the same mix costs this machine about twice the CPU (pg8000 is pure
# Python, and the server shares the two cores; bench/mixed_load.py --backend postgres):
# its 99th percentile is 1.1-1.6 s here, so the test asks only that nothing waits
# longer than SLOWEST_ON_POSTGRES. A frozen hub shows as twenty seconds or a timeout.
SLOWEST_ON_POSTGRES = 3.0


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = SmtpServer(tmp_path_factory.mktemp("smtp") / "mail")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory, backend, smtp):
    system = System(tmp_path_factory.mktemp("mix"), backend, {
        "CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0",
        "CM_SMTP_HOST": "127.0.0.1", "CM_SMTP_PORT": str(smtp.port),
        "CM_DELIVERY_POLL_SECONDS": "0.2"}).start()
    try:
        yield build_world(system)
    finally:
        system.stop()


class HealthProbe:
    """Asks every process for /healthz four times a second; a frozen hub shows as a slow
    answer."""

    def __init__(self, system):
        self.system = system
        self.slowest = {}
        self.failures = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._probe, args=(name,), daemon=True)
                         for name in SERVICES + ("gateway",)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _probe(self, name):
        url = self.system.url_of(name) + "/healthz"
        session = requests.Session()
        while not self._stop.wait(0.25):  # the probe's period, not a wait for a condition
            started = time.perf_counter()
            try:
                session.get(url, timeout=20).raise_for_status()
            except requests.RequestException as exc:
                self.failures.append((name, repr(exc)))
            elapsed = time.perf_counter() - started
            self.slowest[name] = max(self.slowest.get(name, 0.0), elapsed)


def test_a_morning_of_many_clients_is_answered_promptly_by_every_process(world, smtp,
                                                                          backend):
    morning = Morning(world, CLIENTS).build_actors(email=True)
    with HealthProbe(world.system) as probe:
        results = morning.run(requests_per_client=REQUESTS_EACH, think=THINK)
    kinds = results.by_kind()
    assert {"sign_in", "report", "list", "inbox", "review", "create_user",
            "change_password"} <= set(kinds), sorted(kinds)
    assert len(kinds["sign_in"]) > CLIENTS  # sign-ins raced each other, not just one each
    assert not results.failures(), results.failures()[:5]
    slowest = SLOWEST_ALLOWED if backend == "sqlite" else SLOWEST_ON_POSTGRES
    slow = sorted((s.seconds, s.kind) for s in results.samples if s.seconds > slowest)
    assert not slow, slow[-5:]
    assert not probe.failures, probe.failures[:5]
    assert max(probe.slowest.values()) < slowest, probe.slowest

    # and the work behind the answers was all done: a decision and an email per approval
    approved = len(kinds["review"])
    finance = world.as_user("finance")
    wait_for(lambda: finance.get("/api/v1/funds/%d/subsidies" % world.fund["id"],
                                 limit=1).json()["total"] >= approved,
             60, "a decision for every approval")
    ops = world.as_user("ops")

    def emailed():
        answer = ops.get("/api/v1/notifications/deliveries", channel="email",
                         event_type="activity_approved", status="delivered", limit=500)
        return answer.json()["total"] >= approved
    wait_for(emailed, 60, "an approval email for every approval")
    assert len([m for m in smtp.messages() if m["Subject"].endswith("活动已通过审核")]) >= approved
    assert ops.get("/api/v1/dead-letters").json()["total"] == 0
