"""A whole system of real processes on a private vhost and data dir (and PostgreSQL
databases when the suite runs on PostgreSQL), for tests that go through the gateway
or kill processes for real."""
import atexit
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("activities", "subsidies", "library", "notify")
OFFSETS = {"gateway": 0, "activities": 1, "subsidies": 2, "library": 3, "notify": 4}
# passes the gateway's password policy (not containing the username, not common)
ADMIN = ("admin", "Heihe-river-tests-2031")


def free_port_block(size=5):
    """A base port whose next `size` ports are all free, below the kernel's ephemeral
    range (32768 and up here), so that no outgoing connection can take one of them
    between this choice and the service's bind."""
    low, high = _ephemeral_range()
    for _ in range(500):
        base = random.randrange(10000, max(10001, low - size))
        if all(_free(base + offset) for offset in range(size)):
            return base
    raise RuntimeError("no free block of ports below %d" % low)


def _ephemeral_range():
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def rabbitmqctl(*args):
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=60).stdout


class Background:
    """Clean-up commands left running; the suite's process waits for them at its end."""

    def __init__(self):
        self.running = []
        atexit.register(self.wait)

    def start(self, command):
        self.running = [process for process in self.running if process.poll() is None]
        self.running.append(subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=dict(os.environ, PGCONNECT_TIMEOUT="10")))
        return self.running[-1]

    def wait(self):
        for process in self.running:
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()


BACKGROUND = Background()


class VhostPool:
    """The local broker's test vhosts, made several in one rabbitmqctl call and deleted
    several at a time in the background: each call costs the start of an Erlang VM (most
    of a second, on a core the next system's processes need), and a suite makes over a
    hundred systems. What is left is deleted when the suite's process ends."""
    BATCH = 8

    def __init__(self):
        self.lock = threading.Lock()
        self.ready, self.retired = [], []
        atexit.register(self.close)

    def take(self):
        with self.lock:
            if not self.ready:
                self.ready = [fresh_vhost() for _ in range(self.BATCH)]
                import_definitions(rabbitmqctl, merged([made[3] for made in self.ready]))
            return self.ready.pop()

    def retire(self, vhost, users):
        with self.lock:
            self.retired.append((vhost, users))
            if len(self.retired) >= self.BATCH:
                BACKGROUND.start(deletion(self.retired))
                self.retired = []

    def close(self):
        with self.lock:
            left = self.retired + [(made[0], users_of(made[3])) for made in self.ready]
            self.retired, self.ready = [], []
            BACKGROUND.wait()
            if left:
                subprocess.run(deletion(left), capture_output=True, timeout=120)


def fresh_vhost():
    """(vhost, each process's password, the suite's own user, the definitions document):
    users, permissions, the quorum policy and the dead-letter store, as scripts/start."""
    from scripts import broker_users
    vhost = "cmtest-%s" % uuid.uuid4().hex[:10]
    passwords = {process: uuid.uuid4().hex for process in broker_users.PROCESSES}
    tester = ("%s-tester" % vhost, uuid.uuid4().hex)
    return vhost, passwords, tester, broker_users.definitions(vhost, passwords, [tester])


def merged(documents):
    """One definitions document of several (import_definitions adds, never replaces)."""
    whole = {}
    for document in documents:
        for key, items in document.items():
            whole.setdefault(key, []).extend(items)
    return whole


def import_definitions(ctl, document):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(document, handle)
        handle.flush()
        os.chmod(handle.name, 0o644)  # rabbitmqctl's CLI may read it as another user
        ctl("import_definitions", handle.name)


def users_of(document):
    return [user["name"] for user in document["users"]]


def deletion(vhosts):
    """One rabbitmqctl call deleting these (vhost, users) pairs."""
    return ["rabbitmqctl", "-q", "eval", deletion_expression(vhosts)]


def deletion_expression(vhosts):
    """The Erlang expression that deletes these (vhost, users) pairs, each part whatever
    became of the others (a vhost deleted already, say)."""
    calls = []
    for vhost, users in vhosts:
        calls.append('rabbit_vhost:delete(<<"%s">>, <<"cm-tests">>)' % vhost)
        calls.extend('rabbit_auth_backend_internal:delete_user(<<"%s">>, <<"cm-tests">>)'
                     % user for user in users)
    return "%s, ok." % ", ".join("catch %s" % call for call in calls)


POOL = VhostPool()


