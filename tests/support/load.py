"""A federation's morning as a load: many clients at once, each signing in now and then,
reporting, listing and reading its inbox, reviewers approving what comes in, an admin
creating users and everyone changing passwords. Shared by the concurrency test
(tests/integration/test_concurrent_mix.py) and the benchmark (bench/mixed_load.py).

Each client is a thread (a green thread under the test runner's monkey patch) with its
own HTTP session. Every request is recorded with its kind, status and latency; a request
that gets no answer within REQUEST_TIMEOUT is recorded as a failure, not retried.
"""
import random
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.world import PASSWORD, activity_body

REQUEST_TIMEOUT = 20.0
KINDS = ("sign_in", "report", "list", "inbox", "review", "create_user", "change_password")
EXPECTED = {"sign_in": 200, "report": 201, "list": 200, "inbox": 200, "review": 200,
            "create_user": 201, "change_password": 200}
# What a union admin does, by weight: mostly reading, reporting often, signing in now
# and then (one request in eleven: far more often than a token's hour asks for),
# changing its password rarely (one in 43, which still costs three password hashes).
UNION_ADMIN_MIX = (("list", 16), ("inbox", 12), ("report", 10), ("sign_in", 4),
                   ("change_password", 1))


@dataclass
class Sample:
    kind: str
    status: int  # 0 when no answer came
    seconds: float
    error: str = None

    @property
    def ok(self):
        return self.status == EXPECTED[self.kind]


@dataclass
class Results:
    samples: list = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample):
        with self.lock:
            self.samples.append(sample)

    def failures(self):
        return [s for s in self.samples if not s.ok]

    def by_kind(self):
        grouped = defaultdict(list)
        for sample in self.samples:
            grouped[sample.kind].append(sample)
        return grouped

    def slowest(self):
        return max((s.seconds for s in self.samples), default=0.0)


class Actor:
    """One person at a client: a username, its current password and a session."""

    def __init__(self, gateway, username, password, results):
        self.gateway, self.username, self.password = gateway, username, password
        self.results = results
        self.http = requests.Session()
        self.http.trust_env = False

    def timed(self, kind, method, path, **kwargs):
        started = time.perf_counter()
        try:
            answer = self.http.request(method, self.gateway + path, timeout=REQUEST_TIMEOUT,
                                       **kwargs)
        except requests.RequestException as exc:
            self.results.add(Sample(kind, 0, time.perf_counter() - started, repr(exc)))
            return None
        sample = Sample(kind, answer.status_code, time.perf_counter() - started)
        if not sample.ok:
            sample.error = answer.text[:300]
        self.results.add(sample)
        return answer

    def sign_in(self):
        answer = self.timed("sign_in", "POST", "/api/v1/auth/token",
                            json={"username": self.username, "password": self.password})
        if answer is not None and answer.status_code == 200:
            self.http.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
            return True
        return False

    def change_password(self):
        new = "pw-%s" % uuid.uuid4().hex[:16]
        answer = self.timed("change_password", "POST", "/api/v1/users/me/password",
                            json={"current_password": self.password, "new_password": new})
        if answer is not None and answer.status_code == 200:
            self.password = new
            return self.sign_in()  # older tokens stop working, as the API says
        return False


