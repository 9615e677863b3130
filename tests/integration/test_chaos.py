"""Nothing lost, nothing doubled: a stream of approvals through kills, drains, duplicate
deliveries, replicas, and restarts of the broker and the database."""
import signal
import subprocess

import pytest

from tests.support.events import outbox_envelopes, publish
from tests.support.stream import Stream, reconcile
from tests.support.waiting import wait_for
from tests.support.world import build_world

CHAOS_ENV = {"CM_RETRY_DELAYS": "0.5,1,2,4,8"}  # outlive a restart before dead-lettering


def assert_whole(result):
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    assert result["doubled_notices"] == 0, result
    assert result["decisions"] == result["approvals"], result
    assert result["fund_granted_fen"] == result["ledger_fen"] == result["decisions_fen"], result
    assert result["fund_granted_fen"] <= result["budget_fen"], result


def world_of(fresh_system):
    return build_world(fresh_system(CHAOS_ENV))


def test_consumers_killed_mid_stream(fresh_system):
    world = world_of(fresh_system)
    system = world.system
    victims = {6: "subsidies", 14: "notify", 22: "library"}

    def between(index):
        if index in victims:
            system.kill(victims[index])               # SIGKILL, work in hand or not
        if index - 3 in victims:
            system.start(victims[index - 3])          # back after a few more approvals
    stream = Stream(world)
    stream.push(30, between)
    assert_whole(reconcile(stream))


def test_sigterm_drains_in_flight_work(fresh_system):
    world = world_of(fresh_system)
    system = world.system

    def between(index):
        if index in (5, 15):
            system.kill("subsidies", signal.SIGTERM)  # graceful: finish or return, then exit
            assert system.processes["subsidies"].returncode == 0
            system.start("subsidies")
        if index == 10:
            system.kill("activities", signal.SIGTERM)
            system.start("activities")
    stream = Stream(world)
    stream.push(20, between)
    assert_whole(reconcile(stream))


def test_every_event_delivered_twice(fresh_system):
    world = world_of(fresh_system)
    system = world.system
    stream = Stream(world)
    stream.push(15)
    reconcile(stream)
    sent = 0
    for producer, event_type in [("activities", "activity_reported"),
                                 ("activities", "activity_approved"),
                                 ("subsidies", "subsidy_granted"),
                                 ("subsidies", "subsidy_declined")]:
        for envelope in outbox_envelopes(system, producer, event_type):
            publish(system, envelope)
            sent += 1
    wait_for(lambda: sum(system.metric(s, "cm_inbox_duplicates_total")
                         for s in ("subsidies", "notify", "library")) >= sent, 60,
             "every duplicate to be skipped")
    assert_whole(reconcile(stream))


def test_two_replicas_of_every_service(fresh_system):
    world = world_of(fresh_system)
    system = world.system
    for name in ("activities", "subsidies", "library", "notify"):
        system.start_replica(name)
    stream = Stream(world)
    stream.push(30)
    assert_whole(reconcile(stream))
    for name in ("subsidies", "notify"):  # both replicas took their share of the work
        for process in (name, name + "-2"):
            assert system.metric(process, "cm_events_handled_total",
                                 {"event_type": "activity_approved"}) > 0, process


@pytest.mark.broker_restart
def test_broker_restarted_mid_stream(fresh_system):
    world = world_of(fresh_system)

    def between(index):
        if index == 8:
            subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
            subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)
    stream = Stream(world)
    # nameko stops a service whose ack meets the reset socket; supervisord starts it again
    with world.system.supervised():
        stream.push(20, between)
        assert_whole(reconcile(stream))


@pytest.mark.broker_restart
def test_postgres_restarted_mid_stream(fresh_system, backend):
    if backend != "postgres":
        pytest.skip("restarts PostgreSQL: runs in the PostgreSQL pass")
    world = world_of(fresh_system)

    def between(index):
        if index == 8:
            version = subprocess.run("ls /etc/postgresql | sort -V | tail -1", shell=True,
                                     capture_output=True, text=True).stdout.strip()
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
                            "restart"], check=True, timeout=120)
    stream = Stream(world)
    stream.push(20, between)
    assert_whole(reconcile(stream))
