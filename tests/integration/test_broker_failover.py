"""CM_AMQP_URI naming several nodes: every process begins on a live one, whichever is
listed first (kombu tries the alternates in turn; nameko's own consumers and publishers
build their connections from the same URI)."""
import pytest

from tests.support.stream import Stream, reconcile
from tests.support.system import free_port_block
from tests.support.world import build_world

# the broker's addresses: the database plays no part here that differs
pytestmark = pytest.mark.one_backend


def dead_node_first(uri):
    """The same vhost and user, with a node that listens nowhere listed first."""
    credentials, _, rest = uri.partition("@")
    vhost = rest.partition("/")[2]
    return "%s@127.0.0.1:%d/%s;%s" % (credentials, free_port_block(1), vhost, uri)


def test_every_process_begins_when_the_first_node_listed_is_down(fresh_system):
    system = fresh_system({"CM_RPC_TIMEOUT": "5"}, start=False)
    broker = system.broker
    broker.process_uris = {process: dead_node_first(uri)
                           for process, uri in broker.process_uris.items()}
    system.start()
    world = build_world(system)
    stream = Stream(world)
    stream.push(6)
    result = reconcile(stream)
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    assert result["decisions"] == result["approvals"] == 6, result


def _ensure_rabbitmq(uri):
    """scripts/lib.sh's broker check, as scripts/start runs it, for CM_AMQP_URI=uri."""
    import os
    import subprocess
    from pathlib import Path
    lib = Path(__file__).resolve().parents[2] / "scripts" / "lib.sh"
    return subprocess.run(["bash", "-c", 'source "$1" && ensure_rabbitmq', "_", str(lib)],
                          env=dict(os.environ, CM_AMQP_URI=uri), capture_output=True,
                          text=True, timeout=120)


def test_the_start_commands_broker_check_takes_a_cluster_uri():
    import subprocess
    import uuid
    vhost = "cmtest-start-%s" % uuid.uuid4().hex[:8]
    silent = free_port_block(2)  # two ports nothing listens on
    dead = ["amqp://u:p@127.0.0.1:%d/%s" % (port, vhost) for port in (silent, silent + 1)]
    live = "amqp://u:p@127.0.0.1:5672/%s" % vhost
    try:
        checked = _ensure_rabbitmq("%s;%s" % (dead[0], live))  # one live node is enough
        assert checked.returncode == 0, checked.stdout + checked.stderr
        vhosts = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], capture_output=True,
                                text=True, timeout=60).stdout.split()
        assert vhost in vhosts  # made on the live node's broker
        refused = _ensure_rabbitmq(";".join(dead))
        assert refused.returncode != 0
        assert "scripts/rabbit_cluster start" in refused.stdout + refused.stderr
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True,
                       timeout=60)
