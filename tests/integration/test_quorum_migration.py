"""From classic to quorum queues on a running deployment's vhost: the redeclaration is
refused until the classic queues are gone; scripts/queues_to_quorum.py removes them only
once they are empty; nothing written before or after the switch is lost or doubled."""
import subprocess
import sys

import pytest

from tests.support.stream import Stream, reconcile
from tests.support.system import ROOT, SERVICES
from tests.support.waiting import wait_for
from tests.support.world import build_world
from tests.integration.test_quorum_queues import queue_types

# queue types are the broker's: the database plays no part here that differs
pytestmark = pytest.mark.one_backend

OURS = ("activities.", "subsidies.", "library.", "notify.", "rpc-")


def our_types(vhost):
    return {name: kind for name, kind in queue_types(vhost).items() if name.startswith(OURS)}


def migrate(vhost, *flags):
    return subprocess.run([sys.executable, "scripts/queues_to_quorum.py", vhost, *flags],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_a_classic_deployment_moves_to_quorum_queues(fresh_system):
    system = fresh_system()
    world = build_world(system)
    stream = Stream(world)
    stream.push(3)
    assert reconcile(stream)["decisions"] == 3
    vhost = system.broker.vhost

    refused = migrate(vhost)  # the services still consume: nothing is deleted
    assert refused.returncode != 0 and "nothing deleted" in refused.stderr, refused
    assert set(our_types(vhost).values()) == {"classic"}

    # the path of docs/broker_cluster.md: gateway first, the queues empty, then services
    system.kill("gateway", sig=15)
    wait_for(lambda: all(counts[0] == 0 and counts[1] == 0 for counts in
                         (system.broker.queue_counts(name) for name in our_types(vhost)
                          if not name.startswith("rpc")) if counts), 60, "empty queues")
    for name in SERVICES:
        system.kill(name, sig=15)
    checked = migrate(vhost, "--check")
    assert checked.returncode == 0 and "would delete" in checked.stdout, checked
    assert set(our_types(vhost).values()) == {"classic"}  # --check deleted nothing
    done = migrate(vhost)
    assert done.returncode == 0, done

    system.env["CM_QUORUM_QUEUES"] = "true"
    system.start()
    ours = our_types(vhost)
    assert ours and set(ours.values()) == {"quorum"}, ours
    stream.push(3)
    result = reconcile(stream)
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    assert result["decisions"] == result["approvals"] == 6, result


def test_a_quorum_redeclaration_of_a_classic_queue_is_refused(fresh_system):
    """What the migration is for: RabbitMQ answers PRECONDITION_FAILED."""
    import pytest
    from amqp.exceptions import PreconditionFailed
    from kombu import Connection, Queue
    system = fresh_system(start=False)
    with Connection(system.broker.uri) as connection:
        Queue("notify.tests.kind", durable=True)(connection.channel()).declare()
        with pytest.raises(PreconditionFailed) as refused:
            Queue("notify.tests.kind", durable=True,
                  queue_arguments={"x-queue-type": "quorum"})(connection.channel()).declare()
    assert "x-queue-type" in str(refused.value)