class Morning:
    """The load itself: build_actors() once, then run() as often as wanted."""

    def __init__(self, world, clients, seed=7):
        self.world = world
        self.gateway = world.system.gateway
        self.clients = clients
        self.random = random.Random(seed)
        self.reported = {"甘州区": [], "临泽县": []}
        self.reported_lock = threading.Lock()
        self.union_admins = []
        self.actors = {}

    def build_actors(self, email=False):
        """One union admin per client, spread over the world's two unions (created here
        one at a time: the load is what runs concurrently, not its set-up). With email,
        each also takes its notices by email, so that notify sends while it writes."""
        admin = self.world.system.client()
        unions = [("power", "甘州区"), ("school", "临泽县")]
        for index in range(self.clients):
            key, county = unions[index % 2]
            username = "load_%s_%d" % (uuid.uuid4().hex[:6], index)
            answer = admin.post("/api/v1/users", {
                "username": username, "password": PASSWORD, "role": "union_admin",
                "union_id": self.world.unions[key]["id"]})
            assert answer.status_code == 201, answer.text
            self.union_admins.append((username, self.world.unions[key]["id"], county))
            if email:
                answer = self.world.system.client(username, PASSWORD).put(
                    "/api/v1/notifications/preferences",
                    {"email": "%s@example.org" % username, "language": "zh-CN", "channels": {}})
                assert answer.status_code == 200, answer.text
        return self

    def run(self, requests_per_client=None, seconds=None, think=None):
        """Every client at once, until each made requests_per_client requests or the
        seconds passed; returns Results. think=(low, high): each union admin pauses a
        random time in that range between requests, as a person at a desk does; None:
        no pause at all (the benchmark's saturating load)."""
        assert requests_per_client or seconds
        results = Results()
        self.think = think
        deadline = time.monotonic() + seconds if seconds else None
        stop = threading.Event()

        def enough(done):
            if requests_per_client is not None and done >= requests_per_client:
                return True
            return deadline is not None and time.monotonic() >= deadline

        workers = [threading.Thread(target=self._union_admin, daemon=True,
                                    args=(entry, results, enough, self.random.random(), stop))
                   for entry in self.union_admins]
        workers += [threading.Thread(target=self._reviewer, daemon=True,
                                     args=(county, username, results, stop))
                    for county, username in (("甘州区", "rev_ganzhou"), ("临泽县", "rev_linze"))]
        workers.append(threading.Thread(target=self._user_admin, daemon=True,
                                        args=(results, stop)))
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers[:len(self.union_admins)]:
            worker.join()
        stop.set()
        for worker in workers[len(self.union_admins):]:
            worker.join()
        results.seconds = time.perf_counter() - started
        return results

    # the people ------------------------------------------------------------------------
    def _union_admin(self, entry, results, enough, seed, stop):
        username, union_id, county = entry
        chooser = random.Random(seed)
        kinds = [kind for kind, weight in UNION_ADMIN_MIX for _ in range(weight)]
        actor = self.actors.get(username) or Actor(self.gateway, username, PASSWORD, results)
        actor.results = results
        self.actors[username] = actor  # a later run goes on with its current password
        actor.sign_in()
        done = 1
        while not enough(done):
            if self.think:
                stop.wait(chooser.uniform(*self.think))  # a person's pause, not a sync
            kind = chooser.choice(kinds)
            if kind == "sign_in":
                actor.sign_in()
            elif kind == "change_password":
                actor.change_password()
            elif kind == "report":
                answer = actor.timed("report", "POST", "/api/v1/activities",
                                     json=activity_body(union_id, title="晨练-%s" % uuid.uuid4().hex[:8]))
                if answer is not None and answer.status_code == 201:
                    with self.reported_lock:
                        self.reported[county].append(answer.json()["id"])
            elif kind == "list":
                actor.timed("list", "GET", "/api/v1/activities", params={"limit": 20})
            elif kind == "inbox":
                actor.timed("inbox", "GET", "/api/v1/notifications", params={"limit": 20})
            done += 1

    def _reviewer(self, county, username, results, stop):
        actor = Actor(self.gateway, username, PASSWORD, results)
        actor.sign_in()
        while not stop.is_set():
            with self.reported_lock:
                activity_id = self.reported[county].pop(0) if self.reported[county] else None
            if activity_id is None:
                stop.wait(0.05)  # nothing to review yet: look again shortly
                continue
            actor.timed("review", "POST", "/api/v1/activities/%d/approve" % activity_id,
                        json={"comment": "同意"})

    def _user_admin(self, results, stop):
        from tests.support.system import ADMIN
        actor = Actor(self.gateway, ADMIN[0], ADMIN[1], results)
        actor.sign_in()
        while not stop.is_set():
            actor.timed("create_user", "POST", "/api/v1/users", json={
                "username": "new_%s" % uuid.uuid4().hex[:10], "password": PASSWORD,
                "role": "worker"})
            stop.wait(self.think[0] * 3 if self.think else 0.2)  # an admin types a form


def resident_mib(pid):
    """A process's resident memory in MiB, read from /proc."""
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def thread_count(pid):
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0
