"""A duplicated activity_approved delivery changes nothing: one decision, one notice each."""
from tests.support.events import count_rows, outbox_envelopes, publish
from tests.support.waiting import wait_for
from tests.support.world import activity_body


def test_a_duplicated_approval_yields_one_decision_and_one_notification_each(world):
    system = world.system
    union_admin = world.as_user("ua_power")
    activity = union_admin.post("/api/v1/activities",
                                activity_body(world.unions["power"]["id"])).json()
    assert world.as_user("rev_ganzhou").post(
        "/api/v1/activities/%d/approve" % activity["id"]).status_code == 200
    wait_for(lambda: union_admin.get("/api/v1/subsidies", activity_id=activity["id"]).json(),
             20, "the first decision")
    approved = [e for e in outbox_envelopes(system, "activities", "activity_approved")
                if e["data"]["activity_id"] == activity["id"]]
    assert len(approved) == 1
    duplicates_before = {service: system.metric(service, "cm_inbox_duplicates_total",
                                                {"event_type": "activity_approved"})
                         for service in ("subsidies", "notify")}

    publish(system, approved[0], times=2)  # the broker delivers it twice more

    for service in ("subsidies", "notify"):
        wait_for(lambda: system.metric(service, "cm_inbox_duplicates_total",
                                       {"event_type": "activity_approved"})
                 >= duplicates_before[service] + 2, 20, "%s to skip both copies" % service)
    decisions = union_admin.get("/api/v1/subsidies", activity_id=activity["id"]).json()
    assert len(decisions) == 1
    assert count_rows(system, "subsidies", "ledger", "subsidy_id = :s",
                      {"s": decisions[0]["id"]}) == 1
    event_id = approved[0]["event_id"]
    assert count_rows(system, "notify", "notifications", "event_id = :e", {"e": event_id}) == 1
    fund = system.client().get("/api/v1/funds/%d" % world.fund["id"]).json()
    assert fund["granted"] == decisions[0]["amount"]