class Broker:
    """A private vhost on the local RabbitMQ, with one user per process (least privilege,
    scripts/broker_users.py) and the suite's own all-powerful user for what tests do on
    the broker themselves (`uri`: inject events, inspect queues). guest is not used."""

    def __init__(self):
        from scripts import broker_users
        self.vhost, self.passwords, self.tester, document = self.provision()
        self.users = users_of(document)
        base = self.base_uri()
        self.uri = broker_users.uri_for(base, *self.tester)
        self.process_uris = broker_users.uris(base, self.passwords)

    def provision(self):
        return POOL.take()

    def base_uri(self):
        """The broker's address without credentials (nodes separated by ;)."""
        return "amqp://127.0.0.1:5672/%s" % self.vhost

    def ctl(self, *args):
        return rabbitmqctl(*args)

    def uri_of(self, process):
        """The broker URI of one process (gateway, a service, or "tools")."""
        return self.process_uris[process.split("-")[0]]

    def queue_counts(self, name):
        """(ready, unacknowledged, consumers) of a queue, or None when it does not exist."""
        out = self.ctl("list_queues", "-p", self.vhost, "name", "messages_ready",
                       "messages_unacknowledged", "consumers")
        for line in out.splitlines():
            parts = line.split("\t")
            if parts and parts[0] == name:
                return tuple(int(p) for p in parts[1:4])
        return None

    def delete(self):
        POOL.retire(self.vhost, self.users)


