"""The three-node cluster of scripts/rabbit_cluster as the broker of a tests' System:
the interface of tests/support/system.py's Broker (a private vhost, one least-privilege
user per process), with each process's URI listing the three nodes, rotated."""
import subprocess
from pathlib import Path

from tests.support.system import Broker, deletion_expression, fresh_vhost, import_definitions

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


class ClusterBroker(Broker):
    def __init__(self, directory, via_node=1):
        self.directory, self.via_node = directory, via_node
        super().__init__()

    def provision(self):
        """A vhost of its own, made through a live node (not the local broker's pool)."""
        made = fresh_vhost()
        import_definitions(self.ctl, made[3])
        return made

    def base_uri(self):
        return ";".join("amqp://127.0.0.1:%d/%s" % (port, self.vhost) for port in PORTS)

    def ctl(self, *args):
        """rabbitmqctl through the first node that answers: a test may have killed one."""
        for node in sorted((1, 2, 3), key=lambda n: n != self.via_node):
            try:
                return ctl(self.directory, node, *args)
            except RuntimeError as exc:
                failure = exc
        raise failure

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
        try:  # one call through a live node (each costs the start of an Erlang VM)
            self.ctl("eval", deletion_expression([(self.vhost, self.users)]))
        except RuntimeError:
            pass  # a cluster torn down already
