"""The three-node cluster of scripts/rabbit_cluster as the broker of a tests' System:
the interface of tests/support/system.py's Broker (a private vhost, one least-privilege
user per process), with each process's URI listing the three nodes, rotated."""
import json
import os
import subprocess
import tempfile
import uuid
from pathlib import Path

SCRIPT = str(Path(__file__).resolve().parents[2] / "scripts" / "rabbit_cluster")
PORTS = (5701, 5702, 5703)  # scripts/rabbit_cluster's defaults


def cluster(command, directory, *args, timeout=300):
    out = subprocess.run([SCRIPT, command, str(directory), *args], capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError("rabbit_cluster %s: %s%s" % (command, out.stdout, out.stderr))
    return out.stdout


def ctl(directory, node, *args):
    return cluster("ctl", directory, str(node), "--", "-q", *args, timeout=120)


class ClusterBroker:
    def __init__(self, directory, via_node=1):
        from scripts import broker_users
        self.directory, self.via_node = directory, via_node
        self.vhost = "cmtest-%s" % uuid.uuid4().hex[:10]
        self.passwords = {process: uuid.uuid4().hex for process in broker_users.PROCESSES}
        self.tester = ("%s-tester" % self.vhost, uuid.uuid4().hex)
        # users, permissions, the quorum policy and the dead-letter store, as scripts/start
        document = broker_users.definitions(self.vhost, self.passwords, [self.tester])
        self.users = [user["name"] for user in document["users"]]
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump(document, handle)
            handle.flush()
            os.chmod(handle.name, 0o644)
            self.ctl("import_definitions", handle.name)
        base = ";".join("amqp://127.0.0.1:%d/%s" % (port, self.vhost) for port in PORTS)
        self.uri = broker_users.uri_for(base, *self.tester)
        self.process_uris = broker_users.uris(base, self.passwords)

    def ctl(self, *args):
        """rabbitmqctl through the first node that answers: a test may have killed one."""
        for node in sorted((1, 2, 3), key=lambda n: n != self.via_node):
            try:
                return ctl(self.directory, node, *args)
            except RuntimeError as exc:
                failure = exc
        raise failure

    def uri_of(self, process):
        return self.process_uris[process.split("-")[0]]

    def queue_counts(self, name):
        out = self.ctl("list_queues", "-p", self.vhost, "name", "messages_ready",
                       "messages_unacknowledged", "consumers")
        for line in out.splitlines():
            parts = line.split("\t")
            if parts and parts[0] == name:
                return tuple(int(p) for p in parts[1:4])
        return None

    def connected_nodes(self, user):
        """The nodes (1..3) holding a connection of this user."""
        out = self.ctl("list_connections", "user", "pid")  # pid: <cmq2@localhost.N.N.N>
        nodes = set()
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) == 2 and parts[0] == user and "@" in parts[1]:
                nodes.add(int(parts[1].lstrip("<").split("@")[0][-1]))
        return nodes

    def delete(self):
        for args in [("delete_vhost", self.vhost)] + [("delete_user", n) for n in self.users]:
            try:
                self.ctl(*args)
            except RuntimeError:
                pass  # a cluster torn down already