class Postgres:
    """A database prefix on the local PostgreSQL; each service makes <prefix>_<service>."""
    SERVER = os.environ.get("CM_TEST_POSTGRES", "postgresql://postgres:postgres@127.0.0.1:5432")

    def __init__(self, server=None):
        if server:  # another server than the suite's (a failover pair, say)
            self.SERVER = server
        self.prefix = "cmt_%s" % uuid.uuid4().hex[:10]
        self.url = "%s/%s" % (self.SERVER, self.prefix)

    def database_url(self, service):
        from sqlalchemy.engine import make_url
        return make_url(self.url).set(drivername="postgresql+pg8000",
                                      database="%s_%s" % (self.prefix, service))

    def drop(self, wait=False):
        """The databases are found now and dropped in the background (psql, one call):
        a drop takes most of a second, and the next system need not wait for it
        (`wait`: unless the caller checks that they are gone)."""
        from sqlalchemy import create_engine, text
        engine = create_engine(self.SERVER.replace("postgresql://", "postgresql+pg8000://")
                               + "/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                 {"p": self.prefix + "_%"}).scalars().all()
        engine.dispose()
        if names:
            drops = [arg for name in names
                     for arg in ("-c", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)]
            dropping = BACKGROUND.start(["psql", "-q", self.SERVER + "/postgres", *drops])
            if wait:
                dropping.wait(timeout=120)


class System:
    def __init__(self, tmp_path, backend, extra_env=None, broker=None, postgres=None):
        """broker and postgres: another broker (a cluster) or database server than the
        machine's, with the interfaces of Broker and Postgres."""
        self.tmp_path = Path(tmp_path)
        self.broker = broker or Broker()
        self.postgres = postgres or (Postgres() if backend == "postgres" else None)
        self.base_port = free_port_block()
        self.env = dict(os.environ)
        self.env.update({
            "CM_AMQP_URI": self.broker.uri_of("tools"),  # each process gets its own: env_of
            "CM_DATA_DIR": str(self.tmp_path / "data"),
            "CM_GATEWAY_PORT": str(self.base_port),
            "CM_ADMIN_USERNAME": ADMIN[0], "CM_ADMIN_PASSWORD": ADMIN[1],
            "CM_DEMO": "0", "CM_RETRY_DELAYS": "0.2,0.5", "CM_OUTBOX_SWEEP_SECONDS": "0.5",
        })
        if self.postgres:
            self.env["CM_DATABASE_URL"] = self.postgres.url
        self.extra_env = dict(extra_env or {})
        self.env.update(self.extra_env)
        self.processes = {}
        self.replica_ports = {}
        self.lock = threading.RLock()  # held while a process is down on purpose
        (self.tmp_path / "logs").mkdir(parents=True, exist_ok=True)

    # processes --------------------------------------------------------------------------
    def start(self, *names):
        for name in names or SERVICES + ("gateway",):
            if self.processes.get(name) and self.processes[name].poll() is None:
                raise RuntimeError("%s is running already" % name)
            module = "gateway" if name == "gateway" else "services.%s" % name
            log = open(self.tmp_path / "logs" / ("%s.log" % name), "ab")
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", module], cwd=ROOT, env=self.env_of(name), stdout=log,
                stderr=subprocess.STDOUT)
        try:
            for name in names or SERVICES + ("gateway",):
                self.wait_ready(name)
        except BaseException:
            if not names:  # a whole system that did not come up: leave nothing running
                self.stop()
            raise
        return self

    def start_replica(self, name):
        """A second process of a service: same broker and database, its own HTTP port."""
        replica = "%s-2" % name
        port = free_port_block(1)
        self.replica_ports[replica] = port
        log = open(self.tmp_path / "logs" / ("%s.log" % replica), "ab")
        self.processes[replica] = subprocess.Popen(
            [sys.executable, "-m", "services.%s" % name], cwd=ROOT,
            env=dict(self.env_of(name), CM_HTTP_PORT=str(port)), stdout=log,
            stderr=subprocess.STDOUT)
        self.wait_ready(replica)
        return replica

    def env_of(self, name):
        """A process's environment: the system's, with its own broker user (unless a test
        set CM_AMQP_URI itself)."""
        if "CM_AMQP_URI" in self.extra_env:
            return self.env
        return dict(self.env, CM_AMQP_URI=self.broker.uri_of(name))

    def rpc(self, actor="tests", role="system", signing_key=None):
        """A signed client that calls the services directly over the broker, as the tools
        do (services.common.standalone), with the tools' broker user."""
        from services.common import signing
        from services.common.standalone import SignedCluster
        if signing_key is None:
            signing_key = self.signing_key()
        return SignedCluster(None, actor=actor, role=role, signing_key=signing_key,
                             amqp_uri=self.broker.uri_of("tools"), timeout=30)

    def signing_key(self):
        from services.common import signing
        if self.env.get("CM_RPC_SIGNING_KEY"):
            return self.env["CM_RPC_SIGNING_KEY"].encode()
        return signing.key_file(self.tmp_path / "data").read_text().strip().encode()

    def wait_ready(self, name, timeout=60):
        url = "%s/readyz" % self.url_of(name)

        def ready():
            process = self.processes[name]
            if process.poll() is not None:
                raise AssertionError("%s exited with %s; see %s" % (
                    name, process.returncode, self.tmp_path / "logs" / ("%s.log" % name)))
            return requests.get(url, timeout=2).status_code == 200
        wait_for(ready, timeout, "%s to be ready" % name)

    def revive(self):
        """Start again each process that exited on its own, as supervisord (autorestart)
        and Kubernetes do in a deployment; returns their names."""
        with self.lock:
            dead = [name for name, process in self.processes.items()
                    if process.poll() is not None and name not in self.replica_ports]
            for name in dead:
                self.start(name)
        return dead

    @contextmanager
    def supervised(self, on_revive=None):
        """While the block runs, revive() every half second, as a deployment's supervisor
        would; on_revive(name) hears of each process started again."""
        done = threading.Event()

        def watch():
            while not done.wait(0.5):
                for name in self.revive():
                    if on_revive:
                        on_revive(name)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield self
        finally:
            done.set()
            watcher.join()

    def kill(self, name, sig=signal.SIGKILL):
        process = self.processes[name]
        process.send_signal(sig)
        process.wait(timeout=60)

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.broker.delete()
        if self.postgres:
            self.postgres.drop()

    def url_of(self, name):
        if name in self.replica_ports:
            return "http://127.0.0.1:%d" % self.replica_ports[name]
        return "http://127.0.0.1:%d" % (self.base_port + OFFSETS[name])

    def log_of(self, name):
        return (self.tmp_path / "logs" / ("%s.log" % name)).read_text(errors="replace")

    # HTTP -------------------------------------------------------------------------------
    @property
    def gateway(self):
        return self.url_of("gateway")

    def client(self, username=ADMIN[0], password=ADMIN[1]):
        answer = requests.post(self.gateway + "/api/v1/auth/token",
                               json={"username": username, "password": password}, timeout=10)
        assert answer.status_code == 200, answer.text
        return Client(self.gateway, answer.json()["access_token"])

    def metric(self, name, sample, labels=None):
        """The value of one sample on a process's /metrics, 0.0 when absent."""
        text = requests.get(self.url_of(name) + "/metrics", timeout=5).text
        return parse_metric(text, sample, labels or {})

    # database ---------------------------------------------------------------------------
    def database_url(self, service):
        if self.postgres:
            return self.postgres.database_url(service)
        return "sqlite:///%s" % (self.tmp_path / "data" / ("%s.db" % service))


def parse_metric(text, sample, labels):
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(sample + "{") and not line.startswith(sample + " "):
            continue
        head, _, value = line.rpartition(" ")
        if all('%s="%s"' % (k, v) in head for k, v in labels.items()):
            total += float(value)
    return total


class Client:
    def __init__(self, base, token):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + token

    def get(self, url_path, **params):
        return self.session.get(self.base + url_path, params=params, timeout=15)

    def post(self, path, body=None, headers=None, data=None):
        if data is not None:
            return self.session.post(self.base + path, data=data, headers=headers, timeout=15)
        return self.session.post(self.base + path, json=body if body is not None else {},
                                 headers=headers, timeout=15)

    def put(self, path, body):
        return self.session.put(self.base + path, json=body, timeout=15)
