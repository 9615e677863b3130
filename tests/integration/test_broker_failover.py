"""CM_AMQP_URI naming several nodes: every process begins on a live one, whichever is
listed first (kombu tries the alternates in turn; nameko's own consumers and publishers
build their connections from the same URI)."""
from tests.support.stream import Stream, reconcile
from tests.support.system import free_port_block
from tests.support.world import build_world


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
