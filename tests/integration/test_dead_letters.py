"""A handler that always fails ends as a dead letter after its retries; once the fault is
fixed, a re-drive completes it exactly once."""
import subprocess
import sys

from sqlalchemy import create_engine, text

from tests.support.system import ROOT
from tests.support.waiting import wait_for
from tests.support.world import activity_body, build_world


def rename_table(system, service, old, new):
    engine = create_engine(system.database_url(service))
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE %s RENAME TO %s" % (old, new)))
    engine.dispose()


def test_a_failing_handler_is_dead_lettered_then_redriven_once(fresh_system):
    system = fresh_system()
    world = build_world(system)
    ops = world.as_user("ops")
    union_admin = world.as_user("ua_power")
    activity = union_admin.post("/api/v1/activities",
                                activity_body(world.unions["power"]["id"])).json()
    rename_table(system, "subsidies", "ledger", "ledger_away")  # every grant now fails
    try:
        assert world.as_user("rev_ganzhou").post(
            "/api/v1/activities/%d/approve" % activity["id"]).status_code == 200
        letters = wait_for(lambda: ops.get("/api/v1/dead-letters").json()["items"], 30,
                           "the dead letter")
    finally:
        rename_table(system, "subsidies", "ledger_away", "ledger")  # the fault is fixed
    assert len(letters) == 1
    letter = letters[0]
    assert letter["service"] == "subsidies" and letter["event_type"] == "activity_approved"
    assert letter["attempts"] == 3  # the first try and the two configured retries
    assert "ledger" in letter["error"]
    assert system.metric("subsidies", "cm_event_retries_total") >= 2
    assert system.metric("subsidies", "cm_dead_letters_open") == 1
    assert union_admin.get("/api/v1/subsidies", activity_id=activity["id"]).json() == []

    cli = subprocess.run([sys.executable, "scripts/dead_letters.py", "list"], cwd=ROOT,
                         env=system.env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and "activity_approved" in cli.stdout, cli.stderr

    redriven = ops.post("/api/v1/dead-letters/redrive", {"service": "subsidies"})
    assert redriven.status_code == 200 and redriven.json()["redriven"] == [letter["id"]]
    decisions = wait_for(lambda: union_admin.get("/api/v1/subsidies",
                                                 activity_id=activity["id"]).json(), 30,
                         "the decision after the re-drive")
    assert len(decisions) == 1 and decisions[0]["status"] == "granted"
    assert ops.get("/api/v1/dead-letters").json()["items"] == []
    again = ops.post("/api/v1/dead-letters/redrive", {"service": "subsidies",
                                                      "ids": [letter["id"]]})
    assert again.status_code == 404  # a letter is re-driven once
    assert system.metric("subsidies", "cm_dead_letters_open") == 0
