"""Crashes for real: a SIGKILLed consumer mid-transaction, an outbox row while the broker is away."""
import subprocess

from services.activities.models import MESSAGING
from services.activities.events import activity_facts
from services.common.unit_of_work import UnitOfWork
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from tests.support.events import count_rows
from tests.support.locks import writes_blocked
from tests.support.waiting import wait_for
from tests.support.world import activity_body, build_world

APPROVALS_QUEUE = "subsidies.activities.activity_approved"


def decisions_of(client, activity_id):
    return client.get("/api/v1/subsidies", activity_id=activity_id).json()


def test_subsidies_killed_before_commit_decides_once_after_restart(fresh_system):
    system = fresh_system()
    world = build_world(system)
    union_admin = world.as_user("ua_power")
    activity = union_admin.post("/api/v1/activities",
                                activity_body(world.unions["power"]["id"])).json()

    with writes_blocked(system, "subsidies", "funds"):
        assert world.as_user("rev_ganzhou").post(
            "/api/v1/activities/%d/approve" % activity["id"]).status_code == 200
        # The handler holds the message (unacknowledged) and waits on the database.
        wait_for(lambda: (system.broker.queue_counts(APPROVALS_QUEUE) or (0, 0, 0))[1] == 1,
                 30, "subsidies to take the approval")
        system.kill("subsidies")  # SIGKILL, before its transaction could commit

    assert count_rows(system, "subsidies", "subsidies") == 0
    system.start("subsidies")
    decisions = wait_for(lambda: decisions_of(union_admin, activity["id"]), 30,
                         "the decision after the restart")
    assert len(decisions) == 1 and decisions[0]["status"] == "granted"
    assert count_rows(system, "subsidies", "ledger") == 1
    assert count_rows(system, "subsidies", "inbox") == 1
    fund = system.client().get("/api/v1/funds/%d" % world.fund["id"]).json()
    assert fund["granted"] == decisions[0]["amount"]
    wait_for(lambda: [n for n in union_admin.get("/api/v1/notifications").json()["items"]
                      if n["event_type"] == "subsidy_granted"], 20, "the subsidy notice")


def test_an_outbox_row_written_while_the_broker_is_down_is_published_after(fresh_system):
    system = fresh_system()
    world = build_world(system)
    union_admin = world.as_user("ua_power")
    activity = union_admin.post("/api/v1/activities",
                                activity_body(world.unions["power"]["id"])).json()
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
    try:
        answer = world.as_user("rev_ganzhou").post(
            "/api/v1/activities/%d/approve" % activity["id"])
        assert answer.status_code == 503  # the gateway cannot reach activities
        _approve_in_the_database(system, activity["id"])
        assert count_rows(system, "activities", "outbox", "sent_at IS NULL") == 1
    finally:
        subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)
        subprocess.run(["rabbitmqctl", "-q", "await_startup"], check=True, timeout=120)

    wait_for(lambda: count_rows(system, "activities", "outbox", "sent_at IS NULL") == 0, 60,
             "the relay to publish the row")
    decisions = wait_for(lambda: decisions_of(union_admin, activity["id"]), 60,
                         "the decision once the broker is back")
    assert len(decisions) == 1 and decisions[0]["status"] == "granted"


def _approve_in_the_database(system, activity_id):
    """What the approve entrypoint commits: the state change and its outbox row, together."""
    from services.activities.models import Activity, Union
    engine = create_engine(system.database_url("activities"))
    sessions = sessionmaker(engine, expire_on_commit=False)
    with UnitOfWork(sessions, MESSAGING, "activities", "test-correlation") as uow:
        activity = uow.session.get(Activity, activity_id)
        activity.status = "approved"
        union = uow.session.get(Union, activity.union_id)
        uow.emit("activity_approved", activity_facts(activity, union, "rev_ganzhou"))
        uow.commit()
    engine.dispose()
