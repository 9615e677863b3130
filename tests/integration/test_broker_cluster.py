"""The whole system on a three-node RabbitMQ cluster (scripts/rabbit_cluster) with quorum
queues, through the loss of a node: the gateway's own, then another.

Runs in the SQLite pass only: the broker is what is tested, and the PostgreSQL pass would
repeat it with nothing new. Starting the cluster takes 20-30 s on this machine.
"""
import os
import signal
import threading
import time

import pytest

from tests.integration.test_chaos import assert_whole
from tests.support.season import SEASON_ENV, node_kills, run_season
from tests.support.rabbit_cluster import ClusterBroker, cluster
from tests.support.stream import reconcile
from tests.support.system import System
from tests.support.waiting import wait_for
from tests.support.world import build_world

CLUSTER_ENV = dict(SEASON_ENV, CM_QUORUM_QUEUES="true")
RPC_TIMEOUT = float(CLUSTER_ENV["CM_RPC_TIMEOUT"])


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, backend):
    if backend != "sqlite":
        pytest.skip("the broker cluster is tested in the SQLite pass")
    directory = tmp_path_factory.mktemp("cluster")
    cluster("start", directory)
    yield directory
    cluster("stop", directory)


@pytest.fixture
def clustered(nodes, tmp_path):
    systems = []

    def make():
        system = System(tmp_path / ("s%d" % len(systems)), "sqlite", CLUSTER_ENV,
                        broker=ClusterBroker(nodes))
        systems.append(system)
        return system.start()
    yield make
    cluster("start", nodes)  # every node back and in sync (a no-op when they are)
    for system in systems:
        system.stop()


def gateway_nodes(system):
    from scripts.broker_users import user_name
    return system.broker.connected_nodes(user_name("gateway", system.broker.vhost))


@pytest.mark.timeout(900)
def test_a_season_through_two_node_kills_loses_and_doubles_nothing(clustered, nodes):
    system = clustered()
    kills = node_kills(system, nodes)
    stream = run_season(build_world(system), kills, approvals=30, clients=3)
    assert_whole(reconcile(stream, timeout=240))
    first, second = kills
    assert first.name not in {"cmq%d" % n for n in first.observed}, \
        "the gateway stayed on its dead node"
    assert second.name != first.name
    for kill in kills:  # the figures are bench/broker_cluster.py's; here: writes resumed
        print("kill of %s: write stall %.2f s, %d × 503"
              % (kill.name, kill.stall, kill.unavailable))


@pytest.mark.timeout(600)
def test_a_call_in_flight_on_the_dead_node_is_answered_within_the_timeout(clustered, nodes):
    system = clustered()
    world = build_world(system)
    client = world.as_user("rev_ganzhou")
    assert client.get("/api/v1/activities").status_code == 200
    (node,) = wait_for(lambda: gateway_nodes(system), 30, "the gateway's connection")
    activities = system.processes["activities"]
    answers = []
    os.kill(activities.pid, signal.SIGSTOP)  # the call waits in the service's queue
    try:
        began = time.monotonic()
        caller = threading.Thread(target=lambda: answers.append(
            client.get("/api/v1/activities")))
        caller.start()
        wait_for(lambda: sum(system.broker.queue_counts("rpc-activities")[:2]) >= 1, 30,
                 "the call waiting in rpc-activities")
        cluster("kill", nodes, str(node))
    finally:
        os.kill(activities.pid, signal.SIGCONT)
    caller.join(timeout=60)
    elapsed = time.monotonic() - began
    (answer,) = answers
    # its reply may find the caller's reply queue made anew on another node; if not,
    # the gateway gives up at CM_RPC_TIMEOUT
    assert answer.status_code in (200, 503), answer.text
    assert elapsed < RPC_TIMEOUT + 3, elapsed
    if answer.status_code == 503:
        assert answer.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    retried = wait_for(lambda: client.get("/api/v1/activities").status_code == 200,
                       RPC_TIMEOUT * 3, "a retry answered")
    assert retried and node not in gateway_nodes(system)
