"""Quorum queues, switched on by config for clustered brokers, carry the same pipeline."""
import subprocess

from tests.support.stream import Stream, reconcile
from tests.support.world import build_world


def queue_types(vhost):
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return dict(line.split("\t")[:2] for line in out.splitlines() if "\t" in line)


def test_quorum_queues_by_config(fresh_system):
    system = fresh_system({"CM_QUORUM_QUEUES": "true"})
    world = build_world(system)
    stream = Stream(world)
    stream.push(5)
    result = reconcile(stream)
    assert result["lost"] == 0 and result["duplicated"] == 0
    types = queue_types(system.broker.vhost)
    event_queues = {name: kind for name, kind in types.items()
                    if name.startswith(("subsidies.", "notify.", "library."))}
    assert event_queues and set(event_queues.values()) == {"quorum"}, types
